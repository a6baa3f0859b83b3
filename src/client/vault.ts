/**
 * `Vault`: one named collection of records, each sealed under a fresh DEK
 * wrapped by the vault's KEK, stored framed in a `BlobStore`: the session's
 * own store, or, for a vault another user shared, the owner's namespace on
 * the server (`docs/sharing.md`).
 *
 * Versions: `version` in results and `ifVersion` in options are the
 * store's versions (optimistic concurrency: a stale `ifVersion` is
 * `CONFLICT`, nothing is overwritten). The AAD binds the record's *content
 * version* (see `frame.ts`), which the manifest uses to catch rollbacks.
 *
 * In a shared vault every record is signed by its writer and checked
 * against the owner-signed membership list before it is decrypted
 * (`frame-policy.ts`).
 *
 * @module
 */
import { fromUtf8, utf8 } from '../crypto/bytes.js';
import { MAX_RECORD_PLAINTEXT, openRecord, decodeRecordHeader, rewrapRecord, sealRecord, type KeyringKek } from '../envelope/index.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { CONFLICT_RETRIES, retryOnConflict } from './retry.js';
import { assertName } from '../store/types.js';
import { decodeFrame, encodeFrame, type Frame } from '../formats/frame.js';
import type { Manifest, ManifestEntry } from '../formats/manifest.js';
import { checkRead } from './manifest.js';
import type {
  DeleteOptions,
  ManifestStore,
  PassOptions,
  PutOptions,
  RevokeOptions,
  RevokeResult,
  RotateOptions,
  ShareOptions,
  VaultHandle,
  VaultHost,
  VaultMember,
  VaultRole,
} from './vault-types.js';

export type * from './vault-types.js';

/** Record ids and vault names starting with this are the SDK's own. */
export const RESERVED_PREFIX = '_zv';
/** The record id of a vault's membership list (`membership.ts`); here so a vault need not load the sharing code to skip it. */
export const MEMBERS_ID = `${RESERVED_PREFIX}.members`;
/** Extra passes `rewrapThenDrop` makes, looking for writes that raced the first one. */
const SWEEPS = 8;

/**
 * Whether manifest entry `a` is later knowledge than `b`: a higher content
 * version, or at the same one a delete (a delete does not raise it).
 */
function newer(a: ManifestEntry, b: ManifestEntry): boolean {
  return a.cv > b.cv || (a.cv === b.cv && a.deleted && !b.deleted);
}

function assertRecordId(id: unknown): asserts id is string {
  assertName(id, 'id');
  if (id.startsWith(RESERVED_PREFIX)) throw new ZeroVaultError('INVALID_INPUT', `id must not start with ${RESERVED_PREFIX}`);
}

/** The error of a write a read-only member attempts. */
function readOnly(): ZeroVaultError {
  return new ZeroVaultError('FORBIDDEN', 'this vault is shared with you read-only');
}

function ownerOnly(): ZeroVaultError {
  return new ZeroVaultError('FORBIDDEN', 'only the owner can rotate, share or revoke a vault');
}

let construct: (host: VaultHost, name: string, saved: Manifest | undefined) => Vault;

/**
 * Loads a vault and its manifest (`Session` only; `Vault` has no public constructor).
 * @throws `CLOSED` when the session is
 */
export async function openVault(host: VaultHost, name: string): Promise<Vault> {
  host.keys.assertOpen();
  const loaded = await host.manifests.load();
  return construct(host, name, loaded?.manifest);
}

/**
 * A vault of a logged-in session. Get one from `session.vault(name)`.
 *
 * Every method fails with `CLOSED` once the session is logged out or the
 * server closed it, before any store call or crypto.
 */
export class Vault {
  static {
    construct = (host, name, saved) => {
      const vault = new Vault(host, name);
      for (const [id, entry] of saved ?? []) vault.#manifest.set(id, entry);
      return vault;
    };
  }

  readonly #host: VaultHost;
  readonly #manifest: Manifest;
  readonly #manifests: ManifestStore;
  #manifestDirty = false;
  /** The vault's name. */
  readonly name: string;

  private constructor(host: VaultHost, name: string) {
    this.#host = host;
    this.name = name;
    this.#manifest = new Map();
    this.#manifests = host.manifests;
  }

  /** Runs one public operation: `CLOSED` first, and the session's keys stay unwiped until it settles. */
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

