/**
 * Boundary checks for the envelope API: KEKs, record identities, sizes. Each
 * names the parameter, never its value, and throws `INVALID_INPUT`.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertBytes, assertInteger, assertObject, isBytes } from '../crypto/assert.js';
import { AES_KEY_LENGTH, type AesGcmKey, type Backend } from '../crypto/backend.js';
import { utf8 } from '../crypto/bytes.js';
import { MAX_ID_BYTES, MAX_KEK_ID_BYTES, MAX_KEK_VERSION, type RecordIdentity } from './format.js';

/**
 * A vault key-encryption key: the `id` and `version` are written into every
 * record it wraps; `key` is 32 raw bytes or a handle from {@link importKek}.
 */
export interface Kek {
  /** 1..255 UTF-8 bytes, e.g. a vault id. */
  readonly id: string;
  /** Integer 0..2^32-1; a rotation adds a version. */
  readonly version: number;
  /** 32 raw bytes, or an imported (on the web: non-extractable) key handle. */
  readonly key: Uint8Array | AesGcmKey;
}

/** A checked KEK: its id already encoded. */
export interface CheckedKek {
  readonly id: string;
  readonly idBytes: Uint8Array;
  readonly version: number;
  readonly key: Uint8Array | AesGcmKey;
}

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

/** True when `key` is a handle imported by `backend`. */
function isKeyHandle(key: unknown, backend: Backend): key is AesGcmKey {
  if (typeof key !== 'object' || key === null) return false;
  const handle = key as { algorithm?: unknown; backend?: unknown };
  return handle.algorithm === 'AES-256-GCM' && handle.backend === backend.name;
}

/**
 * Checks a {@link Kek}. Raw key bytes are not copied: the backend's import
 * copies them, and we never wipe a caller's buffer.
 *
 * @throws `INVALID_INPUT` naming `name`
 */
export function checkKek(value: unknown, name: string, backend: Backend): CheckedKek {
  assertObject(value, name);
  const idBytes = encodeId(value.id, `${name}.id`, MAX_KEK_ID_BYTES);
  assertInteger(value.version, `${name}.version`, 0, MAX_KEK_VERSION);
  const { key } = value;
  if (isBytes(key)) {
    assertBytes(key, `${name}.key`, AES_KEY_LENGTH);
    return { id: value.id as string, idBytes, version: value.version, key };
  }
  if (!isKeyHandle(key, backend)) throw invalid(`${name}.key must be 32 bytes or a key imported by this backend`);
  return { id: value.id as string, idBytes, version: value.version, key };
}

/** The backend handle of a checked KEK, importing raw bytes when needed. */
export function kekHandle(kek: CheckedKek, backend: Backend): Promise<AesGcmKey> {
  return isBytes(kek.key) ? backend.importAesGcmKey(kek.key) : Promise.resolve(kek.key);
}

/** Imports a KEK's raw key once for repeated use (see the package export `importKek`). */
export async function importKekWith(kek: Kek, backend: Backend): Promise<Kek> {
  const checked = checkKek(kek, 'kek', backend);
  return { id: checked.id, version: checked.version, key: await kekHandle(checked, backend) };
}
