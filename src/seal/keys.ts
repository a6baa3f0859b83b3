/**
 * Key pairs for sealed blobs: X25519 (sync) and X-Wing (async: its code
 * is loaded on first use).
 *
 * @module
 */
import { getBackend } from '#backend';
import { assertBytes } from '../crypto/assert.js';
import { loadOnDemand } from '../crypto/lazy.js';
import { randomBytes } from '../crypto/random.js';
import { KEM_KEY_LENGTH } from './kem.js';

/** A recipient (or sender) key pair. Secret keys are 32 bytes; public keys 32 (X25519) or 1216 (X-Wing). */
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

/**
 * A fresh X-Wing (ML-KEM-768 + X25519) key pair: a 32-byte random seed as
 * the secret key (draft-connolly-cfrg-xwing-kem `GenerateKeyPair`) and its
 * 1216-byte public key. Blobs sealed to it stay confidential against an
 * attacker who records them now and has a quantum computer later, as long
 * as either ML-KEM-768 or X25519 holds.
 */
export async function generateXWingKeyPair(): Promise<KeyPair> {
  const { xwingPublicKey } = await loadOnDemand(() => import('../crypto/xwing.js'));
  const secretKey = randomBytes(KEM_KEY_LENGTH);
  return { publicKey: xwingPublicKey(secretKey), secretKey };
}

/**
 * The X-Wing public key (1216 bytes) of a 32-byte X-Wing secret key.
 *
 * @throws `INVALID_INPUT` when `secretKey` is not 32 bytes
 */
export async function getXWingPublicKey(secretKey: Uint8Array): Promise<Uint8Array> {
  assertBytes(secretKey, 'secretKey', KEM_KEY_LENGTH);
  const { xwingPublicKey } = await loadOnDemand(() => import('../crypto/xwing.js'));
  return xwingPublicKey(secretKey);
}
