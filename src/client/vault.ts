/**
 * `Vault`: one named collection of records, each sealed under a fresh DEK
 * wrapped by the vault's KEK, stored framed in the session's `BlobStore`.
 *
 * Versions: `version` in results and `ifVersion` in options are the
 * store's versions (optimistic concurrency: a stale `ifVersion` is
 * `CONFLICT`, nothing is overwritten). The AAD binds the record's *content
 * version* (see `frame.ts`), which the manifest uses to catch rollbacks.
 *
 * @module
 */
import { fromUtf8, utf8 } from '../crypto/bytes.js';
import { MAX_RECORD_PLAINTEXT, openRecord, parseRecordHeader, rewrapRecord, sealRecord, type Keyring, type KeyringKek } from '../envelope/index.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { assertName, type BlobStore } from '../store/types.js';
import { frame, unframe } from './frame.js';
import { checkRead, decodeManifest, encodeManifest, type Manifest } from './manifest.js';

/** Record ids and vault names starting with this are the SDK's own. */
export const RESERVED_PREFIX = '_zv';
const MANIFEST_ID = '_zv.manifest';
const WRITE_RETRIES = 8;

/** What a vault needs from its session. */
export interface VaultHost {
  readonly store: BlobStore;
  /** The current keyring (it changes on rotation). */
  keyring(): Keyring;
  /** Adds a KEK version for `vault` and makes it active; returns it. */
  addKekVersion(vault: string): Promise<KeyringKek>;
  /** Drops every KEK version of `vault` except the active one. */
  dropOldKeks(vault: string): Promise<void>;
}

/** Options of {@link Vault.put}. */
export interface PutOptions {
  /** `null`: the record must not exist; a number: it must be at that version; absent: overwrite. */
  ifVersion?: number | null;
}

/** Options of {@link Vault.delete}. */
export interface DeleteOptions {
  /** The record must be at this version. */
  ifVersion?: number;
}

/** Progress of {@link Vault.rotate}. */
export interface RotateProgress {
  /** Records re-wrapped so far (in this call). */
  readonly done: number;
  /** Records found under an older KEK version so far. */
  readonly total: number;
}

/** Options of {@link Vault.rotate}. */
export interface RotateOptions {
  /** Called after each re-wrapped record. */
  onProgress?: (progress: RotateProgress) => void;
}

function assertRecordId(id: unknown): asserts id is string {
  assertName(id, 'id');
  if (id.startsWith(RESERVED_PREFIX)) throw new ZeroVaultError('INVALID_INPUT', `id must not start with ${RESERVED_PREFIX}`);
}

/** A vault of a logged-in session. Get one from `session.vault(name)`. */
export class Vault {
  readonly #host: VaultHost;
  readonly #manifest: Manifest;
  #manifestDirty = false;
  /** The vault's name. */
  readonly name: string;

  /** @internal Use `session.vault(name)`. */
  constructor(host: VaultHost, name: string, manifest: Manifest) {
    this.#host = host;
    this.name = name;
    this.#manifest = manifest;
  }

  /** @internal Loads a vault and its manifest. */
  static async open(host: VaultHost, name: string): Promise<Vault> {
    const vault = new Vault(host, name, new Map());
    const stored = await host.store.get(name, MANIFEST_ID);
    if (stored !== null) {
      const plaintext = await vault.#openFramed(MANIFEST_ID, stored.data);
      for (const [id, entry] of decodeManifest(plaintext.data)) vault.#manifest.set(id, entry);
    }
    return vault;
  }

