/**
 * The vault frame: how a sealed record sits in a `BlobStore`.
 *
 *     "ZF" (0x5a 0x46) | 0x01 | content version (u64, big-endian) | sealed record v1
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
import { ZeroVaultError } from '../errors.js';

const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x46;
const FRAME_VERSION = 1;
/** Bytes before the sealed record. */
export const FRAME_HEADER_LENGTH = 11;

/** Frames a sealed record with its content version. */
export function frame(contentVersion: number, sealed: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(contentVersion) || contentVersion < 1) throw new ZeroVaultError('INVALID_INPUT', 'content version out of range');
  const out = new Uint8Array(FRAME_HEADER_LENGTH + sealed.length);
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = FRAME_VERSION;
  const view = new DataView(out.buffer);
  view.setUint32(3, Math.floor(contentVersion / 2 ** 32));
  view.setUint32(7, contentVersion >>> 0);
  out.set(sealed, FRAME_HEADER_LENGTH);
  return out;
}

/** A parsed frame. `sealed` is a view into the input. */
export interface Frame {
  readonly contentVersion: number;
  readonly sealed: Uint8Array;
}

/**
 * Parses a frame strictly.
 * @throws `UNSUPPORTED` for an unknown frame version; `INVALID_INPUT` for anything malformed
 */
export function unframe(bytes: Uint8Array): Frame {
  if (bytes.length < FRAME_HEADER_LENGTH || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) {
    throw new ZeroVaultError('INVALID_INPUT', 'stored record is not a zerovault frame');
  }
  if (bytes[2] !== FRAME_VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown frame version');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const contentVersion = view.getUint32(3) * 2 ** 32 + view.getUint32(7);
  if (!Number.isSafeInteger(contentVersion) || contentVersion < 1) throw new ZeroVaultError('INVALID_INPUT', 'content version out of range');
  return { contentVersion, sealed: bytes.subarray(FRAME_HEADER_LENGTH) };
}
