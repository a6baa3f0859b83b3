/**
 * The account routes: OPAQUE registration and login, and logout.
 *
 * Rate limiting counts *unfinished* logins: `login/start` takes a token from
 * the user's bucket and from the client address's bucket; a successful
 * `login/finish` gives both back. A wrong password never reaches
 * `login/finish` (the client cannot open its envelope and stops), so it
 * stays counted. Unknown users are limited exactly like real ones, and take
 * OPAQUE's fake-record path, so neither the responses nor the limits reveal
 * whether an account exists.
 *
 * A login from a remembered device may carry a known-device proof
 * (`device: { id, signature }`, `formats/device.ts`): when it verifies
 * against the user's stored device credential, the login takes its token
 * from that device's own bucket (`login-device:<user>:<device>`) *instead of*
 * the user and address buckets, so guesses from elsewhere, which empty those,
 * never lock the real user out of a device it has used before; the session
 * it creates is bound to the device. A proof that does not verify is ignored:
 * the login goes on exactly as one without a proof, with no distinct answer.
 *
 * @module
 */
import { open as aeadOpen, seal as aeadSeal } from '../crypto/aead.js';
import { fromBase64url, fromUtf8, toBase64url, utf8, wipe } from '../crypto/bytes.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { assertRegistrationRecord, createRegistrationResponse, finishServerLogin, startServerLogin } from '../opaque/index.js';
import { knownDeviceMessage, isDeviceId, verifyDeviceMessage } from '../formats/device.js';
import { devicesOf } from './device-store.js';
import { errorResponse, json, parseJsonBody, parseJsonObject } from './http.js';
import { OTP_AMR, PENDING_SESSION_TTL_MS, sessionStateAfterLogin, strictGate } from './mfa-login.js';
import { createSession, isFreshPasswordLogin, randomId } from './sessions.js';
import type { RouteContext } from './router.js';
import type { StoredSession } from './types.js';
import { normalizeUserId } from '../formats/user-id.js';

/**
 * A user holds up to two OPAQUE credentials: `password`, and `recovery`
 * (registered by a logged-in user with a random recovery key as its
 * "password"). Both log in to the same account. The recovery credential is
 * stored, and its OPRF key derived, under `userId ‖ 0x00 ‖ "recovery"`, which
 * no normalized user id can equal (ids hold no control characters).
 */
export type CredentialKind = 'password' | 'recovery';

function credentialKind(value: string | undefined): CredentialKind {
  if (value === undefined || value === 'password') return 'password';
  if (value === 'recovery') return 'recovery';
  throw new ZeroVaultError('INVALID_INPUT', 'credential must be password or recovery');
}

/** The store key and OPAQUE credential identifier of a user's credential. */
export function credentialId(userId: string, kind: CredentialKind): string {
  return kind === 'password' ? userId : `${userId}\u0000recovery`;
}

/** Largest OPAQUE record we accept (a P-256 record is 161 bytes, ristretto255 192). */
const MAX_RECORD_BYTES = 1024;
const LOGIN_ID = /^[A-Za-z0-9_-]{22}$/;

function where(context: RouteContext): { address?: string } {
  return context.address === undefined ? {} : { address: context.address };
}

/** `POST /register/start`: `{ userId, request }` → `{ response }`. Stateless. */
export async function registerStart(context: RouteContext, body: Uint8Array): Promise<Response> {
  const input = parseJsonBody(body, { userId: 'string', request: 'bytes', credential: 'string?' });
  const userId = normalizeUserId(input.userId);
  const kind = credentialKind(input.credential);
  const { response } = createRegistrationResponse({ setup: context.setup, userId: credentialId(userId, kind), request: input.request });
  return json(200, { response: toBase64url(response) });
}

/**
 * `POST /register/finish`: `{ userId, record, credential? }` → 201. Without
 * a session it creates an account's password credential and refuses (409) to
 * replace one; with a session of the same user it replaces the password
 * credential (password change; every other session of the user is revoked)
 * or sets the recovery credential, which always needs a session.
 */
