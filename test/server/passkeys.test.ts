/**
 * Passkeys over the server's fetch handler (issue 15): registration from a
 * fresh password session, passkey login (no password) with a session bound
 * to the credential and `amr: ['hwk', 'user']`, the X25519 ephemeral
 * committed to by the WebAuthn challenge, single-use and short-lived
 * challenges, origin / RP id / user verification / counter checks, removal
 * (which ends the passkey's sessions), rate limits and events. The
 * authenticator is a software one (`passkey-harness.ts`); the server
 * verifies with @simplewebauthn/server.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { toBase64url } from '../../src/crypto/bytes.js';
import { createServer, createServerSetup, memoryServerStore, type CreateServerOptions, type ServerEvent, type ServerStore, type ZeroVaultServer } from '../../src/server/index.js';
import { login, post, register, signed, type TestSession } from './harness.js';
import { mfaLogin } from './mfa-harness.js';
import { ORIGIN, RP_ID, assert, newSoftKey, passkeyFinish, passkeyLogin, passkeySession, passkeyStart, registerPasskey, type SoftKey } from './passkey-harness.js';

const setup = createServerSetup();
const USER = 'alice@example.com';

let server: ZeroVaultServer;
let store: ServerStore;
let events: ServerEvent[];
let clock: number;

function makeServer(options: Partial<CreateServerOptions> = {}, withPasskeys = true): ZeroVaultServer {
  store = memoryServerStore();
  const s = createServer({ setup, store, basePath: '/zv', now: () => clock, ...(withPasskeys ? { passkeys: { rpId: RP_ID, origins: [ORIGIN] } } : {}), ...options });
  s.on('*', (e) => events.push(e));
  return s;
}

beforeEach(() => {
  clock = Date.now();
  events = [];
  server = makeServer();
});

function at(session: TestSession, method: string, path: string, body?: unknown): Request {
  return signed(session, method, path, { timestamp: clock, ...(body === undefined ? {} : { body }) });
}

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

async function userWithPasskey(key: SoftKey = newSoftKey()): Promise<{ session: TestSession; key: SoftKey }> {
  expect((await register(server, USER, 'pw')).status).toBe(201);
  const session = await login(server, USER, 'pw');
  expect((await registerPasskey(server, session, key)).status).toBe(201);
  return { session, key };
}

interface Listed {
  id: string;
  name: string;
  current: boolean;
}

async function list(session: TestSession): Promise<Listed[]> {
  const res = await server.fetch(at(session, 'GET', '/passkeys'));
  expect(res.status).toBe(200);
  return ((await res.json()) as { passkeys: Listed[] }).passkeys;
}

describe('passkey routes', () => {
  test('without the passkeys option the routes do not exist', async () => {
    server = makeServer({}, false);
    expect((await post(server, '/passkey/login/start', { ephemeral: toBase64url(new Uint8Array(32).fill(9)) })).status).toBe(404);
  });

  test('createServer refuses a malformed relying party', () => {
    for (const passkeys of [{ rpId: 'Example.COM', origins: [ORIGIN] }, { rpId: RP_ID, origins: [] }, { rpId: RP_ID, origins: ['http://zv.test'] }, { rpId: RP_ID, origins: ['https://zv.test/path'] }]) {
      expect(() => createServer({ setup, store: memoryServerStore(), passkeys })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  test('register, list, then log in with the passkey alone (discoverable, no user id): a session bound to it, amr hwk+user', async () => {
    const { session, key } = await userWithPasskey();
    expect(events.filter((e) => e.type === 'passkey_added')).toEqual([expect.objectContaining({ userId: USER })]);
    const listed = await list(session);
    expect(listed).toEqual([expect.objectContaining({ id: toBase64url(key.id), name: 'Test key', current: false })]);
    const start = await passkeyStart(server);
    const finished = await passkeyFinish(server, start, key);
    expect(await finished.clone().json()).toMatchObject({ userId: USER, amr: ['hwk', 'user'] });
    const byKey = await passkeySession(finished, start);
    expect(byKey.userId).toBe(USER);
    expect((await server.fetch(at(byKey, 'GET', '/blobs/notes'))).status).toBe(200);
    expect(await store.getSession(byKey.sessionId, clock)).toMatchObject({ userId: USER, passkeyId: toBase64url(key.id), amr: ['hwk', 'user'] });
    expect((await list(byKey))[0]?.current).toBe(true);
    expect(events.filter((e) => e.type === 'login' && e.reason === 'passkey')).toHaveLength(1);
    // With the user id named, too.
    expect((await passkeyLogin(server, key, 'Alice@Example.com')).userId).toBe(USER);
  });

  test('registering takes a fresh password login: a stale session and a passkey session both get 401', async () => {
    const { key } = await userWithPasskey();
    const byKey = await passkeyLogin(server, key);
    const res = await server.fetch(at(byKey, 'POST', '/passkeys/register/start', {}));
    expect(res.status).toBe(401);
    expect((await register(server, 'carol@example.com', 'pw')).status).toBe(201);
    const fresh = await login(server, 'carol@example.com', 'pw');
    clock += 11 * 60 * 1000;
    const stale = await server.fetch(at(fresh, 'POST', '/passkeys/register/start', {}));
    expect(stale.status).toBe(401);
    expect(await codeOf(stale)).toBe('AUTH_FAILED');
    expect(events.filter((e) => e.type === 'auth_failed').map((e) => e.reason)).toEqual(['login-not-fresh', 'login-not-fresh']);
  });

  test('a registration ceremony belongs to its session, is taken once, and checks origin, RP id and user verification', async () => {
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const session = await login(server, USER, 'pw');
    const other = await login(server, USER, 'pw');
    const started = await server.fetch(at(session, 'POST', '/passkeys/register/start', {}));
    const { registrationId } = (await started.json()) as { registrationId: string };
    const { attest } = await import('./passkey-harness.js');
    const key = newSoftKey();
    const options = { challenge: 'x', user: { id: 'y' } };
    // Another session cannot finish it, and the attempt used it up.
    expect((await server.fetch(at(other, 'POST', '/passkeys/register/finish', { registrationId, name: 'k', response: attest(key, options) }))).status).toBe(401);
    expect((await server.fetch(at(session, 'POST', '/passkeys/register/finish', { registrationId, name: 'k', response: attest(key, options) }))).status).toBe(401);
    for (const tamper of [{ origin: 'https://evil.test' }, { rpId: 'evil.test' }, { flags: 0x01 }, { challenge: toBase64url(new Uint8Array(32)) }]) {
      expect((await registerPasskey(server, session, newSoftKey(), 'k', tamper)).status).toBe(401);
    }
    expect(events.filter((e) => e.type === 'auth_failed').map((e) => e.reason)).toEqual([
      'unknown-or-expired-registration',
      'unknown-or-expired-registration',
      ...Array.from({ length: 4 }, () => 'bad-attestation'),
    ]);
    expect(await list(session)).toEqual([]);
    expect((await registerPasskey(server, session, key)).status).toBe(201);
    // The same credential again: refused, whatever the authenticator's exclude list did.
    const again = await registerPasskey(server, session, key);
    expect(again.status).toBe(409);
    expect(await codeOf(again)).toBe('CONFLICT');
  });

  test('the login challenge commits to the client ephemeral; a challenge is single use and short-lived', async () => {
    const { key } = await userWithPasskey();
    const start = await passkeyStart(server);
    const res = await passkeyFinish(server, start, key);
    // passkeySession recomputes the challenge from the nonce and the ephemeral before keying the session.
    await expect(passkeySession(res, start)).resolves.toMatchObject({ userId: USER });
    const replay = await passkeyFinish(server, start, key);
    expect(replay.status).toBe(401);
    expect(await codeOf(replay)).toBe('AUTH_FAILED');
    const late = await passkeyStart(server);
    clock += 61_000;
    expect((await passkeyFinish(server, late, key)).status).toBe(401);
    // An assertion over one login's challenge does not finish another login.
    const a = await passkeyStart(server);
    const b = await passkeyStart(server);
    expect((await passkeyFinish(server, { ...b }, key, { challenge: a.challenge })).status).toBe(401);
  });

  test('wrong origin, RP id, user verification, user handle or user id: one 401 AUTH_FAILED', async () => {
    const { key } = await userWithPasskey();
    for (const tamper of [{ origin: 'https://evil.test' }, { rpId: 'evil.test' }, { flags: 0x01 }, { userHandle: toBase64url(new Uint8Array(32)) }]) {
      const res = await passkeyFinish(server, await passkeyStart(server), key, tamper);
      expect(res.status).toBe(401);
      expect(await codeOf(res)).toBe('AUTH_FAILED');
    }
    expect((await register(server, 'bob@example.com', 'pw')).status).toBe(201);
    expect((await passkeyFinish(server, await passkeyStart(server, 'bob@example.com'), key)).status).toBe(401);
    expect((await passkeyFinish(server, await passkeyStart(server), newSoftKey())).status).toBe(401);
    const reasons = events.filter((e) => e.type === 'auth_failed').map((e) => e.reason);
    expect(reasons).toEqual(['bad-assertion', 'bad-assertion', 'bad-assertion', 'wrong-user-handle', 'passkey-of-another-user', 'unknown-passkey']);
  });

  test('a signature counter that does not grow is refused (a cloned authenticator)', async () => {
    const { key } = await userWithPasskey(newSoftKey(5));
    await passkeyLogin(server, key);
    await passkeyLogin(server, key);
    key.counter -= 2; // the clone is one step behind
    expect((await passkeyFinish(server, await passkeyStart(server), key)).status).toBe(401);
    expect(events.filter((e) => e.type === 'auth_failed').map((e) => e.reason)).toEqual(['bad-assertion']);
  });

  test('removing a passkey ends its sessions; another passkey takes a fresh password login; events', async () => {
    const { session, key } = await userWithPasskey();
    const second = newSoftKey();
    expect((await registerPasskey(server, session, second, 'Second')).status).toBe(201);
    const byKey = await passkeyLogin(server, key);
    const bySecond = await passkeyLogin(server, second);
    // A passkey session removes another passkey only with a fresh password login.
    expect((await server.fetch(at(byKey, 'DELETE', `/passkeys/${toBase64url(second.id)}`))).status).toBe(401);
    // Its own passkey it may remove: the session ends with it.
    expect((await server.fetch(at(byKey, 'DELETE', `/passkeys/${toBase64url(key.id)}`))).status).toBe(204);
    expect((await server.fetch(at(byKey, 'GET', '/passkeys'))).status).toBe(401);
    expect((await passkeyFinish(server, await passkeyStart(server), key)).status).toBe(401);
    expect((await server.fetch(at(session, 'DELETE', `/passkeys/${toBase64url(second.id)}`))).status).toBe(204);
    expect((await server.fetch(at(bySecond, 'GET', '/blobs/notes'))).status).toBe(401);
    expect((await server.fetch(at(session, 'DELETE', `/passkeys/${toBase64url(second.id)}`))).status).toBe(404);
    expect(events.filter((e) => e.type === 'passkey_removed').map((e) => e.reason)).toEqual(['self', 'other']);
  });

  test("failed logins are limited per credential and refunded on success; the user's password bucket is untouched", async () => {
    server = makeServer({ userLoginLimit: { capacity: 2, refillMs: 60_000 } });
    const { key } = await userWithPasskey();
    for (let i = 0; i < 2; i++) expect((await passkeyFinish(server, await passkeyStart(server), key, { flags: 0x01 })).status).toBe(401);
    const limited = await passkeyFinish(server, await passkeyStart(server), key);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
    clock += 60_000;
    await passkeyLogin(server, key);
    await passkeyLogin(server, key);
    // The password still logs in: the passkey's bucket is its own.
    await expect(login(server, USER, 'pw')).resolves.toBeDefined();
  });
});

describe('a passkey as the second factor of a password login', () => {
  async function pending(): Promise<{ session: TestSession; factors: string[] }> {
    const { session, body } = await mfaLogin(server, USER, 'pw');
    return { session, factors: (body as { factors?: string[] }).factors ?? [] };
  }

  async function factorStart(session: TestSession): Promise<{ challengeId: string; options: { challenge: string; allowCredentials: { id: string }[] } }> {
    const res = await server.fetch(at(session, 'POST', '/mfa/passkey/start', {}));
    expect(res.status).toBe(200);
    return (await res.json()) as { challengeId: string; options: { challenge: string; allowCredentials: { id: string }[] } };
  }

  function factorVerify(session: TestSession, challengeId: string, response: Record<string, unknown>): Promise<Response> {
    return server.fetch(at(session, 'POST', '/mfa/passkey/verify', { challengeId, response }));
  }

  test('an account with a passkey is pending after a password login; an assertion of its passkey makes the session full with amr pwd+hwk+user', async () => {
    const { key } = await userWithPasskey();
    const { session, factors } = await pending();
    expect(factors).toEqual(['recovery-code', 'passkey']); // the first passkey came with recovery codes
    expect(await codeOf(await server.fetch(at(session, 'GET', '/blobs/notes')))).toBe('MFA_REQUIRED');
    const { challengeId, options } = await factorStart(session);
    expect(options.allowCredentials.map((c) => c.id)).toEqual([toBase64url(key.id)]);
    const res = await factorVerify(session, challengeId, assert(key, options));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ amr: ['pwd', 'hwk', 'user'] });
    expect((await server.fetch(at(session, 'GET', '/blobs/notes'))).status).toBe(200);
    expect(await store.getSession(session.sessionId, clock)).toMatchObject({ amr: ['pwd', 'hwk', 'user'] });
    // Full now: nothing left to verify.
    expect((await server.fetch(at(session, 'POST', '/mfa/passkey/start', {}))).status).toBe(409);
  });

  test("a challenge belongs to its session, is taken once, and wrong assertions count the session's tries: the fifth ends it", async () => {
    const { key } = await userWithPasskey();
    const a = (await pending()).session;
    const b = (await pending()).session;
    const started = await factorStart(a);
    expect((await factorVerify(b, started.challengeId, assert(key, started.options))).status).toBe(401);
    expect((await factorVerify(a, started.challengeId, assert(key, started.options))).status).toBe(401);
    // Tries 2 to 5 of session a: assertions without user verification. The fifth failure ends the session.
    for (let i = 0; i < 4; i++) {
      const next = await factorStart(a);
      const res = await factorVerify(a, next.challengeId, assert(key, next.options, { flags: 0x01 }));
      expect(await codeOf(res)).toBe('AUTH_FAILED');
    }
    expect(events.filter((e) => e.type === 'mfa_locked')).toHaveLength(1);
    const gone = await server.fetch(at(a, 'POST', '/mfa/passkey/start', {}));
    expect(gone.status).toBe(401);
    expect(events.filter((e) => e.type === 'mfa_failed').map((e) => e.reason)).toEqual([
      'passkey-unknown-challenge',
      'passkey-unknown-challenge',
      ...Array.from({ length: 4 }, () => 'passkey-assertion'),
    ]);
    events.length = 0;
    // Session b still has its own tries. A passkey the account does not have is no factor; its own is.
    const stranger = await factorStart(b);
    expect(await codeOf(await factorVerify(b, stranger.challengeId, assert(newSoftKey(), stranger.options)))).toBe('AUTH_FAILED');
    const forB = await factorStart(b);
    expect((await factorVerify(b, forB.challengeId, assert(key, forB.options))).status).toBe(200);
    expect(events.filter((e) => e.type === 'mfa_failed').map((e) => e.reason)).toEqual(['passkey-unknown']);
  });

  test("with mfa 'required', registering a passkey is the enrolment: the pending enroll session becomes full", async () => {
    server = makeServer({ mfa: 'required' });
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const { session, body } = await mfaLogin(server, USER, 'pw');
    expect(body).toMatchObject({ pending: 'enroll', factors: ['totp', 'passkey'] });
    expect(await codeOf(await server.fetch(at(session, 'GET', '/blobs/notes')))).toBe('MFA_REQUIRED');
    const key = newSoftKey();
    const res = await registerPasskey(server, session, key);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: toBase64url(key.id), amr: ['pwd', 'hwk', 'user'] });
    expect((await server.fetch(at(session, 'GET', '/blobs/notes'))).status).toBe(200);
  });
});

describe('recovery codes come with a passkey-only account\'s first factor', () => {
  const CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

  async function codesOf(res: Response): Promise<string[] | undefined> {
    return ((await res.json()) as { recoveryCodes?: string[] }).recoveryCodes;
  }

  test('the first passkey registration issues ten recovery codes, the second none; a code then passes the pending password login', async () => {
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const session = await login(server, USER, 'pw');
    const first = await registerPasskey(server, session, newSoftKey());
    expect(first.status).toBe(201);
    const codes = (await codesOf(first)) ?? [];
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(CODE);
    expect(new Set(codes).size).toBe(10);
    expect(events.filter((e) => e.type === 'passkey_added').map((e) => e.reason)).toEqual(['first-factor']);
    const second = await registerPasskey(server, session, newSoftKey());
    expect(second.status).toBe(201);
    expect(await codesOf(second)).toBeUndefined();
    expect(await (await server.fetch(at(session, 'GET', '/mfa'))).json()).toMatchObject({ totp: false, recoveryCodesLeft: 10, passkeys: 2 });
    // The passkeys are lost: a password login is pending, and a recovery code gets it past that.
    const pending = await mfaLogin(server, USER, 'pw');
    expect(pending.body).toMatchObject({ pending: 'mfa', factors: ['recovery-code', 'passkey'] });
    const verified = await server.fetch(at(pending.session, 'POST', '/mfa/verify', { recoveryCode: codes[3] }));
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ amr: ['pwd', 'otp'] });
    expect((await server.fetch(at(pending.session, 'GET', '/blobs/notes'))).status).toBe(200);
    expect(events.filter((e) => e.type === 'recovery_code_used')).toHaveLength(1);
  });

  test('removing the last passkey of an account without TOTP voids its recovery codes (as disabling TOTP does with no passkey left); the next passkey brings new ones', async () => {
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const session = await login(server, USER, 'pw');
    const a = newSoftKey();
    const b = newSoftKey();
    expect(await codesOf(await registerPasskey(server, session, a))).toHaveLength(10);
    expect(await codesOf(await registerPasskey(server, session, b))).toBeUndefined();
    expect((await server.fetch(at(session, 'DELETE', `/passkeys/${toBase64url(a.id)}`))).status).toBe(204);
    expect(await (await server.fetch(at(session, 'GET', '/mfa'))).json()).toMatchObject({ recoveryCodesLeft: 10, passkeys: 1 });
    expect((await server.fetch(at(session, 'DELETE', `/passkeys/${toBase64url(b.id)}`))).status).toBe(204);
    expect(await (await server.fetch(at(session, 'GET', '/mfa'))).json()).toMatchObject({ recoveryCodesLeft: 0, passkeys: 0 });
    expect(await codesOf(await registerPasskey(server, session, newSoftKey()))).toHaveLength(10);
  });

  test("under mfa 'required' the enrolling passkey's reply carries the codes with the session's new amr", async () => {
    server = makeServer({ mfa: 'required' });
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const { session } = await mfaLogin(server, USER, 'pw');
    const res = await registerPasskey(server, session, newSoftKey());
    expect(res.status).toBe(200);
    const body = (await res.json()) as { recoveryCodes?: string[]; amr?: string[] };
    expect(body.amr).toEqual(['pwd', 'hwk', 'user']);
    expect(body.recoveryCodes).toHaveLength(10);
  });

  test('a session that verified a passkey within the re-authentication window regenerates the codes without a code; a stale or password-only one cannot', async () => {
    const key = newSoftKey();
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const password = await login(server, USER, 'pw');
    const old = (await codesOf(await registerPasskey(server, password, key))) ?? [];
    expect(old).toHaveLength(10);
    // A fresh password session alone is no passkey: it still needs a code.
    expect(await codeOf(await server.fetch(at(password, 'POST', '/mfa/recovery-codes', {})))).toBe('AUTH_FAILED');
    const viaPasskey = await passkeyLogin(server, key, USER);
    const res = await server.fetch(at(viaPasskey, 'POST', '/mfa/recovery-codes', {}));
    expect(res.status).toBe(200);
    const fresh = (await codesOf(res)) ?? [];
    expect(fresh).toHaveLength(10);
    // The old codes are void, the new ones work.
    const a = await mfaLogin(server, USER, 'pw');
    expect(await codeOf(await server.fetch(at(a.session, 'POST', '/mfa/verify', { recoveryCode: old[0] })))).toBe('AUTH_FAILED');
    expect((await server.fetch(at(a.session, 'POST', '/mfa/verify', { recoveryCode: fresh[0] }))).status).toBe(200);
    // A password login whose second factor was a passkey is a fresh passkey session too.
    const b = await mfaLogin(server, USER, 'pw');
    const started = (await (await server.fetch(at(b.session, 'POST', '/mfa/passkey/start', {}))).json()) as { challengeId: string; options: { challenge: string } };
    expect((await server.fetch(at(b.session, 'POST', '/mfa/passkey/verify', { challengeId: started.challengeId, response: assert(key, started.options) }))).status).toBe(200);
    expect((await server.fetch(at(b.session, 'POST', '/mfa/recovery-codes', {}))).status).toBe(200);
    // Past the window the passkey session needs a code again.
    clock += 10 * 60 * 1000 + 1;
    expect(await codeOf(await server.fetch(at(viaPasskey, 'POST', '/mfa/recovery-codes', {})))).toBe('AUTH_FAILED');
  });
});
