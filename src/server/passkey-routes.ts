/**
 * The passkey routes (issue 15; `docs/protocol.md`, "Passkeys"):
 *
 * | route | auth | body → reply |
 * | --- | --- | --- |
 * | `POST /passkeys/register/start` | fresh password session | `{}` → `{ registrationId, options }` |
 * | `POST /passkeys/register/finish` | the same session, still fresh | `{ registrationId, name, response }` → 201 `{ id, recoveryCodes? }` |
 * | `GET /passkeys` | session | → `{ passkeys: [{ id, name, createdAt, lastSeenAt, lastAddress, current }] }` |
 * | `DELETE /passkeys/:id` | session (another passkey: fresh password session) | → 204 (404 when unknown) |
 * | `POST /passkey/login/start` | none | `{ userId?, ephemeral }` → `{ loginId, nonce, options }` |
 * | `POST /passkey/login/finish` | none | `{ loginId, response }` → `{ sessionId, expiresAt, ephemeral, userId, amr }` |
 *
 * A passkey as a second factor: `passkey-factor-routes.ts`. A pending
 * `enroll` session (`mfa: 'required'`, no factor yet) may register a
 * passkey, which makes it full: `register/finish` then answers
 * `200 { id, recoveryCodes?, expiresAt, amr }`.
 *
 * A passkey that is the account's first second factor (no confirmed TOTP,
 * no recovery code left) comes with ten recovery codes, as TOTP's `confirm`
 * does: `recoveryCodes` in the reply, shown once; later passkeys get none.
 *
 * WebAuthn is verified by `@simplewebauthn/server` (attestation `none`, user
 * verification required, the configured RP id and origins); zerovault parses
 * no CBOR or COSE itself. A passkey is a credential, so registering one takes
 * what adding a device takes: a password login no older than
 * `reauthWindowMs` (or the pending `enroll` session above). Each ceremony's challenge lives in a sealed pending state
 * that is taken once (`takePending`) and expires after `loginTimeoutMs`.
 *
 * A passkey login keys its session like a device login (X25519 ephemerals),
 * but the client's ephemeral is inside the WebAuthn challenge
 * (`formats/passkey.ts`), so the assertion's signature authenticates it. The
 * session has `amr: ['hwk', 'user']` and is bound to the credential:
 * deleting the passkey ends it at once. The signature counter must grow
 * (or stay 0 on authenticators without one); the check and the write are one
 * store statement.
 *
 * `passkey/login/start` looks nothing up (the same answer for an unknown
 * user) and takes a token from the address bucket (`login-addr:<address>`);
 * `passkey/login/finish` takes one from the credential's own bucket
 * (`login-passkey:<credentialId>`, the `userLoginLimit` policy), as device
 * logins do, and a success refunds both. Every failure of finish is one 401
 * `AUTH_FAILED`.
 *
 * @module
 */
import { generateAuthenticationOptions, generateRegistrationOptions, verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import { fromBase64url, toBase64url, utf8, wipe } from '../crypto/bytes.js';
import { randomBytes } from '../crypto/random.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { assertDeviceName } from '../formats/device.js';
import { PASSKEY_NONCE_LENGTH, isCredentialId, passkeyLoginChallenge, passkeySessionKey } from '../formats/passkey.js';
import { normalizeUserId } from '../formats/user-id.js';
import { errorResponse, json, parseJsonBody } from './http.js';
import { completeSession, newRecoveryCodes } from './mfa-routes.js';
import {
  MAX_PASSKEYS,
  PASSKEY_AMR,
  authFailed,
  credentialJson,
  invalid,
  noQuery,
  passkeyBucket,
  putState,
  relyingParty,
  takeState,
  transportsOf,
  verifyAssertion,
  where,
  type PasskeyOptions,
  type RelyingParty,
} from './passkey-ceremony.js';
import { passkeyFactorRoutes } from './passkey-factor-routes.js';
import type { Route, RouteCall, RouteContext } from './router.js';
import { agreeSessionKey, createSession, isFreshPasswordLogin, randomId } from './sessions.js';
import type { MfaStore, PasskeyStore, StoredPasskey, StoredSession } from './types.js';

export { MAX_PASSKEYS, PASSKEY_AMR, relyingParty, type PasskeyOptions } from './passkey-ceremony.js';

type Call = RouteCall<StoredSession>;

const registerAad = (id: string): Uint8Array => utf8(`passkey-register:${id}`);
const loginAad = (id: string): Uint8Array => utf8(`passkey-login:${id}`);

/**
 * Whether `session` may register a passkey: a fresh password login, or a
 * pending `enroll` session (a password login moments ago, which must enrol
 * a factor before anything else).
 */
function mayRegister(context: RouteContext, session: StoredSession, now: number): boolean {
  return session.mfa === 'enroll' || isFreshPasswordLogin(session, now, context.limits.reauthWindowMs);
}

function notFresh(context: RouteContext, session: StoredSession): Response {
  context.emit({ type: 'auth_failed', userId: session.userId, reason: 'login-not-fresh', ...where(context) });
  return authFailed();
}

/** `POST /passkeys/register/start` `{}` → `{ registrationId, options }` (WebAuthn creation options, JSON). */
async function registerStart(passkeys: PasskeyStore, rp: RelyingParty, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  parseJsonBody(call.body, {});
  if (!mayRegister(context, session, context.now())) return notFresh(context, session);
  const existing = await passkeys.listPasskeys(session.userId);
  const userHandle = randomBytes(32);
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userName: session.userId,
    userID: Uint8Array.from(userHandle),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: transportsOf(p.transports) })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    timeout: context.limits.loginTimeoutMs,
  });
  const registrationId = randomId();
  await putState(context, registrationId, registerAad(registrationId), { u: session.userId, s: session.id, c: options.challenge, h: toBase64url(userHandle) });
  return json(200, { registrationId, options });
}

