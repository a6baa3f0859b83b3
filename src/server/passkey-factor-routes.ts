/**
 * A passkey as the second factor of a password login (issue 15;
 * docs/protocol.md, "Passkeys"):
 *
 * | route | auth | body → reply |
 * | --- | --- | --- |
 * | `POST /mfa/passkey/start` | pending `mfa` session | `{}` → `{ challengeId, options }` |
 * | `POST /mfa/passkey/verify` | the same session | `{ challengeId, response }` → `{ expiresAt, amr }` |
 *
 * An account with a passkey is pending after a password login (factor
 * `passkey`). The pending session asks for an assertion of one of its
 * account's passkeys (`allowCredentials` lists them: the session already
 * names the account), and when it verifies the session becomes full with
 * `hwk` and `user` added to its `amr` (`completeSession`, `mfa-routes.ts`).
 * Each verify counts one of the pending session's tries (the fifth failure
 * deletes it), and takes a token from the credential's bucket as a passkey
 * login does.
 *
 * @module
 */
import { generateAuthenticationOptions } from '@simplewebauthn/server';
import { utf8 } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { isCredentialId } from '../formats/passkey.js';
import { errorResponse, json, parseJsonBody } from './http.js';
import { MAX_PENDING_TRIES } from './mfa-login.js';
import { completeSession } from './mfa-routes.js';
import { PASSKEY_AMR, authFailed, credentialJson, noQuery, passkeyBucket, putState, takeState, transportsOf, verifyAssertion, where, type RelyingParty } from './passkey-ceremony.js';
import type { Route, RouteCall } from './router.js';
import { randomId } from './sessions.js';
import type { MfaStore, PasskeyStore, StoredSession } from './types.js';

type Call = RouteCall<StoredSession>;

const factorAad = (id: string): Uint8Array => utf8(`passkey-factor:${id}`);

/**
 * `POST /mfa/passkey/start` `{}` → `{ challengeId, options }`: WebAuthn
 * request options for the account's passkeys, bound to the calling session.
 * 409 for a full session; 404 when the account has no passkey.
 */
async function factorStart(passkeys: PasskeyStore, rp: RelyingParty, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  parseJsonBody(call.body, {});
  if (session.mfa !== 'mfa') return errorResponse(new ZeroVaultError('CONFLICT', 'the session is not pending'));
  const list = await passkeys.listPasskeys(session.userId);
  if (list.length === 0) return errorResponse(new ZeroVaultError('NOT_FOUND', 'no passkey'));
  const options = await generateAuthenticationOptions({
    rpID: rp.rpId,
    allowCredentials: list.map((p) => ({ id: p.id, transports: transportsOf(p.transports) })),
    userVerification: 'required',
    timeout: context.limits.loginTimeoutMs,
  });
  const challengeId = randomId();
  await putState(context, challengeId, factorAad(challengeId), { u: session.userId, s: session.id, c: options.challenge });
  return json(200, { challengeId, options });
}

/**
 * `POST /mfa/passkey/verify` `{ challengeId, response }` → `{ expiresAt, amr }`:
 * the pending session becomes full with `hwk` and `user` in its `amr`. One
 * try of the session's five is counted first; a failure is 401
 * `AUTH_FAILED` (after the fifth the session is deleted: then 401 `CLOSED`);
 * the credential's bucket as for a passkey login (429).
 */
async function factorVerify(passkeys: PasskeyStore, rp: RelyingParty, mfa: MfaStore, call: Call): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  const input = parseJsonBody(call.body, { challengeId: 'string', response: 'object?' });
  const response = credentialJson(input.response);
  if (session.mfa !== 'mfa') return errorResponse(new ZeroVaultError('CONFLICT', 'the session is not pending'));
  const now = context.now();
  const tries = await mfa.countMfaTry(session.id, MAX_PENDING_TRIES);
  const endPending = async (): Promise<void> => {
    await context.store.deleteSession(session.id);
    context.emit({ type: 'mfa_locked', userId: session.userId, reason: 'session', ...where(context) });
  };
  if (tries === null) {
    await endPending();
    return errorResponse(new ZeroVaultError('CLOSED', 'the session is closed'), 401, { 'www-authenticate': 'ZV1' });
  }
  const fail = async (reason: string): Promise<Response> => {
    context.emit({ type: 'mfa_failed', userId: session.userId, reason, ...where(context) });
    if (tries >= MAX_PENDING_TRIES) await endPending();
    return authFailed();
  };
  const state = await takeState(context, input.challengeId, factorAad(input.challengeId));
  if (state === null || state.s !== session.id || state.u !== session.userId || state.c === undefined) return fail('passkey-unknown-challenge');
  if (!isCredentialId(response.id)) return fail('passkey-unknown');
  const token = await context.store.takeToken(passkeyBucket(response.id), context.limits.userLoginLimit, now);
  if (!token.allowed) {
    context.emit({ type: 'rate_limited', userId: session.userId, reason: 'passkey', ...where(context) });
    return errorResponse(new ZeroVaultError('RATE_LIMITED', 'too many attempts', { retryAfterMs: token.retryAfterMs }));
  }
  const passkey = await passkeys.getPasskey(response.id);
  if (passkey === null || passkey.userId !== session.userId) return fail('passkey-unknown');
  const counter = await verifyAssertion(rp, passkey, response, state.c);
  if (counter === null) return fail('passkey-assertion');
  if (!(await passkeys.usePasskey(passkey.id, counter, now, context.address ?? null))) return fail('passkey-counter');
  await context.store.takeToken(passkeyBucket(passkey.id), context.limits.userLoginLimit, now, -1);
  return completeSession(context, mfa, session, PASSKEY_AMR);
}

/** The passkey rows of the route table, over a store's passkey half (and MFA half, for the second-factor rows) and the server's relying party. */

/** The second-factor rows of the route table. */
export function passkeyFactorRoutes(passkeys: PasskeyStore, rp: RelyingParty, mfa: MfaStore): Route[] {
  return [
    { method: 'POST', pattern: '/mfa/passkey/start', auth: 'session', body: 'small', pending: ['mfa'], handler: (c) => factorStart(passkeys, rp, c) },
    { method: 'POST', pattern: '/mfa/passkey/verify', auth: 'session', body: 'small', pending: ['mfa'], handler: (c) => factorVerify(passkeys, rp, mfa, c) },
  ];
}
