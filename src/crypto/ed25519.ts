/**
 * Ed25519 (RFC 8032) through `@noble/curves`, the one place the formats and
 * the server reach it (`formats/signature.ts` adds domain separation).
 *
 * Verification is strict (RFC 8032 §5.1.7 with canonical encodings, not
 * ZIP-215): one message has one accepted signature encoding per key, so the
 * hashes that chain key events cannot be varied by re-encoding a signature.
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';

/** Bytes of an Ed25519 signature. */
export const ED25519_SIGNATURE_LENGTH = 64;
/** Bytes of an Ed25519 public key or seed. */
export const ED25519_KEY_LENGTH = 32;

/** Signs `message` with a 32-byte seed. */
export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, seed);
}

/** The public key of a 32-byte seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}

/**
 * Verifies strictly.
 * @returns false for a bad signature, a malformed or invalid public key or signature (never throws)
 */
export function ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): boolean {
  if (publicKey.length !== ED25519_KEY_LENGTH || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** True when `publicKey` is a canonical encoding of a point on the curve. */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
  try {
    return publicKey.length === ED25519_KEY_LENGTH && ed25519.utils.isValidPublicKey(publicKey, false);
  } catch {
    return false;
  }
}
