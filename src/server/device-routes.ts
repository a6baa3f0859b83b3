/**
 * The device routes (issue 14, part 3; `docs/protocol.md`, "Devices"):
 *
 * | route | auth | body → reply |
 * | --- | --- | --- |
 * | `POST /devices` | fresh password session | `{ deviceId, name, signingKey }` → 201 `{}` (409 when the id exists, the user has 32, or the session already has a device) |
 * | `GET /devices` | session | → `{ devices: [{ id, name, createdAt, lastSeenAt, lastAddress, current }] }` |
 * | `DELETE /devices/:id` | session (another device: fresh password session) | → 204 (404 when unknown) |
 * | `POST /device/login/start` | none | `{ userId, deviceId }` → `{ loginId, challenge }` |
 * | `POST /device/login/finish` | none | `{ loginId, ephemeral, signature }` → `{ sessionId, expiresAt, ephemeral }` |
 *
 * A device is a credential: an Ed25519 public key the client registers from
 * a fresh password session, which is then bound to it. A device login proves
 * possession of the key (a signature over the server's challenge and the
 * device's X25519 ephemeral, `formats/device.ts`) and agrees on a session key
 * by X25519, so the session is as good as an OPAQUE one for the blob routes,
 * but its `amr` is `['swk']`: it can never replace a credential, add a
 * device or revoke another device (those take a fresh password login).
 *
 * Deleting a device deletes every session bound to it in the same store
 * transaction, so each instance refuses them at once (401 `CLOSED`).
 *
 * `device/login/start` answers the same for an unknown user or device (it
 * looks nothing up); `device/login/finish` fails with one 401 `AUTH_FAILED`
 * for an unknown, expired or replayed login, an unknown or revoked device, a
 * bad signature or a low-order ephemeral. Device logins are rate-limited per
 * device (`login-device:<user>:<device>`, the `userLoginLimit` policy) and a
 * success refunds its token, as OPAQUE logins do.
 *
 * {@link deviceRoutes} lists these rows for the one route table; a store
 * without the device methods gets none of them (404).
 *
 * @module
 */
import { open as aeadOpen, seal as aeadSeal } from '../crypto/aead.js';
import { fromBase64url, fromUtf8, toBase64url, utf8, wipe } from '../crypto/bytes.js';
import { randomBytes } from '../crypto/random.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import {
  DEVICE_CHALLENGE_LENGTH,
  DEVICE_KEY_LENGTH,
  DEVICE_SIGNATURE_LENGTH,
  assertDeviceName,
  deviceLoginMessage,
  deviceSessionKey,
  isDeviceId,
  verifyDeviceMessage,
} from '../formats/device.js';
import { isValidSigningKey } from '../formats/signature.js';
import { normalizeUserId } from '../formats/user-id.js';
import { deviceBucket } from './account-routes.js';
import { errorResponse, json, parseJsonBody } from './http.js';
import type { Route, RouteCall, RouteContext } from './router.js';
import { agreeSessionKey, createSession, isFreshPasswordLogin, randomId } from './sessions.js';
import type { DeviceStore, StoredSession } from './types.js';

/** Most devices one user may remember. */
export const MAX_DEVICES = 32;
/** The `amr` of a device-login session: proof of possession of a software-held key (RFC 8176). */
export const DEVICE_AMR: readonly string[] = Object.freeze(['swk']);

const LOGIN_ID = /^[A-Za-z0-9_-]{22}$/;

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

function where(context: RouteContext): { address?: string } {
  return context.address === undefined ? {} : { address: context.address };
}

function noQuery(query: URLSearchParams): void {
  if ([...query.keys()].length > 0) throw invalid('unexpected query parameter');
}

function authFailed(): Response {
  return errorResponse(new ZeroVaultError('AUTH_FAILED', 'authentication failed'), 401);
}

type Call = RouteCall<StoredSession>;

/**
 * `POST /devices` `{ deviceId, name, signingKey }` → 201 `{}`; binds the
 * calling session (which must not belong to a device yet) to the new device.
 */
