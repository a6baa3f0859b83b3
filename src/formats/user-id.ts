/**
 * User ids, normalized: Unicode NFC, lower case, then NFC again; 1 to 254
 * UTF-8 bytes; no whitespace or control characters (`docs/protocol.md`). The
 * server stores, rate-limits and derives OPRF keys (the OPAQUE credential
 * identifier) from this form, and the wire formats (frames, key events,
 * membership lists, safety numbers) bind it, so `Alice@Example.com` and
 * `alice@example.com` are one identity everywhere. One function, below both
 * client and server, so the two sides can never disagree.
 *
 * The second NFC pass makes normalization idempotent: lower-casing can leave
 * a string that is not in NFC (`T` + U+0308 lowers to `t` + U+0308, which NFC
 * composes to U+1E97), and then `T̈` and `ẗ` would have been two ids, and a
 * normalized id would not be a fixed point, which parsers require.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';

/** Longest normalized user id, in UTF-8 bytes. */
export const MAX_USER_ID_LENGTH = 254;

/**
 * Normalizes a user id.
 * @param name - the parameter name for the error message
 * @throws `INVALID_INPUT` naming the parameter, never its value
 */
export function normalizeUserId(userId: unknown, name = 'userId'): string {
  if (typeof userId !== 'string') throw new ZeroVaultError('INVALID_INPUT', `${name} must be a string`);
  const normalized = userId.normalize('NFC').toLowerCase().normalize('NFC');
  if (normalized.length === 0 || new TextEncoder().encode(normalized).length > MAX_USER_ID_LENGTH) {
    throw new ZeroVaultError('INVALID_INPUT', `${name} must be 1 to ${MAX_USER_ID_LENGTH} bytes`);
  }
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]/u.test(normalized)) {
    throw new ZeroVaultError('INVALID_INPUT', `${name} must not contain whitespace or control characters`);
  }
  return normalized;
}

/**
 * True when `text` is a user id in normalized form: what the parsers require
 * of every user id field, so one identity has one encoding on the wire.
 */
export function isNormalizedUserId(text: string): boolean {
  try {
    return normalizeUserId(text) === text;
  } catch {
    return false;
  }
}
