/**
 * `indexedDbStore({ name })`: a `BlobStore` in the browser's IndexedDB, on
 * `idb`.
 *
 * Three object stores keyed by `[vault, id]`: `heads` (live version),
 * `tombstones` (last version of a deleted id) and `data` (the bytes). A
 * listing reads `heads` only, never the bytes. Every operation is one
 * transaction, so a conditional write's version check and its write are
 * atomic, and a `putMany` batch is all-or-nothing. A failed or aborted
 * transaction (quota exceeded, storage cleared, tab closing) is `STORAGE`,
 * and IndexedDB rolls it back: earlier data stays intact.
 *
 * Outside a browser, `idb` needs the IndexedDB classes (`IDBRequest`,
 * `IDBDatabase`, `IDBTransaction`, `IDBObjectStore`, `IDBIndex`,
 * `IDBCursor`) as globals, e.g. from `fake-indexeddb/auto`; the factory
 * itself can still be passed explicitly.
 *
 * @module
 */
import { wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import { ZeroVaultError } from '../errors.js';
import {
  assertData,
  assertIds,
  assertName,
  conflict,
  parseDeleteOptions,
  parseEntries,
  parseListOptions,
  parsePutOptions,
  preconditionHolds,
  type BatchBlobStore,
  type BlobRecord,
  type CheckedEntry,
  type DeleteOptions,
  type ListEntry,
  type ListOptions,
  type ListPage,
  type PutManyEntry,
  type PutOptions,
  type PutResult,
} from './types.js';

type Key = [vault: string, id: string];

interface Schema extends DBSchema {
  heads: { key: Key; value: number };
  tombstones: { key: Key; value: number };
  data: { key: Key; value: Uint8Array };
}

type Db = IDBPDatabase<Schema>;
type WriteTx = IDBPTransaction<Schema, StoreNames<Schema>[], 'readwrite'>;

const SCHEMA_VERSION = 1;
const ALL: StoreNames<Schema>[] = ['heads', 'tombstones', 'data'];

/** The part of `IDBKeyRange` the store uses. */
export interface KeyRangeFactory {
  bound(lower: unknown, upper: unknown, lowerOpen?: boolean, upperOpen?: boolean): IDBKeyRange;
}

/** Options for {@link indexedDbStore}. */
export interface IndexedDbStoreOptions {
  /** The database name; one store per name. */
  readonly name: string;
  /**
   * The IndexedDB factory; default: the global `indexedDB`, read at first
   * use. Pass one explicitly (e.g. `fake-indexeddb` in Node) to avoid
   * installing a global.
   */
  readonly indexedDB?: IDBFactory;
  /** The matching `IDBKeyRange`; default: the global one. Pass it along with `indexedDB`. */
  readonly IDBKeyRange?: KeyRangeFactory;
}

/** An IndexedDB `BlobStore`; `close()` releases the connection (the next operation reopens it). */
export interface IndexedDbStore extends BatchBlobStore {
  /** Closes the database connection. Safe to call more than once. */
  close(): void;
}

function storageError(cause: unknown): ZeroVaultError {
  if (typeof cause === 'object' && cause !== null && (cause as { name?: unknown }).name === 'ZeroVaultError') return cause as ZeroVaultError;
  return new ZeroVaultError('STORAGE', 'IndexedDB operation failed', { cause });
}

/** Aborts a transaction after an error so no partial write can commit. */
function abortQuietly(tx: WriteTx): void {
  try {
    tx.abort();
  } catch {
    // Already finished or aborted.
  }
}

/**
 * Marks a request's promise as handled: if a later call in the same
 * transaction throws and we abort, the earlier requests reject too, and
 * those rejections are expected.
 */
function track<T>(writes: Promise<unknown>[], request: Promise<T>): void {
  request.catch(() => {});
  writes.push(request);
}

class IdbStore implements IndexedDbStore {
  readonly #name: string;
  readonly #factory: IDBFactory | undefined;
  readonly #keyRange: KeyRangeFactory | undefined;
  #db: Promise<Db> | undefined;

  constructor(options: IndexedDbStoreOptions) {
    this.#name = options.name;
    this.#factory = options.indexedDB;
    this.#keyRange = options.IDBKeyRange;
  }

  #open(): Promise<Db> {
    if (this.#db !== undefined) return this.#db;
    const factory = this.#factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (factory === undefined) return Promise.reject(new ZeroVaultError('STORAGE', 'IndexedDB is not available'));
    const opening = new Promise<Db>((resolve, reject) => {
      const request = factory.open(this.#name, SCHEMA_VERSION);
      request.onupgradeneeded = (event) => {
        const raw = request.result;
        if (event.oldVersion < 1) for (const store of ALL) raw.createObjectStore(store);
      };
      request.onsuccess = () => {
        const raw = request.result;
        try {
          // Another connection wants a newer schema, or the browser dropped
          // the database: let go, and reopen on the next operation.
          raw.onversionchange = () => this.close();
          raw.onclose = () => {
            if (this.#db === opening) this.#db = undefined;
          };
          resolve(wrap(raw) as unknown as Db);
        } catch (err) {
          // `idb` needs the IndexedDB classes as globals (see the module comment).
          raw.close();
          reject(storageError(err));
        }
      };
      request.onerror = () => reject(storageError(request.error));
    });
    this.#db = opening;
    opening.catch(() => {
      if (this.#db === opening) this.#db = undefined;
    });
    return opening;
  }

  #range(vault: string, after: string | undefined): IDBKeyRange {
    const factory = this.#keyRange ?? (globalThis as { IDBKeyRange?: KeyRangeFactory }).IDBKeyRange;
    if (factory === undefined) throw new ZeroVaultError('STORAGE', 'IDBKeyRange is not available');
    // Arrays sort after strings, so [vault, []] bounds every [vault, id].
    return after === undefined ? factory.bound([vault, ''], [vault, []]) : factory.bound([vault, after], [vault, []], true, false);
  }

  close(): void {
    const db = this.#db;
    this.#db = undefined;
    void db?.then((d) => d.close(), () => {});
  }

  /** Runs `fn` in one readwrite transaction; any failure aborts it and becomes `STORAGE` (or stays `CONFLICT`). */
  async #write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    let tx: WriteTx | undefined;
    try {
      const db = await this.#open();
      tx = db.transaction(ALL, 'readwrite');
      const [result] = await Promise.all([fn(tx), tx.done]);
      return result;
    } catch (err) {
      if (tx !== undefined) abortQuietly(tx);
      throw storageError(err);
    }
  }

  async get(vault: string, id: string): Promise<BlobRecord | null> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    const [result] = await this.#getMany(vault, [id]);
    return result ?? null;
  }

  async getMany(vault: string, ids: readonly string[]): Promise<(BlobRecord | null)[]> {
    assertName(vault, 'vault');
    assertIds(ids);
    return this.#getMany(vault, [...ids]);
  }

  /** One readonly transaction: every record is read from the same snapshot. */
  async #getMany(vault: string, ids: readonly string[]): Promise<(BlobRecord | null)[]> {
    try {
      const db = await this.#open();
      const tx = db.transaction(['heads', 'data'], 'readonly');
      const heads = tx.objectStore('heads');
      const data = tx.objectStore('data');
      const reads = ids.map((id) => Promise.all([heads.get([vault, id]), data.get([vault, id])]));
      const [records] = await Promise.all([Promise.all(reads), tx.done]);
      return records.map(([version, bytes]) => (version === undefined || bytes === undefined ? null : { data: bytes, version }));
    } catch (err) {
      throw storageError(err);
    }
  }

  async put(vault: string, id: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    assertData(data);
    const ifVersion = parsePutOptions(options);
    const [result] = await this.#putChecked(vault, [{ id, data: new Uint8Array(data), ifVersion }]);
    return result as PutResult;
  }

  /** One transaction for the whole batch: all-or-nothing. */
  async putMany(vault: string, entries: readonly PutManyEntry[]): Promise<PutResult[]> {
    assertName(vault, 'vault');
    return this.#putChecked(vault, parseEntries(entries));
  }

  async #putChecked(vault: string, entries: readonly CheckedEntry[]): Promise<PutResult[]> {
    return this.#write(async (tx) => {
      const heads = tx.objectStore('heads');
      const tombstones = tx.objectStore('tombstones');
      const data = tx.objectStore('data');
      const found = await Promise.all(entries.map(({ id }) => Promise.all([heads.get([vault, id]), tombstones.get([vault, id])])));
      const versions = entries.map(({ ifVersion }, i) => {
        const [head, tombstone] = found[i] as [number | undefined, number | undefined];
        if (!preconditionHolds(head, ifVersion)) throw conflict();
        return (head ?? tombstone ?? 0) + 1;
      });
      const writes: Promise<unknown>[] = [];
      entries.forEach(({ id, data: bytes }, i) => {
        // The copy made at the boundary owns a tight buffer: structured clone stores exactly these bytes.
        track(writes, data.put(bytes, [vault, id]));
        track(writes, heads.put(versions[i] as number, [vault, id]));
        if ((found[i] as [unknown, number | undefined])[1] !== undefined) track(writes, tombstones.delete([vault, id]));
      });
      await Promise.all(writes);
      return versions.map((version) => ({ version }));
    });
  }

  async delete(vault: string, id: string, options?: DeleteOptions): Promise<void> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    const ifVersion = parseDeleteOptions(options);
    await this.#write(async (tx) => {
      const key: Key = [vault, id];
      const head = await tx.objectStore('heads').get(key);
      if (!preconditionHolds(head, ifVersion)) throw conflict();
      if (head === undefined) return;
      const writes: Promise<unknown>[] = [];
      track(writes, tx.objectStore('heads').delete(key));
      track(writes, tx.objectStore('data').delete(key));
      track(writes, tx.objectStore('tombstones').put(head, key));
      await Promise.all(writes);
    });
  }

  async list(vault: string, options?: ListOptions): Promise<ListPage> {
    assertName(vault, 'vault');
    const { after, limit } = parseListOptions(options);
    try {
      const range = this.#range(vault, after);
      const db = await this.#open();
      const tx = db.transaction('heads', 'readonly');
      const [keys, versions] = await Promise.all([tx.store.getAllKeys(range, limit + 1), tx.store.getAll(range, limit + 1), tx.done]);
      const items: ListEntry[] = keys.slice(0, limit).map((key, i) => ({ id: key[1], version: versions[i] as number }));
      return keys.length > limit ? { items, next: (items[items.length - 1] as ListEntry).id } : { items };
    } catch (err) {
      throw storageError(err);
    }
  }
}

