/**
 * User id normalization: the server stores, rate-limits and derives OPRF keys
 * from the normalized form, so `Alice@Example.com` and `alice@example.com`
 * are one account and cannot be registered twice.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';

/** Longest normalized user id, in UTF-8 bytes. */
export const MAX_USER_ID_LENGTH = 254;

/**
 * Normalizes a user id: Unicode NFC, then lower case. Rejects empty ids, ids
 * over {@link MAX_USER_ID_LENGTH} UTF-8 bytes, surrounding whitespace, and
 * control or separator characters anywhere (they make look-alike ids).
 *
 * @throws `INVALID_INPUT` naming `userId`
 */
export function normalizeUserId(userId: unknown): string {
  if (typeof userId !== 'string') throw new ZeroVaultError('INVALID_INPUT', 'userId must be a string');
  const normalized = userId.normalize('NFC').toLowerCase();
  if (normalized.length === 0 || new TextEncoder().encode(normalized).length > MAX_USER_ID_LENGTH) {
    throw new ZeroVaultError('INVALID_INPUT', `userId must be 1 to ${MAX_USER_ID_LENGTH} bytes`);
  }
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]/u.test(normalized)) {
    throw new ZeroVaultError('INVALID_INPUT', 'userId must not contain whitespace or control characters');
  }
  return normalized;
}
