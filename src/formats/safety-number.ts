/**
 * Safety numbers: a short, symmetric fingerprint of two users' identity keys
 * that both can read out and compare (in person, on a call), after Signal's
 * numeric fingerprints.
 *
 * Per user, over its normalized id and both public keys:
 *
 *     keys = ed25519 public (32) || x25519 public (32)
 *     h    = SHA-512("zerovault/v1/safety-number" || 0x00 || u16(1) || keys || lp(userId))
 *     5200 times: h = SHA-512(h || keys)
 *     digits = for i in 0..5: u40(h[5i .. 5i+5]) mod 100000, as 5 decimal digits
 *
 * The 30-digit strings of the two users are sorted and joined: 60 digits,
 * shown as 12 groups of 5. Both users compute the same number. The
 * iteration count makes finding a second key pair with a matching half
 * (about 100 bits) costlier; it is Signal's.
 *
 * @module
 */
import { concat, equal, utf8 } from '../crypto/bytes.js';
import { digest } from '../crypto/kdf.js';
import { ZeroVaultError } from '../errors.js';
import { lp, u16 } from './codec.js';

const LABEL = 'zerovault/v1/safety-number';
const VERSION = 1;
const ITERATIONS = 5200;
const GROUPS_PER_USER = 6;

/** The identity a safety number covers. */
export interface Identity {
  /** The normalized user id. */
  readonly userId: string;
  readonly x25519: Uint8Array;
  readonly ed25519: Uint8Array;
}

/** The 30-digit half of one user. */
export function fingerprintDigits(identity: Identity): string {
  const keys = concat(identity.ed25519, identity.x25519);
  let h = digest('SHA-512', concat(utf8(LABEL), Uint8Array.of(0), u16(VERSION), keys, lp(utf8(identity.userId))));
  for (let i = 0; i < ITERATIONS; i++) h = digest('SHA-512', concat(h, keys));
  let out = '';
  for (let i = 0; i < GROUPS_PER_USER; i++) {
    let n = 0;
    for (let j = 0; j < 5; j++) n = n * 256 + (h[5 * i + j] as number);
    out += String(n % 100000).padStart(5, '0');
  }
  return out;
}

/** The 60-digit safety number of two users, as 12 space-separated groups of 5 digits. */
export function safetyNumber(a: Identity, b: Identity): string {
  const halves = [fingerprintDigits(a), fingerprintDigits(b)].sort();
  return (halves.join('').match(/\d{5}/g) as string[]).join(' ');
}

/**
 * Reads a safety number typed or pasted by a user: digits, ignoring spaces,
 * dashes and line breaks.
 * @returns the 60 digits
 * @throws `INVALID_INPUT` when it is not 60 digits
 */
export function parseSafetyNumber(text: unknown): string {
  if (typeof text !== 'string') throw new ZeroVaultError('INVALID_INPUT', 'safetyNumber must be a string');
  const digits = text.replace(/[\s-]/g, '');
  if (!/^\d{60}$/.test(digits)) throw new ZeroVaultError('INVALID_INPUT', 'safetyNumber must be 60 digits');
  return digits;
}

/** Compares two safety numbers (any grouping) in constant time. */
export function sameSafetyNumber(a: string, b: string): boolean {
  return equal(utf8(parseSafetyNumber(a)), utf8(parseSafetyNumber(b)));
}
