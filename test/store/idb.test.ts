import { IDBCursor, IDBDatabase, IDBFactory, IDBIndex, IDBKeyRange, IDBObjectStore, IDBRequest, IDBTransaction } from 'fake-indexeddb';
import { afterEach, describe, expect, test } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.js';
import { indexedDbStore, type IndexedDbStore } from '../../src/store/idb.js';
import { blobStoreConformance } from './conformance.js';

// `idb` recognises IndexedDB objects with `instanceof` against the global
// classes, so those must exist (as in a browser). The factory itself is not
// installed: every store gets its own, passed explicitly.
Object.assign(globalThis, { IDBCursor, IDBDatabase, IDBIndex, IDBObjectStore, IDBRequest, IDBTransaction });

const fresh = (factory: IDBFactory = new IDBFactory(), name = 'zv-test'): IndexedDbStore =>
  indexedDbStore({ name, indexedDB: factory, IDBKeyRange });

blobStoreConformance(
  'idb',
  async () => {
    const store = fresh();
    return { store, cleanup: async () => store.close() };
  },
  { propertyRuns: 60 },
);

const b = (text: string): Uint8Array => utf8(text);

type PutFn = (this: IDBObjectStore, value: unknown, key?: IDBValidKey) => IDBRequest<IDBValidKey>;
const originalPut = Object.getOwnPropertyDescriptor(IDBObjectStore.prototype, 'put')?.value as PutFn;
afterEach(() => {
  IDBObjectStore.prototype.put = originalPut;
});

/** Makes object-store puts fail the way a browser does when the quota runs out. */
function failPuts(mode: 'abort' | 'throw', after = 0): void {
  let calls = 0;
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (calls++ < after) return originalPut.call(this, value, key);
    if (mode === 'throw') throw new DOMException('quota exceeded', 'QuotaExceededError');
    // The request is accepted, then the commit fails and the transaction aborts.
    const request = originalPut.call(this, value, key);
    this.transaction.abort();
    return request;
  };
}

describe('idb: failures roll back', () => {
  for (const mode of ['abort', 'throw'] as const) {
    test(`a transaction that fails (${mode}) is STORAGE and leaves earlier data intact`, async () => {
      const store = fresh();
      await store.put('v', 'r', b('kept'));
      await store.put('v', 'other', b('other'));
      failPuts(mode);
      await expect(store.put('v', 'r', b('lost'), { ifVersion: 1 })).rejects.toMatchObject({ code: 'STORAGE' });
      await expect(store.put('v', 'new', b('lost'))).rejects.toMatchObject({ code: 'STORAGE' });
      await expect(store.delete('v', 'other')).rejects.toMatchObject({ code: 'STORAGE' });
      IDBObjectStore.prototype.put = originalPut;
      expect(await store.get('v', 'r')).toEqual({ data: b('kept'), version: 1 });
      expect(await store.get('v', 'new')).toBeNull();
      expect(await store.get('v', 'other')).toEqual({ data: b('other'), version: 1 });
      expect((await store.list('v')).items).toEqual([
        { id: 'other', version: 1 },
        { id: 'r', version: 1 },
      ]);
      // The store is still usable, and versions continue where they were.
      expect(await store.put('v', 'r', b('next'), { ifVersion: 1 })).toEqual({ version: 2 });
      store.close();
    });

    test(`a batch that fails half-way (${mode}) writes nothing`, async () => {
      const store = fresh();
      await store.put('v', 'a', b('a1'));
      // Let the first entry's two puts through, fail on the second entry.
      failPuts(mode, 2);
      await expect(
        store.putMany('v', [
          { id: 'a', data: b('a2'), ifVersion: 1 },
          { id: 'b', data: b('b1') },
        ]),
      ).rejects.toMatchObject({ code: 'STORAGE' });
      IDBObjectStore.prototype.put = originalPut;
      expect(await store.getMany('v', ['a', 'b'])).toEqual([{ data: b('a1'), version: 1 }, null]);
      store.close();
    });
  }

  test('a conflict inside a batch writes nothing', async () => {
    const store = fresh();
    await store.put('v', 'a', b('a1'));
    await expect(
      store.putMany('v', [
        { id: 'b', data: b('b1') },
        { id: 'a', data: b('a2'), ifVersion: null },
      ]),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.get('v', 'b')).toBeNull();
    store.close();
  });
});

describe('idb: lifecycle', () => {
  test('data persists across close and reopen; a closed store reopens on demand', async () => {
    const factory = new IDBFactory();
    const one = fresh(factory, 'persist');
    await one.put('v', 'r', b('x'));
    await one.delete('v', 'gone-never-existed');
    one.close();
    one.close();
    expect(await one.get('v', 'r')).toEqual({ data: b('x'), version: 1 });
    one.close();
    const two = fresh(factory, 'persist');
    expect(await two.get('v', 'r')).toEqual({ data: b('x'), version: 1 });
    await two.delete('v', 'r');
    two.close();
    // The tombstone persists too.
    expect(await fresh(factory, 'persist').put('v', 'r', b('y'))).toEqual({ version: 2 });
  });

  test('databases with different names are separate', async () => {
    const factory = new IDBFactory();
    await fresh(factory, 'one').put('v', 'r', b('1'));
    expect(await fresh(factory, 'two').get('v', 'r')).toBeNull();
  });

  test('a newer schema elsewhere makes us let go; opening an old schema fails with STORAGE', async () => {
    const factory = new IDBFactory();
    const store = fresh(factory, 'upgrade');
    await store.put('v', 'r', b('x'));
    // Another tab upgrades the database; our connection must not block it.
    await new Promise<void>((resolve, reject) => {
      const request = factory.open('upgrade', 2);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error ?? new Error('open failed'));
    });
    await expect(store.get('v', 'r')).rejects.toMatchObject({ code: 'STORAGE' });
  });

  test('without a factory and without a global IndexedDB, operations are STORAGE', async () => {
    expect((globalThis as { indexedDB?: unknown }).indexedDB).toBeUndefined();
    const store = indexedDbStore({ name: 'nowhere' });
    await expect(store.get('v', 'r')).rejects.toMatchObject({ code: 'STORAGE' });
    await expect(store.list('v')).rejects.toMatchObject({ code: 'STORAGE' });
  });

  test('options are validated', () => {
    for (const bad of [null, {}, { name: '' }, { name: 'x'.repeat(257) }, { name: 'x', indexedDB: {} }, { name: 'x', IDBKeyRange: {} }]) {
      expect(() => indexedDbStore(bad as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});
