import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.js';
import { fsStore, type FsWriteStep } from '../../src/store/fs.js';
import { blobStoreConformance } from './conformance.js';

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zv-fs-'));
  temps.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

blobStoreConformance(
  'fs',
  async () => {
    const dir = await tempDir();
    return { store: fsStore({ dir: join(dir, 'nested', 'root') }), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
  { propertyRuns: 25 },
);

const b = (text: string): Uint8Array => utf8(text);
const STEPS: FsWriteStep[] = ['mkdir', 'open', 'write', 'fsync', 'close', 'rename', 'fsync-dir'];

class Crash extends Error {}

/** A store that "crashes" at the first time `step` is reached after `arm()`. */
function crashingStore(dir: string, step: FsWriteStep): { store: ReturnType<typeof fsStore>; arm: () => void } {
  let armed = false;
  const store = fsStore({
    dir,
    beforeStep: (s) => {
      if (armed && s === step) {
        armed = false;
        throw new Crash(`crash at ${s}`);
      }
    },
  });
  return { store, arm: () => (armed = true) };
}

/** Files in a vault directory other than record files. */
async function strays(dir: string): Promise<string[]> {
  const vaults = await readdir(dir);
  const names = (await Promise.all(vaults.map((v) => readdir(join(dir, v))))).flat();
  return names.filter((n) => !/^r-.+\.zv$/.test(n));
}

describe('fs: crash safety', () => {
  for (const step of STEPS) {
    test(`a crash at "${step}" while updating leaves the old or the new record, whole`, async () => {
      const dir = await tempDir();
      const { store, arm } = crashingStore(dir, step);
      await store.put('v', 'r', b('old'));
      arm();
      await expect(store.put('v', 'r', b('new'.repeat(1000)), { ifVersion: 1 })).rejects.toMatchObject({ code: 'STORAGE' });
      // A fresh store on the same directory, as after a restart.
      const reopened = fsStore({ dir });
      const got = await reopened.get('v', 'r');
      if (step === 'fsync-dir') expect(got).toEqual({ data: b('new'.repeat(1000)), version: 2 });
      else expect(got).toEqual({ data: b('old'), version: 1 });
      expect(await strays(dir)).toEqual([]);
      // The store carries on from whichever version survived.
      const next = (got?.version ?? 0) + 1;
      expect(await reopened.put('v', 'r', b('after'), { ifVersion: got?.version ?? null })).toEqual({ version: next });
    });

    test(`a crash at "${step}" while creating leaves no record or the whole record`, async () => {
      const dir = await tempDir();
      const { store, arm } = crashingStore(dir, step);
      arm();
      await expect(store.put('v', 'r', b('new'), { ifVersion: null })).rejects.toMatchObject({ code: 'STORAGE' });
      const got = await fsStore({ dir }).get('v', 'r');
      expect(got === null || (got.version === 1 && new TextDecoder().decode(got.data) === 'new')).toBe(true);
      if (step !== 'fsync-dir') expect(got).toBeNull();
      expect((await fsStore({ dir }).list('v')).items.length).toBe(got === null ? 0 : 1);
    });

    test(`a crash at "${step}" while deleting leaves the record or its tombstone`, async () => {
      const dir = await tempDir();
      const { store, arm } = crashingStore(dir, step);
      await store.put('v', 'r', b('x'));
      await store.put('v', 'r', b('y'));
      arm();
      await expect(store.delete('v', 'r', { ifVersion: 2 })).rejects.toMatchObject({ code: 'STORAGE' });
      const reopened = fsStore({ dir });
      const got = await reopened.get('v', 'r');
      if (step === 'fsync-dir') expect(got).toBeNull();
      else expect(got).toEqual({ data: b('y'), version: 2 });
      // Either way the next version is 3: the tombstone remembers 2.
      expect(await reopened.put('v', 'r', b('z'))).toEqual({ version: 3 });
    });
  }

  test('a stray half-written temporary file is ignored', async () => {
    const dir = await tempDir();
    const store = fsStore({ dir });
    await store.put('v', 'r', b('whole'));
    const [vaultDir] = await readdir(dir);
    await writeFile(join(dir, vaultDir as string, '.tmp-deadbeef'), Buffer.from('ZVB1\x01garbage'));
    await writeFile(join(dir, vaultDir as string, 'notes.txt'), 'unrelated');
    expect(await store.get('v', 'r')).toEqual({ data: b('whole'), version: 1 });
    expect((await store.list('v')).items).toEqual([{ id: 'r', version: 1 }]);
  });

  test('a truncated or foreign record file is STORAGE, never wrong bytes', async () => {
    const dir = await tempDir();
    const store = fsStore({ dir });
    await store.put('v', 'r', b('0123456789'));
    const [vaultDir] = await readdir(dir);
    const path = join(dir, vaultDir as string, 'r-r.zv');
    const good = await readFile(path);
    const cases: Uint8Array[] = [
      good.subarray(0, good.length - 1),
      good.subarray(0, 10),
      new Uint8Array(0),
      Buffer.concat([good, Buffer.from([0])]),
      Buffer.concat([Buffer.from('XXXX'), good.subarray(4)]),
      Buffer.concat([good.subarray(0, 4), Buffer.from([9]), good.subarray(5)]),
      Buffer.concat([good.subarray(0, 5), Buffer.alloc(8), good.subarray(13)]),
    ];
    for (const bad of cases) {
      await writeFile(path, bad);
      await expect(store.get('v', 'r')).rejects.toMatchObject({ code: 'STORAGE' });
      await expect(store.put('v', 'r', b('x'))).rejects.toMatchObject({ code: 'STORAGE' });
      await expect(store.list('v')).rejects.toMatchObject({ code: 'STORAGE' });
    }
    await writeFile(path, good);
    expect(await store.get('v', 'r')).toEqual({ data: b('0123456789'), version: 1 });
  });

  test('records persist across store instances', async () => {
    const dir = await tempDir();
    await fsStore({ dir }).put('v', 'r', b('kept'));
    await fsStore({ dir }).delete('v', 'gone-never-existed');
    expect(await fsStore({ dir }).get('v', 'r')).toEqual({ data: b('kept'), version: 1 });
  });

  test('file names are lower-case only, so case-insensitive file systems cannot merge records', async () => {
    const dir = await tempDir();
    const store = fsStore({ dir });
    await store.put('MyVault', 'Note', b('1'));
    await store.put('MyVault', 'note', b('2'));
    const vaults = await readdir(dir);
    expect(vaults).toEqual(['v-~my~vault']);
    const files = (await readdir(join(dir, 'v-~my~vault'))).sort();
    expect(files).toEqual(['r-note.zv', 'r-~note.zv']);
    for (const name of [...vaults, ...files]) expect(name).toBe(name.toLowerCase());
  });

  test('two store instances on one directory share the per-record lock', async () => {
    const dir = await tempDir();
    const one = fsStore({ dir });
    const two = fsStore({ dir: join(dir, '.', '') });
    await one.put('v', 'r', b('start'));
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? one : two).put('v', 'r', b(`w${i}`), { ifVersion: 1 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await one.get('v', 'r'))?.version).toBe(2);
  });

  test('a failed write does not poison the lock', async () => {
    const dir = await tempDir();
    const { store, arm } = crashingStore(dir, 'rename');
    await store.put('v', 'r', b('a'));
    arm();
    const [failed, ok] = await Promise.allSettled([store.put('v', 'r', b('b')), store.put('v', 'r', b('c'))]);
    expect(failed).toMatchObject({ status: 'rejected', reason: { code: 'STORAGE' } });
    expect(ok).toMatchObject({ status: 'fulfilled', value: { version: 2 } });
  });

  test('an unusable root directory is STORAGE', async () => {
    const dir = await tempDir();
    const file = join(dir, 'file');
    await writeFile(file, 'not a directory');
    const store = fsStore({ dir: file });
    await expect(store.put('v', 'r', b('x'))).rejects.toMatchObject({ code: 'STORAGE' });
    expect(await store.get('v', 'r')).toBeNull();
    expect(await store.list('v')).toEqual({ items: [] });
  });

  test('options are validated', () => {
    expect(() => fsStore({ dir: '' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => fsStore(null as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => fsStore({ dir: 'x', beforeStep: 1 as never })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
