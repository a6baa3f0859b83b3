/**
 * The second-factor routes (issue 15; docs/protocol.md, "Second factors"):
 *
 * | route | who | body → reply |
 * | --- | --- | --- |
 * | `POST /mfa/verify` | pending `mfa` session | `{ totp } \| { recoveryCode }` → `{ expiresAt, amr }` |
 * | `GET /mfa` | session | → `{ totp, strict, recoveryCodesLeft, passkeys }` |
 * | `POST /mfa/totp/enroll` | fresh password session, or pending `enroll` | `{}` → `{ secret, uri }` |
 * | `POST /mfa/totp/confirm` | the session that enrolled | `{ code }` → `{ recoveryCodes, expiresAt, amr }` |
 * | `POST /mfa/totp/disable` | session | `{ totp } \| { recoveryCode }` → 204 |
 * | `POST /mfa/recovery-codes` | session | `{ totp } \| { recoveryCode }` → `{ recoveryCodes }` |
 * | `POST /mfa/strict` | session | `{ enabled, totp? , recoveryCode? }` → 204 |
 *
 * Every code is checked by `mfa-check.ts` (limit bucket, then a spend inside
 * the store). A wrong code is 401 `AUTH_FAILED`, one message for wrong,
 * replayed and spent codes; an empty bucket 429 with `Retry-After`. A
 * pending session also counts its tries: the fifth wrong one deletes it.
 *
 * {@link mfaRoutes} lists these rows for the one route table; a store
 * without the MFA methods gets none of them (404).
 *
 * @module
 */
import { randomBytes } from '../crypto/random.js';
import { wipe } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { SESSION_EXPIRES_HEADER, errorResponse, json, parseJsonBody } from './http.js';
import { codeOf, limitedAttempt, spendCode, type MfaCode } from './mfa-check.js';
import { MAX_PENDING_TRIES, OTP_AMR } from './mfa-login.js';
import { passkeyCount } from './mfa-store.js';
import { RECOVERY_CODE_COUNT, canonicalRecoveryCode, hashRecoveryCode, newRecoveryCode, openTotpSecret, sealTotpSecret } from './mfa-secrets.js';
import type { Route, RouteCall, RouteContext } from './router.js';
import { amrOf, isFreshPasswordLogin } from './sessions.js';
import { ACCOUNT_TOTP, TOTP_SECRET_BYTES, base32Secret, totpUri, verifyTotp } from './totp.js';
import type { MfaStore, StoredSession } from './types.js';

type Call = RouteCall<StoredSession>;

function where(context: RouteContext): { address?: string } {
  return context.address === undefined ? {} : { address: context.address };
}

function noQuery(query: URLSearchParams): void {
  if ([...query.keys()].length > 0) throw new ZeroVaultError('INVALID_INPUT', 'unexpected query parameter');
}

function authFailed(): Response {
  return errorResponse(new ZeroVaultError('AUTH_FAILED', 'authentication failed'), 401);
}

function closed(): Response {
  return errorResponse(new ZeroVaultError('CLOSED', 'the session is closed'), 401, { 'www-authenticate': 'ZV1' });
}

function limited(retryAfterMs: number): Response {
  return errorResponse(new ZeroVaultError('RATE_LIMITED', 'too many attempts', { retryAfterMs }));
}

/** The session's `amr` with `methods` added (each once, in order). */
function withMethods(session: StoredSession, methods: readonly string[]): string[] {
  const amr = [...amrOf(session)];
  for (const method of methods) if (!amr.includes(method)) amr.push(method);
  return amr;
}

/**
 * Reserves one of a pending session's tries before its code is looked at,
 * so concurrent guesses cannot exceed the limit. @returns the tries used,
 * this one included (0 for a full session, which has no such limit), or
 * `null`: none were left, and the session is now deleted
 */
async function reserveTry(context: RouteContext, mfa: MfaStore, session: StoredSession): Promise<number | null> {
  if (session.mfa === undefined) return 0;
  const tries = await mfa.countMfaTry(session.id, MAX_PENDING_TRIES);
  if (tries !== null) return tries;
  await endPending(context, session);
  return null;
}

async function endPending(context: RouteContext, session: StoredSession): Promise<void> {
  await context.store.deleteSession(session.id);
  context.emit({ type: 'mfa_locked', userId: session.userId, reason: 'session', ...where(context) });
}

/**
 * Checks a code for the calling session: reserves a try (when pending), then
 * `attempt` under the limit bucket. After the last wrong try the pending
 * session is deleted (this answer is still `AUTH_FAILED`; the next is `CLOSED`).
 *
 * @returns `null` when the code passed, else the response to send
 */
