/**
 * What keeps second factors useless in a database dump: TOTP secrets sealed
 * under a key derived from the server setup, and recovery codes stored only
 * as keyed hashes. Neither key is in the database.
 *
 * - TOTP secret: AES-256-GCM under `HKDF-SHA-256(setup, "zerovault/v1/server/totp-secret")`,
 *   AAD `"totp:" ‖ userId`, so a sealed secret copied to another account's row does not open.
 * - Recovery code: 16 Crockford base32 characters (80 random bits), shown as
 *   `XXXX-XXXX-XXXX-XXXX`; stored as `HMAC-SHA-256(HKDF-SHA-256(setup,
 *   "zerovault/v1/server/recovery-code"), userId ‖ 0x00 ‖ canonical code)`.
 *   The key makes a stolen hash list worthless for offline guessing (80 bits
 *   are out of reach anyway); the user id keeps one account's codes from
 *   matching another's.
 *
 * @module
 */
import { importKey, open as aeadOpen, seal as aeadSeal, type AesGcmKey } from '../crypto/aead.js';
import { concat, utf8, wipe } from '../crypto/bytes.js';
import { LABELS, deriveKey, hmac } from '../crypto/kdf.js';
import { randomBytes } from '../crypto/random.js';

/** The server-held keys of the MFA routes, derived once per server from the setup. */
export interface MfaKeys {
  /** Seals TOTP secrets. */
  readonly totp: AesGcmKey;
  /** HMAC key of recovery-code hashes. */
  readonly recovery: Uint8Array;
}

/** Derives {@link MfaKeys} from the encoded OPAQUE setup. */
export async function mfaKeys(setup: Uint8Array): Promise<MfaKeys> {
  const raw = deriveKey({ ikm: setup, label: LABELS.serverTotpSecret, length: 32 });
  try {
    return { totp: await importKey(raw), recovery: deriveKey({ ikm: setup, label: LABELS.serverRecoveryCode, length: 32 }) };
  } finally {
    wipe(raw);
  }
}

const totpAad = (userId: string): Uint8Array => utf8(`totp:${userId}`);

/** Seals a TOTP secret for storage. */
export function sealTotpSecret(keys: MfaKeys, userId: string, secret: Uint8Array): Promise<Uint8Array> {
  return aeadSeal(keys.totp, secret, totpAad(userId));
}

/** Opens a sealed TOTP secret. @throws `DECRYPT_FAILED` when it was sealed for another user or server */
export function openTotpSecret(keys: MfaKeys, userId: string, sealed: Uint8Array): Promise<Uint8Array> {
  return aeadOpen(keys.totp, sealed, totpAad(userId));
}

/** How many recovery codes a user gets at once. */
export const RECOVERY_CODE_COUNT = 10;

/** Crockford's base32 alphabet (no I, L, O, U). */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A fresh recovery code, `XXXX-XXXX-XXXX-XXXX` (80 random bits). */
export function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  wipe(bytes);
  return out.match(/.{4}/g)?.join('-') ?? out;
}

/**
 * The canonical form of a typed recovery code (16 upper-case Crockford
 * characters), or `null` when it cannot be one. Case, hyphens and spaces are
 * ignored, and Crockford's look-alikes are read as he specifies (`O` → `0`,
 * `I`/`L` → `1`).
 */
export function canonicalRecoveryCode(text: string): string | null {
  if (typeof text !== 'string' || text.length > 64) return null;
  const plain = text
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return plain.length === 16 && [...plain].every((c) => CROCKFORD.includes(c)) ? plain : null;
}

/** The stored hash of a canonical recovery code of `userId`. */
export function hashRecoveryCode(keys: MfaKeys, userId: string, canonical: string): Uint8Array {
  return hmac('SHA-256', keys.recovery, concat(utf8(userId), Uint8Array.of(0), utf8(canonical)));
}
