/**
 * `Vault`: one named collection of records, each sealed under a fresh DEK
 * wrapped by the vault's KEK, stored framed in a `BlobStore`: the session's
 * own store, or, for a vault another user shared, the owner's namespace on
 * the server (`docs/sharing.md`).
 *
 * This class is the public face: it validates input, checks that the
 * session is open (`CLOSED` before any store call or crypto), and enforces
 * roles. Record I/O and rollback detection are in `core.ts`, rotation passes
 * in `maintenance.ts`. In a shared vault every record is signed by its
 * writer and checked against the owner-signed membership list before it is
 * decrypted (`sharing/frame-policy.ts`).
 *
 * @module
 */
import { fromUtf8, utf8 } from '../../crypto/bytes.js';
import { MAX_RECORD_PLAINTEXT } from '../../envelope/format.js';
import { ZeroVaultError, isZeroVaultError } from '../../errors.js';
import { VaultCore, type VaultRecord } from './core.js';
import { loadOnDemand } from '../../crypto/lazy.js';
import type * as Maintenance from './maintenance.js';
import { RESERVED_PREFIX, assertRecordId } from './names.js';
import type { DocumentSchema, Documents } from '../documents/types.js';
import type { DeleteOptions, PutOptions, RevokeOptions, RevokeResult, RotateOptions, ShareOptions, VaultHandle, VaultHost, VaultMember, VaultRole } from './types.js';

export type { VaultRecord } from './core.js';

const DEFAULT_PAGE = 100;

/** What `vault.documents` forwards to the code it loads on demand. */
const DOCUMENT_METHODS = 'encrypt decrypt encryptMany decryptMany index indexes matches reencrypt isCurrent migrate plan kekVersions dropOldKeys'.split(' ');

function readOnly(): ZeroVaultError {
  return new ZeroVaultError('FORBIDDEN', 'this vault is shared with you read-only');
}

function ownerOnly(): ZeroVaultError {
  return new ZeroVaultError('FORBIDDEN', 'only the owner can rotate, share or revoke a vault');
}

function checkOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
}

function pageSizeOf(options: { pageSize?: number }): number {
  checkOptions(options);
  const size = options.pageSize ?? DEFAULT_PAGE;
  if (!Number.isSafeInteger(size) || size < 1 || size > 1000) throw new ZeroVaultError('INVALID_INPUT', 'pageSize must be an integer from 1 to 1000');
  return size;
}

let construct: (core: VaultCore) => Vault;

/**
 * Loads a vault and its manifest (`Session` only; `Vault` has no public constructor).
 * @throws `CLOSED` when the session is
 */
export async function openVault(host: VaultHost, name: string): Promise<Vault> {
  host.keys.assertOpen();
  const loaded = await host.manifests.load();
  return construct(new VaultCore(host, name, loaded?.manifest));
}

/** Rotation sweeps (`maintenance.ts`), loaded with the first rotate or revoke rather than with the page. */
function maintenance(): Promise<typeof Maintenance> {
  return loadOnDemand(() => import('./maintenance.js'));
}

/**
 * A vault of a logged-in session. Get one from `session.vault(name)`.
 *
 * Versions: `version` in results and `ifVersion` in options are the
 * store's versions (optimistic concurrency: a stale `ifVersion` is
 * `CONFLICT`, nothing is overwritten). Every method fails with `CLOSED` once
 * the session is logged out or the server closed it, before any store call
 * or crypto.
 */
export class Vault {
  static {
    construct = (core) => new Vault(core);
  }

  readonly #core: VaultCore;
  readonly #host: VaultHost;
  /** The vault's name. */
  readonly name: string;

  private constructor(core: VaultCore) {
    this.#core = core;
    this.#host = core.host;
    this.name = core.name;
  }

