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
 * @module
 */
import { open as aeadOpen, seal as aeadSeal, type AesGcmKey } from '../crypto/aead.js';
import { fromBase64url, fromUtf8, toBase64url, utf8, wipe } from '../crypto/bytes.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { createRegistrationResponse, finishServerLogin, startServerLogin } from '../opaque/index.js';
import { errorResponse, json, parseJsonBody } from './http.js';
import { createSession, randomId } from './sessions.js';
import type { BucketPolicy, ServerEvent, ServerStore, StoredSession } from './types.js';
import { normalizeUserId } from './user-id.js';

/** What every route handler gets from the server. */
export interface RouteContext {
  readonly store: ServerStore;
  readonly key: AesGcmKey;
  readonly setup: Uint8Array;
  readonly address?: string;
  readonly now: () => number;
  readonly emit: (event: Omit<ServerEvent, 'at'>) => void;
  readonly limits: {
    readonly sessionTtlMs: number;
    readonly loginTimeoutMs: number;
    readonly userLoginLimit: BucketPolicy;
    readonly addressLoginLimit: BucketPolicy;
  };
}

/** Largest OPAQUE record we accept (a P-256 record is 161 bytes, ristretto255 192). */
const MAX_RECORD_BYTES = 1024;
const LOGIN_ID = /^[A-Za-z0-9_-]{22}$/;

function where(context: RouteContext): { address?: string } {
  return context.address === undefined ? {} : { address: context.address };
}

/** `POST /register/start`: `{ userId, request }` → `{ response }`. Stateless. */
export async function registerStart(context: RouteContext, body: Uint8Array): Promise<Response> {
  const input = parseJsonBody(body, { userId: 'string', request: 'bytes' });
  const userId = normalizeUserId(input.userId);
  const { response } = createRegistrationResponse({ setup: context.setup, userId, request: input.request });
  return json(200, { response: toBase64url(response) });
}

/**
 * `POST /register/finish`: `{ userId, record }` → 201. Without a session it
 * creates an account and refuses (409) to replace one; with a session of the
 * same user it replaces the record (password change) and revokes every
 * session of that user.
 */
export async function registerFinish(context: RouteContext, body: Uint8Array, session: StoredSession | null): Promise<Response> {
  const input = parseJsonBody(body, { userId: 'string', record: 'bytes' });
  const userId = normalizeUserId(input.userId);
  if (input.record.length === 0 || input.record.length > MAX_RECORD_BYTES) throw new ZeroVaultError('INVALID_INPUT', 'record has an invalid length');
  const now = context.now();
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
    return errorResponse(new ZeroVaultError('AUTH_FAILED', 'authentication failed'), 403);
  }
  await context.store.updateUserRecord(userId, input.record, now);
  await context.store.deleteUserSessions(userId);
  context.emit({ type: 'password_changed', userId, ...where(context) });
  return json(201, {});
}

interface Pending {
  readonly userId: string;
  readonly address?: string;
  readonly state: Uint8Array;
}

function sealPending(context: RouteContext, loginId: string, pending: Pending): Promise<Uint8Array> {
  const text = JSON.stringify({ u: pending.userId, a: pending.address ?? null, s: toBase64url(pending.state) });
  return aeadSeal(context.key, utf8(text), utf8(`pending:${loginId}`));
}

async function openPending(context: RouteContext, loginId: string, sealed: Uint8Array): Promise<Pending> {
  const plain = await aeadOpen(context.key, sealed, utf8(`pending:${loginId}`));
  const value = JSON.parse(fromUtf8(plain)) as { u: string; a: string | null; s: string };
  wipe(plain);
  return { userId: value.u, ...(value.a === null ? {} : { address: value.a }), state: fromBase64url(value.s, 'state') };
}

async function refund(context: RouteContext, userId: string, address: string | undefined): Promise<void> {
  const now = context.now();
  await context.store.takeToken(`login-user:${userId}`, context.limits.userLoginLimit, now, -1);
  if (address !== undefined) await context.store.takeToken(`login-addr:${address}`, context.limits.addressLoginLimit, now, -1);
}

/** `POST /login/start`: `{ userId, request }` → `{ loginId, response }`, or 429. */
export async function loginStart(context: RouteContext, body: Uint8Array): Promise<Response> {
  const input = parseJsonBody(body, { userId: 'string', request: 'bytes' });
  const userId = normalizeUserId(input.userId);
  const now = context.now();
  const byUser = await context.store.takeToken(`login-user:${userId}`, context.limits.userLoginLimit, now);
  let retryAfterMs = byUser.retryAfterMs;
  let allowed = byUser.allowed;
  if (allowed && context.address !== undefined) {
    const byAddress = await context.store.takeToken(`login-addr:${context.address}`, context.limits.addressLoginLimit, now);
    if (!byAddress.allowed) {
      allowed = false;
      retryAfterMs = byAddress.retryAfterMs;
      await context.store.takeToken(`login-user:${userId}`, context.limits.userLoginLimit, now, -1);
    }
  }
  if (!allowed) {
    context.emit({ type: 'rate_limited', userId, ...where(context) });
    return errorResponse(new ZeroVaultError('RATE_LIMITED', 'too many login attempts'), 429, {
      'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    });
  }
  const record = await context.store.getUserRecord(userId);
  const { state, response } = startServerLogin({ setup: context.setup, userId, record, request: input.request });
  const loginId = randomId();
  const sealed = await sealPending(context, loginId, { userId, ...where(context), state });
  wipe(state);
  await context.store.putPending(loginId, sealed, now + context.limits.loginTimeoutMs);
  return json(200, { loginId, response: toBase64url(response) });
}

/** `POST /login/finish`: `{ loginId, finalization }` → `{ sessionId, expiresAt }`, or 401. */
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
  const pending = await openPending(context, input.loginId, sealed);
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
  if ((await context.store.getUserRecord(pending.userId)) === null) {
    wipe(sessionKey);
    return fail('unknown-user');
  }
  const session = await createSession(context.store, context.key, pending.userId, sessionKey, now, context.limits.sessionTtlMs);
  wipe(sessionKey);
  await refund(context, pending.userId, pending.address);
  context.emit({ type: 'login', userId: pending.userId, ...where(context) });
  return json(200, { sessionId: session.id, expiresAt: session.expiresAt });
}

/** `POST /logout` (authenticated): revokes the session → 204. */
export async function logout(context: RouteContext, session: StoredSession): Promise<Response> {
  await context.store.deleteSession(session.id);
  context.emit({ type: 'logout', userId: session.userId, ...where(context) });
  return json(204, null);
}
