/**
 * Rollback detection. Each vault keeps a manifest: for every record id, the
 * highest content version this client has seen and whether it was deleted,
 * with the store version it was seen at. A store that serves an older
 * version, drops a record or resurrects a deleted one is caught with
 * `ROLLBACK`.
 *
 * The manifest is a private record of the account (`_zv/own.<hash of the
 * vault name>`, or `_zv/shared.<hash>` for a vault shared with it), sealed
 * under the root key, and saved at `vault.flush()`, after deletes and at
 * logout, so a later session starts from it. Nobody else — not a member of a
 * shared vault — can write it. What it cannot do: a brand-new device, or one whose manifest the
 * store rolled back as a whole, trusts the first state it sees.
 *
 * Encoding (sealed): `formats/manifest.ts`.
 *
 * @module
 */
import { toBase64url, utf8 } from '../../crypto/bytes.js';
import { digest } from '../../crypto/kdf.js';
import { ZeroVaultError } from '../../errors.js';
import { decodeManifest, encodeManifest, type Manifest } from '../../formats/manifest.js';
import type { BlobStore } from '../../store/types.js';
import { loadMeta, saveMeta } from '../account/meta-record.js';

const sha256 = (data: Uint8Array): Uint8Array => digest('SHA-256', data);

/**
 * Checks a read against the manifest.
 * @throws `ROLLBACK` when the store served less than this client has seen
 */
export function checkRead(manifest: Manifest, id: string, seen: { cv: number } | null): void {
  const known = manifest.get(id);
  if (known === undefined) return;
  const rollback = (): ZeroVaultError => new ZeroVaultError('ROLLBACK', 'the store served an older state of a record than this client has seen');
  if (seen === null) {
    if (!known.deleted) throw rollback();
    return;
  }
  if (seen.cv < known.cv || (known.deleted && seen.cv === known.cv)) throw rollback();
}

/** Where a manifest is kept: loaded with its store version and content version, saved conditionally. */
export interface ManifestStore {
  load(): Promise<{ manifest: Manifest; version: number; cv: number } | null>;
  /** @throws `CONFLICT` when the stored version is not `ifVersion` */
  save(manifest: Manifest, cv: number, ifVersion: number | null): Promise<void>;
}

/**
 * A manifest kept as a private record of the account (`_zv/<id>`, sealed
 * under the root key, see `account/meta-record.ts`): nobody but this account can
 * write it — not a member of a shared vault, not another user — so a vault's
 * members cannot reset its owner's rollback protection, and vice versa.
 */
export function metaManifestStore(store: BlobStore, rootKey: () => Uint8Array, id: string): ManifestStore {
  return {
    async load() {
      const loaded = await loadMeta(store, rootKey(), id);
      return loaded === null ? null : { manifest: decodeManifest(loaded.plaintext), version: loaded.version, cv: loaded.cv };
    },
    async save(manifest, cv, ifVersion) {
      await saveMeta(store, rootKey(), id, cv, encodeManifest(manifest), ifVersion);
    },
  };
}

/** The meta-record id of the manifest of one of this account's own vaults. */
export function ownManifestId(vault: string): string {
  return `own.${toBase64url(sha256(utf8(vault)))}`;
}
