/**
 * `fsStore({ dir })`: a `BlobStore` on the local file system (Node).
 *
 * Layout: `dir/v-<vault>/r-<id>.zv`, one file per record holding a fixed
 * header (magic, live/tombstone flag, version, length) and the bytes, so the
 * version and the data change together. Names are encoded so that distinct
 * names never collide on a case-insensitive file system: `[a-z0-9._-]` stay,
 * each upper-case letter becomes `~` + its lower-case form (`Note` → `~note`).
 * The prefix and `.zv` suffix keep reserved device names and trailing dots
 * away on Windows.
 *
 * Every write is atomic: write a temporary file in the same directory, fsync
 * it, rename it over the record, fsync the directory. A crash at any step
 * leaves either the old record or the new one, never a mix; at worst a stray
 * `.tmp-*` file, which readers ignore.
 *
 * Concurrency: conditional writes hold a per-record mutex shared by every
 * `fsStore` on the same directory in this process, so the version check and
 * the rename cannot interleave. Across processes there is no lock: two
 * processes writing the same record can both pass the check and the later
 * rename wins, losing an update. Give one directory to one process (or put a
 * server in front of it).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ZeroVaultError } from '../errors.js';
import {
  assertData,
  assertIds,
  assertName,
  conflict,
  isName,
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

/** The steps of one atomic write, in order; see {@link FsStoreOptions.beforeStep}. */
export type FsWriteStep = 'mkdir' | 'open' | 'write' | 'fsync' | 'close' | 'rename' | 'fsync-dir';

/** Options for {@link fsStore}. */
export interface FsStoreOptions {
  /** The root directory; created if missing. */
  readonly dir: string;
  /**
   * Fault injection for tests: called before each step of every write.
   * Throwing aborts the write at that point, as a crash would (the store
   * then reports `STORAGE`). Production code leaves it unset.
   */
  readonly beforeStep?: (step: FsWriteStep) => void;
}

// Record file: "ZVB1" | kind (1 = live, 2 = tombstone) | version u64 BE | length u64 BE | bytes.
const MAGIC = [0x5a, 0x56, 0x42, 0x31];
const HEADER = 21;
const LIVE = 1;
const TOMBSTONE = 2;

/** A record's header: its last version and whether it is live. */
interface Head {
  readonly version: number;
  readonly live: boolean;
}

function storageError(operation: string, cause: unknown): ZeroVaultError {
  if (cause instanceof ZeroVaultError) return cause;
  return new ZeroVaultError('STORAGE', `file system ${operation} failed`, { cause });
}

function corrupt(): ZeroVaultError {
  return new ZeroVaultError('STORAGE', 'record file is corrupt');
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: unknown }).code as string);
}

/** Injective, case-insensitive-safe file name of a vault or record name. */
function encodeName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `~${c.toLowerCase()}`);
}

/** The inverse of {@link encodeName}; `undefined` for anything we did not write. */
function decodeName(encoded: string): string | undefined {
  const name = encoded.replace(/~([a-z])/g, (_, c: string) => c.toUpperCase());
  return isName(name) && encodeName(name) === encoded ? name : undefined;
}

const RECORD_FILE = /^r-(.+)\.zv$/;

function encodeHeader(kind: number, version: number, length: number): Uint8Array {
  const header = new Uint8Array(HEADER);
  header.set(MAGIC, 0);
  header[4] = kind;
  const view = new DataView(header.buffer);
  view.setBigUint64(5, BigInt(version));
  view.setBigUint64(13, BigInt(length));
  return header;
}

/** Parses a header; `fileSize` must match the declared length exactly. */
function decodeHeader(bytes: Uint8Array, fileSize: number): Head & { length: number } {
  if (bytes.length < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) throw corrupt();
  const kind = bytes[4];
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER);
  const version = Number(view.getBigUint64(5));
  const length = Number(view.getBigUint64(13));
  if ((kind !== LIVE && kind !== TOMBSTONE) || !Number.isSafeInteger(version) || version < 1) throw corrupt();
  if (!Number.isSafeInteger(length) || fileSize !== HEADER + length || (kind === TOMBSTONE && length !== 0)) throw corrupt();
  return { version, live: kind === LIVE, length };
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/** fsync a directory so a rename or a new entry in it is durable. */
async function fsyncDir(path: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    // Windows cannot open a directory; its renames are metadata-journaled.
    if (isErrno(err, 'EISDIR', 'EPERM', 'EACCES')) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    // Some file systems do not support fsync on directories.
    if (!isErrno(err, 'EINVAL', 'ENOTSUP', 'EBADF')) throw err;
  } finally {
    await handle.close();
  }
}