async function guarded(context: RouteContext, mfa: MfaStore, session: StoredSession, reason: string, attempt: () => Promise<boolean>): Promise<Response | null> {
  const tries = await reserveTry(context, mfa, session);
  if (tries === null) return closed();
  const result = await limitedAttempt(context, { userId: session.userId, deviceId: session.deviceId }, reason, attempt);
  if (result.outcome === 'ok') return null;
  if (result.outcome === 'limited') return limited(result.retryAfterMs);
  if (session.mfa !== undefined && tries >= MAX_PENDING_TRIES) await endPending(context, session);
  return authFailed();
}

/** {@link guarded} for a TOTP or recovery code of the caller. */
function guardedCode(context: RouteContext, mfa: MfaStore, session: StoredSession, code: MfaCode): Promise<Response | null> {
  return guarded(context, mfa, session, code.kind, () => spendCode(context, mfa, session.userId, code));
}

/**
 * Records a verified factor on the calling session, and answers
 * `200 { ...extra, expiresAt, amr }` (the new expiry also in
 * `zv-session-expires`): `methods` (RFC 8176 values: `otp`, or `hwk` and
 * `user` for a passkey) join its `amr`, and a pending session becomes full
 * with a full lifetime from now (a full one keeps its expiry). The passkey
 * routes call this after a verified assertion or registration. 401 `CLOSED`
 * when the session is gone.
 */
export async function completeSession(context: RouteContext, mfa: MfaStore, session: StoredSession, methods: readonly string[], extra: Record<string, unknown> = {}): Promise<Response> {
  const amr = withMethods(session, methods);
  const target = session.mfa === undefined ? session.expiresAt : context.now() + context.limits.sessionTtlMs;
  const expiresAt = await mfa.completeMfa(session.id, amr, target);
  if (expiresAt === null) return closed();
  return json(200, { ...extra, expiresAt, amr }, { [SESSION_EXPIRES_HEADER]: String(expiresAt) });
}

/** Ten fresh recovery codes, stored hashed (the old ones are void). */
async function newRecoveryCodes(context: RouteContext, mfa: MfaStore, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const hashes = codes.map((code) => hashRecoveryCode(context.mfa.keys, userId, canonicalRecoveryCode(code) as string));
  await mfa.replaceRecoveryCodes(userId, hashes, context.now());
  return codes;
}

/** `POST /mfa/verify` `{ totp } | { recoveryCode }` → `{ expiresAt, amr }`: the pending session becomes full (409 for a full session). */
async function verify(mfa: MfaStore, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  const code = codeOf(parseJsonBody(call.body, { totp: 'string?', recoveryCode: 'string?' }));
  // Only pending sessions reach here (the row serves them); a full one has nothing to verify.
  if (session.mfa === undefined) return errorResponse(new ZeroVaultError('CONFLICT', 'the session is not pending'));
  const refusal = await guardedCode(context, mfa, session, code);
  if (refusal !== null) return refusal;
  return completeSession(context, mfa, session, [OTP_AMR]);
}

/** `GET /mfa` → `{ totp, strict, recoveryCodesLeft, passkeys }`. */
async function status(mfa: MfaStore, call: Call): Promise<Response> {
  noQuery(call.query);
  const { store } = call.context;
  const state = await mfa.getMfa(call.session.userId);
  const passkeys = await passkeyCount(store, call.session.userId);
  return json(200, {
    totp: state?.totpConfirmed ?? false,
    strict: state?.strict ?? false,
    recoveryCodesLeft: state?.recoveryCodesLeft ?? 0,
    passkeys,
  });
}

/**
 * `POST /mfa/totp/enroll` → `{ secret, uri }`: a new secret (20 random
 * bytes), unconfirmed until `confirm`; replaces an unconfirmed one. 409 when
 * TOTP is already on (disable it first).
 */
async function enroll(mfa: MfaStore, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  if (call.body.length > 0) parseJsonBody(call.body, {});
  // A factor is a credential: enrolling one takes what adding a device takes.
  if (session.mfa === undefined && !isFreshPasswordLogin(session, context.now(), context.limits.reauthWindowMs)) {
    context.emit({ type: 'auth_failed', userId: session.userId, reason: 'login-not-fresh', ...where(context) });
    return authFailed();
  }
  const secret = randomBytes(TOTP_SECRET_BYTES);
  try {
    await mfa.putTotpSecret(session.userId, await sealTotpSecret(context.mfa.keys, session.userId, secret), context.now());
    return json(200, { secret: base32Secret(secret), uri: totpUri({ secret, issuer: context.mfa.issuer, account: session.userId }) });
  } catch (err) {
    if (err instanceof ZeroVaultError && err.code === 'CONFLICT') return errorResponse(new ZeroVaultError('CONFLICT', 'totp is already enabled'));
    throw err;
  } finally {
    wipe(secret);
  }
}