/**
 * Creates a `BlobStore` in the IndexedDB database `name` (created on first
 * use). Each operation is one transaction; `putMany` is all-or-nothing.
 *
 * @example
 * import { indexedDbStore } from 'zerovault/idb'
 * const store = indexedDbStore({ name: 'my-app' })
 *
 * @throws `INVALID_INPUT` on bad options; operations throw `STORAGE` when
 *   IndexedDB is unavailable or a transaction fails (nothing is half-written)
 */
export function indexedDbStore(options: IndexedDbStoreOptions): IndexedDbStore {
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const { name, indexedDB, IDBKeyRange } = options;
  if (typeof name !== 'string' || name.length === 0 || name.length > 256) {
    throw new ZeroVaultError('INVALID_INPUT', 'name must be a string of 1 to 256 characters');
  }
  if (indexedDB !== undefined && (typeof indexedDB !== 'object' || indexedDB === null || typeof indexedDB.open !== 'function')) {
    throw new ZeroVaultError('INVALID_INPUT', 'indexedDB must be an IDBFactory');
  }
  if (IDBKeyRange !== undefined && typeof IDBKeyRange.bound !== 'function') {
    throw new ZeroVaultError('INVALID_INPUT', 'IDBKeyRange must provide bound()');
  }
  return new IdbStore(options);
}
