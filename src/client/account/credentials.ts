/**
 * The stub of the credential code (`client/credentials/`): password change,
 * recovery key, recovery, root-key rotation and the re-login they take are
 * rare, so their code loads with the first such call, never with the page.
 * What the core needs of them up front is here, with the re-login those
 * and other sensitive calls (devices, passkeys, TOTP) take.
 *
 * @module
 */
import { loadOnDemand } from '../../crypto/lazy.js';
import { ZeroVaultError } from '../../errors.js';
import type { BlobStore } from '../../store/types.js';
import type { Endpoint, SigningKey } from '../api.js';
import type { DeviceProver, OpaqueSettings } from './auth.js';
import { factorOf } from './factor.js';
import type * as Credentials from '../credentials/index.js';

/** The `amr` of a password login that says nothing else (RFC 8176). */
export const PASSWORD_AMR: readonly string[] = Object.freeze(['pwd']);

/** What replacing a credential needs. */
export interface CredentialContext {
  readonly endpoint: Endpoint;
  readonly settings: OpaqueSettings;
  readonly store: BlobStore;
  /** The normalized user id. */
  readonly userId: string;
  readonly signing: SigningKey;
  readonly rootKey: Uint8Array;
  readonly signal?: AbortSignal | undefined;
  /** The session's remembered device, proven on a re-login so the new server session stays bound to it. */
  readonly device?: DeviceProver | undefined;
}

/** The credential code, loaded with the first call that needs it. */
export function credentialCode(): Promise<typeof Credentials> {
  return loadOnDemand(() => import('../credentials/index.js'));
}

/**
 * The server replaces a credential only for a fresh login (within its
 * re-authentication window, 10 minutes by default), so a stolen session key
 * cannot take over the account. With `currentPassword` this logs in again
 * and moves the session's signing key to the new server session (the old
 * one is revoked by the change); without it, nothing happens here and a
 * session older than the window gets `AUTH_FAILED` from the server.
 *
 * For an account with a second factor the new login needs it too
 * (`options.totp` / `recoveryCode`, as for `Client.login`): without it the
 * new server session is ended, `MFA_REQUIRED` thrown, and the session keeps
 * its old key.
 * @returns the new login's `amr`, or `undefined` when there was none (no `currentPassword`)
 * @throws `INVALID_INPUT` for an empty password or a malformed code;
 *   `AUTH_FAILED` for a wrong one; `MFA_REQUIRED`; `RATE_LIMITED`
 */
export async function reauthenticate(ctx: CredentialContext, currentPassword: string | undefined, options: { totp?: unknown; recoveryCode?: unknown } = {}): Promise<readonly string[] | undefined> {
  const factor = await factorOf(options);
  if (currentPassword === undefined) return undefined;
  if (typeof currentPassword !== 'string' || currentPassword.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'currentPassword must be a non-empty string');
  return (await credentialCode()).loginAgain(ctx, currentPassword, factor);
}
