/**
 * The vault frame: how a sealed record sits in a `BlobStore`.
 *
 *     v1: "ZF" (0x5a 0x46) | 0x01 | content version (u64, big-endian) | sealed record v1
 *     v2: "ZF" (0x5a 0x46) | 0x02 | content version (u64) | u8 len | signer (normalized user id)
 *         | signature (64) | sealed record v1
 *
 * Private vaults write v1. Shared vaults write v2: the writer's Ed25519
 * signature over the record (`record-signature.ts`), which readers check
 * against the owner-signed membership list before they decrypt anything.
 *
 * The *content version* is the version the record was sealed for (bound into
 * its AAD, `docs/format.md`). It is not the store's version: a rotation
 * re-wraps a record's DEK and writes it back, which bumps the store version
 * while the payload, and so its content version, stay byte for byte the same.
 * The clear copy here only tells the reader which version to open with; a
 * changed copy fails authentication.
 *
 * @module
 */
import { concat, fromUtf8 } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { str8 } from './codec.js';

const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x46;
const FRAME_VERSION = 1;
const SIGNED_FRAME_VERSION = 2;
const SIGNATURE_LENGTH = 64;
/** Bytes before the sealed record in a v1 frame. */
export const FRAME_HEADER_LENGTH = 11;

/** The writer's signature carried by a v2 frame. */
export interface FrameSignature {
  /** The writer's normalized user id. */
  readonly signer: string;
  /** Ed25519 signature (64 bytes). */
  readonly value: Uint8Array;
}

/** Frames a sealed record with its content version, and, when given, its writer's signature (v2). */
export function frame(contentVersion: number, sealed: Uint8Array, signature?: FrameSignature): Uint8Array {
  if (!Number.isSafeInteger(contentVersion) || contentVersion < 1) throw new ZeroVaultError('INVALID_INPUT', 'content version out of range');
  const head = new Uint8Array(FRAME_HEADER_LENGTH);
  head[0] = MAGIC_0;
  head[1] = MAGIC_1;
  head[2] = signature === undefined ? FRAME_VERSION : SIGNED_FRAME_VERSION;
  const view = new DataView(head.buffer);
  view.setUint32(3, Math.floor(contentVersion / 2 ** 32));
  view.setUint32(7, contentVersion >>> 0);
  if (signature === undefined) return concat(head, sealed);
  if (signature.value.length !== SIGNATURE_LENGTH) throw new ZeroVaultError('INVALID_INPUT', 'signature must be 64 bytes');
  return concat(head, str8(signature.signer, 'signer'), signature.value, sealed);
}

/** A parsed frame. `sealed` is a view into the input. */
export interface Frame {
  readonly contentVersion: number;
  readonly sealed: Uint8Array;
  /** Present in v2 (shared-vault) frames. */
  readonly signature?: FrameSignature;
}

/**
 * Parses a frame strictly.
 * @throws `UNSUPPORTED` for an unknown frame version; `INVALID_INPUT` for anything malformed
 */
export function unframe(bytes: Uint8Array): Frame {
  if (bytes.length < FRAME_HEADER_LENGTH || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) {
    throw new ZeroVaultError('INVALID_INPUT', 'stored record is not a zerovault frame');
  }
  if (bytes[2] !== FRAME_VERSION && bytes[2] !== SIGNED_FRAME_VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown frame version');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const contentVersion = view.getUint32(3) * 2 ** 32 + view.getUint32(7);
  if (!Number.isSafeInteger(contentVersion) || contentVersion < 1) throw new ZeroVaultError('INVALID_INPUT', 'content version out of range');
  if (bytes[2] === FRAME_VERSION) return { contentVersion, sealed: bytes.subarray(FRAME_HEADER_LENGTH) };
  const bad = (): ZeroVaultError => new ZeroVaultError('INVALID_INPUT', 'stored record is not a zerovault frame');
  const length = bytes[FRAME_HEADER_LENGTH] ?? 0;
  const start = FRAME_HEADER_LENGTH + 1;
  if (length === 0 || bytes.length < start + length + SIGNATURE_LENGTH) throw bad();
  let signer: string;
  try {
    signer = fromUtf8(bytes.subarray(start, start + length));
  } catch {
    throw bad();
  }
  const value = bytes.slice(start + length, start + length + SIGNATURE_LENGTH);
  return { contentVersion, sealed: bytes.subarray(start + length + SIGNATURE_LENGTH), signature: { signer, value } };
}