  #activeKek(): KeyringKek {
    const kek = this.#host.keyring().keks.find((k) => k.id === this.name && k.active);
    if (kek === undefined) throw new ZeroVaultError('NOT_FOUND', 'the keyring has no key for this vault');
    return kek;
  }

  async #openFramed(id: string, data: Uint8Array): Promise<{ data: Uint8Array; cv: number }> {
    const { contentVersion, sealed } = unframe(data);
    const plaintext = await openRecord({ keyring: this.#host.keyring(), vaultId: this.name, recordId: id, version: contentVersion, sealed });
    return { data: plaintext, cv: contentVersion };
  }

  async #sealFramed(id: string, cv: number, plaintext: Uint8Array): Promise<Uint8Array> {
    return frame(cv, await sealRecord({ kek: this.#activeKek(), vaultId: this.name, recordId: id, version: cv, plaintext }));
  }

  /**
   * Reads and decrypts a record.
   * @returns the plaintext and the record's store version
   * @throws `NOT_FOUND`; `DECRYPT_FAILED` (tampered, moved or renamed by the store); `ROLLBACK`
   */
  async get(id: string): Promise<{ data: Uint8Array; version: number }> {
    assertRecordId(id);
    const stored = await this.#host.store.get(this.name, id);
    if (stored === null) {
      checkRead(this.#manifest, id, null);
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

  /** Reads several records (`null` for missing ones), concurrently. */
  async getMany(ids: readonly string[]): Promise<({ data: Uint8Array; version: number } | null)[]> {
    return Promise.all(
      ids.map(async (id) => {
        try {
          return await this.get(id);
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
    const { contentVersion } = unframe(stored.data);
    return { cv: Math.max(contentVersion, known?.cv ?? 0) + 1, ifVersion: stored.version };
  }

  /**
   * Encrypts and stores a record. Only ciphertext reaches the store.
   * @returns the new store version
   * @throws `CONFLICT` when `ifVersion` is stale (nothing is written); `INVALID_INPUT`
   */
  async put(id: string, data: Uint8Array, options: PutOptions = {}): Promise<{ version: number }> {
    assertRecordId(id);
    if (!(data instanceof Uint8Array)) throw new ZeroVaultError('INVALID_INPUT', 'data must be a Uint8Array');
    if (data.length > MAX_RECORD_PLAINTEXT) throw new ZeroVaultError('INVALID_INPUT', 'data is larger than a record may be; use zerovault/seal streams');
    const conditional = options.ifVersion !== undefined;
    for (let attempt = 0; ; attempt++) {
      const { cv, ifVersion } = await this.#nextCv(id, options.ifVersion);
      const framed = await this.#sealFramed(id, cv, data);
      try {
        const { version } = await this.#host.store.put(this.name, id, framed, { ifVersion });
        this.#manifest.set(id, { cv, storeVersion: version, deleted: false });
        this.#manifestDirty = true;
        return { version };
      } catch (err) {
        // An unconditional put lost a race: read again and retry; a conditional one reports it.
        if (conditional || !isZeroVaultError(err, 'CONFLICT') || attempt >= WRITE_RETRIES) throw err;
      }
    }
  }

  /**
   * Deletes a record.
   * @throws `CONFLICT` when `ifVersion` is given and stale
   */
  async delete(id: string, options: DeleteOptions = {}): Promise<void> {
    assertRecordId(id);
    const known = this.#manifest.get(id);
    await this.#host.store.delete(this.name, id, options.ifVersion === undefined ? {} : { ifVersion: options.ifVersion });
    if (known !== undefined) {
      this.#manifest.set(id, { ...known, deleted: true });
      this.#manifestDirty = true;
      await this.flush();
    }
  }

  /** Lists record ids and store versions, page by page, without decrypting anything. */
  async *list(options: { pageSize?: number } = {}): AsyncGenerator<{ id: string; version: number }> {
    let after: string | undefined;
    for (;;) {
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
    return { value: JSON.parse(fromUtf8(data)) as T, version };
  }

  /** Saves the manifest if it changed (done automatically after deletes and at logout). */
  async flush(): Promise<void> {
    if (!this.#manifestDirty) return;
    for (let attempt = 0; ; attempt++) {
      const stored = await this.#host.store.get(this.name, MANIFEST_ID);
      let cv = 1;
      if (stored !== null) {
        // Merge what another session saved, so no knowledge is lost.
        const theirs = await this.#openFramed(MANIFEST_ID, stored.data);
        for (const [id, entry] of decodeManifest(theirs.data)) {
          const mine = this.#manifest.get(id);
          if (mine === undefined || entry.cv > mine.cv) this.#manifest.set(id, entry);
        }
        cv = theirs.cv + 1;
      }
      const framed = await this.#sealFramed(MANIFEST_ID, cv, encodeManifest(this.#manifest));
      try {
        await this.#host.store.put(this.name, MANIFEST_ID, framed, { ifVersion: stored === null ? null : stored.version });
        this.#manifestDirty = false;
        return;
      } catch (err) {
        if (!isZeroVaultError(err, 'CONFLICT') || attempt >= WRITE_RETRIES) throw err;
      }
    }
  }

  /**
   * Rotates the vault's KEK: adds a new version, re-wraps every record's DEK
   * under it (payloads untouched), then drops the old versions. Resumable: if
   * it stops part-way, old and new versions coexist, every record still
   * opens, and the next `rotate()` finishes the job instead of starting over.
   *
   * @returns how many records were re-wrapped
   */
  async rotate(options: RotateOptions = {}): Promise<{ rewrapped: number; kekVersion: number }> {
    const versions = this.#host.keyring().keks.filter((k) => k.id === this.name);
    const active = versions.length > 1 ? this.#activeKek() : await this.#host.addKekVersion(this.name);
    let done = 0;
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const page = await this.#host.store.list(this.name, { ...(after === undefined ? {} : { after }), limit: 100 });
      for (const item of page.items) {
        if (await this.#rewrap(item.id, active, () => total++)) {
          done++;
          options.onProgress?.({ done, total });
        }
      }
      if (page.next === undefined) break;
      after = page.next;
    }
    await this.#host.dropOldKeks(this.name);
    return { rewrapped: done, kekVersion: active.version };
  }

  async #rewrap(id: string, to: KeyringKek, found: () => void): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const stored = await this.#host.store.get(this.name, id);
      if (stored === null) return false;
      const { contentVersion, sealed } = unframe(stored.data);
      const header = parseRecordHeader(sealed);
      if (header.kekVersion === to.version && header.kekId === to.id) return false;
      if (attempt === 0) found();
      const from = this.#host.keyring().keks.find((k) => k.id === header.kekId && k.version === header.kekVersion);
      if (from === undefined) throw new ZeroVaultError('DECRYPT_FAILED', 'decryption failed');
      const rewrapped = await rewrapRecord({ sealed, from, to, vaultId: this.name, recordId: id, version: contentVersion });
      try {
        const { version } = await this.#host.store.put(this.name, id, frame(contentVersion, rewrapped), { ifVersion: stored.version });
        const known = this.#manifest.get(id);
        if (known !== undefined && known.cv === contentVersion) this.#manifest.set(id, { ...known, storeVersion: version });
        return true;
      } catch (err) {
        // Someone wrote the record meanwhile: look again (it may already be under the new KEK).
        if (!isZeroVaultError(err, 'CONFLICT') || attempt >= WRITE_RETRIES) throw err;
      }
    }
  }
}
