/**
 * Remembered devices in IndexedDB (browsers): database `zerovault-devices`,
 * object store `devices`, one entry per (server base URL, user id) under
 * that key: `{ v: 1, server, userId, deviceId, wrapped, key, usedAt }`,
 * where `key` is the local key `W`, a non-extractable AES-GCM `CryptoKey`
 * kept by structured clone: page script can use it, never read it.
 *
 * Looking an entry up never creates the database: an app that never
 * remembers a device leaves no trace in the profile. Only a save does.
 *
 * @module
 */
import { AEAD_OVERHEAD } from '../../crypto/aead.js';
import { concat } from '../../crypto/bytes.js';
import { randomBytes } from '../../crypto/random.js';
import { ZeroVaultError, decryptFailed } from '../../errors.js';
import { storageFailure, type EntryStorage, type StoredEntry } from './local.js';

/** The database name (the contract's; apps can clear it to forget every device of the profile). */
export const DEVICE_DB_NAME = 'zerovault-devices';
const STORE = 'devices';
const VERSION = 1;
const NONCE = 12;

type Entry = StoredEntry<CryptoKey>;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/** Opens the database; without `create`, `null` when it does not exist yet (and it is not created). */
function openDb(factory: IDBFactory, create: boolean): Promise<IDBDatabase | null> {
  return new Promise((resolve, reject) => {
    let absent = false;
    const req = factory.open(DEVICE_DB_NAME, VERSION);
    req.onupgradeneeded = (event) => {
      if (!create && event.oldVersion === 0) {
        absent = true;
        req.transaction?.abort();
        return;
      }
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => {
      const db = req.result;
      // Another tab upgrading the schema: let it.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    req.onerror = (event) => {
      if (absent) {
        event.preventDefault();
        resolve(null);
      } else reject(req.error ?? new Error('IndexedDB open failed'));
    };
  });
}

function isEntry(value: unknown): value is Entry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return (
    e.v === 1 &&
    typeof e.server === 'string' &&
    typeof e.userId === 'string' &&
    typeof e.deviceId === 'string' &&
    e.wrapped instanceof Uint8Array &&
    typeof e.usedAt === 'number' &&
    typeof CryptoKey !== 'undefined' &&
    e.key instanceof CryptoKey
  );
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) throw new ZeroVaultError('UNSUPPORTED', 'remembering a device needs WebCrypto');
  return s;
}

/**
 * The entry storage of IndexedDB.
 * @param factory - default: the global `indexedDB`, read now
 */
export function indexedDbStorage(factory: IDBFactory = globalThis.indexedDB): EntryStorage<CryptoKey> {
  if (typeof factory !== 'object' || factory === null) throw new ZeroVaultError('UNSUPPORTED', 'this platform has no IndexedDB');
  const run = async <T>(operation: string, create: boolean, mode: IDBTransactionMode, empty: T, work: (store: IDBObjectStore) => Promise<T>): Promise<T> => {
    let db: IDBDatabase | null = null;
    try {
      db = await openDb(factory, create);
      if (db === null) return empty;
      const tx = db.transaction(STORE, mode);
      const finished = done(tx);
      finished.catch(() => undefined);
      const result = await work(tx.objectStore(STORE));
      await finished;
      return result;
    } catch (cause) {
      throw storageFailure(operation, cause);
    } finally {
      db?.close();
    }
  };
  return {
    get: (server, userId) =>
      run('read', false, 'readonly', null, async (store) => {
        const value: unknown = await request(store.get([server, userId]));
        return isEntry(value) ? value : null;
      }),
    all: (server) =>
      run('read', false, 'readonly', [], async (store) => {
        const values: unknown[] = await request(store.getAll());
        return values.filter((v): v is Entry => isEntry(v) && v.server === server);
      }),
    put: (entry) =>
      run('write', true, 'readwrite', undefined, async (store) => {
        await request(store.put(entry, [entry.server, entry.userId]));
      }),
    delete: (server, userId, deviceId) =>
      run('delete', false, 'readwrite', undefined, async (store) => {
        if (deviceId !== undefined) {
          const value: unknown = await request(store.get([server, userId]));
          if (isEntry(value) && value.deviceId !== deviceId) return;
        }
        await request(store.delete([server, userId]));
      }),
    async newKey() {
      return subtle().generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    },
    async seal(key, plaintext, aad) {
      const iv = randomBytes(NONCE);
      const sealed = await subtle().encrypt({ name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, additionalData: aad as Uint8Array<ArrayBuffer> }, key, plaintext as Uint8Array<ArrayBuffer>);
      return concat(iv, new Uint8Array(sealed));
    },
    async open(key, sealed, aad) {
      if (sealed.length < AEAD_OVERHEAD) throw decryptFailed();
      try {
        const iv = sealed.slice(0, NONCE);
        const plain = await subtle().decrypt({ name: 'AES-GCM', iv, additionalData: aad as Uint8Array<ArrayBuffer> }, key, sealed.slice(NONCE));
        return new Uint8Array(plain);
      } catch {
        throw decryptFailed();
      }
    },
  };
}