// Per-record locks, shared by every fsStore of this process: key → tail of the queue.
const locks = new Map<string, Promise<void>>();

/** Runs `fn` holding the locks for `keys` (taken in sorted order, so batches cannot deadlock). */
async function withLocks<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
  const sorted = [...new Set(keys)].sort();
  const releases: (() => void)[] = [];
  const waits: Promise<void>[] = [];
  for (const key of sorted) {
    const previous = locks.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    locks.set(key, tail);
    releases.push(() => {
      release();
      if (locks.get(key) === tail) locks.delete(key);
    });
    waits.push(previous);
  }
  try {
    await Promise.all(waits);
    return await fn();
  } finally {
    for (const release of releases) release();
  }
}

class FsStore implements BatchBlobStore {
  readonly #root: string;
  readonly #step: (step: FsWriteStep) => void;
  /** The folder (absolute); a `Client` over this store keeps remembered devices there by default. */
  readonly localDir: string;

  constructor(root: string, beforeStep: ((step: FsWriteStep) => void) | undefined) {
    this.#root = root;
    this.localDir = root;
    this.#step = beforeStep ?? (() => {});
  }

  #vaultDir(vault: string): string {
    return join(this.#root, `v-${encodeName(vault)}`);
  }

  #recordPath(vault: string, id: string): string {
    return join(this.#vaultDir(vault), `r-${encodeName(id)}.zv`);
  }

