/**
 * The one error type zerovault throws.
 *
 * Check `err.code`, not `instanceof`: two copies of the package (an ESM and a
 * CJS build, or two versions in one bundle) each have their own class, but
 * the codes are a stable contract. Messages never hold a key, plaintext,
 * password or user data; they name the parameter or the operation only.
 *
 * @module
 */

/** Stable error codes. Extend with care: callers branch on these. */
export type ZeroVaultErrorCode =
  /** A parameter had the wrong type, size or encoding. */
  | 'INVALID_INPUT'
  /** Ciphertext, tag, commitment or MAC did not authenticate. One message for every cause. */
  | 'DECRYPT_FAILED'
  /** Authentication failed: login, request MAC, server or signature checks. One message for every cause. */
  | 'AUTH_FAILED'
  /** Authenticated, but not allowed: a read-only member writing, a member doing what only the owner may. */
  | 'FORBIDDEN'
  /** The session was logged out, expired or revoked; every later call on it and on what it handed out fails. */
  | 'CLOSED'
  /** The account has a second factor that this session has not verified yet. */
  | 'MFA_REQUIRED'
  /** A versioned write lost a race (stale `If-Match`). */
  | 'CONFLICT'
  /** The record, user or object does not exist. */
  | 'NOT_FOUND'
  /** A store served an older version than one already seen. */
  | 'ROLLBACK'
  /** Unknown format version, suite or algorithm; checked before any crypto. */
  | 'UNSUPPORTED'
  /** Too many attempts; retry later (`retryAfterMs`, when the server said). */
  | 'RATE_LIMITED'
  /** A storage adapter failed (disk, database, quota). */
  | 'STORAGE'
  /** A network request failed or timed out. */
  | 'NETWORK'
  /** A worker the SDK delegates to (the KSF worker) failed to load, crashed, was terminated, or timed out. */
  | 'WORKER';

/** Every code, for validation and exhaustive tests. */
export const ERROR_CODES: readonly ZeroVaultErrorCode[] = Object.freeze([
  'INVALID_INPUT',
  'DECRYPT_FAILED',
  'AUTH_FAILED',
  'FORBIDDEN',
  'CLOSED',
  'MFA_REQUIRED',
  'CONFLICT',
  'NOT_FOUND',
  'ROLLBACK',
  'UNSUPPORTED',
  'RATE_LIMITED',
  'STORAGE',
  'NETWORK',
  'WORKER',
]);

/** Options for {@link ZeroVaultError}. */
export interface ZeroVaultErrorOptions {
  /** The underlying error, kept for debugging. Never copied into `message`. */
  cause?: unknown;
  /** For `RATE_LIMITED`: how long the server asked the caller to wait, in ms. */
  retryAfterMs?: number;
}

/**
 * An error with a stable `code`.
 *
 * @example
 * try { await vault.get('note') } catch (err) {
 *   if (isZeroVaultError(err) && err.code === 'NOT_FOUND') { ... }
 * }
 */
export class ZeroVaultError extends Error {
  /** The stable code; branch on this. */
  readonly code: ZeroVaultErrorCode;
  /** For `RATE_LIMITED`: how long the server asked the caller to wait, in ms (from `Retry-After`); otherwise absent. */
  readonly retryAfterMs?: number;

  /**
   * @param code - one of {@link ZeroVaultErrorCode}
   * @param message - what failed, naming parameters but never values
   * @param options - optional `cause` and `retryAfterMs`
   */
  constructor(code: ZeroVaultErrorCode, message: string, options: ZeroVaultErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'ZeroVaultError';
    this.code = code;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * True when `err` is a zerovault error (from any copy of the package), and,
 * when `code` is given, has that code.
 */
export function isZeroVaultError(err: unknown, code?: ZeroVaultErrorCode): err is ZeroVaultError {
  if (typeof err !== 'object' || err === null) return false;
  const candidate = err as { name?: unknown; code?: unknown };
  if (candidate.name !== 'ZeroVaultError') return false;
  if (typeof candidate.code !== 'string') return false;
  if (!(ERROR_CODES as readonly string[]).includes(candidate.code)) return false;
  return code === undefined || candidate.code === code;
}

/** The single message for every authenticated-decryption failure (no oracle). */
export const DECRYPT_FAILED_MESSAGE = 'decryption failed';

/** The single message for every authentication failure (no oracle). */
export const AUTH_FAILED_MESSAGE = 'authentication failed';

/**
 * A `DECRYPT_FAILED` error with the one fixed message. It carries no `cause`
 * on purpose: which check failed (tag, commitment, key) must not be
 * observable.
 */
export function decryptFailed(): ZeroVaultError {
  return new ZeroVaultError('DECRYPT_FAILED', DECRYPT_FAILED_MESSAGE);
}

/** An `AUTH_FAILED` error with the one fixed message and, likewise, no `cause`. */
export function authFailed(): ZeroVaultError {
  return new ZeroVaultError('AUTH_FAILED', AUTH_FAILED_MESSAGE);
}

/** A `CLOSED` error: the session (or what it handed out) is no longer usable. */
export function closed(): ZeroVaultError {
  return new ZeroVaultError('CLOSED', 'the session is closed');
}
