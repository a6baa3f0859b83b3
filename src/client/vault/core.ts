/**
 * `VaultCore`: the record I/O of one vault and the manifest that guards it
 * against rollbacks — what `Vault` (the public class) and the maintenance
 * passes (`maintenance.ts`) share. Callers validate input and check that the
 * session is open; this module only reads, writes and remembers.
 *
 * Versions: `version` is the store's version (optimistic concurrency); the
 * AAD binds the record's *content version* (`formats/frame.ts`), which the
 * manifest uses to catch a store serving less than this account has seen.
 *
 * @module
 */
import { decodeRecordHeader } from '../../envelope/format.js';
import type { KeyringKek } from '../../envelope/keyring.js';
import { openRecord, sealRecord } from '../../envelope/record.js';
import { ZeroVaultError, isZeroVaultError } from '../../errors.js';
import { decodeFrame } from '../../formats/frame.js';
import type { Manifest, ManifestEntry } from '../../formats/manifest.js';
import { CONFLICT_RETRIES, retryOnConflict } from '../retry.js';
import { checkRead } from './manifest.js';
import type { VaultHost } from './types.js';

/** A record as a vault returns it. */
export interface VaultRecord {
  readonly data: Uint8Array;
  readonly version: number;
}

function preconditionFailed(): ZeroVaultError {
  return new ZeroVaultError('CONFLICT', 'version precondition failed');
}

/**
 * Whether manifest entry `a` is later knowledge than `b`: a higher content
 * version, or at the same one a delete (a delete does not raise it).
 */
function newer(a: ManifestEntry, b: ManifestEntry): boolean {
  return a.cv > b.cv || (a.cv === b.cv && a.deleted && !b.deleted);
}

/** Record I/O and the manifest of one vault. */
export class VaultCore {
  readonly host: VaultHost;
  readonly name: string;
  readonly #manifest: Manifest;
  #dirty = false;

  /** @param saved - the manifest this account saved for the vault, if any */
  constructor(host: VaultHost, name: string, saved: Manifest | undefined) {
    this.host = host;
    this.name = name;
    this.#manifest = new Map(saved ?? []);
  }

  /** The active KEK of the vault. @throws `NOT_FOUND` when the keyring has none */
  activeKek(): KeyringKek {
    const kek = this.host.keyring().keks.find((k) => k.id === this.name && k.active);
    if (kek === undefined) throw new ZeroVaultError('NOT_FOUND', 'the keyring has no key for this vault');
    return kek;
  }

  /** What this session knows of a record. */
  known(id: string): ManifestEntry | undefined {
    return this.#manifest.get(id);
  }

  /** Records that a record now sits at `storeVersion` (after a re-wrap or re-sign of the same content). */
  moved(id: string, cv: number, storeVersion: number): void {
    const known = this.#manifest.get(id);
    if (known !== undefined && known.cv === cv) this.#manifest.set(id, { ...known, storeVersion });
  }

