/**
 * AES-256-GCM with random nonces, the SDK's one AEAD. The output is
 * `nonce (12) || ciphertext || tag (16)`; callers never choose nonces.
 *
 * Nonce bound: random 96-bit nonces keep the collision probability below
 * 2^-32 for up to 2^32 messages under one key (NIST SP 800-38D §8.3). Every
 * key in zerovault is used for far fewer (a record DEK seals one message).
 *
 * @module
 */
import { getBackend } from '#backend';
import { ZeroVaultError, decryptFailed } from '../errors.js';
import { assertBytes } from './assert.js';
import { AES_KEY_LENGTH, GCM_NONCE_LENGTH, GCM_TAG_LENGTH, type AesGcmKey, type Backend } from './backend.js';
import { isZero } from './bytes.js';
import { isPromise, sealAfter } from './gcm.js';
import { randomBytes } from './random.js';

export type { AesGcmKey } from './backend.js';

/** Bytes that {@link seal} adds to a plaintext: nonce and tag. */
export const AEAD_OVERHEAD = GCM_NONCE_LENGTH + GCM_TAG_LENGTH;
export { AES_KEY_LENGTH };

/**
 * Imports a 32-byte key for repeated use. Import once, seal many times:
 * an import costs as much as encrypting a small message.
 *
 * @throws `INVALID_INPUT` when `raw` is not 32 bytes, or is all zeros (a
 *   wiped or never-set key must never protect data; checked in constant time)
 */
export function importKey(raw: Uint8Array, backend: Backend = getBackend()): Promise<AesGcmKey> {
  assertBytes(raw, 'key', AES_KEY_LENGTH);
  if (isZero(raw)) throw new ZeroVaultError('INVALID_INPUT', 'key must not be all zeros');
  return backend.importAesGcmKey(raw);
}

/**
 * Encrypts `plaintext`, binding `aad`, under a fresh random nonce.
 *
 * @returns `nonce || ciphertext || tag`
 */
export async function seal(
  key: AesGcmKey,
  plaintext: Uint8Array,
  aad?: Uint8Array,
  backend: Backend = getBackend(),
): Promise<Uint8Array> {
  assertBytes(plaintext, 'plaintext');
  const nonce = randomBytes(GCM_NONCE_LENGTH);
  // The ciphertext lands behind room for the nonce: no copy of it on any backend's route.
  const sealed = sealAfter(backend, key, nonce, plaintext, aad, GCM_NONCE_LENGTH);
  const out = isPromise(sealed) ? await sealed : sealed;
  out.set(nonce, 0);
  return out;
}

/**
 * Decrypts the output of {@link seal}.
 *
 * @throws `DECRYPT_FAILED` (one message) on a wrong key, a changed byte, a
 *   different `aad`, or an input too short to hold nonce and tag
 */
export async function open(
  key: AesGcmKey,
  sealed: Uint8Array,
  aad?: Uint8Array,
  backend: Backend = getBackend(),
): Promise<Uint8Array> {
  assertBytes(sealed, 'sealed');
  if (sealed.length < AEAD_OVERHEAD) throw decryptFailed();
  return backend.aesGcmOpen(key, sealed.subarray(0, GCM_NONCE_LENGTH), sealed.subarray(GCM_NONCE_LENGTH), aad);
}
