/**
 * Where second factors meet the OPAQUE login (docs/protocol.md, "Second
 * factors"):
 *
 * - {@link strictGate}, at `login/start`: a *strict* account's code travels
 *   with KE1 and is checked before OPAQUE runs. A missing, wrong or spent
 *   code, or an empty limit bucket, sends the login down OPAQUE's fake-record
 *   path (RFC 9807 §6.3.2.2): the client fails exactly as with a wrong
 *   password, so a guesser can neither confirm a password without the factor
 *   nor tell a strict account from an unknown user. The MFA state is read
 *   for every login, unknown users included, so the path costs the same.
 * - {@link sessionStateAfterLogin}, at `login/finish`: an account with a
 *   factor gets a *pending* session (`mfa`), an account without one under
 *   `mfa: 'required'` a pending `enroll` session; a strict login whose code
 *   passed at start is full at once.
 *
 * @module
 */
import { checkCode, optionalCodeOf } from './mfa-check.js';
import { keepsPasskeys, mfaOf, passkeyCount } from './mfa-store.js';
import type { RouteContext } from './router.js';
import type { PendingMfa } from './types.js';

/** A pending session lives at most this long (issue 15: a short expiry). */
export const PENDING_SESSION_TTL_MS = 5 * 60 * 1000;
/** Codes a pending session may try; the last wrong one deletes it. */
export const MAX_PENDING_TRIES = 5;
/** The `otp` method of RFC 8176: a one-time code (TOTP or recovery code) was verified. */
export const OTP_AMR = 'otp';

/** What {@link strictGate} decided. */
export interface StrictGate {
  /** False: answer with the fake record. */
  readonly proceed: boolean;
  /** True when a strict account's code passed here (the session will be full at once). */
  readonly verified: boolean;
}

/**
 * The strict-mode check of `login/start` (module comment). Codes sent for a
 * non-strict account are ignored here (the client sends them to
 * `/mfa/verify` after `login/finish`).
 *
 * @param deviceId - the remembered device whose known-device proof verified, if any
 */
export async function strictGate(
  context: RouteContext,
  userId: string,
  deviceId: string | undefined,
  input: { readonly totp?: string | undefined; readonly recoveryCode?: string | undefined },
): Promise<StrictGate> {
  const code = optionalCodeOf(input);
  const mfa = mfaOf(context.store);
  if (mfa === null) return { proceed: true, verified: false };
  const state = await mfa.getMfa(userId);
  if (state === null || !state.strict || !state.totpConfirmed) return { proceed: true, verified: false };
  if (code === undefined) {
    context.emit({ type: 'mfa_failed', userId, reason: 'strict-missing-code', ...(context.address === undefined ? {} : { address: context.address }) });
    return { proceed: false, verified: false };
  }
  const result = await checkCode(context, mfa, { userId, deviceId }, code);
  return result.outcome === 'ok' ? { proceed: true, verified: true } : { proceed: false, verified: false };
}

/** The second factors a pending session can use or enrol. */
export type Factor = 'totp' | 'recovery-code' | 'passkey';

/** How a new OPAQUE session starts: full, or pending with the factors the client may use. */
export type SessionStart = { readonly pending: null } | { readonly pending: PendingMfa; readonly factors: readonly Factor[] };

/**
 * Whether the session a successful `login/finish` creates for `userId` is
 * pending, and for what (module comment).
 *
 * @param verifiedAtStart - a strict account's code passed at `login/start`
 */
export async function sessionStateAfterLogin(context: RouteContext, userId: string, verifiedAtStart: boolean): Promise<SessionStart> {
  const mfa = mfaOf(context.store);
  if (mfa === null || verifiedAtStart) return { pending: null };
  const state = await mfa.getMfa(userId);
  const passkeys = await passkeyCount(context.store, userId);
  const totp = state !== null && state.totpConfirmed;
  if (totp || passkeys > 0) {
    const factors: Factor[] = [];
    if (totp) factors.push('totp');
    if (state !== null && state.recoveryCodesLeft > 0) factors.push('recovery-code');
    if (passkeys > 0) factors.push('passkey');
    return { pending: 'mfa', factors };
  }
  if (context.mfa.mode === 'required') {
    // What can be enrolled: TOTP always, a passkey when the store keeps them.
    return { pending: 'enroll', factors: keepsPasskeys(context.store) ? ['totp', 'passkey'] : ['totp'] };
  }
  return { pending: null };
}
