/**
 * The `BlobStore` contract: versioned bytes, nothing else. A store never sees
 * a key or a plaintext; it holds sealed records and enforces versions.
 *
 * Contract, shared by every adapter (and checked by one conformance suite):
 *
 * - **Names.** `vault` and `id` are 1 to {@link MAX_NAME_LENGTH} characters of
 *   `[A-Za-z0-9._-]`, and neither `.` nor `..`. That set is unreserved in URLs
 *   (RFC 3986 §2.3), is a valid IndexedDB key, and maps injectively onto file
 *   names (see `fsStore`). Anything else is `INVALID_INPUT` naming `vault` or
 *   `id`.
 * - **Versions** are positive safe integers assigned by the store. A write
 *   returns the record's previous version + 1, where "previous" includes a
 *   deleted record's last version (stores keep a tombstone per deleted id);
 *   the first write of an id gets 1. So a record's versions never repeat,
 *   even across delete and re-create, and a conditional write's result is
 *   predictable (`ifVersion + 1`), which lets a caller bind it into a
 *   record's AAD before writing.
 * - **Absence is a value, not an error**: `get` of a missing or deleted record
 *   resolves `null` (the client maps it to `NOT_FOUND`).
 * - **Conditional writes** (`ifVersion`) never lose an update: a stale
 *   precondition is `CONFLICT` and changes nothing.
 * - **Ordering**: `list` is ordered by id in code-unit order (the same as byte
 *   order for this character set).
 * - **Ownership**: stores copy the bytes they are given and return bytes the
 *   caller owns.
 * - **Errors**: `INVALID_INPUT` (bad argument), `CONFLICT` (stale
 *   precondition), `STORAGE` (local medium failed), and for remote stores
 *   `NETWORK`, `AUTH_FAILED`, `RATE_LIMITED`. Always a `ZeroVaultError`.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { isBytes } from '../crypto/assert.js';

/** Longest vault or record id, in characters. Keeps encoded file names under 255 bytes. */
export const MAX_NAME_LENGTH = 100;

/** Largest blob a store accepts, in bytes (64 MiB). Sealed records are far smaller. */
export const MAX_BLOB_BYTES = 64 * 1024 * 1024;

/** Default page size of `list`. */
export const DEFAULT_LIST_LIMIT = 100;
/** Largest page size of `list`. */
export const MAX_LIST_LIMIT = 1000;

/** A stored record: its bytes and its version. */
export interface BlobRecord {
  /** The bytes, owned by the caller. */
  readonly data: Uint8Array;
  /** The record's current version (≥ 1). */
  readonly version: number;
}

/** Preconditions for `put`. */
export interface PutOptions {
  /**
   * `null`: the record must not exist (a deleted record does not exist);
   * a number: the record must exist at exactly this version;
   * absent: unconditional.
   */
  readonly ifVersion?: number | null;
}

/** Result of `put`. */
export interface PutResult {
  /** The version the write was stored under. */
  readonly version: number;
}

/** Preconditions for `delete`. */
export interface DeleteOptions {
  /** The record must exist at exactly this version; absent: unconditional. */
  readonly ifVersion?: number;
}

/** Paging for `list`. */
export interface ListOptions {
  /** Return only ids strictly after this one (the previous page's `next`). */
  readonly after?: string;
  /** Page size, 1 to {@link MAX_LIST_LIMIT}; default {@link DEFAULT_LIST_LIMIT}. */
  readonly limit?: number;
}

/** One live record in a listing. */
export interface ListEntry {
  /** The record id. */
  readonly id: string;
  /** Its current version. */
  readonly version: number;
}

/** One page of a listing. */
export interface ListPage {
  /** Live records, ordered by id, at most `limit` of them. */
  readonly items: readonly ListEntry[];
  /** Present when more may follow: pass it as `after` for the next page. */
  readonly next?: string;
}

/** One write of a `putMany` batch. */
export interface PutManyEntry {
  /** The record id. */
  readonly id: string;
  /** The bytes to store. */
  readonly data: Uint8Array;
  /** As `PutOptions.ifVersion`. */
  readonly ifVersion?: number | null;
}

/**
 * Versioned byte storage. All methods are async and reject with a
 * `ZeroVaultError`; see the module comment for the full contract.
 */
export interface BlobStore {
  /**
   * Reads a record.
   * @returns the bytes and version, or `null` when the record does not exist
   * @throws `INVALID_INPUT`, `STORAGE` (and remote errors for remote stores)
   */
  get(vault: string, id: string): Promise<BlobRecord | null>;

  /**
   * Writes a record, optionally only if it is at a given version.
   * @returns the new version: the previous one (counting tombstones) + 1
   * @throws `CONFLICT` when `ifVersion` is stale (nothing is written),
   *   `INVALID_INPUT`, `STORAGE` (and remote errors)
   */
  put(vault: string, id: string, data: Uint8Array, options?: PutOptions): Promise<PutResult>;

  /**
   * Deletes a record, keeping its last version as a tombstone. Unconditional
   * delete of a missing record does nothing.
   * @throws `CONFLICT` when `ifVersion` is given and the record is missing or
   *   at another version (nothing is deleted), `INVALID_INPUT`, `STORAGE`
   */
  delete(vault: string, id: string, options?: DeleteOptions): Promise<void>;

  /**
   * One page of the live records of a vault, ordered by id. An unknown vault
   * is an empty page.
   * @throws `INVALID_INPUT`, `STORAGE` (and remote errors)
   */
  list(vault: string, options?: ListOptions): Promise<ListPage>;