/**
 * `POST /passkeys/register/finish` `{ registrationId, name, response }` → 201
 * `{ id, recoveryCodes? }` (the codes when this passkey is the account's
 * first factor; 200 with `expiresAt` and `amr` too for a pending `enroll`
 * session): the attestation verifies for this RP, origin and challenge, with
 * user verification; 401 otherwise; 409 when the credential exists or the
 * user has {@link MAX_PASSKEYS}.
 */
async function registerFinish(passkeys: PasskeyStore, rp: RelyingParty, mfa: MfaStore | null, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  const input = parseJsonBody(call.body, { registrationId: 'string', name: 'string', response: 'object?' });
  assertDeviceName(input.name);
  const response = credentialJson(input.response);
  const now = context.now();
  if (!mayRegister(context, session, now)) return notFresh(context, session);
  const state = await takeState(context, input.registrationId, registerAad(input.registrationId));
  const fail = (reason: string): Response => {
    context.emit({ type: 'auth_failed', userId: session.userId, reason, ...where(context) });
    return authFailed();
  };
  // A ceremony belongs to the session that started it.
  if (state === null || state.s !== session.id || state.u !== session.userId) return fail('unknown-or-expired-registration');
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: state.c ?? '',
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      requireUserVerification: true,
    });
  } catch {
    return fail('bad-attestation');
  }
  if (!verified.verified) return fail('bad-attestation');
  const { credential } = verified.registrationInfo;
  if (!isCredentialId(credential.id)) return fail('bad-credential-id');
  const passkey: StoredPasskey = {
    userId: session.userId,
    id: credential.id,
    name: input.name,
    publicKey: Uint8Array.from(credential.publicKey),
    userHandle: state.h ?? '',
    counter: credential.counter,
    transports: transportsOf(credential.transports),
    createdAt: now,
    lastSeenAt: now,
    lastAddress: context.address ?? null,
  };
  try {
    await passkeys.addPasskey(passkey, MAX_PASSKEYS);
  } catch (err) {
    if (isZeroVaultError(err, 'CONFLICT')) return errorResponse(new ZeroVaultError('CONFLICT', 'the passkey exists or the user has too many passkeys'));
    throw err;
  }
  // The account's first second factor (no TOTP, no recovery codes left): it gets recovery codes now,
  // as with TOTP's confirm, so losing this passkey does not leave the account stuck at the pending step.
  const recoveryCodes = mfa !== null && (await isFirstFactor(mfa, session.userId)) ? await newRecoveryCodes(context, mfa, session.userId) : undefined;
  context.emit({ type: 'passkey_added', userId: session.userId, ...(recoveryCodes === undefined ? {} : { reason: 'first-factor' }), ...where(context) });
  const reply = { id: passkey.id, ...(recoveryCodes === undefined ? {} : { recoveryCodes }) };
  // An account that had to enrol a factor has one now: its session becomes full.
  if (session.mfa === 'enroll' && mfa !== null) return completeSession(context, mfa, session, PASSKEY_AMR, reply);
  return json(201, reply);
}