async function addDevice(devices: DeviceStore, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  const input = parseJsonBody(call.body, { deviceId: 'string', name: 'string', signingKey: 'bytes' });
  if (!isDeviceId(input.deviceId)) throw invalid('deviceId must be 16 bytes of unpadded base64url');
  assertDeviceName(input.name);
  if (input.signingKey.length !== DEVICE_KEY_LENGTH || !isValidSigningKey(input.signingKey)) throw invalid('signingKey must be an Ed25519 public key');
  const now = context.now();
  // A device is a credential: adding one takes what replacing a password takes.
  if (!isFreshPasswordLogin(session, now, context.limits.reauthWindowMs)) {
    context.emit({ type: 'auth_failed', userId: session.userId, reason: 'login-not-fresh', ...where(context) });
    return authFailed();
  }
  // One session, one device: rebinding would quietly unhook it from the device that vouched for it.
  if (session.deviceId !== undefined) return errorResponse(new ZeroVaultError('CONFLICT', 'this session already belongs to a device'));
  const device = {
    userId: session.userId,
    id: input.deviceId,
    name: input.name,
    signingKey: input.signingKey,
    createdAt: now,
    lastSeenAt: now,
    lastAddress: context.address ?? null,
  };
  try {
    await devices.addDevice(device, session.id, MAX_DEVICES);
  } catch (err) {
    if (isZeroVaultError(err, 'CONFLICT')) return errorResponse(new ZeroVaultError('CONFLICT', 'the device exists or the user has too many devices'));
    throw err;
  }
  context.emit({ type: 'device_added', userId: session.userId, ...where(context) });
  return json(201, {});
}

/** `GET /devices` → `{ devices }`, oldest first; `current` marks the calling session's device. */
async function listDevices(devices: DeviceStore, call: Call): Promise<Response> {
  noQuery(call.query);
  const list = await devices.listDevices(call.session.userId);
  return json(200, {
    devices: list.map((d) => ({
      id: d.id,
      name: d.name,
      createdAt: d.createdAt,
      lastSeenAt: d.lastSeenAt,
      lastAddress: d.lastAddress,
      current: d.id === call.session.deviceId,
    })),
  });
}

/**
 * `DELETE /devices/:id` → 204: the credential and every session bound to it.
 * Its own device a session may always delete (logout with `forgetDevice`);
 * another takes a fresh password login (401 `AUTH_FAILED` otherwise).
 */
async function deleteDevice(devices: DeviceStore, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  const id = call.param('id');
  const own = session.deviceId !== undefined && id === session.deviceId;
  if (!own && !isFreshPasswordLogin(session, context.now(), context.limits.reauthWindowMs)) {
    context.emit({ type: 'auth_failed', userId: session.userId, reason: 'login-not-fresh', ...where(context) });
    return authFailed();
  }
  if (!isDeviceId(id) || !(await devices.deleteDevice(session.userId, id))) return errorResponse(new ZeroVaultError('NOT_FOUND', 'no such device'));
  context.emit({ type: 'device_revoked', userId: session.userId, reason: own ? 'self' : 'other', ...where(context) });
  return json(204, null);
}

interface DevicePending {
  readonly userId: string;
  readonly deviceId: string;
  readonly challenge: Uint8Array;
}

// Another AAD than OPAQUE's pending states: neither kind of login id opens the other's state.
const pendingAad = (loginId: string): Uint8Array => utf8(`device-login:${loginId}`);

/** `POST /device/login/start` `{ userId, deviceId }` → `{ loginId, challenge }`, or 429. Looks nothing up. */
async function loginStart(call: RouteCall<null>): Promise<Response> {
  const { context } = call;
  noQuery(call.query);
  const input = parseJsonBody(call.body, { userId: 'string', deviceId: 'string' });
  const userId = normalizeUserId(input.userId);
  if (!isDeviceId(input.deviceId)) throw invalid('deviceId must be 16 bytes of unpadded base64url');
  const now = context.now();
  const token = await context.store.takeToken(deviceBucket(userId, input.deviceId), context.limits.userLoginLimit, now);
  if (!token.allowed) {
    context.emit({ type: 'rate_limited', userId, reason: 'device', ...where(context) });
    return errorResponse(new ZeroVaultError('RATE_LIMITED', 'too many login attempts', { retryAfterMs: token.retryAfterMs }));
  }
  const loginId = randomId();
  const challenge = randomBytes(DEVICE_CHALLENGE_LENGTH);
  const text = JSON.stringify({ u: userId, d: input.deviceId, c: toBase64url(challenge) });
  await context.store.putPending(loginId, await aeadSeal(context.key, utf8(text), pendingAad(loginId)), now + context.limits.loginTimeoutMs);
  return json(200, { loginId, challenge: toBase64url(challenge) });
}

