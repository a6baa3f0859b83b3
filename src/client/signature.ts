/**
 * Ed25519 (RFC 8032) signatures for the sharing formats, with domain
 * separation: every signature covers `label || 0x00 || message`, so a
 * signature made for one format never verifies as another.
 *
 * Verification is strict (RFC 8032 §5.1.7 with canonical encodings, not
 * ZIP-215), so one message has one accepted signature encoding per key and
 * the hashes that chain key events cannot be varied by re-encoding a
 * signature.
 *
 * The account's Ed25519 key pair is the keyring's (`docs/format.md`).
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { digest } from '../crypto/kdf.js';
import { labelled } from './codec.js';

/** Bytes of an Ed25519 signature. */
export const SIGNATURE_LENGTH = 64;
/** Bytes of an Ed25519 or X25519 public key. */
export const PUBLIC_KEY_LENGTH = 32;

/** Signs `label || 0x00 || parts…` with a 32-byte Ed25519 seed. */
export function sign(secretKey: Uint8Array, label: string, ...parts: readonly Uint8Array[]): Uint8Array {
  return ed25519.sign(labelled(label, ...parts), secretKey);
}

/**
 * Verifies a signature over `label || 0x00 || parts…`.
 * @returns false for a bad signature, an invalid public key or a malformed input (never throws)
 */
export function verify(publicKey: Uint8Array, signature: Uint8Array, label: string, ...parts: readonly Uint8Array[]): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH || signature.length !== SIGNATURE_LENGTH) return false;
  try {
    return ed25519.verify(signature, labelled(label, ...parts), publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** True when `publicKey` is a valid (canonical, on-curve) Ed25519 public key. */
export function isValidSigningKey(publicKey: Uint8Array): boolean {
  try {
    return publicKey.length === PUBLIC_KEY_LENGTH && ed25519.utils.isValidPublicKey(publicKey, false);
  } catch {
    return false;
  }
}

/** SHA-256. */
export function sha256(data: Uint8Array): Uint8Array {
  return digest('SHA-256', data);
}
