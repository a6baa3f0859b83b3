/**
 * The manifest codec: what one account has seen of each record of a vault,
 * for rollback detection (`client/manifest.ts` keeps and checks it; vectors:
 * `test/vectors/zerovault/manifest-v1.json`). The manifest travels sealed
 * under the account's root key, so only its owner reads it; the strictness
 * here is so that one manifest has one encoding.
 *
 *     "ZM" (0x5a 0x4d) | 0x01 | count (u32)
 *       | count × ( id length (u16, ≥ 1) | id UTF-8 | cv (u64) | store version (u64) | deleted (u8: 0 or 1) )
 *
 * Ids ascend strictly in JavaScript string order (UTF-16 code units), the
 * order the encoder sorts them in; a repeated or out-of-order id is malformed.
 *
 * @module
 */
import { concat, utf8 } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { Reader, u16, u32, u64, u8 } from './codec.js';

const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x4d;
const VERSION = 1;

/** What the client knows of one record. */
export interface ManifestEntry {
  /** Highest content version seen. */
  readonly cv: number;
  /** The store version at which it was seen (for writes without a read). */
  readonly storeVersion: number;
  /** Whether the last thing seen was this client's delete. */
  readonly deleted: boolean;
}

/** A vault's manifest, by record id. */
export type Manifest = Map<string, ManifestEntry>;

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'manifest is malformed');
}

/**
 * Encodes a manifest (ids sorted, so equal manifests encode equally).
 * @throws `INVALID_INPUT` for an empty or over-long id, or a version that is not a safe integer ≥ 0
 */
export function encodeManifest(manifest: Manifest): Uint8Array {
  const ids = [...manifest.keys()].sort();
  const parts: Uint8Array[] = [Uint8Array.of(MAGIC_0, MAGIC_1, VERSION), u32(ids.length)];
  for (const id of ids) {
    const entry = manifest.get(id) as ManifestEntry;
    const idBytes = utf8(id);
    if (idBytes.length === 0 || idBytes.length > 0xffff) throw new ZeroVaultError('INVALID_INPUT', 'manifest record id must be 1 to 65535 bytes');
    for (const n of [entry.cv, entry.storeVersion]) {
      if (!Number.isSafeInteger(n) || n < 0) throw new ZeroVaultError('INVALID_INPUT', 'manifest version out of range');
    }
    parts.push(u16(idBytes.length), idBytes, u64(entry.cv), u64(entry.storeVersion), u8(entry.deleted ? 1 : 0));
  }
  return concat(...parts);
}

/**
 * Decodes a manifest strictly (no trailing bytes, ids in canonical order).
 * @throws `INVALID_INPUT` when malformed, `UNSUPPORTED` for an unknown version
 */
export function decodeManifest(bytes: Uint8Array): Manifest {
  if (bytes.length < 3 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  if (bytes[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown manifest version');
  const reader = new Reader(bytes, malformed);
  reader.bytes(3);
  const count = reader.u32();
  // Each entry takes at least 20 bytes: refuse a count the input cannot hold before looping.
  if (count > reader.remaining / 20) throw malformed();
  const manifest: Manifest = new Map();
  let previous: string | undefined;
  for (let i = 0; i < count; i++) {
    const id = reader.str16();
    if (previous !== undefined && !(previous < id)) throw malformed();
    previous = id;
    const cv = reader.u64();
    const storeVersion = reader.u64();
    const deleted = reader.u8();
    if (deleted !== 0 && deleted !== 1) throw malformed();
    manifest.set(id, { cv, storeVersion, deleted: deleted === 1 });
  }
  reader.end();
  return manifest;
}
