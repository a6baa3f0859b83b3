/**
 * X25519 key pairs for sealed blobs.
 *
 * @module
 */
import { getBackend } from '#backend';
import { assertBytes } from '../crypto/assert.js';
import { randomBytes } from '../crypto/random.js';
import { KEM_KEY_LENGTH } from './kem.js';

/** A recipient (or sender) key pair. Both keys are 32 bytes. */
export interface KeyPair {
  /** Share this: others seal to it (`seal(…, { to })`) or check a sender with it (`open(…, { senderPublicKey })`). */
  publicKey: Uint8Array;
  /** Keep this: it opens blobs sealed to `publicKey`. */
  secretKey: Uint8Array;
}

/**
 * A fresh X25519 key pair from the platform CSPRNG (RFC 9180
 * `GenerateKeyPair` for DHKEM(X25519, HKDF-SHA256)).
 */
export function generateKeyPair(): KeyPair {
  const secretKey = randomBytes(KEM_KEY_LENGTH);
  return { publicKey: getBackend().x25519PublicKey(secretKey), secretKey };
}

/**
 * The public key of a secret key.
 *
 * @throws `INVALID_INPUT` when `secretKey` is not 32 bytes
 */
export function getPublicKey(secretKey: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', KEM_KEY_LENGTH);
  return getBackend().x25519PublicKey(secretKey);
}
