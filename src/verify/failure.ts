/**
 * The one error a verification failure is, and why it failed: kept beside
 * the error (not in its message or fields) so the 401 challenge can say
 * `invalid_token` or `invalid_dpop_proof` while callers see one message.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';

/** Why a request failed: no credentials at all, a bad access token, or a bad DPoP proof. */
export type FailureKind = 'missing' | 'token' | 'proof';

const kinds = new WeakMap<ZeroVaultError, FailureKind>();

/** An `AUTH_FAILED` error, tagged with its kind for the challenge. */
export function failed(kind: FailureKind, cause?: unknown): ZeroVaultError {
  const err = new ZeroVaultError('AUTH_FAILED', 'request authentication failed', cause === undefined ? undefined : { cause });
  kinds.set(err, kind);
  return err;
}

/** The kind of a verification failure, or `undefined` for any other error. */
export function failureKind(error: unknown): FailureKind | undefined {
  return error instanceof ZeroVaultError ? kinds.get(error) : undefined;
}