  #learn(id: string, entry: ManifestEntry): void {
    const known = this.#manifest.get(id);
    if (known === undefined || known.cv !== entry.cv || known.storeVersion !== entry.storeVersion || known.deleted !== entry.deleted) {
      this.#manifest.set(id, entry);
      this.#dirty = true;
    }
  }

  /**
   * Reads and opens a record.
   * @throws `NOT_FOUND`; `DECRYPT_FAILED`; `ROLLBACK`; in a shared vault `AUTH_FAILED` for a record no current writer signed
   */
  async get(id: string): Promise<VaultRecord> {
    const stored = await this.host.store.get(this.name, id);
    if (stored === null) {
      // In a shared vault another member may have deleted it: only older versions are a rollback there.
      if (!this.host.frames.shared) await this.#checkMissing(id);
      throw new ZeroVaultError('NOT_FOUND', 'record not found');
    }
    const parsed = decodeFrame(stored.data);
    await this.host.frames.check(id, parsed);
    const { kekId, kekVersion } = decodeRecordHeader(parsed.sealed);
    const knowsKek = (): boolean => this.host.keyring().keks.some((k) => k.id === kekId && k.version === kekVersion);
    if (!knowsKek() && this.host.refreshKeys !== undefined) await this.host.refreshKeys();
    const { contentVersion: cv, sealed } = parsed;
    const data = await openRecord({ keyring: this.host.keyring(), vaultId: this.name, recordId: id, version: cv, sealed });
    checkRead(this.#manifest, id, { cv });
    this.#learn(id, { cv, storeVersion: stored.version, deleted: false });
    return { data, version: stored.version };
  }

  /**
   * A record this session knows as live is missing. Another device of the
   * account may have deleted it honestly: its sealed manifest then says so,
   * and the store cannot forge that. Otherwise the store dropped it: `ROLLBACK`.
   */
  async #checkMissing(id: string): Promise<void> {
    const known = this.#manifest.get(id);
    if (known === undefined || known.deleted) return;
    const saved = await this.host.manifests.load();
    const theirs = saved?.manifest.get(id);
    if (theirs !== undefined && theirs.deleted && !newer(known, theirs)) {
      this.#manifest.set(id, theirs);
      return;
    }
    checkRead(this.#manifest, id, null);
  }

  /** The content version a new write of `id` gets, reading the current record when needed. */
  async #nextCv(id: string, ifVersion: number | null | undefined): Promise<{ cv: number; ifVersion: number | null }> {
    const known = this.#manifest.get(id);
    if (ifVersion === null) return { cv: (known?.cv ?? 0) + 1, ifVersion: null };
    if (ifVersion !== undefined && known !== undefined && !known.deleted && known.storeVersion === ifVersion) return { cv: known.cv + 1, ifVersion };
    const stored = await this.host.store.get(this.name, id);
    if (stored === null) {
      if (ifVersion !== undefined) throw preconditionFailed();
      return { cv: (known?.cv ?? 0) + 1, ifVersion: null };
    }
    if (ifVersion !== undefined && stored.version !== ifVersion) throw preconditionFailed();
    const { contentVersion } = decodeFrame(stored.data);
    return { cv: Math.max(contentVersion, known?.cv ?? 0) + 1, ifVersion: stored.version };
  }

  /**
   * Seals and stores a record. An unconditional put that lost a race reads
   * again and retries; a conditional one reports it.
   * @throws `CONFLICT` when `ifVersion` is stale (nothing is written)
   */
  async put(id: string, plaintext: Uint8Array, ifVersion: number | null | undefined): Promise<{ version: number }> {
    return retryOnConflict(
      async () => {
        const next = await this.#nextCv(id, ifVersion);
        const sealed = await sealRecord({ kek: this.activeKek(), vaultId: this.name, recordId: id, version: next.cv, plaintext });
        const framed = this.host.frames.frame(id, next.cv, sealed);
        const { version } = await this.host.store.put(this.name, id, framed, { ifVersion: next.ifVersion });
        this.#learn(id, { cv: next.cv, storeVersion: version, deleted: false });
        return { version };
      },
      { retries: ifVersion === undefined ? CONFLICT_RETRIES : 0 },
    );
  }

  /**
   * Deletes exactly the version this session knows (or reads first), and
   * records the delete in the manifest — also for a record this session
   * never read, so another device of the account that did read it sees an
   * honest delete (`NOT_FOUND`), not a rollback.
   * @throws `CONFLICT` when `ifVersion` is given and stale (nothing is deleted)
   */
  async delete(id: string, ifVersion: number | undefined): Promise<void> {
    const deleted = await retryOnConflict(
      async () => {
        const known = this.#manifest.get(id);
        let target: { version: number; cv: number } | null;
        if (known !== undefined && !known.deleted && (ifVersion === undefined || ifVersion === known.storeVersion)) {
          target = { version: known.storeVersion, cv: known.cv };
        } else {
          const stored = await this.host.store.get(this.name, id);
          // The frame's content version is not authenticated until the record opens;
          // a store that lies about it only makes its own deletes look like rollbacks.
          target = stored === null ? null : { version: stored.version, cv: decodeFrame(stored.data).contentVersion };
        }
        if (target === null) {
          if (ifVersion !== undefined) throw preconditionFailed();
          return null;
        }
        if (ifVersion !== undefined && target.version !== ifVersion) throw preconditionFailed();
        try {
          await this.host.store.delete(this.name, id, { ifVersion: target.version });
        } catch (err) {
          // Our knowledge was stale: forget it and read again (unless the caller pinned a version).
          if (isZeroVaultError(err, 'CONFLICT') && known !== undefined && ifVersion === undefined) this.#manifest.delete(id);
          throw err;
        }
        return target;
      },
      { retries: ifVersion === undefined ? CONFLICT_RETRIES : 0 },
    );
    if (deleted === null) return;
    const cv = Math.max(deleted.cv, this.#manifest.get(id)?.cv ?? 0);
    this.#learn(id, { cv, storeVersion: deleted.version, deleted: true });
    await this.flush();
  }

  /** Saves the manifest if it changed, merging what another session of the account saved meanwhile. */
  async flush(): Promise<void> {
    if (!this.#dirty) return;
    await retryOnConflict(async () => {
      const stored = await this.host.manifests.load();
      let cv = 1;
      if (stored !== null) {
        for (const [id, entry] of stored.manifest) {
          const mine = this.#manifest.get(id);
          if (mine === undefined || newer(entry, mine)) this.#manifest.set(id, entry);
        }
        cv = stored.cv + 1;
      }
      await this.host.manifests.save(this.#manifest, cv, stored === null ? null : stored.version);
      this.#dirty = false;
    });
  }
}
