/**
 * Ed25519 (RFC 8032) signatures of the wire formats, with domain separation:
 * every signature covers `label || 0x00 || message`, so a signature made for
 * one format never verifies as another. Verification is strict (see
 * `crypto/ed25519.ts`). Client and server verify through {@link verify}.
 *
 * The account's Ed25519 key pair is the keyring's (`docs/format.md`).
 *
 * @module
 */
import { ED25519_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, ed25519Sign, ed25519Verify, isValidEd25519PublicKey } from '../crypto/ed25519.js';
import { digest } from '../crypto/kdf.js';
import { labelled } from './codec.js';

/** Bytes of an Ed25519 signature. */
export const SIGNATURE_LENGTH = ED25519_SIGNATURE_LENGTH;
/** Bytes of an Ed25519 or X25519 public key. */
export const PUBLIC_KEY_LENGTH = ED25519_KEY_LENGTH;

/** Signs `label || 0x00 || parts…` with a 32-byte Ed25519 seed. */
export function sign(secretKey: Uint8Array, label: string, ...parts: readonly Uint8Array[]): Uint8Array {
  return ed25519Sign(secretKey, labelled(label, ...parts));
}

/**
 * Verifies a signature over `label || 0x00 || parts…`.
 * @returns false for a bad signature, an invalid public key or a malformed input (never throws)
 */
export function verify(publicKey: Uint8Array, signature: Uint8Array, label: string, ...parts: readonly Uint8Array[]): boolean {
  return ed25519Verify(publicKey, signature, labelled(label, ...parts));
}

/** True when `publicKey` is a valid (canonical, on-curve) Ed25519 public key. */
export function isValidSigningKey(publicKey: Uint8Array): boolean {
  return isValidEd25519PublicKey(publicKey);
}

/** SHA-256: the hash that chains key events and fixes a record's payload in its signature. */
export function sha256(data: Uint8Array): Uint8Array {
  return digest('SHA-256', data);
}
