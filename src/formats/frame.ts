/**
 * The vault frame: how a sealed record sits in a `BlobStore`
 * (`docs/client-format.md`; vectors: `test/vectors/zerovault/frames-v1.json`).
 *
 *     v1: "ZF" (0x5a 0x46) | 0x01 | content version (u64, big-endian) | sealed record v1
 *     v2: "ZF" (0x5a 0x46) | 0x02 | content version (u64) | u8 len | signer (normalized user id)
 *         | signature (64) | sealed record v1
 *
 * Private vaults write v1. Shared vaults write v2: the writer's Ed25519
 * signature over the record (`client/sharing/record-signature.ts`), which readers check
 * against the owner-signed membership list before they decrypt anything.
 *
 * The *content version* is the version the record was sealed for (bound into
 * its AAD, `docs/format.md`). It is not the store's version: a rotation
 * re-wraps a record's DEK and writes it back, which bumps the store version
 * while the payload, and so its content version, stay byte for byte the same.
 * The clear copy here only tells the reader which version to open with; a
 * changed copy fails authentication.
 *
 * The sealed record is the rest of the frame: its own parser bounds it.
 *
 * @module
 */
import { concat } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { Reader, str8, u64 } from './codec.js';
import { isNormalizedUserId } from './user-id.js';

// An Ed25519 signature (`signature.ts`). Not imported from there: that module links the
// curve code, which a page that only reads private records never needs.
const SIGNATURE_LENGTH = 64;

const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x46;
const FRAME_VERSION = 1;
const SIGNED_FRAME_VERSION = 2;
/** Bytes before the sealed record in a v1 frame. */
export const FRAME_HEADER_LENGTH = 11;

/** The writer's signature carried by a v2 frame. */
export interface FrameSignature {
  /** The writer's normalized user id. */
  readonly signer: string;
  /** Ed25519 signature (64 bytes). */
  readonly value: Uint8Array;
}

/** A parsed frame. `sealed` is a view into the input. */
export interface Frame {
  readonly contentVersion: number;
  readonly sealed: Uint8Array;
  /** Present in v2 (shared-vault) frames. */
  readonly signature?: FrameSignature;
}

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'stored record is not a zerovault frame');
}

/**
 * Frames a sealed record with its content version and, when given, its
 * writer's signature (v2).
 * @throws `INVALID_INPUT` for a content version outside 1..2^53-1, a signer
 *   that is not a normalized user id, or a signature that is not 64 bytes
 */
export function encodeFrame(contentVersion: number, sealed: Uint8Array, signature?: FrameSignature): Uint8Array {
  if (!Number.isSafeInteger(contentVersion) || contentVersion < 1) throw new ZeroVaultError('INVALID_INPUT', 'content version out of range');
  const head = concat(Uint8Array.of(MAGIC_0, MAGIC_1, signature === undefined ? FRAME_VERSION : SIGNED_FRAME_VERSION), u64(contentVersion));
  if (signature === undefined) return concat(head, sealed);
  if (signature.value.length !== SIGNATURE_LENGTH) throw new ZeroVaultError('INVALID_INPUT', 'signature must be 64 bytes');
  if (!isNormalizedUserId(signature.signer)) throw new ZeroVaultError('INVALID_INPUT', 'signer must be a normalized user id');
  return concat(head, str8(signature.signer, 'signer'), signature.value, sealed);
}

/**
 * Parses a frame strictly: the version before anything else, a content
 * version of at least 1, and in v2 a normalized signer and a whole signature.
 * @throws `UNSUPPORTED` for an unknown frame version; `INVALID_INPUT` for anything malformed
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < 3 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  const version = bytes[2];
  if (version !== FRAME_VERSION && version !== SIGNED_FRAME_VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown frame version');
  const reader = new Reader(bytes, malformed);
  reader.bytes(3);
  const contentVersion = reader.u64();
  if (contentVersion < 1) throw malformed();
  if (version === FRAME_VERSION) return { contentVersion, sealed: bytes.subarray(reader.offset) };
  const signer = reader.str8();
  if (!isNormalizedUserId(signer)) throw malformed();
  const value = reader.bytes(SIGNATURE_LENGTH);
  return { contentVersion, sealed: bytes.subarray(reader.offset), signature: { signer, value } };
}