/** Whether the account has no confirmed TOTP and no recovery code left (then a new passkey is its first factor). */
async function isFirstFactor(mfa: MfaStore, userId: string): Promise<boolean> {
  const state = await mfa.getMfa(userId);
  return state === null || (!state.totpConfirmed && state.recoveryCodesLeft === 0);
}

/** `GET /passkeys` → `{ passkeys }`, oldest first; `current` marks the one the calling session logged in with. */
async function listPasskeys(passkeys: PasskeyStore, call: Call): Promise<Response> {
  noQuery(call.query);
  const list = await passkeys.listPasskeys(call.session.userId);
  return json(200, {
    passkeys: list.map((p) => ({ id: p.id, name: p.name, createdAt: p.createdAt, lastSeenAt: p.lastSeenAt, lastAddress: p.lastAddress, current: p.id === call.session.passkeyId })),
  });
}

/**
 * `DELETE /passkeys/:id` → 204: the credential and every session bound to
 * it. The passkey a session logged in with it may always delete; another
 * takes a fresh password login (401 `AUTH_FAILED` otherwise). The
 * account's last passkey, without TOTP, takes the recovery codes with it
 * (as `POST /mfa/totp/disable` does with no passkey left): they backed up
 * factors the account no longer has, and its next factor brings new ones.
 */
async function deletePasskey(passkeys: PasskeyStore, mfa: MfaStore | null, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  const id = call.param('id');
  const own = session.passkeyId !== undefined && id === session.passkeyId;
  if (!own && !isFreshPasswordLogin(session, context.now(), context.limits.reauthWindowMs)) return notFresh(context, session);
  if (!isCredentialId(id) || !(await passkeys.deletePasskey(session.userId, id))) return errorResponse(new ZeroVaultError('NOT_FOUND', 'no such passkey'));
  context.emit({ type: 'passkey_removed', userId: session.userId, reason: own ? 'self' : 'other', ...where(context) });
  if (mfa !== null && (await passkeys.listPasskeys(session.userId)).length === 0 && !((await mfa.getMfa(session.userId))?.totpConfirmed ?? false)) {
    await mfa.replaceRecoveryCodes(session.userId, [], context.now());
  }
  return json(204, null);
}

/**
 * `POST /passkey/login/start` `{ userId?, ephemeral }` → `{ loginId, nonce, options }`
 * (WebAuthn request options whose challenge commits to `nonce` and
 * `ephemeral`, so the client can check it does), or 429.
 * Looks nothing up: `allowCredentials` is always empty (a discoverable
 * credential answers), and `userId`, when given, is checked at finish.
 */
async function loginStart(rp: RelyingParty, call: RouteCall<null>): Promise<Response> {
  const { context } = call;
  noQuery(call.query);
  const input = parseJsonBody(call.body, { userId: 'string?', ephemeral: 'bytes' });
  const userId = input.userId === undefined ? undefined : normalizeUserId(input.userId);
  if (input.ephemeral.length !== 32) throw invalid('ephemeral must be 32 bytes');
  const now = context.now();
  if (context.address !== undefined) {
    const token = await context.store.takeToken(`login-addr:${context.address}`, context.limits.addressLoginLimit, now);
    if (!token.allowed) {
      context.emit({ type: 'rate_limited', ...(userId === undefined ? {} : { userId }), reason: 'passkey', ...where(context) });
      return errorResponse(new ZeroVaultError('RATE_LIMITED', 'too many login attempts', { retryAfterMs: token.retryAfterMs }));
    }
  }
  const nonce = randomBytes(PASSKEY_NONCE_LENGTH);
  const challenge = passkeyLoginChallenge(nonce, input.ephemeral);
  const options = await generateAuthenticationOptions({ rpID: rp.rpId, challenge: Uint8Array.from(challenge), userVerification: 'required', timeout: context.limits.loginTimeoutMs });
  const loginId = randomId();
  await putState(context, loginId, loginAad(loginId), {
    c: toBase64url(challenge),
    e: toBase64url(input.ephemeral),
    ...(userId === undefined ? {} : { u: userId }),
    ...(context.address === undefined ? {} : { a: context.address }),
  });
  return json(200, { loginId, nonce: toBase64url(nonce), options });
}

/**
 * `POST /passkey/login/finish` `{ loginId, response }` →
 * `{ sessionId, expiresAt, ephemeral, userId, amr }` (the server's X25519
 * ephemeral and the account the passkey belongs to), 401 `AUTH_FAILED`
 * (module comment) or 429.
 */