async function openPending(context: RouteContext, loginId: string, sealed: Uint8Array): Promise<DevicePending | null> {
  try {
    const plain = await aeadOpen(context.key, sealed, pendingAad(loginId));
    const value = JSON.parse(fromUtf8(plain)) as { u: string; d: string; c: string };
    return { userId: value.u, deviceId: value.d, challenge: fromBase64url(value.c, 'challenge') };
  } catch {
    // An OPAQUE login's state (another AAD) sent here: no such device login.
    return null;
  }
}

/**
 * `POST /device/login/finish` `{ loginId, ephemeral, signature }` →
 * `{ sessionId, expiresAt, ephemeral }` (the server's X25519 ephemeral), or
 * 401 `AUTH_FAILED` (module comment). The session has `amr: ['swk']` and is
 * bound to the device.
 */
async function loginFinish(devices: DeviceStore, call: RouteCall<null>): Promise<Response> {
  const { context } = call;
  noQuery(call.query);
  const input = parseJsonBody(call.body, { loginId: 'string', ephemeral: 'bytes', signature: 'bytes' });
  if (!LOGIN_ID.test(input.loginId)) throw invalid('loginId is malformed');
  if (input.ephemeral.length !== DEVICE_KEY_LENGTH) throw invalid(`ephemeral must be ${DEVICE_KEY_LENGTH} bytes`);
  if (input.signature.length !== DEVICE_SIGNATURE_LENGTH) throw invalid(`signature must be ${DEVICE_SIGNATURE_LENGTH} bytes`);
  const now = context.now();
  const fail = (reason: string, userId?: string): Response => {
    context.emit({ type: 'auth_failed', reason, ...(userId === undefined ? {} : { userId }), ...where(context) });
    return authFailed();
  };
  const sealed = await context.store.takePending(input.loginId, now);
  const pending = sealed === null ? null : await openPending(context, input.loginId, sealed);
  if (pending === null) return fail('unknown-or-expired-login');
  const { userId, deviceId, challenge } = pending;
  const device = await devices.getDevice(userId, deviceId);
  if (device === null) return fail('unknown-device', userId);
  if (!verifyDeviceMessage(device.signingKey, input.signature, deviceLoginMessage({ userId, deviceId, challenge, ephemeral: input.ephemeral }))) {
    return fail('bad-device-signature', userId);
  }
  const agreed = agreeSessionKey(input.ephemeral, (shared, serverEphemeral) => deviceSessionKey({ shared, challenge, clientEphemeral: input.ephemeral, serverEphemeral }));
  if (agreed === null) return fail('low-order-ephemeral', userId);
  const { sessionKey, serverEphemeral } = agreed;
  const session = await createSession(context.store, context.key, userId, sessionKey, now, context.limits.sessionTtlMs, { deviceId, amr: DEVICE_AMR });
  wipe(sessionKey);
  // Revoked between the check above and the insert: the delete may have missed this session.
  if ((await devices.getDevice(userId, deviceId)) === null) {
    await context.store.deleteSession(session.id);
    return fail('unknown-device', userId);
  }
  await devices.touchDevice(userId, deviceId, now, context.address ?? null);
  await context.store.takeToken(deviceBucket(userId, deviceId), context.limits.userLoginLimit, now, -1);
  context.emit({ type: 'login', userId, reason: 'device', deviceId, ...where(context) });
  return json(200, { sessionId: session.id, expiresAt: session.expiresAt, ephemeral: toBase64url(serverEphemeral) });
}

/** The device rows of the route table, over a store's device half. */
export function deviceRoutes(devices: DeviceStore): Route[] {
  return [
    { method: 'POST', pattern: '/devices', auth: 'session', body: 'small', handler: (c) => addDevice(devices, c) },
    { method: 'GET', pattern: '/devices', auth: 'session', body: 'none', handler: (c) => listDevices(devices, c) },
    { method: 'DELETE', pattern: '/devices/:id', auth: 'session', body: 'none', handler: (c) => deleteDevice(devices, c) },
    { method: 'POST', pattern: '/device/login/start', auth: 'none', body: 'small', handler: loginStart },
    { method: 'POST', pattern: '/device/login/finish', auth: 'none', body: 'small', handler: (c) => loginFinish(devices, c) },
  ];
}
