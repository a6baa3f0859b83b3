/**
 * Remembered devices in IndexedDB (fake-indexeddb): the local key is a
 * non-extractable `CryptoKey` kept by structured clone, entries are per
 * (server, user), lookups never create the database, an entry that does not
 * open is dropped, and a resume through the SDK `Client` (IndexedDB as the
 * place, no `deviceDir`) works end to end against the in-process server.
 */
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, test } from 'vitest';
import { Client } from '../../../src/client/index.js';
import { localDevices, type LocalDevices, type RememberedDevice } from '../../../src/client/devices/local.js';
import { DEVICE_DB_NAME, indexedDbStorage } from '../../../src/client/devices/local-idb.js';
import { Session } from '../../../src/client/index.js';
import { toBase64url, utf8 } from '../../../src/crypto/bytes.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { createServer, createServerSetup, memoryServerStore } from '../../../src/server/index.js';

const SERVER = 'https://api.example.com/zv';
const KSF = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;

function device(userId: string): RememberedDevice {
  return { userId, deviceId: toBase64url(randomBytes(16)), secret: randomBytes(32), rootCheck: randomBytes(32) };
}

function local(factory: IDBFactory, server = SERVER): Promise<LocalDevices> {
  // The module picks the global factory; install this one for the call.
  Object.assign(globalThis, { indexedDB: factory });
  return localDevices(server, { kind: 'indexeddb' });
}

async function databases(factory: IDBFactory): Promise<string[]> {
  return (await factory.databases()).map((d) => d.name ?? '');
}

/** The raw entries, as IndexedDB holds them. */
async function rawEntries(factory: IDBFactory): Promise<Record<string, unknown>[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = factory.open(DEVICE_DB_NAME);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error('open failed'));
  });
  try {
    return await new Promise((resolve, reject) => {
      const req = db.transaction('devices').objectStore('devices').getAll();
      req.onsuccess = () => resolve(req.result as Record<string, unknown>[]);
      req.onerror = () => reject(new Error('read failed'));
    });
  } finally {
    db.close();
  }
}

afterEach(() => {
  Reflect.deleteProperty(globalThis, 'indexedDB');
});

describe('IndexedDB device storage', () => {
  test('save, load, most recently used, remove', async () => {
    const factory = new IDBFactory();
    const store = await local(factory);
    const a = device('alice@example.com');
    const b = device('bob@example.com');
    await store.save(a);
    await new Promise((r) => setTimeout(r, 5));
    await store.save(b);
    expect(await store.load('alice@example.com')).toEqual(a);
    expect((await store.load(undefined))?.userId).toBe('bob@example.com');
    await store.touch('alice@example.com', a.deviceId);
    expect((await store.load(undefined))?.userId).toBe('alice@example.com');
    // Another server sees none of them.
    expect(await (await local(factory, 'https://other.example.com/zv')).load(undefined)).toBeNull();
    // remove with another device id is a no-op (a newer device replaced it).
    await store.remove('alice@example.com', b.deviceId);
    expect(await store.load('alice@example.com')).not.toBeNull();
    await store.remove('alice@example.com', a.deviceId);
    expect(await store.load('alice@example.com')).toBeNull();
  });

  test('the local key is a non-extractable CryptoKey; the entry holds no secret in the clear', async () => {
    const factory = new IDBFactory();
    const d = device('alice@example.com');
    await (await local(factory)).save(d);
    const [entry] = await rawEntries(factory);
    expect(entry).toMatchObject({ v: 1, server: SERVER, userId: 'alice@example.com', deviceId: d.deviceId });
    const key = (entry as { key: CryptoKey }).key;
    expect(key).toBeInstanceOf(CryptoKey);
    expect(key.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('raw', key)).rejects.toThrow();
    const wrapped = (entry as { wrapped: Uint8Array }).wrapped;
    expect(Buffer.from(wrapped).includes(Buffer.from(d.secret))).toBe(false);
  });

  test('looking up never creates the database; saving does', async () => {
    const factory = new IDBFactory();
    const store = await local(factory);
    expect(await store.load(undefined)).toBeNull();
    expect(await store.load('alice@example.com')).toBeNull();
    await store.remove('alice@example.com');
    expect(await databases(factory)).toEqual([]);
    await store.save(device('alice@example.com'));
    expect(await databases(factory)).toEqual([DEVICE_DB_NAME]);
  });

  test('an entry that does not open is dropped and reads as nothing remembered', async () => {
    const factory = new IDBFactory();
    const storage = indexedDbStorage(factory);
    const store = await local(factory);
    const d = device('alice@example.com');
    await store.save(d);
    const entry = await storage.get(SERVER, 'alice@example.com');
    const wrapped = Uint8Array.from((entry as { wrapped: Uint8Array }).wrapped);
    wrapped[20] = (wrapped[20] as number) ^ 1;
    await storage.put({ ...(entry as NonNullable<typeof entry>), wrapped });
    expect(await store.load('alice@example.com')).toBeNull();
    expect(await storage.get(SERVER, 'alice@example.com')).toBeNull();
  });
});

describe('a Client with IndexedDB as its device place', () => {
  test('remember, reload, resume, forget', async () => {
    Object.assign(globalThis, { indexedDB: new IDBFactory() });
    const zv = createServer({ setup: createServerSetup(), store: memoryServerStore(), basePath: '/zv' });
    const at = (): Client => new Client({ url: 'http://localhost/zv', fetch: (request) => zv.fetch(request), ksf: KSF });
    const userId = 'idb-user@example.com';
    const session = await at().register({ userId, password: 'pw', rememberDevice: true });
    await (await session.vault('notes')).put('n', utf8('kept'));
    await session.logout();
    const resumed = await at().resume();
    expect(resumed).toBeInstanceOf(Session);
    expect(resumed?.deviceId).toBe(session.deviceId);
    expect((await (await (resumed as Session).vault('notes')).get('n'))?.data).toEqual(utf8('kept'));
    await resumed?.logout({ forgetDevice: true });
    expect(await at().resume()).toBeNull();
  });
});