export async function registerFinish(context: RouteContext, body: Uint8Array, session: StoredSession | null): Promise<Response> {
  const input = parseJsonBody(body, { userId: 'string', record: 'bytes', credential: 'string?' });
  const userId = normalizeUserId(input.userId);
  const kind = credentialKind(input.credential);
  if (input.record.length === 0 || input.record.length > MAX_RECORD_BYTES) throw new ZeroVaultError('INVALID_INPUT', 'record has an invalid length');
  // Parse it now: a malformed record stored here would lock the account and make its
  // login answers differ from an unknown user's.
  try {
    assertRegistrationRecord({ setup: context.setup, record: input.record });
  } catch {
    throw new ZeroVaultError('INVALID_INPUT', 'record is not a registration record for this server');
  }
  const now = context.now();
  if (session === null && kind === 'recovery') return errorResponse(new ZeroVaultError('AUTH_FAILED', 'authentication failed'), 401);
  if (session === null) {
    try {
      await context.store.createUser(userId, input.record, now);
    } catch (err) {
      if (isZeroVaultError(err, 'CONFLICT')) return errorResponse(new ZeroVaultError('CONFLICT', 'user exists'));
      throw err;
    }
    context.emit({ type: 'register', userId, ...where(context) });
    return json(201, {});
  }
  if (session.userId !== userId) {
    context.emit({ type: 'auth_failed', userId: session.userId, reason: 'record-for-other-user', ...where(context) });
    return errorResponse(new ZeroVaultError('FORBIDDEN', 'not allowed'));
  }
  // Replacing a credential takes a *fresh password* login: neither a session key stolen
  // from a long-lived session nor a device-resumed session may become permanent control.
  if (!isFreshPasswordLogin(session, now, context.limits.reauthWindowMs)) {
    context.emit({ type: 'auth_failed', userId, reason: 'login-not-fresh', ...where(context) });
    return errorResponse(new ZeroVaultError('AUTH_FAILED', 'authentication failed'), 401);
  }
  if (kind === 'recovery') {
    const key = credentialId(userId, kind);
    try {
      await context.store.createUser(key, input.record, now);
    } catch (err) {
      if (!isZeroVaultError(err, 'CONFLICT')) throw err;
      await context.store.updateUserRecord(key, input.record, now);
    }
    context.emit({ type: 'recovery_set', userId, ...where(context) });
    return json(201, {});
  }
  await context.store.updateUserRecord(userId, input.record, now);
  // A stolen session must not outlive a password change; the caller's own session stays.
  await context.store.deleteUserSessions(userId, session.id);
  context.emit({ type: 'password_changed', userId, ...where(context) });
  return json(201, {});
}

interface Pending {
  readonly userId: string;
  readonly kind: CredentialKind;
  readonly address?: string;
  /** The device whose known-device proof verified at `login/start` (its bucket was used). */
  readonly deviceId?: string;
  /** A strict account's second factor passed at `login/start`. */
  readonly mfaVerified?: boolean;
  readonly state: Uint8Array;
}

function sealPending(context: RouteContext, loginId: string, pending: Pending): Promise<Uint8Array> {
  const text = JSON.stringify({
    u: pending.userId,
    k: pending.kind,
    a: pending.address ?? null,
    d: pending.deviceId ?? null,
    m: pending.mfaVerified === true,
    s: toBase64url(pending.state),
  });
  return aeadSeal(context.key, utf8(text), utf8(`pending:${loginId}`));
}

async function openPending(context: RouteContext, loginId: string, sealed: Uint8Array): Promise<Pending> {
  const plain = await aeadOpen(context.key, sealed, utf8(`pending:${loginId}`));
  const value = JSON.parse(fromUtf8(plain)) as { u: string; k: CredentialKind; a: string | null; d?: string | null; m?: boolean; s: string };
  wipe(plain);
  return {
    userId: value.u,
    kind: value.k,
    ...(value.a === null ? {} : { address: value.a }),
    ...(typeof value.d === 'string' ? { deviceId: value.d } : {}),
    ...(value.m === true ? { mfaVerified: true } : {}),
    state: fromBase64url(value.s, 'state'),
  };
}

/** The bucket of one remembered device's logins (device logins and known-device password logins share it). */
export function deviceBucket(userId: string, deviceId: string): string {
  return `login-device:${userId}:${deviceId}`;
}

