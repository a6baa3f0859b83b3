/**
 * Checking a second-factor code, the one way every MFA route and strict
 * `login/start` does it: a token from the limit bucket first, then the code,
 * consumed inside the store (a TOTP step by compare-and-set, a recovery code
 * by a conditional delete), so a code is accepted once however many requests
 * race with it.
 *
 * Buckets: `mfa-device:<userId>:<deviceId>` when the caller is bound to a
 * remembered device, else `mfa-user:<userId>` (policy `mfaLimit`: a burst,
 * then a steady rate), each backed by a slower bucket of its own
 * (`mfa-device-slow:…`, `mfa-user-slow:…`, policy `mfaBackoffLimit`), so
 * the wait grows from minutes to an hour while the failures go on: a
 * backoff, never a hard lockout. Wrong codes from elsewhere never lock out a
 * device the user has used before; a right code gives its tokens back.
 *
 * @module
 */
import { wipe } from '../crypto/bytes.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { canonicalRecoveryCode, hashRecoveryCode, openTotpSecret } from './mfa-secrets.js';
import type { RouteContext } from './router.js';
import { ACCOUNT_TOTP, verifyTotp } from './totp.js';
import type { MfaStore } from './types.js';

/** A code as the client sent it: a TOTP code or a recovery code. */
export type MfaCode = { readonly kind: 'totp'; readonly code: string } | { readonly kind: 'recovery-code'; readonly code: string };

/** Longest code text accepted (a recovery code with separators is 19 characters). */
const MAX_CODE_LENGTH = 64;

/**
 * The one code of a body's `totp` / `recoveryCode` fields: exactly one must
 * be present (`INVALID_INPUT` otherwise). Its content is checked later, as
 * part of the authentication (a malformed code is simply a wrong one).
 */
export function codeOf(input: { readonly totp?: string | undefined; readonly recoveryCode?: string | undefined }): MfaCode {
  const code = optionalCodeOf(input);
  if (code === undefined) throw new ZeroVaultError('INVALID_INPUT', 'one of totp or recoveryCode is required');
  return code;
}

/** Like {@link codeOf}, but neither field is `undefined`. */
export function optionalCodeOf(input: { readonly totp?: string | undefined; readonly recoveryCode?: string | undefined }): MfaCode | undefined {
  if (input.totp !== undefined && input.recoveryCode !== undefined) throw new ZeroVaultError('INVALID_INPUT', 'send totp or recoveryCode, not both');
  const code = input.totp !== undefined ? ({ kind: 'totp', code: input.totp } as const) : input.recoveryCode !== undefined ? ({ kind: 'recovery-code', code: input.recoveryCode } as const) : undefined;
  if (code !== undefined && code.code.length > MAX_CODE_LENGTH) throw new ZeroVaultError('INVALID_INPUT', 'code is too long');
  return code;
}

/** The limit bucket of a user's codes: the remembered device's own when the caller is bound to one. */
export function mfaBucket(userId: string, deviceId: string | undefined): string {
  return deviceId === undefined ? `mfa-user:${userId}` : `mfa-device:${userId}:${deviceId}`;
}

/** The slower bucket behind {@link mfaBucket} (another prefix: user ids may hold colons). */
function slowBucket(userId: string, deviceId: string | undefined): string {
  return deviceId === undefined ? `mfa-user-slow:${userId}` : `mfa-device-slow:${userId}:${deviceId}`;
}

function where(context: RouteContext): { address?: string } {
  return context.address === undefined ? {} : { address: context.address };
}

/**
 * Whether the TOTP code is right for the user's *confirmed* secret at a step
 * newer than the last accepted one; records that step when it is (the code is
 * then spent).
 */
async function useTotp(context: RouteContext, mfa: MfaStore, userId: string, code: string): Promise<boolean> {
  const state = await mfa.getMfa(userId);
  if (state === null || !state.totpConfirmed || state.sealedTotpSecret === null) return false;
  let secret: Uint8Array;
  try {
    secret = await openTotpSecret(context.mfa.keys, userId, state.sealedTotpSecret);
  } catch (err) {
    // Sealed under another setup (or tampered with): no code can match it. Say so to the
    // operator, and answer as for a wrong code (a strict login/start must not look different).
    if (!isZeroVaultError(err, 'DECRYPT_FAILED')) throw err;
    context.emit({ type: 'error', userId, reason: 'totp-secret-unreadable' });
    return false;
  }
  try {
    const step = verifyTotp({ secret, code, timestampMs: context.now(), ...ACCOUNT_TOTP });
    // The compare-and-set in the store refuses a step already used, even by a concurrent request.
    return step !== null && (await mfa.useTotpStep(userId, step));
  } finally {
    wipe(secret);
  }
}

/**
 * Checks and spends `code` for `userId`, with no rate limit (callers take a
 * bucket token first: {@link checkCode}). A spent recovery code is a
 * `recovery_code_used` event.
 */
export async function spendCode(context: RouteContext, mfa: MfaStore, userId: string, code: MfaCode): Promise<boolean> {
  if (code.kind === 'totp') return useTotp(context, mfa, userId, code.code);
  const canonical = canonicalRecoveryCode(code.code);
  if (canonical === null) return false;
  const used = await mfa.useRecoveryCode(userId, hashRecoveryCode(context.mfa.keys, userId, canonical));
  if (used) context.emit({ type: 'recovery_code_used', userId, ...where(context) });
  return used;
}

/** What {@link checkCode} found. */
export type CheckResult = { readonly outcome: 'ok' } | { readonly outcome: 'wrong' } | { readonly outcome: 'limited'; readonly retryAfterMs: number };

/**
 * Takes a token from the caller's bucket, then runs `attempt` (which checks
 * and spends a code). A right code gives the token back; a wrong one is an
 * `mfa_failed` event (with `reason`), an empty bucket an `mfa_locked` event
 * (the code is not even looked at).
 */
export async function limitedAttempt(
  context: RouteContext,
  who: { readonly userId: string; readonly deviceId?: string | undefined },
  reason: string,
  attempt: () => Promise<boolean>,
): Promise<CheckResult> {
  const { store, limits } = context;
  const fast = mfaBucket(who.userId, who.deviceId);
  const slow = slowBucket(who.userId, who.deviceId);
  const locked = (retryAfterMs: number): CheckResult => {
    context.emit({ type: 'mfa_locked', userId: who.userId, reason: who.deviceId === undefined ? 'account' : 'device', ...where(context) });
    return { outcome: 'limited', retryAfterMs };
  };
  const token = await store.takeToken(fast, limits.mfaLimit, context.now());
  if (!token.allowed) return locked(token.retryAfterMs);
  const slowToken = await store.takeToken(slow, limits.mfaBackoffLimit, context.now());
  if (!slowToken.allowed) {
    await store.takeToken(fast, limits.mfaLimit, context.now(), -1);
    return locked(slowToken.retryAfterMs);
  }
  if (await attempt()) {
    await store.takeToken(fast, limits.mfaLimit, context.now(), -1);
    await store.takeToken(slow, limits.mfaBackoffLimit, context.now(), -1);
    return { outcome: 'ok' };
  }
  context.emit({ type: 'mfa_failed', userId: who.userId, reason, ...where(context) });
  return { outcome: 'wrong' };
}

/** {@link limitedAttempt} of spending `code` for `who.userId` ({@link spendCode}). */
export function checkCode(context: RouteContext, mfa: MfaStore, who: { readonly userId: string; readonly deviceId?: string | undefined }, code: MfaCode): Promise<CheckResult> {
  return limitedAttempt(context, who, code.kind, () => spendCode(context, mfa, who.userId, code));
}
