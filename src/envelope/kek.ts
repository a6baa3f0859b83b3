/**
 * Vault key-encryption keys: the {@link Kek} value, its boundary check, and
 * importing its raw key once into a backend handle.
 *
 * @module
 */
import { getBackend } from '#backend';
import { ZeroVaultError } from '../errors.js';
import { assertInteger, assertObject, isBytes } from '../crypto/assert.js';
import { AES_KEY_LENGTH, type AesGcmKey, type Backend } from '../crypto/backend.js';
import { MAX_KEK_ID_BYTES, MAX_KEK_VERSION } from './format.js';
import { checkKeyBytes, encodeId } from './inputs.js';

/**
 * A vault key-encryption key: the `id` and `version` are written into every
 * record it wraps; `key` is 32 raw bytes or a handle from {@link importKek}.
 */
export interface Kek {
  /** 1..255 UTF-8 bytes, e.g. a vault id. */
  readonly id: string;
  /** Integer 0..2^32-1; a rotation adds a version. */
  readonly version: number;
  /** 32 raw bytes (never all zeros), or an imported (on the web: non-extractable) key handle. */
  readonly key: Uint8Array | AesGcmKey;
}

/** A checked KEK: its id already encoded. */
export interface CheckedKek {
  readonly id: string;
  readonly idBytes: Uint8Array;
  readonly version: number;
  readonly key: Uint8Array | AesGcmKey;
}

/** True when `key` is a handle imported by `backend`. */
function isKeyHandle(key: unknown, backend: Backend): key is AesGcmKey {
  if (typeof key !== 'object' || key === null) return false;
  const handle = key as { algorithm?: unknown; backend?: unknown };
  return handle.algorithm === 'AES-256-GCM' && handle.backend === backend.name;
}

/**
 * Checks a {@link Kek} before any crypto. Raw key bytes must be 32 bytes and
 * not all zeros (checked in constant time); they are not copied: the
 * backend's import copies them, and we never wipe a caller's buffer. A
 * handle passed this check when it was imported through {@link importKek}.
 *
 * @throws `INVALID_INPUT` naming `name`
 */
export function checkKek(value: unknown, name: string, backend: Backend): CheckedKek {
  assertObject(value, name);
  const idBytes = encodeId(value.id, `${name}.id`, MAX_KEK_ID_BYTES);
  assertInteger(value.version, `${name}.version`, 0, MAX_KEK_VERSION);
  const { key } = value;
  if (isBytes(key)) {
    checkKeyBytes(key, `${name}.key`, AES_KEY_LENGTH);
  } else if (!isKeyHandle(key, backend)) {
    throw new ZeroVaultError('INVALID_INPUT', `${name}.key must be 32 bytes or a key imported by this backend`);
  }
  return { id: value.id as string, idBytes, version: value.version, key };
}

/** {@link importKek} on an explicit backend (tests run it on every backend). */
export async function importKekWith(kek: Kek, backend: Backend): Promise<Kek> {
  const checked = checkKek(kek, 'kek', backend);
  const key = isBytes(checked.key) ? await backend.importAesGcmKey(checked.key) : checked.key;
  return { id: checked.id, version: checked.version, key };
}

/**
 * Imports a KEK's raw key once into a backend handle (non-extractable under
 * WebCrypto), so repeated seals and opens skip the import.
 *
 * @returns the same `id` and `version` with `key` as a handle
 * @throws `INVALID_INPUT` on a malformed KEK, or a raw key that is all zeros
 */
export function importKek(kek: Kek): Promise<Kek> {
  return importKekWith(kek, getBackend());
}