async function refund(context: RouteContext, pending: Pending): Promise<void> {
  const now = context.now();
  if (pending.deviceId !== undefined) {
    await context.store.takeToken(deviceBucket(pending.userId, pending.deviceId), context.limits.userLoginLimit, now, -1);
    return;
  }
  await context.store.takeToken(`login-user:${pending.userId}`, context.limits.userLoginLimit, now, -1);
  if (pending.address !== undefined) await context.store.takeToken(`login-addr:${pending.address}`, context.limits.addressLoginLimit, now, -1);
}

/**
 * The device id of a known-device proof that verifies for `userId` and this
 * KE1 `request`, or `undefined` (no proof, no device store, unknown device,
 * bad signature: all the same to the caller).
 */
async function provenDevice(context: RouteContext, userId: string, proof: Record<string, unknown> | undefined, request: Uint8Array): Promise<string | undefined> {
  if (proof === undefined) return undefined;
  const { id, signature } = parseJsonObject(proof, { id: 'string', signature: 'bytes' }, 'device');
  const devices = devicesOf(context.store);
  if (devices === null || !isDeviceId(id)) return undefined;
  const device = await devices.getDevice(userId, id);
  if (device === null) return undefined;
  return verifyDeviceMessage(device.signingKey, signature, knownDeviceMessage({ userId, deviceId: id, request })) ? id : undefined;
}

/** Takes one login token: from the device's bucket, or from the user's and then the address's. */
async function takeLoginToken(context: RouteContext, userId: string, deviceId: string | undefined, now: number): Promise<{ allowed: boolean; retryAfterMs: number }> {
  if (deviceId !== undefined) return context.store.takeToken(deviceBucket(userId, deviceId), context.limits.userLoginLimit, now);
  const byUser = await context.store.takeToken(`login-user:${userId}`, context.limits.userLoginLimit, now);
  if (!byUser.allowed || context.address === undefined) return byUser;
  const byAddress = await context.store.takeToken(`login-addr:${context.address}`, context.limits.addressLoginLimit, now);
  if (!byAddress.allowed) await context.store.takeToken(`login-user:${userId}`, context.limits.userLoginLimit, now, -1);
  return byAddress;
}

/**
 * `POST /login/start`: `{ userId, request, credential?, device?, totp?, recoveryCode? }` →
 * `{ loginId, response }`, or 429. `device: { id, signature }` is the
 * known-device proof (module comment). `totp` / `recoveryCode` are checked
 * here only for a strict account (`mfa-login.ts`): a missing or wrong one
 * answers with the fake record, like an unknown user.
 */
export async function loginStart(context: RouteContext, body: Uint8Array): Promise<Response> {
  const input = parseJsonBody(body, { userId: 'string', request: 'bytes', credential: 'string?', device: 'object?', totp: 'string?', recoveryCode: 'string?' });
  const userId = normalizeUserId(input.userId);
  const kind = credentialKind(input.credential);
  const now = context.now();
  const deviceId = await provenDevice(context, userId, input.device, input.request);
  const { allowed, retryAfterMs } = await takeLoginToken(context, userId, deviceId, now);
  if (!allowed) {
    context.emit({ type: 'rate_limited', userId, ...where(context) });
    // errorResponse turns retryAfterMs into the Retry-After header, as for every 429.
    return errorResponse(new ZeroVaultError('RATE_LIMITED', 'too many login attempts', { retryAfterMs }));
  }
  const id = credentialId(userId, kind);
  const stored = await context.store.getUserRecord(id);
  const strict = await strictGate(context, userId, deviceId, input);
  // A strict account without its code takes the fake-record path: indistinguishable from an unknown user.
  const record = strict.proceed ? stored : null;
  const { state, response } = startServerLogin({ setup: context.setup, userId: id, record, request: input.request });
  const loginId = randomId();
  const sealed = await sealPending(context, loginId, {
    userId,
    kind,
    ...where(context),
    ...(deviceId === undefined ? {} : { deviceId }),
    ...(strict.verified ? { mfaVerified: true } : {}),
    state,
  });
  wipe(state);
  await context.store.putPending(loginId, sealed, now + context.limits.loginTimeoutMs);
  return json(200, { loginId, response: toBase64url(response) });
}