/**
 * `POST /mfa/totp/confirm` `{ code }` → `{ recoveryCodes, expiresAt, amr }`:
 * the first code turns TOTP on (its step is spent), ten recovery codes are
 * issued, and the session gains `otp` (a pending `enroll` session becomes
 * full). 409 when there is nothing to confirm.
 */
async function confirm(mfa: MfaStore, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  const { code } = parseJsonBody(call.body, { code: 'string' });
  const userId = session.userId;
  const state = await mfa.getMfa(userId);
  if (state === null || state.sealedTotpSecret === null || state.totpConfirmed) return errorResponse(new ZeroVaultError('CONFLICT', 'no totp enrolment to confirm'));
  const sealed = state.sealedTotpSecret;
  // Confirming spends the step: the code that turned TOTP on is never accepted again.
  const refusal = await guarded(context, mfa, session, 'totp-confirm', async () => {
    const secret = await openTotpSecret(context.mfa.keys, userId, sealed);
    try {
      const step = verifyTotp({ secret, code, timestampMs: context.now(), ...ACCOUNT_TOTP });
      return step !== null && (await mfa.confirmTotp(userId, step, context.now()));
    } finally {
      wipe(secret);
    }
  });
  if (refusal !== null) return refusal;
  const recoveryCodes = await newRecoveryCodes(context, mfa, userId);
  context.emit({ type: 'totp_enabled', userId, ...where(context) });
  return completeSession(context, mfa, session, [OTP_AMR], { recoveryCodes });
}

/** `POST /mfa/totp/disable` `{ totp } | { recoveryCode }` → 204. 409 when TOTP is off. */
async function disable(mfa: MfaStore, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  const code = codeOf(parseJsonBody(call.body, { totp: 'string?', recoveryCode: 'string?' }));
  const state = await mfa.getMfa(session.userId);
  if (state === null || !state.totpConfirmed) return errorResponse(new ZeroVaultError('CONFLICT', 'totp is not enabled'));
  const refusal = await guardedCode(context, mfa, session, code);
  if (refusal !== null) return refusal;
  await mfa.deleteTotp(session.userId);
  // Recovery codes back up the account's factors: with no passkey left, they go too.
  if ((await passkeyCount(context.store, session.userId)) === 0) await mfa.replaceRecoveryCodes(session.userId, [], context.now());
  context.emit({ type: 'totp_disabled', userId: session.userId, ...where(context) });
  return json(204, null);
}

/** `POST /mfa/recovery-codes` `{ totp } | { recoveryCode }` → `{ recoveryCodes }`; the old ones are void. */
async function regenerate(mfa: MfaStore, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  const code = codeOf(parseJsonBody(call.body, { totp: 'string?', recoveryCode: 'string?' }));
  const refusal = await guardedCode(context, mfa, session, code);
  if (refusal !== null) return refusal;
  return json(200, { recoveryCodes: await newRecoveryCodes(context, mfa, session.userId) });
}

/** `POST /mfa/strict` `{ enabled, totp?, recoveryCode? }` → 204; a code is needed either way. 409 when TOTP is off. */
async function strict(mfa: MfaStore, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  const input = parseJsonBody(call.body, { enabled: 'boolean', totp: 'string?', recoveryCode: 'string?' });
  const code = codeOf(input);
  const state = await mfa.getMfa(session.userId);
  if (state === null || !state.totpConfirmed) return errorResponse(new ZeroVaultError('CONFLICT', 'totp is not enabled'));
  const refusal = await guardedCode(context, mfa, session, code);
  if (refusal !== null) return refusal;
  if (!(await mfa.setStrict(session.userId, input.enabled))) return errorResponse(new ZeroVaultError('CONFLICT', 'totp is not enabled'));
  return json(204, null);
}

/** The MFA rows of the route table, over a store's MFA half. */
export function mfaRoutes(mfa: MfaStore): Route[] {
  return [
    { method: 'POST', pattern: '/mfa/verify', auth: 'session', body: 'small', pending: ['mfa'], handler: (c) => verify(mfa, c) },
    { method: 'GET', pattern: '/mfa', auth: 'session', body: 'none', handler: (c) => status(mfa, c) },
    { method: 'POST', pattern: '/mfa/totp/enroll', auth: 'session', body: 'small', pending: ['enroll'], handler: (c) => enroll(mfa, c) },
    { method: 'POST', pattern: '/mfa/totp/confirm', auth: 'session', body: 'small', pending: ['enroll'], handler: (c) => confirm(mfa, c) },
    { method: 'POST', pattern: '/mfa/totp/disable', auth: 'session', body: 'small', handler: (c) => disable(mfa, c) },
    { method: 'POST', pattern: '/mfa/recovery-codes', auth: 'session', body: 'small', handler: (c) => regenerate(mfa, c) },
    { method: 'POST', pattern: '/mfa/strict', auth: 'session', body: 'small', handler: (c) => strict(mfa, c) },
  ];
}
