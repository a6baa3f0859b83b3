/**
 * Keys as text, for configuration files and command lines: Bech32m (BIP
 * 350) with the human-readable parts `zvpk` (public key) and `zvsk` (secret
 * key), 63 lowercase characters each:
 *
 * ```
 * zvpk1…  public key, 32 bytes
 * zvsk1…  secret key, 32 bytes
 * ```
 *
 * Parsing is strict: one canonical text per key (lowercase only, zero
 * padding bits), and a checksum that catches any typo of up to four
 * characters; the fixed length catches insertions and deletions.
 *
 * @module
 */
import { assertBytes } from '../crypto/assert.js';
import { bech32mDecode, bech32mEncode } from './bech32.js';
import { KEM_KEY_LENGTH } from './kem.js';

/** Human-readable part of public keys. */
export const PUBLIC_KEY_PREFIX = 'zvpk';
/** Human-readable part of secret keys. */
export const SECRET_KEY_PREFIX = 'zvsk';

/**
 * `zvpk1…` text of a public key.
 *
 * @throws `INVALID_INPUT` when `publicKey` is not 32 bytes
 */
export function formatPublicKey(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey', KEM_KEY_LENGTH);
  return bech32mEncode(PUBLIC_KEY_PREFIX, publicKey);
}

/**
 * The public key in a `zvpk1…` text.
 *
 * @throws `INVALID_INPUT` on anything but an exact, lowercase, checksummed `zvpk1…` key
 */
export function parsePublicKey(text: string): Uint8Array {
  return bech32mDecode(text, PUBLIC_KEY_PREFIX, KEM_KEY_LENGTH, 'public key text');
}

/**
 * `zvsk1…` text of a secret key. The string holds the secret: JS cannot
 * wipe strings, so create it only to write it out.
 *
 * @throws `INVALID_INPUT` when `secretKey` is not 32 bytes
 */
export function formatSecretKey(secretKey: Uint8Array): string {
  assertBytes(secretKey, 'secretKey', KEM_KEY_LENGTH);
  return bech32mEncode(SECRET_KEY_PREFIX, secretKey);
}

/**
 * The secret key in a `zvsk1…` text.
 *
 * @throws `INVALID_INPUT` on anything but an exact, lowercase, checksummed `zvsk1…` key
 */
export function parseSecretKey(text: string): Uint8Array {
  return bech32mDecode(text, SECRET_KEY_PREFIX, KEM_KEY_LENGTH, 'secret key text');
}