/**
 * `POST /login/finish`: `{ loginId, finalization }` → `{ sessionId, expiresAt }`,
 * plus `pending` (`mfa` | `enroll`) and `factors` for a pending session
 * (`mfa-login.ts`), or `amr` for a strict login whose code passed at
 * `login/start` (`['pwd', 'otp']`); or 401.
 */
export async function loginFinish(context: RouteContext, body: Uint8Array): Promise<Response> {
  const input = parseJsonBody(body, { loginId: 'string', finalization: 'bytes' });
  if (!LOGIN_ID.test(input.loginId)) throw new ZeroVaultError('INVALID_INPUT', 'loginId is malformed');
  const now = context.now();
  const sealed = await context.store.takePending(input.loginId, now);
  const fail = (reason: string, userId?: string): Response => {
    context.emit({ type: 'auth_failed', reason, ...(userId === undefined ? {} : { userId }), ...where(context) });
    return errorResponse(new ZeroVaultError('AUTH_FAILED', 'authentication failed'), 401);
  };
  if (sealed === null) return fail('unknown-or-expired-login');
  let pending: Pending;
  try {
    pending = await openPending(context, input.loginId, sealed);
  } catch {
    // A device login's pending state (another AAD) sent here: no such OPAQUE login.
    return fail('unknown-or-expired-login');
  }
  let sessionKey: Uint8Array;
  try {
    ({ sessionKey } = finishServerLogin({ state: pending.state, finalization: input.finalization }));
  } catch (err) {
    if (isZeroVaultError(err, 'AUTH_FAILED') || isZeroVaultError(err, 'INVALID_INPUT')) return fail('bad-finalization', pending.userId);
    throw err;
  } finally {
    wipe(pending.state);
  }
  // Defence in depth: a fake-record login cannot produce a valid KE3, but never open a session for a missing user.
  if ((await context.store.getUserRecord(credentialId(pending.userId, pending.kind))) === null) {
    wipe(sessionKey);
    return fail('unknown-user');
  }
  // Bound to the proven device only while it exists (it may have been revoked since login/start).
  const devices = devicesOf(context.store);
  const deviceId = pending.deviceId;
  const bound = deviceId !== undefined && devices !== null && (await devices.getDevice(pending.userId, deviceId)) !== null ? deviceId : undefined;
  const start = await sessionStateAfterLogin(context, pending.userId, pending.mfaVerified === true);
  const ttl = start.pending === null ? context.limits.sessionTtlMs : Math.min(PENDING_SESSION_TTL_MS, context.limits.sessionTtlMs);
  const session = await createSession(context.store, context.key, pending.userId, sessionKey, now, ttl, {
    ...(bound === undefined ? {} : { deviceId: bound }),
    ...(pending.mfaVerified === true ? { amr: ['pwd', OTP_AMR] } : {}),
    ...(start.pending === null ? {} : { mfa: start.pending }),
  });
  wipe(sessionKey);
  if (bound !== undefined) await devices?.touchDevice(pending.userId, bound, now, context.address ?? null);
  await refund(context, pending);
  context.emit({ type: 'login', userId: pending.userId, ...(pending.kind === 'recovery' ? { reason: 'recovery' } : {}), ...where(context) });
  // `amr` only when it is not the plain password's (a strict login whose code passed at start).
  if (start.pending === null) return json(200, { sessionId: session.id, expiresAt: session.expiresAt, ...(session.amr === undefined ? {} : { amr: session.amr }) });
  return json(200, { sessionId: session.id, expiresAt: session.expiresAt, pending: start.pending, factors: start.factors });
}

/** `POST /logout` (authenticated): revokes the session → 204. */
export async function logout(context: RouteContext, session: StoredSession, body: Uint8Array): Promise<Response> {
  // No fields, but the body is still strict: empty, or an empty JSON object.
  if (body.length > 0) parseJsonBody(body, {});
  await context.store.deleteSession(session.id);
  context.emit({ type: 'logout', userId: session.userId, ...where(context) });
  return json(204, null);
}
