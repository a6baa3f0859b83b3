/**
 * User ids, normalized: Unicode NFC, then lower case; 1 to 254 UTF-8 bytes;
 * no whitespace or control characters (`docs/protocol.md`). The server
 * stores, rate-limits and derives OPRF keys (the OPAQUE credential
 * identifier) from this form, and the sharing formats (key events, grants,
 * membership lists, safety numbers) bind it, so `Alice@Example.com` and
 * `alice@example.com` are one identity everywhere. One function, here below
 * both client and server, so the two sides can never disagree.
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
  const normalized = userId.normalize('NFC').toLowerCase();
  if (normalized.length === 0 || new TextEncoder().encode(normalized).length > MAX_USER_ID_LENGTH) {
    throw new ZeroVaultError('INVALID_INPUT', `${name} must be 1 to ${MAX_USER_ID_LENGTH} bytes`);
  }
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]/u.test(normalized)) {
    throw new ZeroVaultError('INVALID_INPUT', `${name} must not contain whitespace or control characters`);
  }
  return normalized;
}
