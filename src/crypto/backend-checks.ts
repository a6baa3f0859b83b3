/**
 * Input checks shared by every backend, so each rejects exactly the same
 * inputs with the same codes (the vector suites rely on that).
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertBytes } from './assert.js';
import { AES_KEY_LENGTH, GCM_NONCE_LENGTH, HASH_LENGTH, type AesGcmKey, type Backend, type HashName } from './backend.js';

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
  let acc = 0;
  for (const b of shared) acc |= b;
  if (acc === 0) throw new ZeroVaultError('INVALID_INPUT', 'publicKey is a low-order point');
  return shared;
}

/**
 * An optional backend capability, reached through this symbol so that the
 * `Backend` interface other layers build on stays as it is: AES-256-GCM seal
 * that returns `nonce || ciphertext || tag` in one buffer, the `aead.seal`
 * format, synchronously. Same checks and errors as `aesGcmSeal` (thrown).
 *
 * Why: without it `aead.seal` copies the whole ciphertext a second time just
 * to put 12 bytes in front (at 16 MiB that copy and allocation cost about
 * half the node route's throughput), and a second promise per call costs a
 * visible share at 1 KiB. Only a backend whose AES-GCM is synchronous
 * (`node:crypto`) can offer it. `Symbol.for` so two copies of the package
 * agree on the key.
 */
export const SEAL_WITH_NONCE_PREFIX: unique symbol = Symbol.for('zerovault.backend.sealWithNoncePrefix');

/**
 * A key for the synchronous capabilities below: a handle this backend
 * imported, or 32 raw bytes used for this one call (a per-record key is used
 * once, and importing it costs about a quarter of a 1 KiB AES-GCM call).
 */
export type SyncAeadKey = AesGcmKey | Uint8Array;

/** The signature behind {@link SEAL_WITH_NONCE_PREFIX}. */
export type SealWithNoncePrefix = (key: SyncAeadKey, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) => Uint8Array;

/** The backend's {@link SealWithNoncePrefix}, when it has one. */
export function sealWithNoncePrefixOf(backend: Backend): SealWithNoncePrefix | undefined {
  const candidate = (backend as Backend & { [SEAL_WITH_NONCE_PREFIX]?: unknown })[SEAL_WITH_NONCE_PREFIX];
  return typeof candidate === 'function' ? (candidate as SealWithNoncePrefix) : undefined;
}

/**
 * A second optional capability, like {@link SEAL_WITH_NONCE_PREFIX}: seal
 * into one fresh buffer of `prefix + ciphertext + tag` bytes, so a format
 * with a header (a sealed record) writes its header in place instead of
 * copying the whole ciphertext behind it. The first `prefix` bytes are
 * uninitialised: the caller must overwrite every one of them.
 */
export const SEAL_AFTER_PREFIX: unique symbol = Symbol.for('zerovault.backend.sealAfterPrefix');

/** The signature behind {@link SEAL_AFTER_PREFIX}. */
export type SealAfterPrefix = (key: SyncAeadKey, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array | undefined, prefix: number) => Uint8Array;

/** The backend's {@link SealAfterPrefix}, when it has one. */
export function sealAfterPrefixOf(backend: Backend): SealAfterPrefix | undefined {
  const candidate = (backend as Backend & { [SEAL_AFTER_PREFIX]?: unknown })[SEAL_AFTER_PREFIX];
  return typeof candidate === 'function' ? (candidate as SealAfterPrefix) : undefined;
}

/**
 * A third optional capability: AES-256-GCM returning `[ciphertext, tag]` as
 * two buffers, synchronously, so a stream can emit both without copying the
 * ciphertext to append 16 bytes (about a fifth of a 64 KiB chunk's cost).
 * Each buffer is the caller's alone (never a view into a shared pool).
 */
export const SEAL_PARTS: unique symbol = Symbol.for('zerovault.backend.sealParts');

/** The signature behind {@link SEAL_PARTS}. */
export type SealParts = (key: AesGcmKey, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) => [Uint8Array, Uint8Array];

/** The backend's {@link SealParts}, when it has one. */
export function sealPartsOf(backend: Backend): SealParts | undefined {
  const candidate = (backend as Backend & { [SEAL_PARTS]?: unknown })[SEAL_PARTS];
  return typeof candidate === 'function' ? (candidate as SealParts) : undefined;
}

/**
 * A fourth optional capability: key import and AES-256-GCM open,
 * synchronously, with the same checks and errors as `importAesGcmKey` and
 * `aesGcmOpen` (`open` also takes raw key bytes). Opening a sealed record
 * takes two opens; as awaited calls, with their key imports, that was four
 * promise hops, about a third of a 1 KiB open.
 */
export const SYNC_AEAD: unique symbol = Symbol.for('zerovault.backend.syncAead');

/** The functions behind {@link SYNC_AEAD}. */
export interface SyncAead {
  importKey(raw: Uint8Array): AesGcmKey;
  open(key: SyncAeadKey, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array;
}

/** The backend's {@link SyncAead}, when it has one. */
export function syncAeadOf(backend: Backend): SyncAead | undefined {
  const candidate = (backend as Backend & { [SYNC_AEAD]?: unknown })[SYNC_AEAD];
  return typeof candidate === 'object' && candidate !== null ? (candidate as SyncAead) : undefined;
}
