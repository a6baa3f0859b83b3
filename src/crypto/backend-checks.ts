/**
 * Input checks shared by every backend, so each rejects exactly the same
 * inputs with the same codes (the vector suites rely on that).
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertBytes } from './assert.js';
import { isZero } from './bytes.js';
import { AES_KEY_LENGTH, GCM_NONCE_LENGTH, HASH_LENGTH, type HashName } from './backend.js';

/** Checks an AES-GCM key's raw bytes. */
export function checkAesKey(raw: unknown): asserts raw is Uint8Array {
  assertBytes(raw, 'key', AES_KEY_LENGTH);
}

/** Checks the per-call AES-GCM arguments. */
export function checkGcmArgs(nonce: unknown, data: unknown, aad: unknown): void {
  assertBytes(nonce, 'nonce', GCM_NONCE_LENGTH);
  assertBytes(data, 'data');
  if (aad !== undefined) assertBytes(aad, 'aad');
}

/** Checks a hash name. */
export function checkHash(hash: unknown): asserts hash is HashName {
  if (hash !== 'SHA-256' && hash !== 'SHA-512') throw new ZeroVaultError('UNSUPPORTED', 'hash must be SHA-256 or SHA-512');
}

/** Checks an HKDF-Expand output length (RFC 5869 §2.3: L ≤ 255·HashLen). */
export function checkHkdfLength(hash: HashName, length: unknown): asserts length is number {
  const max = 255 * HASH_LENGTH[hash];
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0 || length > max) {
    throw new ZeroVaultError('INVALID_INPUT', `length must be an integer from 0 to ${max}`);
  }
}

/**
 * Checks an HKDF-Expand PRK: RFC 5869 §2.3 requires at least HashLen octets.
 * OpenSSL would expand a shorter one and noble throws a plain Error, so the
 * backends check it here to refuse it alike.
 */
export function checkPrk(hash: HashName, prk: unknown): asserts prk is Uint8Array {
  assertBytes(prk, 'prk', { min: HASH_LENGTH[hash] });
}

/** Checks X25519 inputs (32-byte secret and public keys). */
export function checkX25519(secretKey: unknown, publicKey?: unknown): void {
  assertBytes(secretKey, 'secretKey', 32);
  if (publicKey !== undefined) assertBytes(publicKey, 'publicKey', 32);
}

/** Throws when an X25519 output is all zeros (low-order input, RFC 7748 §6.1). */
export function checkSharedSecret(shared: Uint8Array): Uint8Array {
  if (isZero(shared)) throw new ZeroVaultError('INVALID_INPUT', 'publicKey is a low-order point');
  return shared;
}
