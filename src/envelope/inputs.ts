/**
 * Boundary checks for the envelope API: ids, record identities, raw keys.
 * Each names the parameter, never its value, and throws `INVALID_INPUT`.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertBytes, assertInteger } from '../crypto/assert.js';
import { isZero, utf8 } from '../crypto/bytes.js';
import { MAX_ID_BYTES, type RecordIdentity } from './format.js';

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

// A lone surrogate would be encoded as U+FFFD: two strings, one byte string.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * UTF-8 of a non-empty, well-formed string of at most `max` bytes.
 *
 * @throws `INVALID_INPUT` naming `name`
 */
export function encodeId(value: unknown, name: string, max: number): Uint8Array {
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${name} must be a non-empty string`);
  // UTF-8 is never shorter than UTF-16 code units: reject huge strings before encoding them.
  if (value.length > max) throw invalid(`${name} must be at most ${max} UTF-8 bytes`);
  if (LONE_SURROGATE.test(value)) throw invalid(`${name} must be well-formed Unicode`);
  const bytes = utf8(value);
  if (bytes.length > max) throw invalid(`${name} must be at most ${max} UTF-8 bytes`);
  return bytes;
}

/**
 * Checks and encodes a record identity from an options object.
 *
 * @throws `INVALID_INPUT` on an empty or oversized id, or a version that is
 *   not a safe non-negative integer
 */
export function checkIdentity(options: Record<string, unknown>): RecordIdentity {
  const vaultId = encodeId(options.vaultId, 'vaultId', MAX_ID_BYTES);
  const recordId = encodeId(options.recordId, 'recordId', MAX_ID_BYTES);
  assertInteger(options.version, 'version');
  return { vaultId, recordId, version: options.version };
}

/**
 * Checks a raw secret key a caller hands in: `length` bytes, not all zeros.
 * An all-zero key is what a wiped keyring holds (or one never set), and
 * anything sealed under it is readable by everyone; the test is constant
 * time (every byte OR-ed in, no early exit), like every other secret check.
 *
 * @throws `INVALID_INPUT` naming `name`
 */
export function checkKeyBytes(value: unknown, name: string, length: number): asserts value is Uint8Array {
  assertBytes(value, name, length);
  if (isZero(value)) throw invalid(`${name} must not be all zeros`);
}
