/**
 * Keys as text, for configuration files and command lines: Bech32m (BIP
 * 350) with one human-readable part per key kind, lowercase:
 *
 * ```
 * zvpk1…   X25519 public key, 32 bytes        (63 characters)
 * zvsk1…   X25519 secret key, 32 bytes        (63 characters)
 * zvxpk1…  X-Wing public key, 1216 bytes      (1958 characters)
 * zvxsk1…  X-Wing secret key, 32-byte seed    (64 characters)
 * ```
 *
 * Parsing is strict: one canonical text per key (lowercase only, zero
 * padding bits), and a checksum that catches any typo of up to four
 * characters in the short keys (and any error with probability 1 − 2⁻³⁰
 * in the long X-Wing public key); the fixed length catches insertions and
 * deletions. Both secret-key kinds are 32 bytes; the prefix keeps a person
 * from confusing them, and a blob's suite says which one opens it.
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
/** Human-readable part of X-Wing public keys. */
export const XWING_PUBLIC_KEY_PREFIX = 'zvxpk';
/** Human-readable part of X-Wing secret keys. */
export const XWING_SECRET_KEY_PREFIX = 'zvxsk';

/** X-Wing public key bytes (`xwing.ts` holds the same constant, loaded on demand). */
const XWING_PUBLIC_KEY_LENGTH = 1216;

/** The kind of a key: which prefix its text carries. */
export type KeyKind = 'x25519' | 'x-wing';

/**
 * `zvpk1…` text of an X25519 public key (32 bytes), or `zvxpk1…` of an
 * X-Wing one (1216 bytes).
 *
 * @throws `INVALID_INPUT` when `publicKey` is neither
 */
export function formatPublicKey(publicKey: Uint8Array): string {
  assertBytes(publicKey, 'publicKey', [KEM_KEY_LENGTH, XWING_PUBLIC_KEY_LENGTH]);
  return bech32mEncode(publicKey.length === KEM_KEY_LENGTH ? PUBLIC_KEY_PREFIX : XWING_PUBLIC_KEY_PREFIX, publicKey);
}

/** The kind of a key text, by its prefix (undefined for anything else); does not check the rest. */
export function keyTextKind(text: string): KeyKind | undefined {
  if (text.startsWith(`${PUBLIC_KEY_PREFIX}1`) || text.startsWith(`${SECRET_KEY_PREFIX}1`)) return 'x25519';
  if (text.startsWith(`${XWING_PUBLIC_KEY_PREFIX}1`) || text.startsWith(`${XWING_SECRET_KEY_PREFIX}1`)) return 'x-wing';
  return undefined;
}

/**
 * The public key in a `zvpk1…` (32 bytes) or `zvxpk1…` (1216 bytes) text.
 *
 * @throws `INVALID_INPUT` on anything but an exact, lowercase, checksummed key text of either kind
 */
export function parsePublicKey(text: string): Uint8Array {
  if (typeof text === 'string' && text.startsWith(`${XWING_PUBLIC_KEY_PREFIX}1`)) {
    return bech32mDecode(text, XWING_PUBLIC_KEY_PREFIX, XWING_PUBLIC_KEY_LENGTH, 'public key text');
  }
  return bech32mDecode(text, PUBLIC_KEY_PREFIX, KEM_KEY_LENGTH, 'public key text');
}

/**
 * `zvsk1…` text of an X25519 secret key, or `zvxsk1…` of an X-Wing one
 * (`kind`; both are 32 bytes). The string holds the secret: JS cannot
 * wipe strings, so create it only to write it out.
 *
 * @throws `INVALID_INPUT` when `secretKey` is not 32 bytes
 */
export function formatSecretKey(secretKey: Uint8Array, kind: KeyKind = 'x25519'): string {
  assertBytes(secretKey, 'secretKey', KEM_KEY_LENGTH);
  return bech32mEncode(kind === 'x-wing' ? XWING_SECRET_KEY_PREFIX : SECRET_KEY_PREFIX, secretKey);
}

/**
 * The secret key in a `zvsk1…` or `zvxsk1…` text (32 bytes either way:
 * use {@link keyTextKind} to tell them apart).
 *
 * @throws `INVALID_INPUT` on anything but an exact, lowercase, checksummed secret key text of either kind
 */
export function parseSecretKey(text: string): Uint8Array {
  if (typeof text === 'string' && text.startsWith(`${XWING_SECRET_KEY_PREFIX}1`)) {
    return bech32mDecode(text, XWING_SECRET_KEY_PREFIX, KEM_KEY_LENGTH, 'secret key text');
  }
  return bech32mDecode(text, SECRET_KEY_PREFIX, KEM_KEY_LENGTH, 'secret key text');
}