  #lockKey(vault: string, id: string): string {
    return `${this.#root}\0${vault}\0${id}`;
  }

  /** The record's header, or `undefined` when it never existed. */
  async #head(path: string): Promise<Head | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return undefined;
      throw storageError('read', err);
    }
    try {
      const header = new Uint8Array(HEADER);
      const { bytesRead } = await handle.read(header, 0, HEADER, 0);
      const { size } = await handle.stat();
      return decodeHeader(header.subarray(0, bytesRead), size);
    } catch (err) {
      throw storageError('read', err);
    } finally {
      await handle.close().catch(() => {});
    }
  }

  async #ensureVaultDir(vault: string): Promise<string> {
    const dir = this.#vaultDir(vault);
    this.#step('mkdir');
    const made = await mkdir(dir, { recursive: true });
    if (made !== undefined) {
      // New directories must themselves be durable entries of their parents.
      if (made !== dir) await fsyncDir(dirname(this.#root));
      await fsyncDir(this.#root);
    }
    return dir;
  }

  /** temp file → write → fsync → close → rename → fsync dir. Cleans up the temp file on failure. */
  async #atomicWrite(vault: string, id: string, kind: number, version: number, data: Uint8Array): Promise<void> {
    try {
      const dir = await this.#ensureVaultDir(vault);
      const temp = join(dir, `.tmp-${randomBytes(12).toString('hex')}`);
      let renamed = false;
      try {
        this.#step('open');
        const handle = await open(temp, 'wx', 0o600);
        try {
          this.#step('write');
          await writeAll(handle, encodeHeader(kind, version, data.length));
          await writeAll(handle, data);
          this.#step('fsync');
          await handle.sync();
          this.#step('close');
        } catch (err) {
          await handle.close().catch(() => {});
          throw err;
        }
        await handle.close();
        this.#step('rename');
        await rename(temp, this.#recordPath(vault, id));
        renamed = true;
        this.#step('fsync-dir');
        await fsyncDir(dir);
      } finally {
        if (!renamed) await unlink(temp).catch(() => {});
      }
    } catch (err) {
      throw storageError('write', err);
    }
  }

  async get(vault: string, id: string): Promise<BlobRecord | null> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    let file: Uint8Array;
    try {
      file = await readFile(this.#recordPath(vault, id));
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null;
      throw storageError('read', err);
    }
    const { version, live } = decodeHeader(file, file.length);
    // A plain Uint8Array copy (a Buffer's slice() would be a view).
    return live ? { data: new Uint8Array(file.subarray(HEADER)), version } : null;
  }

  async getMany(vault: string, ids: readonly string[]): Promise<(BlobRecord | null)[]> {
    assertName(vault, 'vault');
    assertIds(ids);
    const out: (BlobRecord | null)[] = [];
    // Bounded concurrency: enough to overlap I/O, not enough to exhaust file descriptors.
    for (let i = 0; i < ids.length; i += 16) {
      out.push(...(await Promise.all(ids.slice(i, i + 16).map((id) => this.get(vault, id)))));
    }
    return out;
  }

  async put(vault: string, id: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    assertData(data);
    const ifVersion = parsePutOptions(options);
    const bytes = new Uint8Array(data);
    return withLocks([this.#lockKey(vault, id)], async () => {
      const head = await this.#head(this.#recordPath(vault, id));
      if (!preconditionHolds(head?.live === true ? head.version : undefined, ifVersion)) throw conflict();
      const version = (head?.version ?? 0) + 1;
      await this.#atomicWrite(vault, id, LIVE, version, bytes);
      return { version };
    });
  }

  /**
   * Checks every precondition under all the records' locks, then writes the
   * records one by one, each atomically. A `CONFLICT` writes nothing; a crash
   * or disk failure half-way can leave a prefix of the batch written.
   */
  async putMany(vault: string, entries: readonly PutManyEntry[]): Promise<PutResult[]> {
    assertName(vault, 'vault');
    const checked: CheckedEntry[] = parseEntries(entries);
    return withLocks(
      checked.map(({ id }) => this.#lockKey(vault, id)),
      async () => {
        const versions: number[] = [];
        for (const { id, ifVersion } of checked) {
          const head = await this.#head(this.#recordPath(vault, id));
          if (!preconditionHolds(head?.live === true ? head.version : undefined, ifVersion)) throw conflict();
          versions.push((head?.version ?? 0) + 1);
        }
        for (const [i, { id, data }] of checked.entries()) await this.#atomicWrite(vault, id, LIVE, versions[i] as number, data);
        return versions.map((version) => ({ version }));
      },
    );
  }

  async delete(vault: string, id: string, options?: DeleteOptions): Promise<void> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    const ifVersion = parseDeleteOptions(options);
    await withLocks([this.#lockKey(vault, id)], async () => {
      const head = await this.#head(this.#recordPath(vault, id));
      const live = head?.live === true ? head.version : undefined;
      if (!preconditionHolds(live, ifVersion)) throw conflict();
      // The tombstone keeps the last version, so a re-created record continues from it.
      if (live !== undefined) await this.#atomicWrite(vault, id, TOMBSTONE, live, new Uint8Array(0));
    });
  }

  async list(vault: string, options?: ListOptions): Promise<ListPage> {
    assertName(vault, 'vault');
    const { after, limit } = parseListOptions(options);
    let names: string[];
    try {
      names = await readdir(this.#vaultDir(vault));
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return { items: [] };
      throw storageError('list', err);
    }
    const ids: string[] = [];
    for (const name of names) {
      const match = RECORD_FILE.exec(name);
      const id = match === null ? undefined : decodeName(match[1] as string);
      if (id !== undefined && (after === undefined || id > after)) ids.push(id);
    }
    ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const items: ListEntry[] = [];
    for (const id of ids) {
      const head = await this.#head(this.#recordPath(vault, id));
      if (head === undefined || !head.live) continue;
      if (items.length === limit) return { items, next: (items[items.length - 1] as ListEntry).id };
      items.push({ id, version: head.version });
    }
    return { items };
  }
}

/**
 * Creates a `BlobStore` on the file system under `dir` (created if missing).
 *
 * Atomic, durable writes (temp file, fsync, rename, fsync directory);
 * conditional writes are safe among concurrent callers of one process, not
 * across processes (see the module comment). Deleted ids keep a small
 * tombstone file. `putMany` is not atomic across records on a crash.
 *
 * @throws `INVALID_INPUT` when `dir` is not a non-empty string; operations
 *   throw `STORAGE` on any file system failure or corrupt record file
 */
export function fsStore(options: FsStoreOptions): BatchBlobStore {
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const { dir, beforeStep } = options;
  if (typeof dir !== 'string' || dir.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'dir must be a non-empty string');
  if (beforeStep !== undefined && typeof beforeStep !== 'function') throw new ZeroVaultError('INVALID_INPUT', 'beforeStep must be a function');
  return new FsStore(resolve(dir), beforeStep);
}