  /**
   * Optional batch read: one result per id, in order (`null` for missing).
   * Each record is read consistently; the batch as a whole need not be a
   * snapshot unless the store says so.
   */
  getMany?(vault: string, ids: readonly string[]): Promise<(BlobRecord | null)[]>;

  /**
   * Optional batch write: each entry with `put`'s semantics, versions in
   * order. Ids must be distinct. Every precondition is checked before
   * anything is written, so a `CONFLICT` writes nothing; whether a failure of
   * the medium half-way can leave a prefix written is up to the store (it
   * says so in its docs).
   */
  putMany?(vault: string, entries: readonly PutManyEntry[]): Promise<PutResult[]>;

  /**
   * The folder of a store on the local file system (`fsStore`): a client
   * over this store keeps remembered devices there unless it is given a
   * `deviceDir`. Absent for every other store.
   */
  readonly localDir?: string;
}

/** A `BlobStore` whose batch methods are present. */
export type BatchBlobStore = BlobStore & Required<Pick<BlobStore, 'getMany' | 'putMany'>>;

const NAME = /^[A-Za-z0-9._-]+$/;

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

/**
 * Asserts `value` is a valid vault or record name (see the module comment).
 * @param name - the parameter name for the error message; the value is never printed
 * @throws `INVALID_INPUT`
 */
export function assertName(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  if (value.length === 0 || value.length > MAX_NAME_LENGTH) {
    throw invalid(`${name} must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
  if (!NAME.test(value) || value === '.' || value === '..') {
    throw invalid(`${name} may contain only A-Z, a-z, 0-9, '.', '_' and '-', and must not be '.' or '..'`);
  }
}

/** True when `value` is a valid vault or record name. */
export function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_NAME_LENGTH && NAME.test(value) && value !== '.' && value !== '..';
}

/** True when `value` is a valid version (a positive safe integer). */
export function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/** Asserts `value` is a `Uint8Array` of at most {@link MAX_BLOB_BYTES}. */
export function assertData(value: unknown, name = 'data'): asserts value is Uint8Array {
  if (!isBytes(value)) throw invalid(`${name} must be a Uint8Array`);
  if (value.length > MAX_BLOB_BYTES) throw invalid(`${name} must be at most ${MAX_BLOB_BYTES} bytes`);
}

function optionsObject(options: unknown, name: string): Record<string, unknown> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalid(`${name} must be an object`);
  return options as Record<string, unknown>;
}

/**
 * Validates `put` options.
 * @returns `undefined` (unconditional), `null` (must not exist) or a version
 */
export function parsePutOptions(options: unknown): number | null | undefined {
  const ifVersion = optionsObject(options, 'options').ifVersion;
  if (ifVersion === undefined || ifVersion === null) return ifVersion;
  if (!isVersion(ifVersion)) throw invalid('ifVersion must be null or a positive integer');
  return ifVersion;
}

/** Validates `delete` options. @returns `undefined` (unconditional) or a version */
export function parseDeleteOptions(options: unknown): number | undefined {
  const ifVersion = optionsObject(options, 'options').ifVersion;
  if (ifVersion === undefined) return undefined;
  if (!isVersion(ifVersion)) throw invalid('ifVersion must be a positive integer');
  return ifVersion;
}

/** Validates `list` options. @returns the cursor (if any) and the page size */
export function parseListOptions(options: unknown): { after: string | undefined; limit: number } {
  const o = optionsObject(options, 'options');
  const after = o.after;
  if (after !== undefined) assertName(after, 'after');
  const limit = o.limit ?? DEFAULT_LIST_LIMIT;
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw invalid(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  return { after, limit };
}

/** Validates a `getMany` id list. */
export function assertIds(ids: unknown): asserts ids is readonly string[] {
  if (!Array.isArray(ids)) throw invalid('ids must be an array');
  for (const id of ids) assertName(id, 'id');
}

/** A validated `putMany` entry, with its data copied. */
export interface CheckedEntry {
  readonly id: string;
  readonly data: Uint8Array;
  readonly ifVersion: number | null | undefined;
}

/**
 * Validates a `putMany` batch (distinct ids) and copies every entry, so the
 * caller cannot change it while the store works.
 */
export function parseEntries(entries: unknown): CheckedEntry[] {
  if (!Array.isArray(entries)) throw invalid('entries must be an array');
  const seen = new Set<string>();
  const out: CheckedEntry[] = [];
  for (const entry of entries as unknown[]) {
    const e = optionsObject(entry, 'entry');
    const { id, data } = e;
    assertName(id, 'id');
    assertData(data);
    if (seen.has(id)) throw invalid('entries must have distinct ids');
    seen.add(id);
    out.push({ id, data: new Uint8Array(data), ifVersion: parsePutOptions({ ifVersion: e.ifVersion }) });
  }
  return out;
}

/**
 * The shared precondition check: given the record's current live version
 * (`undefined` when missing or deleted), does `ifVersion` hold?
 */
export function preconditionHolds(current: number | undefined, ifVersion: number | null | undefined): boolean {
  if (ifVersion === undefined) return true;
  if (ifVersion === null) return current === undefined;
  return current === ifVersion;
}

/** The `CONFLICT` error every store throws for a stale precondition. */
export function conflict(): ZeroVaultError {
  return new ZeroVaultError('CONFLICT', 'version precondition failed');
}