  #activeKek(): KeyringKek {
    const kek = this.#host.keyring().keks.find((k) => k.id === this.name && k.active);
    if (kek === undefined) throw new ZeroVaultError('NOT_FOUND', 'the keyring has no key for this vault');
    return kek;
  }

  async #openFramed(id: string, data: Uint8Array): Promise<{ data: Uint8Array; cv: number }> {
    const parsed = decodeFrame(data);
    await this.#host.frames.check(id, parsed);
    const { kekId, kekVersion } = decodeRecordHeader(parsed.sealed);
    const known = (): boolean => this.#host.keyring().keks.some((k) => k.id === kekId && k.version === kekVersion);
    if (!known() && this.#host.refreshKeys !== undefined) await this.#host.refreshKeys();
    const { contentVersion, sealed } = parsed;
    const plaintext = await openRecord({ keyring: this.#host.keyring(), vaultId: this.name, recordId: id, version: contentVersion, sealed });
    return { data: plaintext, cv: contentVersion };
  }

  async #sealFramed(id: string, cv: number, plaintext: Uint8Array): Promise<Uint8Array> {
    const sealed = await sealRecord({ kek: this.#activeKek(), vaultId: this.name, recordId: id, version: cv, plaintext });
    return this.#host.frames.frame(id, cv, sealed);
  }

  async #beforeWrite(): Promise<void> {
    await this.#host.beforeWrite?.();
    if (this.#host.role() === 'read') throw readOnly();
  }

  /**
   * Reads and decrypts a record.
   * @returns the plaintext and the record's store version
   * @throws `NOT_FOUND`; `DECRYPT_FAILED` (tampered, moved or renamed by the store); `ROLLBACK`;
   *   in a shared vault `AUTH_FAILED` when the record was not written by the owner or a current writer
   */
  async get(id: string): Promise<{ data: Uint8Array; version: number }> {
    this.#host.keys.assertOpen();
    assertRecordId(id);
    return this.#run(() => this.#get(id));
  }

  async #get(id: string): Promise<{ data: Uint8Array; version: number }> {
    const stored = await this.#host.store.get(this.name, id);
    if (stored === null) {
      // In a shared vault another member may have deleted it: only older versions are a rollback there.
      if (!this.#host.frames.shared) await this.#checkMissing(id);
      throw new ZeroVaultError('NOT_FOUND', 'record not found');
    }
    const opened = await this.#openFramed(id, stored.data);
    checkRead(this.#manifest, id, opened);
    const known = this.#manifest.get(id);
    if (known === undefined || known.cv !== opened.cv || known.storeVersion !== stored.version) {
      this.#manifest.set(id, { cv: opened.cv, storeVersion: stored.version, deleted: false });
      this.#manifestDirty = true;
    }
    return { data: opened.data, version: stored.version };
  }

  /**
   * A record this session knows as live is missing. Another device may have
   * deleted it honestly: its sealed manifest then says so, and the store
   * cannot forge that. Otherwise the store dropped it: `ROLLBACK`.
   */
  async #checkMissing(id: string): Promise<void> {
    const known = this.#manifest.get(id);
    if (known === undefined || known.deleted) return;
    const saved = await this.#manifests.load();
    const theirs = saved?.manifest.get(id);
    if (theirs !== undefined && theirs.deleted && !newer(known, theirs)) {
      this.#manifest.set(id, theirs);
      return;
    }
    checkRead(this.#manifest, id, null);
  }

  /** Reads several records (`null` for missing ones), concurrently. */
  async getMany(ids: readonly string[]): Promise<({ data: Uint8Array; version: number } | null)[]> {
    this.#host.keys.assertOpen();
    if (!Array.isArray(ids)) throw new ZeroVaultError('INVALID_INPUT', 'ids must be an array');
    return Promise.all(
      (ids as readonly unknown[]).map(async (id) => {
        try {
          return await this.get(id as string);
        } catch (err) {
          if (isZeroVaultError(err, 'NOT_FOUND')) return null;
          throw err;
        }
      }),
    );
  }

  /** The content version a new write of `id` gets, reading the current record when needed. */
  async #nextCv(id: string, ifVersion: number | null | undefined): Promise<{ cv: number; ifVersion: number | null }> {
    const known = this.#manifest.get(id);
    if (ifVersion === null) return { cv: (known?.cv ?? 0) + 1, ifVersion: null };
    if (ifVersion !== undefined && known !== undefined && !known.deleted && known.storeVersion === ifVersion) {
      return { cv: known.cv + 1, ifVersion };
    }
    const stored = await this.#host.store.get(this.name, id);
    if (stored === null) {
      if (ifVersion !== undefined) throw new ZeroVaultError('CONFLICT', 'version precondition failed');
      return { cv: (known?.cv ?? 0) + 1, ifVersion: null };
    }
    if (ifVersion !== undefined && stored.version !== ifVersion) throw new ZeroVaultError('CONFLICT', 'version precondition failed');
    const { contentVersion } = decodeFrame(stored.data);
    return { cv: Math.max(contentVersion, known?.cv ?? 0) + 1, ifVersion: stored.version };
  }

  /**
   * Encrypts and stores a record. Only ciphertext reaches the store.
   * @returns the new store version
   * @throws `CONFLICT` when `ifVersion` is stale (nothing is written); `INVALID_INPUT`;
   *   `AUTH_FAILED` in a vault shared with this user read-only
   */
  async put(id: string, data: Uint8Array, options: PutOptions = {}): Promise<{ version: number }> {
    this.#host.keys.assertOpen();
    assertRecordId(id);
    if (!(data instanceof Uint8Array)) throw new ZeroVaultError('INVALID_INPUT', 'data must be a Uint8Array');
    if (data.length > MAX_RECORD_PLAINTEXT) throw new ZeroVaultError('INVALID_INPUT', 'data is larger than a record may be; use zerovault/seal streams');
    return this.#run(async () => {
      await this.#beforeWrite();
      // An unconditional put that lost a race reads again and retries; a conditional one reports it.
      return retryOnConflict(
        async () => {
          const { cv, ifVersion } = await this.#nextCv(id, options.ifVersion);
          const framed = await this.#sealFramed(id, cv, data);
          const { version } = await this.#host.store.put(this.name, id, framed, { ifVersion });
          this.#manifest.set(id, { cv, storeVersion: version, deleted: false });
          this.#manifestDirty = true;
          return { version };
        },
        { retries: options.ifVersion === undefined ? CONFLICT_RETRIES : 0 },
      );
    });
  }

  /**
   * Deletes a record.
   * @throws `CONFLICT` when `ifVersion` is given and stale; `AUTH_FAILED` in a vault shared with this user read-only
   */
  async delete(id: string, options: DeleteOptions = {}): Promise<void> {
    this.#host.keys.assertOpen();
    assertRecordId(id);
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    if (this.#host.role() === 'read') throw readOnly();
    await this.#run(async () => {
      const deleted = await this.#deleteStored(id, options.ifVersion);
      if (deleted === null) return;
      // Recorded even for a record this session never read, so another device of the
      // account that did read it sees an honest delete (NOT_FOUND), not a rollback.
      const known = this.#manifest.get(id);
      const cv = Math.max(deleted.cv, known?.cv ?? 0);
      this.#manifest.set(id, { cv, storeVersion: deleted.version, deleted: true });
      this.#manifestDirty = true;
      await this.#flush();
    });
  }

  /**
   * Deletes exactly the version this session knows (or reads first), so the
   * manifest records which content version the delete removed.
   * @returns the deleted record's store version and content version; `null` when there was nothing to delete
   */
  async #deleteStored(id: string, ifVersion: number | undefined): Promise<{ version: number; cv: number } | null> {
    return retryOnConflict(
      async () => {
        const known = this.#manifest.get(id);
        let target: { version: number; cv: number } | null;
        if (known !== undefined && !known.deleted && (ifVersion === undefined || ifVersion === known.storeVersion)) {
          target = { version: known.storeVersion, cv: known.cv };
        } else {
          const stored = await this.#host.store.get(this.name, id);
          // The content version of the frame is not authenticated until the record opens;
          // a store that lies about it only makes its own deletes look like rollbacks.
          target = stored === null ? null : { version: stored.version, cv: decodeFrame(stored.data).contentVersion };
        }
        if (target === null) {
          if (ifVersion !== undefined) throw new ZeroVaultError('CONFLICT', 'version precondition failed');
          return null;
        }
        if (ifVersion !== undefined && target.version !== ifVersion) throw new ZeroVaultError('CONFLICT', 'version precondition failed');
        try {
          await this.#host.store.delete(this.name, id, { ifVersion: target.version });
        } catch (err) {
          // Our knowledge was stale: forget it and read again (unless the caller pinned a version).
          if (isZeroVaultError(err, 'CONFLICT') && known !== undefined && ifVersion === undefined) this.#manifest.delete(id);
          throw err;
        }
        return target;
      },
      { retries: ifVersion === undefined ? CONFLICT_RETRIES : 0 },
    );
  }

  /** Lists record ids and store versions, page by page, without decrypting anything. */
  async *list(options: { pageSize?: number } = {}): AsyncGenerator<{ id: string; version: number }> {
    let after: string | undefined;
    for (;;) {
      this.#host.keys.assertOpen();
      const page = await this.#host.store.list(this.name, { ...(after === undefined ? {} : { after }), limit: options.pageSize ?? 100 });
      for (const item of page.items) if (!item.id.startsWith(RESERVED_PREFIX)) yield item;
      if (page.next === undefined) return;
      after = page.next;
    }
  }

  /** Lists and opens every record, a page at a time, opening each page concurrently. */
  async *entries(options: { pageSize?: number } = {}): AsyncGenerator<{ id: string; data: Uint8Array; version: number }> {
    let batch: string[] = [];
    const drain = async () => {
      const records = await this.getMany(batch);
      const out = batch.flatMap((id, i) => {
        const record = records[i];
        return record ? [{ id, data: record.data, version: record.version }] : [];
      });
      batch = [];
      return out;
    };
    for await (const { id } of this.list(options)) {
      batch.push(id);
      if (batch.length >= (options.pageSize ?? 100)) yield* await drain();
    }
    if (batch.length > 0) yield* await drain();
  }

  /** Stores a JSON value (UTF-8). */
  putJson(id: string, value: unknown, options: PutOptions = {}): Promise<{ version: number }> {
    return this.put(id, utf8(JSON.stringify(value)), options);
  }

  /** Reads a JSON value stored by {@link putJson}. */
  async getJson<T = unknown>(id: string): Promise<{ value: T; version: number }> {
    const { data, version } = await this.get(id);
    try {
      return { value: JSON.parse(fromUtf8(data)) as T, version };
    } catch (cause) {
      throw new ZeroVaultError('INVALID_INPUT', 'the record is not JSON', { cause });
    }
  }

  /** Saves the manifest if it changed (done automatically after deletes and at logout). */
  async flush(): Promise<void> {
    this.#host.keys.assertOpen();
    await this.#run(() => this.#flush());
  }

  async #flush(): Promise<void> {
    if (!this.#manifestDirty) return;
    await retryOnConflict(async () => {
      const stored = await this.#manifests.load();
      let cv = 1;
      if (stored !== null) {
        // Merge what another session saved, so no knowledge is lost.
        for (const [id, entry] of stored.manifest) {
          const mine = this.#manifest.get(id);
          if (mine === undefined || newer(entry, mine)) this.#manifest.set(id, entry);
        }
        cv = stored.cv + 1;
      }
      await this.#manifests.save(this.#manifest, cv, stored === null ? null : stored.version);
      this.#manifestDirty = false;
    });
  }

  /**
   * Rotates the vault's KEK: adds a new version, re-wraps every record's DEK
   * under it (payloads untouched), then drops the old versions. Resumable: if
   * it stops part-way, old and new versions coexist, every record still
   * opens, and the next `rotate()` finishes the job instead of starting over.
   * In a shared vault the members' grants follow each step.
   *
   * @returns how many records were re-wrapped
   * @throws `AUTH_FAILED` when this session is not the owner
   */
  async rotate(options: RotateOptions = {}): Promise<{ rewrapped: number; kekVersion: number }> {
    this.#host.keys.assertOpen();
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    if (this.#host.role() !== 'owner') throw ownerOnly();
    return this.#run(async () => {
      const versions = this.#host.keyring().keks.filter((k) => k.id === this.name);
      const active = versions.length > 1 ? this.#activeKek() : await this.#host.addKekVersion(this.name);
      const pass: PassOptions = {
        to: active,
        ...(options.onSkip === undefined ? {} : { onSkip: options.onSkip }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      };
      const rewrapped = await this.#rewrapThenDrop(pass);
      return { rewrapped, kekVersion: active.version };
    });
  }

  /**
   * Re-wraps every record under `pass.to`, then drops the vault's other KEK
   * versions, for rotation and revocation alike. Another device may seal
   * under an old version while a pass runs (it re-reads the keyring before
   * each write, so only a write already in flight can): passes repeat until
   * one finds nothing left under an old version, and only then are the old
   * versions dropped, so no acknowledged write becomes unreadable.
   *
   * @returns how many records were re-wrapped
   * @throws `CONFLICT` when writes under old versions keep arriving for
   *   {@link SWEEPS} passes: nothing is dropped, every record still opens, and
   *   the next rotation (or `revoke`) finishes the job
   */
  async #rewrapThenDrop(pass: PassOptions): Promise<number> {
    let rewrapped = await this.#pass(pass);
    let clean = false;
    for (let sweep = 0; sweep < SWEEPS && !clean; sweep++) {
      const { onProgress: _progressOfFirstPassOnly, ...again } = pass;
      const late = await this.#pass(again);
      rewrapped += late;
      clean = late === 0;
    }
    if (!clean) throw new ZeroVaultError('CONFLICT', 'records kept arriving under an old key version; nothing was dropped, rotate again');
    await this.#host.dropOldKeks(this.name);
    return rewrapped;
  }

  /**
   * Shares the vault with another user (or changes their role): verifies the
   * user's keys against their key log and this account's pins, seals the
   * vault's KEKs to them (HPKE auth mode), signs the membership list, and
   * stores the grant. The first share of a vault also signs its existing
   * records. Only the owner can share; sharing needs the server's blob store.
   *
   * @throws `INVALID_INPUT`; `NOT_FOUND` when the user has no published keys;
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
   * @throws `NOT_FOUND` when the user is not a member
   */
  async revoke(options: RevokeOptions): Promise<RevokeResult> {
    this.#host.keys.assertOpen();
    if (this.#host.role() !== 'owner') throw ownerOnly();
    return this.#run(() => this.#host.sharing.revoke(this.#handle(), options));
  }

  /** The owner and members of the vault, from the owner-signed membership list (just the owner for a private vault). @throws `CLOSED` */
  async members(): Promise<VaultMember[]> {
    this.#host.keys.assertOpen();
    return this.#run(() => this.#host.sharing.members());
  }

  #handle(): VaultHandle {
    return { name: this.name, pass: (options) => this.#pass(options), rewrapThenDrop: (options) => this.#rewrapThenDrop(options) };
  }

  /** Visits every record: re-wraps it under `to` and/or replaces its signature. */
  async #pass(options: PassOptions): Promise<number> {
    let done = 0;
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#host.store.list(this.name, { ...(after === undefined ? {} : { after }), limit: 100 });
      for (const item of page.items) {
        if (item.id === MEMBERS_ID) continue;
        if (await this.#maintain(item.id, options, () => total++)) {
          done++;
          options.onProgress?.({ done, total });
        }
      }
      if (page.next === undefined) return done;
      after = page.next;
    }
  }

  /** One record of a pass. @returns whether it was re-wrapped */
  async #maintain(id: string, options: PassOptions, found: () => void): Promise<boolean> {
    const to = options.to;
    // Someone wrote the record meanwhile: look again (it may already be under the new KEK).
    return retryOnConflict(async (attempt) => {
      const stored = await this.#host.store.get(this.name, id);
      if (stored === null) return false;
      // A record that does not even parse (junk a writer stored, or a store fault) cannot be
      // re-wrapped or re-signed, and readers reject it anyway: skip it rather than let one
      // bad record stop every rotation and revocation of the vault.
      let parsed: Frame;
      let header: { kekId: string; kekVersion: number };
      try {
        parsed = decodeFrame(stored.data);
        header = decodeRecordHeader(parsed.sealed);
      } catch {
        options.onSkip?.(id);
        return false;
      }
      const { contentVersion, sealed } = parsed;
      const rewrap = to !== undefined && !(header.kekVersion === to.version && header.kekId === to.id);
      const signature = options.resign?.(id, parsed);
      if (!rewrap && signature === undefined) return false;
      if (rewrap && attempt === 0) found();
      let next = sealed;
      if (rewrap) {
        const from = this.#host.keyring().keks.find((k) => k.id === header.kekId && k.version === header.kekVersion);
        if (from === undefined) {
          // Names a key this vault never had: not ours to re-wrap (readers cannot open it either).
          options.onSkip?.(id);
          return false;
        }
        next = await rewrapRecord({ sealed, from, to, vaultId: this.name, recordId: id, version: contentVersion });
      }
      const kept = signature ?? parsed.signature;
      const { version } = await this.#host.store.put(this.name, id, encodeFrame(contentVersion, next, kept), { ifVersion: stored.version });
      const known = this.#manifest.get(id);
      if (known !== undefined && known.cv === contentVersion) this.#manifest.set(id, { ...known, storeVersion: version });
      return rewrap;
    });
  }
}