  /** Runs one operation: `CLOSED` first, and the session's keys stay unwiped until it settles. */
  #run<T>(work: () => Promise<T>): Promise<T> {
    return this.#host.keys.use(work);
  }

  /** The normalized user id of the vault's owner. */
  get owner(): string {
    return this.#host.owner;
  }

  /** This session's role: `owner`, or the `read` / `write` role it was granted. @throws `CLOSED` */
  get role(): VaultRole {
    this.#host.keys.assertOpen();
    return this.#host.role();
  }

  /**
   * Reads and decrypts a record.
   * @returns the plaintext and the record's store version
   * @throws `CLOSED`; `NOT_FOUND` (also for a record another device of the
   *   account deleted); `DECRYPT_FAILED` (tampered, moved or renamed by the
   *   store); `ROLLBACK`; in a shared vault `AUTH_FAILED` when the record was
   *   not written by the owner or a current writer
   */
  async get(id: string): Promise<VaultRecord> {
    this.#host.keys.assertOpen();
    assertRecordId(id);
    return this.#run(() => this.#core.get(id));
  }

  /** Reads several records (`null` for missing ones), concurrently. @throws as {@link get}, except `NOT_FOUND` */
  async getMany(ids: readonly string[]): Promise<(VaultRecord | null)[]> {
    this.#host.keys.assertOpen();
    if (!Array.isArray(ids)) throw new ZeroVaultError('INVALID_INPUT', 'ids must be an array');
    const list: readonly string[] = ids;
    for (const id of list) assertRecordId(id);
    return this.#run(() =>
      Promise.all(
        list.map((id) =>
          this.#core.get(id).catch((err: unknown) => {
            if (isZeroVaultError(err, 'NOT_FOUND')) return null;
            throw err;
          }),
        ),
      ),
    );
  }

  /**
   * Encrypts and stores a record. Only ciphertext reaches the store.
   * @returns the new store version
   * @throws `CLOSED`; `CONFLICT` when `ifVersion` is stale (nothing is
   *   written); `INVALID_INPUT`; `FORBIDDEN` in a vault shared with this
   *   account read-only
   */
  async put(id: string, data: Uint8Array, options: PutOptions = {}): Promise<{ version: number }> {
    this.#host.keys.assertOpen();
    assertRecordId(id);
    if (!(data instanceof Uint8Array)) throw new ZeroVaultError('INVALID_INPUT', 'data must be a Uint8Array');
    if (data.length > MAX_RECORD_PLAINTEXT) throw new ZeroVaultError('INVALID_INPUT', 'data is larger than a record may be; use zerovault/seal streams');
    checkOptions(options);
    return this.#run(async () => {
      // A member refreshes its grant first, so it writes under the newest KEK (and learns a changed role).
      await this.#host.beforeWrite?.(this.#handle());
      if (this.#host.role() === 'read') throw readOnly();
      return this.#core.put(id, data, options.ifVersion);
    });
  }

  /**
   * Deletes a record; deleting a record that is not there is done.
   * @throws `CLOSED`; `CONFLICT` when `ifVersion` is given and stale; `FORBIDDEN` in a vault shared with this account read-only
   */
  async delete(id: string, options: DeleteOptions = {}): Promise<void> {
    this.#host.keys.assertOpen();
    assertRecordId(id);
    checkOptions(options);
    if (this.#host.role() === 'read') throw readOnly();
    await this.#run(() => this.#core.delete(id, options.ifVersion));
  }

  /** Lists record ids and store versions, page by page, without decrypting anything. @throws `CLOSED` */
  async *list(options: { pageSize?: number } = {}): AsyncGenerator<{ id: string; version: number }> {
    const limit = pageSizeOf(options);
    let after: string | undefined;
    for (;;) {
      this.#host.keys.assertOpen();
      const page = await this.#host.store.list(this.name, { ...(after === undefined ? {} : { after }), limit });
      for (const item of page.items) if (!item.id.startsWith(RESERVED_PREFIX)) yield item;
      if (page.next === undefined) return;
      after = page.next;
    }
  }

  /** Lists and opens every record, a page at a time, opening each page concurrently. @throws as {@link get} */
  async *entries(options: { pageSize?: number } = {}): AsyncGenerator<{ id: string; data: Uint8Array; version: number }> {
    const size = pageSizeOf(options);
    let batch: string[] = [];
    const drain = async (): Promise<{ id: string; data: Uint8Array; version: number }[]> => {
      const records = await this.getMany(batch);
      const out = batch.flatMap((id, i) => {
        const record = records[i];
        return record ? [{ id, data: record.data, version: record.version }] : [];
      });
      batch = [];
      return out;
    };
    for await (const { id } of this.list({ pageSize: size })) {
      batch.push(id);
      if (batch.length >= size) yield* await drain();
    }
    if (batch.length > 0) yield* await drain();
  }

  /** Stores a JSON value (UTF-8). @throws as {@link put} */
  putJson(id: string, value: unknown, options: PutOptions = {}): Promise<{ version: number }> {
    return this.put(id, utf8(JSON.stringify(value)), options);
  }

  /** Reads a JSON value stored by {@link putJson}. @throws as {@link get}; `INVALID_INPUT` (with `cause`) when the record is not JSON */
  async getJson<T = unknown>(id: string): Promise<{ value: T; version: number }> {
    const { data, version } = await this.get(id);
    try {
      return { value: JSON.parse(fromUtf8(data)) as T, version };
    } catch (cause) {
      throw new ZeroVaultError('INVALID_INPUT', 'the record is not JSON', { cause });
    }
  }

  /** Saves the manifest if it changed (done automatically after deletes and at logout). @throws `CLOSED` */
  async flush(): Promise<void> {
    this.#host.keys.assertOpen();
    await this.#run(() => this.#core.flush());
  }

  /**
   * Rotates the vault's KEK: adds a new version, re-wraps every record's DEK
   * under it (payloads untouched), then drops the old versions once no
   * record is left under one. Resumable: if it stops part-way, old and new
   * versions coexist, every record still opens, and the next `rotate()`
   * finishes the job. In a shared vault the members' grants follow each step.
   *
   * @returns how many records were re-wrapped, and the new KEK version
   * @throws `CLOSED`; `FORBIDDEN` when this session is not the owner;
   *   `CONFLICT` when writes under an old version kept arriving (nothing was
   *   dropped; rotate again)
   */
  async rotate(options: RotateOptions = {}): Promise<{ rewrapped: number; kekVersion: number }> {
    this.#host.keys.assertOpen();
    checkOptions(options);
    if (this.#host.role() !== 'owner') throw ownerOnly();
    return this.#run(async () => (await maintenance()).rotate(this.#core, options));
  }

  /**
   * Shares the vault with another user (or changes their role): verifies the
   * user's keys against their key log and this account's pins, seals the
   * vault's KEKs to them (HPKE auth mode), signs the membership list, and
   * stores the grant. The first share of a vault also signs its existing
   * records. Only the owner can share; sharing needs the server's blob store.
   *
   * @throws `CLOSED`; `INVALID_INPUT`; `FORBIDDEN` when this session is not
   *   the owner; `NOT_FOUND` when the user has no published keys;
   *   `AUTH_FAILED` when their key log does not verify or their keys changed
   *   since this account accepted them (see `session.contact`); `ROLLBACK`
   */
  async share(options: ShareOptions): Promise<void> {
    this.#host.keys.assertOpen();
    if (this.#host.role() !== 'owner') throw ownerOnly();
    await this.#run(() => this.#host.sharing.share(this.#handle(), options));
  }

  /**
   * Ends a user's access: deletes their grant (the server stops serving the
   * vault to them), rotates the KEK to a version they never get, re-grants it
   * to the remaining members, and re-signs as the owner any record the
   * revoked user wrote while a writer. What they already read stays read.
   *
   * @throws `CLOSED`; `FORBIDDEN` when this session is not the owner;
   *   `NOT_FOUND` when the user is not a member; `CONFLICT` as for {@link rotate}
   */
  async revoke(options: RevokeOptions): Promise<RevokeResult> {
    this.#host.keys.assertOpen();
    if (this.#host.role() !== 'owner') throw ownerOnly();
    return this.#run(() => this.#host.sharing.revoke(this.#handle(), options));
  }

  /**
   * The owner and members of the vault, from the owner-signed membership list
   * (just the owner for a private vault); for the owner, each member's
   * `grantedAt`, `expiresAt` and `lastAccessAt` as the server records them.
   * @throws `CLOSED`; `NETWORK`
   */
  async members(): Promise<VaultMember[]> {
    this.#host.keys.assertOpen();
    return this.#run(() => this.#host.sharing.members());
  }

  /**
   * Field-level encryption and blind indexes for one collection of the
   * app's own rows, under this vault's keys (`docs/documents.md`). Returns
   * at once; the code loads on the first call, and a schema error
   * (`INVALID_INPUT`) or a failed load (`NETWORK`) rejects every call.
   * For precise `index` types pass the schema's type:
   * `vault.documents<Todo, typeof schema>(schema)` with `const schema = {...} as const`.
   */
  documents<T extends object = Record<string, unknown>, const S extends DocumentSchema = DocumentSchema>(schema: S): Documents<T, S['fields']> {
    const host = this.#host;
    const handle = this.#handle();
    const ready = loadOnDemand(() => import('../documents/index.js')).then((m) => m.openDocuments(host, handle, schema) as unknown as Record<string, (...args: unknown[]) => unknown>);
    ready.catch(() => undefined);
    const stub: Record<string, unknown> = { schema };
    for (const method of DOCUMENT_METHODS) stub[method] = async (...args: unknown[]) => (await ready)[method]?.(...args);
    return stub as unknown as Documents<T, S['fields']>;
  }

  #handle(): VaultHandle {
    return {
      name: this.name,
      pass: async (options) => (await maintenance()).pass(this.#core, options),
      rewrapThenDrop: async (options) => (await maintenance()).rewrapThenDrop(this.#core, options),
    };
  }
}