async function loginFinish(passkeys: PasskeyStore, rp: RelyingParty, call: RouteCall<null>): Promise<Response> {
  const { context } = call;
  noQuery(call.query);
  const input = parseJsonBody(call.body, { loginId: 'string', response: 'object?' });
  const response = credentialJson(input.response);
  const now = context.now();
  const fail = (reason: string, userId?: string): Response => {
    context.emit({ type: 'auth_failed', reason, ...(userId === undefined ? {} : { userId }), ...where(context) });
    return authFailed();
  };
  const state = await takeState(context, input.loginId, loginAad(input.loginId));
  if (state === null || state.c === undefined || state.e === undefined) return fail('unknown-or-expired-login');
  const credentialId = response.id;
  if (!isCredentialId(credentialId)) return fail('unknown-passkey');
  const token = await context.store.takeToken(passkeyBucket(credentialId), context.limits.userLoginLimit, now);
  if (!token.allowed) {
    context.emit({ type: 'rate_limited', reason: 'passkey', ...where(context) });
    return errorResponse(new ZeroVaultError('RATE_LIMITED', 'too many login attempts', { retryAfterMs: token.retryAfterMs }));
  }
  const passkey = await passkeys.getPasskey(credentialId);
  if (passkey === null) return fail('unknown-passkey');
  const { userId } = passkey;
  if (state.u !== undefined && state.u !== userId) return fail('passkey-of-another-user', state.u);
  // A discoverable assertion names the account; it must be the one this credential was registered for.
  const inner = response.response as Record<string, unknown>;
  if (inner.userHandle !== undefined && inner.userHandle !== passkey.userHandle) return fail('wrong-user-handle', userId);
  const counter = await verifyAssertion(rp, passkey, response, state.c);
  if (counter === null) return fail('bad-assertion', userId);
  if (!(await passkeys.usePasskey(passkey.id, counter, now, context.address ?? null))) return fail('passkey-counter', userId);
  const challenge = fromBase64url(state.c, 'challenge');
  const clientEphemeral = fromBase64url(state.e, 'ephemeral');
  const agreed = agreeSessionKey(clientEphemeral, (shared, serverEphemeral) => passkeySessionKey({ shared, challenge, clientEphemeral, serverEphemeral }));
  if (agreed === null) return fail('low-order-ephemeral', userId);
  const { sessionKey, serverEphemeral } = agreed;
  const session = await createSession(context.store, context.key, userId, sessionKey, now, context.limits.sessionTtlMs, { passkeyId: passkey.id, amr: PASSKEY_AMR });
  wipe(sessionKey);
  // Removed between the check above and the insert: the delete may have missed this session.
  if ((await passkeys.getPasskey(passkey.id)) === null) {
    await context.store.deleteSession(session.id);
    return fail('unknown-passkey', userId);
  }
  await context.store.takeToken(passkeyBucket(credentialId), context.limits.userLoginLimit, now, -1);
  if (state.a !== undefined) await context.store.takeToken(`login-addr:${state.a}`, context.limits.addressLoginLimit, now, -1);
  context.emit({ type: 'login', userId, reason: 'passkey', ...where(context) });
  return json(200, { sessionId: session.id, expiresAt: session.expiresAt, ephemeral: toBase64url(serverEphemeral), userId, amr: PASSKEY_AMR });
}

export function passkeyRoutes(passkeys: PasskeyStore, options: PasskeyOptions, mfa: MfaStore | null = null): Route[] {
  const rp = relyingParty(options);
  return [
    { method: 'POST', pattern: '/passkeys/register/start', auth: 'session', body: 'small', pending: ['enroll'], handler: (c) => registerStart(passkeys, rp, c) },
    { method: 'POST', pattern: '/passkeys/register/finish', auth: 'session', body: 'small', pending: ['enroll'], handler: (c) => registerFinish(passkeys, rp, mfa, c) },
    { method: 'GET', pattern: '/passkeys', auth: 'session', body: 'none', handler: (c) => listPasskeys(passkeys, c) },
    { method: 'DELETE', pattern: '/passkeys/:id', auth: 'session', body: 'none', handler: (c) => deletePasskey(passkeys, mfa, c) },
    { method: 'POST', pattern: '/passkey/login/start', auth: 'none', body: 'small', handler: (c) => loginStart(rp, c) },
    { method: 'POST', pattern: '/passkey/login/finish', auth: 'none', body: 'small', handler: (c) => loginFinish(passkeys, rp, c) },
    ...(mfa === null ? [] : passkeyFactorRoutes(passkeys, rp, mfa)),
  ];
}
