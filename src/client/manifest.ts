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
 * Encoding (sealed): `"ZM" | 0x01 | count (u32) | count × (id length (u16) | id UTF-8 | cv (u64) | store version (u64) | deleted (u8))`.
 *
 * @module
 */
import { concat, toBase64url, utf8 } from '../crypto/bytes.js';
import { digest } from '../crypto/kdf.js';
import { ZeroVaultError } from '../errors.js';
import type { BlobStore } from '../store/types.js';
import { Reader, u16, u32, u64, u8 } from './codec.js';
import { loadMeta, saveMeta } from './meta-record.js';

const sha256 = (data: Uint8Array): Uint8Array => digest('SHA-256', data);

/** The record id of a vault's own manifest. */

/** What the client knows of one record. */
export interface ManifestEntry {
  /** Highest content version seen. */
  readonly cv: number;
  /** The store version at which it was seen (for writes without a read). */
  readonly storeVersion: number;
  /** Whether the last thing seen was this client's delete. */
  readonly deleted: boolean;
}

/** A vault's manifest. */
export type Manifest = Map<string, ManifestEntry>;

/** Encodes a manifest (ids sorted, so equal manifests encode equally). */
export function encodeManifest(manifest: Manifest): Uint8Array {
  const ids = [...manifest.keys()].sort();
  const parts: Uint8Array[] = [Uint8Array.of(0x5a, 0x4d, 0x01), u32(ids.length)];
  for (const id of ids) {
    const entry = manifest.get(id) as ManifestEntry;
    const idBytes = utf8(id);
    parts.push(u16(idBytes.length), idBytes, u64(entry.cv), u64(entry.storeVersion), u8(entry.deleted ? 1 : 0));
  }
  return concat(...parts);
}

/**
 * Decodes a manifest strictly.
 * @throws `INVALID_INPUT` when malformed, `UNSUPPORTED` for an unknown version
 */
export function decodeManifest(bytes: Uint8Array): Manifest {
  const bad = (): ZeroVaultError => new ZeroVaultError('INVALID_INPUT', 'manifest is malformed');
  if (bytes.length < 3 || bytes[0] !== 0x5a || bytes[1] !== 0x4d) throw bad();
  if (bytes[2] !== 0x01) throw new ZeroVaultError('UNSUPPORTED', 'unknown manifest version');
  const reader = new Reader(bytes, bad);
  reader.bytes(3);
  const count = reader.u32();
  const manifest: Manifest = new Map();
  for (let i = 0; i < count; i++) {
    const id = reader.str16();
    const cv = reader.u64();
    const storeVersion = reader.u64();
    const deleted = reader.u8();
    if (deleted !== 0 && deleted !== 1) throw bad();
    manifest.set(id, { cv, storeVersion, deleted: deleted === 1 });
  }
  reader.end();
  return manifest;
}

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
 * under the root key, see `meta-record.ts`): nobody but this account can
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
