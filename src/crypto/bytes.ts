/**
 * Byte helpers: concatenation, constant-time comparison, wiping, UTF-8 and
 * strict base64url. Pure, synchronous, no platform globals beyond
 * `TextEncoder`/`TextDecoder`.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';

/** Concatenates byte arrays into one new array. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Constant-time equality for secrets, tags and MACs: the running time depends
 * only on the lengths, never on where the first difference is. Different
 * lengths return false at once (lengths are public in every use here).
 */
export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * Constant-time test for all zeros (a wiped or never-set key): every byte is
 * OR-ed in, with no early exit, so the time depends only on the length.
 */
export function isZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i] as number;
  return acc === 0;
}

/**
 * Overwrites a buffer we own with zeros. JS gives no guarantee that no other
 * copy exists (the engine may have moved it); this only shortens the life of
 * the copy we hold. Never call it on a caller's buffer.
 */
export function wipe(...buffers: readonly Uint8Array[]): void {
  for (const buffer of buffers) buffer.fill(0);
}

/** A copy that the caller cannot mutate under us (noble's `abytes` habit). */
export function copy(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(bytes);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strings up to this length are tried as ASCII first. */
const ASCII_FAST_PATH = 256;

/** UTF-8 encoding of a string. */
export function utf8(text: string): Uint8Array {
  // Ids and labels are short and almost always ASCII, and they are encoded on
  // every record seal and open: `TextEncoder.encode` costs about a
  // microsecond per call in V8, the loop below a twentieth of that. The
  // result is the same bytes (ASCII is its own UTF-8); anything else takes
  // the encoder.
  if (text.length <= ASCII_FAST_PATH) {
    const out = new Uint8Array(text.length);
    let i = 0;
    for (; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) break;
      out[i] = code;
    }
    if (i === text.length) return out;
  }
  return encoder.encode(text);
}

/**
 * Strict UTF-8 decoding: malformed input throws `INVALID_INPUT` instead of
 * being patched with U+FFFD.
 */
export function fromUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ZeroVaultError('INVALID_INPUT', 'bytes are not valid UTF-8');
  }
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_INDEX[B64URL.charCodeAt(i)] = i;

/** Unpadded base64url (RFC 4648 §5) of `bytes`. */
export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]! + B64URL[(n >>> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]!;
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]! + B64URL[(n >>> 6) & 63]!;
  }
  return out;
}

/**
 * Decodes unpadded base64url, strictly: only the URL alphabet, no padding,
 * no whitespace, no impossible length (4n+1), and the unused low bits of the
 * last character must be zero, so every byte string has exactly one accepted
 * encoding. Node's `Buffer.from(s, 'base64url')` accepts all of these; we do
 * not, because a lenient decoder lets two different strings name one value.
 *
 * @param text - the encoded string
 * @param name - the parameter name used in the error message
 * @throws ZeroVaultError `INVALID_INPUT` on any deviation
 */
export function fromBase64url(text: string, name = 'value'): Uint8Array {
  if (typeof text !== 'string') throw new ZeroVaultError('INVALID_INPUT', `${name} must be a base64url string`);
  const tail = text.length % 4;
  if (tail === 1) throw new ZeroVaultError('INVALID_INPUT', `${name} is not canonical base64url`);
  const out = new Uint8Array(Math.floor(text.length / 4) * 3 + (tail === 0 ? 0 : tail - 1));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (B64URL_INDEX[c] as number) : -1;
    if (v < 0) throw new ZeroVaultError('INVALID_INPUT', `${name} is not canonical base64url`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  // Leftover bits (2 or 4) must be zero: otherwise another string decodes to the same bytes.
  if (acc !== 0) throw new ZeroVaultError('INVALID_INPUT', `${name} is not canonical base64url`);
  return out;
}

/** Lowercase hex of `bytes` (tests, fingerprints, debugging). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Strict hex decoding (even length, `[0-9a-fA-F]` only). */
export function fromHex(text: string, name = 'value'): Uint8Array {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new ZeroVaultError('INVALID_INPUT', `${name} is not hex`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Big-endian encoding of a non-negative integer below 2^53 in `length` bytes (I2OSP). */
export function i2osp(value: number, length: number): Uint8Array {
  // A bad width would otherwise surface as a RangeError (negative) or a silently truncated field (fractional).
  if (!Number.isSafeInteger(length) || length < 0) throw new ZeroVaultError('INVALID_INPUT', 'length must be a non-negative integer');
  if (!Number.isSafeInteger(value) || value < 0) throw new ZeroVaultError('INVALID_INPUT', 'integer out of range');
  if (length < 7 && value >= 2 ** (8 * length)) throw new ZeroVaultError('INVALID_INPUT', 'integer too large for its field');
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0 && v > 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}
