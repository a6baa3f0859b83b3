/**
 * The second-factor side of `Session` that needs no MFA code up front: the
 * re-login a credential change runs (with the second factor its options
 * carry), the opening of a session pending enrolment once its first factor
 * is confirmed (TOTP or a passkey), and the MFA calls, run with the MFA
 * code (`client/mfa/`) loaded on demand. The MFA code validates the calls'
 * options, before any request.
 *
 * @module
 */
import { mfaCode } from './factor.js';
import { reauthenticate, type CredentialContext } from './credentials.js';
import { deviceProver } from './session-devices.js';
import type * as Mfa from '../mfa/index.js';
import type { EnrolHost } from '../mfa/index.js';
import type { SessionState } from './types.js';

/** What a re-login takes of its options: the password, the second factor (validated by the MFA code), the signal. */
export interface ReauthOptions {
  readonly currentPassword?: string | undefined;
  readonly totp?: unknown;
  readonly recoveryCode?: unknown;
  readonly passkey?: unknown;
  readonly signal?: AbortSignal | undefined;
}

/** What replacing a credential needs of an active session; keys are borrowed now (`CLOSED`, `MFA_REQUIRED`). */
export function credentialContext(s: SessionState, signal: AbortSignal | undefined): CredentialContext {
  return {
    endpoint: s.endpoint,
    settings: s.settings,
    store: s.store,
    userId: s.userId,
    signing: s.keys.signing(),
    rootKey: s.keys.rootKey(),
    signal,
    device: deviceProver(s.endpoint, s.place, s.userId, s.deviceId),
  };
}

/**
 * A fresh password login first when `currentPassword` is given, with the
 * options' second factor (`totp`, `recoveryCode` or `passkey`); the
 * session's `amr` becomes the new login's. Without the factor an account
 * that has one fails with `MFA_REQUIRED`, and the session stays as it was.
 */
export async function reauthenticateSession(s: SessionState, options: ReauthOptions): Promise<void> {
  const amr = await reauthenticate(credentialContext(s, options.signal), options.currentPassword, options);
  if (amr === undefined) return;
  s.amr = amr;
  // The session goes on as the new password login's, which no passkey is bound to (removing the passkey no longer ends it).
  s.passkeyId = undefined;
}

/**
 * The server made the session full with `amr`. A session pending enrolment
 * opens now (unlock, keyring, `rememberDevice`: `SessionState.complete`,
 * which logs it out when it fails); a full one only takes the new `amr`.
 */
export async function factorConfirmed(s: SessionState, amr: readonly string[]): Promise<void> {
  s.amr = amr;
  const complete = s.complete;
  s.complete = undefined;
  if (complete !== undefined) s.deviceId = await complete();
}

/** {@link factorConfirmed} from the reply that made the session full (`expiresAt`, `amr`), read by the MFA code. */
export async function factorConfirmedBy(s: SessionState, reply: Record<string, unknown>): Promise<void> {
  await factorConfirmed(s, (await mfaCode()).fullSession(s.keys.sessionKey(), reply));
}

/** Runs an MFA call as an operation of the session (`whilePending`: also while pending enrolment), with the MFA code loaded. */
export function mfaCall<T>(s: SessionState, run: (mfa: typeof Mfa, host: EnrolHost) => Promise<T>, whilePending = false): Promise<T> {
  return s.keys.use(async () => {
    const host: EnrolHost = {
      endpoint: s.endpoint,
      keys: s.keys,
      log: s,
      reauthenticate: (options) => reauthenticateSession(s, options),
      confirmed: (amr) => factorConfirmed(s, amr),
    };
    return run(await mfaCode(), host);
  }, whilePending);
}
