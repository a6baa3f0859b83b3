/**
 * `zerovault/seal`: seal data to a public key so that only the holder of
 * the secret key can open it, at any size, with bounded memory when
 * streamed. HPKE (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * AES-256-GCM) wraps a random file key per recipient; X-Wing recipients
 * (ML-KEM-768 + X25519, `generateXWingKeyPair`) or a passphrase (Argon2id)
 * instead; the payload is STREAM-chunked AES-256-GCM. Format:
 * `docs/seal-format.md`.
 *
 * @example
 * const { publicKey, secretKey } = generateKeyPair();
 * const blob = await seal(data, { to: publicKey });
 * const same = await open(blob, { secretKey });
 *
 * Errors are `ZeroVaultError`s: branch on `err.code` (`INVALID_INPUT`,
 * `DECRYPT_FAILED`, `UNSUPPORTED`).
 *
 * @module
 */
export { generateKeyPair, generateXWingKeyPair, getPublicKey, getXWingPublicKey, type KeyPair } from './keys.js';
export { open, seal } from './blob.js';
export { openStream, sealStream } from './stream.js';
export type { OpenOptions, SealOptions } from './options.js';
export {
  PUBLIC_KEY_PREFIX,
  SECRET_KEY_PREFIX,
  XWING_PUBLIC_KEY_PREFIX,
  XWING_SECRET_KEY_PREFIX,
  type KeyKind,
  parsePublicKey,
  parseSecretKey,
  formatPublicKey,
  formatSecretKey,
} from './keytext.js';
