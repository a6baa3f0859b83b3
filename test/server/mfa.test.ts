/**
 * Second factors over the server's fetch handler (issue 15): TOTP enrolment
 * and confirmation, pending sessions and `/mfa/verify`, recovery codes,
 * strict mode, `mfa: 'required'`, and the limits. Logins are real OPAQUE
 * logins; codes are computed with `otpauth` from the enrolment URI, as an
 * authenticator app computes them.
 */
import { SignJWT, decodeJwt, type JWK } from 'jose';
import { beforeEach, describe, expect, test } from 'vitest';
import { randomBytes } from '../../src/crypto/random.js';
import { fromBase64url, toBase64url } from '../../src/crypto/bytes.js';
import { finishLogin, startLogin } from '../../src/opaque/index.js';
import { createServer, createServerSetup, memoryServerStore, type CreateServerOptions, type ServerEvent, type ZeroVaultServer } from '../../src/server/index.js';
import { addDevice, deviceLogin, newDevice } from './device-harness.js';
import { BASE, TEST_KSF, post, register, signed, type TestSession } from './harness.js';
import { at, codeAt, errorCode, mfaLogin, parseUri } from './mfa-harness.js';

const setup = createServerSetup();
const USER = 'alice@example.com';
const RECOVERY_CODE = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

let server: ZeroVaultServer;
let events: ServerEvent[];
let clock: number;

function makeServer(options: Partial<CreateServerOptions> = {}): ZeroVaultServer {
  const s = createServer({ setup, store: memoryServerStore(), basePath: '/zv', now: () => clock, ...options });
  s.on('*', (e) => events.push(e));
  return s;
}

beforeEach(() => {
  // One second into a 30-second step, so `clock += 30_000` is always the next step.
  clock = Math.floor(Date.now() / 30_000) * 30_000 + 1000;
  events = [];
  server = makeServer();
});

async function call(session: TestSession, method: string, path: string, body?: unknown): Promise<Response> {
  return server.fetch(at(session, method, path, clock, body));
}

/** `POST /token` with a fresh DPoP proof → the token's claims. */
async function tokenClaims(session: TestSession): Promise<Record<string, unknown>> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const { kty, crv, x, y } = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JWK;
  const proof = await new SignJWT({ htm: 'POST', htu: `${BASE}/token`, jti: toBase64url(randomBytes(16)) })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: { kty, crv, x, y } as JWK })
    .setIssuedAt(Math.floor(clock / 1000))
    .sign(pair.privateKey);
  const res = await server.fetch(signed(session, 'POST', '/token', { body: {}, timestamp: clock, headers: { dpop: proof } }));
  expect(res.status).toBe(200);
  return decodeJwt(((await res.json()) as { access_token: string }).access_token);
}

async function jsonOf<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Registers `USER` and enrols TOTP from a fresh session; returns the base32 secret and the recovery codes. */
async function enrolled(userId = USER): Promise<{ secret: string; recoveryCodes: string[]; session: TestSession }> {
  expect((await register(server, userId, 'pw')).status).toBe(201);
  const { session } = await mfaLogin(server, userId, 'pw');
  const res = await call(session, 'POST', '/mfa/totp/enroll', {});
  expect(res.status).toBe(200);
  const { secret, uri } = await jsonOf<{ secret: string; uri: string }>(res);
  const confirmed = await call(session, 'POST', '/mfa/totp/confirm', { code: codeAt(secret, clock) });
  expect(confirmed.status).toBe(200);
  const { recoveryCodes } = await jsonOf<{ recoveryCodes: string[] }>(confirmed);
  expect(parseUri(uri).secret.base32).toBe(secret);
  return { secret, recoveryCodes, session };
}

describe('TOTP enrolment', () => {
  test('enroll gives a base32 secret and an otpauth URI with SHA-1, 6 digits, 30 s; confirm gives ten recovery codes and amr otp', async () => {
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const { session, body } = await mfaLogin(server, USER, 'pw');
    expect(body).toEqual({ sessionId: session.sessionId, expiresAt: clock + 60 * 60 * 1000 });
    const res = await call(session, 'POST', '/mfa/totp/enroll');
    expect(res.status).toBe(200);
    const enrolment = await jsonOf<{ secret: string; uri: string }>(res);
    expect(Object.keys(enrolment).sort()).toEqual(['secret', 'uri']);
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/); // 20 bytes
    const totp = parseUri(enrolment.uri);
    expect(enrolment.uri.startsWith('otpauth://totp/')).toBe(true);
    expect([totp.issuer, totp.label, totp.algorithm, totp.digits, totp.period]).toEqual(['zerovault', USER, 'SHA1', 6, 30]);
    expect(totp.secret.base32).toBe(enrolment.secret);
    // Not on until confirmed.
    expect(await jsonOf(await call(session, 'GET', '/mfa'))).toEqual({ totp: false, strict: false, recoveryCodesLeft: 0, passkeys: 0 });
    expect((await mfaLogin(server, USER, 'pw')).body.pending).toBeUndefined();
    // A wrong code does not confirm.
    const wrong = await call(session, 'POST', '/mfa/totp/confirm', { code: codeAt(enrolment.secret, clock + 5 * 30_000) });
    expect(wrong.status).toBe(401);
    expect(await errorCode(wrong)).toBe('AUTH_FAILED');
    const ok = await call(session, 'POST', '/mfa/totp/confirm', { code: totp.generate({ timestamp: clock }) });
    expect(ok.status).toBe(200);
    const confirmed = await jsonOf<{ recoveryCodes: string[]; expiresAt: number; amr: string[] }>(ok);
    expect(confirmed.recoveryCodes).toHaveLength(10);
    for (const code of confirmed.recoveryCodes) expect(code).toMatch(RECOVERY_CODE);
    expect(new Set(confirmed.recoveryCodes).size).toBe(10);
    expect(confirmed.amr).toEqual(['pwd', 'otp']);
    expect(confirmed.expiresAt).toBeGreaterThan(clock);
    expect(await jsonOf(await call(session, 'GET', '/mfa'))).toEqual({ totp: true, strict: false, recoveryCodesLeft: 10, passkeys: 0 });
    expect(events.filter((e) => e.type === 'totp_enabled')).toHaveLength(1);
    // On: a second enrolment is refused until TOTP is disabled.
    expect((await call(session, 'POST', '/mfa/totp/enroll')).status).toBe(409);
  });

  test('enrolling takes a fresh password login (a stale session or a device session gets 401)', async () => {
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const { session } = await mfaLogin(server, USER, 'pw');
    const device = newDevice();
    expect((await addDevice(server, session, device)).status).toBe(201);
    const resumed = await deviceLogin(server, USER, device);
    expect((await server.fetch(at(resumed, 'POST', '/mfa/totp/enroll', clock))).status).toBe(401);
    clock += 10 * 60 * 1000 + 1;
    const stale = await call(session, 'POST', '/mfa/totp/enroll');
    expect(stale.status).toBe(401);
    expect(await errorCode(stale)).toBe('AUTH_FAILED');
  });

  test('a new enrolment replaces an unconfirmed one: the old secret no longer confirms', async () => {
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const { session } = await mfaLogin(server, USER, 'pw');
    const first = await jsonOf<{ secret: string }>(await call(session, 'POST', '/mfa/totp/enroll'));
    const second = await jsonOf<{ secret: string }>(await call(session, 'POST', '/mfa/totp/enroll'));
    expect(second.secret).not.toBe(first.secret);
    expect((await call(session, 'POST', '/mfa/totp/confirm', { code: codeAt(first.secret, clock) })).status).toBe(401);
    expect((await call(session, 'POST', '/mfa/totp/confirm', { code: codeAt(second.secret, clock) })).status).toBe(200);
  });
});

describe('pending sessions and /mfa/verify', () => {
  test('login gives a pending session (≤ 5 min) that every non-MFA route refuses with 403 MFA_REQUIRED', async () => {
    const { secret } = await enrolled();
    clock += 30_000;
    const { session, body } = await mfaLogin(server, USER, 'pw');
    expect(body).toEqual({ sessionId: session.sessionId, expiresAt: clock + 5 * 60 * 1000, pending: 'mfa', factors: ['totp', 'recovery-code'] });
    const refused: [string, string, unknown?][] = [
      ['GET', '/blobs/notes'],
      ['GET', '/blobs/notes/a'],
      ['PUT', '/blobs/notes/a', { data: toBase64url(new Uint8Array([1])) }],
      ['DELETE', '/blobs/notes/a'],
      ['POST', '/token', {}],
      ['GET', `/users/${encodeURIComponent(USER)}/keys`],
      ['GET', '/grants/notes'],
      ['GET', '/devices'],
      ['POST', '/devices', { deviceId: newDevice().id, name: 'x', signingKey: toBase64url(newDevice().keys.signingKey) }],
      ['GET', '/mfa'],
      ['POST', '/mfa/totp/enroll', {}],
      ['POST', '/mfa/totp/disable', { totp: codeAt(secret, clock) }],
      ['POST', '/mfa/recovery-codes', { totp: codeAt(secret, clock) }],
      ['POST', '/mfa/strict', { enabled: true, totp: codeAt(secret, clock) }],
    ];
    for (const [method, path, payload] of refused) {
      const res = await call(session, method, path, payload);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await errorCode(res), `${method} ${path}`).toBe('MFA_REQUIRED');
    }
    // register/finish with a pending session (a password change) is refused too.
    expect((await call(session, 'POST', '/register/finish', { userId: USER, record: toBase64url(new Uint8Array(192)) })).status).toBe(403);
    // Past five minutes the pending session is gone, however it was used.
    clock += 5 * 60 * 1000;
    const late = await call(session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock) });
    expect(late.status).toBe(401);
    expect(await errorCode(late)).toBe('CLOSED');
  });

  test('verify makes the session full with amr pwd+otp; tokens carry it; the same code is never accepted twice', async () => {
    const { secret } = await enrolled();
    // The code that confirmed enrolment is spent: its step is refused.
    const early = await mfaLogin(server, USER, 'pw');
    const spent = await call(early.session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock) });
    expect(spent.status).toBe(401);
    expect(await errorCode(spent)).toBe('AUTH_FAILED');
    clock += 30_000;
    const code = codeAt(secret, clock);
    const res = await call(early.session, 'POST', '/mfa/verify', { totp: code });
    expect(res.status).toBe(200);
    const verified = await jsonOf<{ expiresAt: number; amr: string[] }>(res);
    expect(verified).toEqual({ expiresAt: clock + 60 * 60 * 1000, amr: ['pwd', 'otp'] });
    expect(res.headers.get('zv-session-expires')).toBe(String(verified.expiresAt));
    expect((await call(early.session, 'GET', '/blobs/notes')).status).toBe(200);
    expect((await tokenClaims(early.session)).amr).toEqual(['pwd', 'otp']);
    // Full now: verify is for pending sessions only (and the code is not even looked at).
    const full = await call(early.session, 'POST', '/mfa/verify', { totp: code });
    expect(full.status).toBe(409);
    expect(await errorCode(full)).toBe('CONFLICT');
    // Replayed on another login in the same step: refused.
    const other = await mfaLogin(server, USER, 'pw');
    expect((await call(other.session, 'POST', '/mfa/verify', { totp: code })).status).toBe(401);
    // An earlier step (inside the ±1 window) is refused too: steps only move forward.
    expect((await call(other.session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock - 30_000) })).status).toBe(401);
    // The next step, one step of clock drift early, is fine.
    expect((await call(other.session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock + 30_000) })).status).toBe(200);
    const failures = events.filter((e) => e.type === 'mfa_failed');
    expect(failures.length).toBe(3);
  });

  test('a recovery code verifies once; case and hyphens do not matter; each use is an event', async () => {
    const { recoveryCodes } = await enrolled();
    const first = recoveryCodes[0] as string;
    const a = await mfaLogin(server, USER, 'pw');
    const res = await call(a.session, 'POST', '/mfa/verify', { recoveryCode: first.toLowerCase().replace(/-/g, '') });
    expect(res.status).toBe(200);
    expect((await jsonOf<{ amr: string[] }>(res)).amr).toEqual(['pwd', 'otp']);
    const b = await mfaLogin(server, USER, 'pw');
    const again = await call(b.session, 'POST', '/mfa/verify', { recoveryCode: first });
    expect(again.status).toBe(401);
    expect(await errorCode(again)).toBe('AUTH_FAILED');
    expect(events.filter((e) => e.type === 'recovery_code_used')).toHaveLength(1);
    expect(await jsonOf(await call(a.session, 'GET', '/mfa'))).toMatchObject({ recoveryCodesLeft: 9 });
    // Exactly one of totp / recoveryCode.
    expect((await call(b.session, 'POST', '/mfa/verify', {})).status).toBe(400);
    expect((await call(b.session, 'POST', '/mfa/verify', { totp: '123456', recoveryCode: first })).status).toBe(400);
  });

  test('five wrong tries end a pending session: the fifth is AUTH_FAILED, then CLOSED', async () => {
    const { secret } = await enrolled();
    clock += 30_000;
    const { session } = await mfaLogin(server, USER, 'pw');
    for (let i = 1; i <= 5; i++) {
      const res = await call(session, 'POST', '/mfa/verify', { totp: i === 3 ? 'not-a-code' : '000000' });
      expect(res.status, `try ${i}`).toBe(401);
      expect(await errorCode(res), `try ${i}`).toBe('AUTH_FAILED');
    }
    const after = await call(session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock) });
    expect(after.status).toBe(401);
    expect(await errorCode(after)).toBe('CLOSED');
    expect(events.filter((e) => e.type === 'mfa_failed')).toHaveLength(5);
    expect(events.filter((e) => e.type === 'mfa_locked').map((e) => e.reason)).toEqual(['session']);
  });

  test('concurrent guesses never get more than five tries', async () => {
    await enrolled();
    const { session } = await mfaLogin(server, USER, 'pw');
    const results = await Promise.all(Array.from({ length: 12 }, () => call(session, 'POST', '/mfa/verify', { totp: '000000' })));
    const codes = await Promise.all(results.map(errorCode));
    expect(codes.filter((c) => c === 'AUTH_FAILED')).toHaveLength(5);
    expect(codes.filter((c) => c === 'CLOSED')).toHaveLength(7);
  });

  test('the account bucket (mfa-user) limits wrong codes across logins with 429 + Retry-After; a right code gives its token back', async () => {
    server = makeServer({ mfaLimit: { capacity: 3, refillMs: 60_000 } });
    const { secret } = await enrolled();
    clock += 30_000;
    for (let i = 0; i < 2; i++) {
      const { session } = await mfaLogin(server, USER, 'pw');
      expect((await call(session, 'POST', '/mfa/verify', { totp: '000000' })).status).toBe(401);
    }
    const { session } = await mfaLogin(server, USER, 'pw');
    // One token left: a right code passes and gives it back.
    expect((await call(session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock) })).status).toBe(200);
    const next = await mfaLogin(server, USER, 'pw');
    expect((await call(next.session, 'POST', '/mfa/verify', { totp: '000000' })).status).toBe(401);
    const limited = await call(next.session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock + 30_000) });
    expect(limited.status).toBe(429);
    expect(await errorCode(limited)).toBe('RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(events.filter((e) => e.type === 'mfa_locked').map((e) => e.reason)).toEqual(['account']);
    clock += 60_000;
    expect((await call(next.session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock) })).status).toBe(200);
  });

  test('backoff: a slower bucket behind the account bucket makes the wait grow while failures go on', async () => {
    server = makeServer({ mfaLimit: { capacity: 2, refillMs: 1000 }, mfaBackoffLimit: { capacity: 3, refillMs: 60_000 } });
    const { secret } = await enrolled();
    clock += 30_000;
    const wrong = async (): Promise<Response> => {
      const { session } = await mfaLogin(server, USER, 'pw');
      return call(session, 'POST', '/mfa/verify', { totp: '000000' });
    };
    expect((await wrong()).status).toBe(401);
    expect((await wrong()).status).toBe(401);
    const fast = await wrong();
    expect(fast.status).toBe(429);
    expect(fast.headers.get('retry-after')).toBe('1');
    clock += 1000;
    expect((await wrong()).status).toBe(401); // the third token of the slow bucket
    clock += 2000;
    const slow = await wrong();
    expect(slow.status).toBe(429);
    expect(Number(slow.headers.get('retry-after'))).toBeGreaterThan(50);
    // The right code, too, waits; then passes.
    const { session } = await mfaLogin(server, USER, 'pw');
    expect((await call(session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock) })).status).toBe(429);
    clock += 60_000;
    expect((await call(session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock) })).status).toBe(200);
  });

  test('a session bound to a known device has its own bucket (mfa-device): guesses from elsewhere never lock it out', async () => {
    server = makeServer({ mfaLimit: { capacity: 2, refillMs: 60 * 60_000 } });
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const { session } = await mfaLogin(server, USER, 'pw');
    const device = newDevice();
    expect((await addDevice(server, session, device)).status).toBe(201);
    const { secret } = await jsonOf<{ secret: string }>(await call(session, 'POST', '/mfa/totp/enroll'));
    expect((await call(session, 'POST', '/mfa/totp/confirm', { code: codeAt(secret, clock) })).status).toBe(200);
    clock += 30_000;
    // An attacker with the password empties the account bucket.
    for (let i = 0; i < 2; i++) {
      const { session: s } = await mfaLogin(server, USER, 'pw', { address: '203.0.113.66' });
      expect((await call(s, 'POST', '/mfa/verify', { totp: '000000' })).status).toBe(401);
    }
    const attacker = await mfaLogin(server, USER, 'pw', { address: '203.0.113.66' });
    expect((await call(attacker.session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock) })).status).toBe(429);
    // The user's known device still gets in, with its own bucket.
    const mine = await mfaLogin(server, USER, 'pw', { device });
    expect(mine.body.pending).toBe('mfa');
    expect((await call(mine.session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock) })).status).toBe(200);
  });

  test('a sealed secret that does not open (another setup, or tampered with) verifies nothing and is an error event', async () => {
    const base = memoryServerStore();
    let tamper = false;
    const store = {
      ...base,
      async getMfa(userId: string) {
        const state = await base.getMfa?.(userId);
        if (!tamper || state === undefined || state === null || state.sealedTotpSecret === null) return state ?? null;
        const flipped = Uint8Array.from(state.sealedTotpSecret);
        flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
        return { ...state, sealedTotpSecret: flipped };
      },
    };
    server = makeServer({ store });
    const { secret } = await enrolled();
    tamper = true;
    clock += 30_000;
    const { session } = await mfaLogin(server, USER, 'pw');
    const res = await call(session, 'POST', '/mfa/verify', { totp: codeAt(secret, clock) });
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe('AUTH_FAILED');
    expect(events.filter((e) => e.type === 'error').map((e) => e.reason)).toEqual(['totp-secret-unreadable']);
  });

  test('device logins are never pending; a device session can still disable TOTP with a code', async () => {
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const { session } = await mfaLogin(server, USER, 'pw');
    const device = newDevice();
    expect((await addDevice(server, session, device)).status).toBe(201);
    const { secret } = await jsonOf<{ secret: string }>(await call(session, 'POST', '/mfa/totp/enroll'));
    expect((await call(session, 'POST', '/mfa/totp/confirm', { code: codeAt(secret, clock) })).status).toBe(200);
    const resumed = await deviceLogin(server, USER, device);
    expect((await server.fetch(at(resumed, 'GET', '/blobs/notes', clock))).status).toBe(200);
    clock += 30_000;
    expect((await server.fetch(at(resumed, 'POST', '/mfa/totp/disable', clock, { totp: codeAt(secret, clock) }))).status).toBe(204);
  });
});

describe('passkeys as a factor (read through the passkey half of the store)', () => {
  test('an account with a passkey is pending with factor passkey; with required mode, enrolment offers passkeys', async () => {
    const passkeys = new Map<string, unknown[]>();
    const store = { ...memoryServerStore(), listPasskeys: async (userId: string) => passkeys.get(userId) ?? [] };
    server = makeServer({ store, mfa: 'required' });
    expect((await register(server, USER, 'pw')).status).toBe(201);
    expect((await mfaLogin(server, USER, 'pw')).body).toMatchObject({ pending: 'enroll', factors: ['totp', 'passkey'] });
    passkeys.set(USER, [{ id: 'k1' }]);
    const { body } = await mfaLogin(server, USER, 'pw');
    expect(body).toMatchObject({ pending: 'mfa', factors: ['passkey'] });
  });
});

describe('managing factors', () => {
  test('regenerating recovery codes voids the old ones', async () => {
    const { recoveryCodes, session } = await enrolled();
    const res = await call(session, 'POST', '/mfa/recovery-codes', { recoveryCode: recoveryCodes[0] });
    expect(res.status).toBe(200);
    const fresh = (await jsonOf<{ recoveryCodes: string[] }>(res)).recoveryCodes;
    expect(fresh).toHaveLength(10);
    const pending = await mfaLogin(server, USER, 'pw');
    expect((await call(pending.session, 'POST', '/mfa/verify', { recoveryCode: recoveryCodes[1] })).status).toBe(401);
    expect((await call(pending.session, 'POST', '/mfa/verify', { recoveryCode: fresh[1] })).status).toBe(200);
    expect((await call(session, 'POST', '/mfa/recovery-codes', { totp: '000000' })).status).toBe(401);
  });

  test('disabling TOTP needs a valid code; afterwards logins are full at once and the codes are gone', async () => {
    const { secret, recoveryCodes, session } = await enrolled();
    clock += 30_000;
    expect((await call(session, 'POST', '/mfa/totp/disable', { totp: '000000' })).status).toBe(401);
    expect((await call(session, 'POST', '/mfa/totp/disable', {})).status).toBe(400);
    expect((await call(session, 'POST', '/mfa/totp/disable', { totp: codeAt(secret, clock) })).status).toBe(204);
    expect(events.filter((e) => e.type === 'totp_disabled')).toHaveLength(1);
    expect(await jsonOf(await call(session, 'GET', '/mfa'))).toEqual({ totp: false, strict: false, recoveryCodesLeft: 0, passkeys: 0 });
    expect((await mfaLogin(server, USER, 'pw')).body.pending).toBeUndefined();
    expect((await call(session, 'POST', '/mfa/totp/disable', { recoveryCode: recoveryCodes[0] })).status).toBe(409);
  });
});

describe('strict mode', () => {
  /** A login whose KE2 the client refuses: the error code the client sees. */
  async function clientFailure(userId: string, password: string, extra: Record<string, string> = {}): Promise<{ code: string; message: string; start: Record<string, string> }> {
    const start = await startLogin({ password });
    const r1 = await post(server, '/login/start', { userId, request: toBase64url(start.request), ...extra });
    expect(r1.status).toBe(200);
    const body = (await r1.json()) as Record<string, string>;
    const err = await finishLogin({ state: start.state, response: fromBase64url(body.response as string), password, ksf: TEST_KSF }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    if (err === null) throw new Error('the client accepted KE2');
    return { code: err.code, message: err.message, start: body };
  }

  async function strictAccount(): Promise<{ secret: string; recoveryCodes: string[]; session: TestSession }> {
    const account = await enrolled();
    clock += 30_000;
    const on = await call(account.session, 'POST', '/mfa/strict', { enabled: true });
    expect(on.status).toBe(400); // a code is needed
    expect((await call(account.session, 'POST', '/mfa/strict', { enabled: true, totp: '000000' })).status).toBe(401);
    expect((await call(account.session, 'POST', '/mfa/strict', { enabled: true, totp: codeAt(account.secret, clock) })).status).toBe(204);
    expect(await jsonOf(await call(account.session, 'GET', '/mfa'))).toMatchObject({ totp: true, strict: true });
    clock += 30_000;
    return account;
  }

  test('the code travels with login/start; a right one gives a full session with amr pwd+otp at once', async () => {
    const { secret } = await strictAccount();
    const { body, session } = await mfaLogin(server, USER, 'pw', { totp: codeAt(secret, clock) });
    expect(body).toEqual({ sessionId: session.sessionId, expiresAt: clock + 60 * 60 * 1000, amr: ['pwd', 'otp'] });
    expect((await call(session, 'GET', '/blobs/notes')).status).toBe(200);
    // The step is spent: the same code at start again takes the fake path.
    await expect(mfaLogin(server, USER, 'pw', { totp: codeAt(secret, clock) })).rejects.toMatchObject({ stage: 'client', code: 'AUTH_FAILED' });
  });

  test('a missing or wrong code fails in the client exactly like a wrong password, and the answers look like an unknown user\'s', async () => {
    const { secret } = await strictAccount();
    const wrongPassword = await clientFailure(USER, 'not-pw', { totp: codeAt(secret, clock) });
    const wrongCode = await clientFailure(USER, 'pw', { totp: '000000' });
    const noCode = await clientFailure(USER, 'pw');
    const unknown = await clientFailure('nobody@example.com', 'pw');
    for (const failure of [wrongCode, noCode, unknown]) {
      expect({ code: failure.code, message: failure.message }).toEqual({ code: wrongPassword.code, message: wrongPassword.message });
      expect(Object.keys(failure.start).sort()).toEqual(Object.keys(wrongPassword.start).sort());
      expect(failure.start.loginId?.length).toBe(wrongPassword.start.loginId?.length);
      expect(failure.start.response?.length).toBe(wrongPassword.start.response?.length);
    }
    expect(wrongPassword.code).toBe('AUTH_FAILED');
  });

  test('wrong codes at login/start count against the account bucket; a recovery code passes once', async () => {
    server = makeServer({ mfaLimit: { capacity: 4, refillMs: 60_000 } });
    const { secret, recoveryCodes } = await strictAccount();
    const failedBefore = events.filter((e) => e.type === 'mfa_failed').length;
    for (let i = 0; i < 2; i++) await expect(mfaLogin(server, USER, 'pw', { totp: '000000' })).rejects.toMatchObject({ stage: 'client' });
    expect(events.filter((e) => e.type === 'mfa_failed').length - failedBefore).toBe(2);
    // The bucket had 4: right codes give their token back, the wrong strict-on code took one, two wrong ones here two. One left:
    const viaRecovery = await mfaLogin(server, USER, 'pw', { recoveryCode: recoveryCodes[2] as string });
    expect(viaRecovery.body.pending).toBeUndefined();
    await expect(mfaLogin(server, USER, 'pw', { recoveryCode: recoveryCodes[2] as string })).rejects.toMatchObject({ stage: 'client' });
    // Now empty: even the right code takes the fake path (still indistinguishable).
    await expect(mfaLogin(server, USER, 'pw', { totp: codeAt(secret, clock) })).rejects.toMatchObject({ stage: 'client' });
    expect(events.filter((e) => e.type === 'mfa_locked').map((e) => e.reason)).toContain('account');
    clock += 60_000;
    expect((await mfaLogin(server, USER, 'pw', { totp: codeAt(secret, clock) })).body.pending).toBeUndefined();
  });

  test('turning strict off needs a code; afterwards codes on login/start are ignored and the session is pending', async () => {
    const { secret, session } = await strictAccount();
    expect((await call(session, 'POST', '/mfa/strict', { enabled: false, totp: '000000' })).status).toBe(401);
    expect((await call(session, 'POST', '/mfa/strict', { enabled: false, totp: codeAt(secret, clock) })).status).toBe(204);
    clock += 30_000;
    const { body } = await mfaLogin(server, USER, 'pw', { totp: '000000' });
    expect(body.pending).toBe('mfa');
  });
});

describe("mfa: 'required'", () => {
  test('an account without a factor gets a pending enroll session: only enrolment works, then it is full', async () => {
    server = makeServer({ mfa: 'required' });
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const { session, body } = await mfaLogin(server, USER, 'pw');
    expect(body).toMatchObject({ pending: 'enroll', factors: ['totp'], expiresAt: clock + 5 * 60 * 1000 });
    for (const [method, path, payload] of [
      ['GET', '/blobs/notes'],
      ['POST', '/mfa/verify', { totp: '000000' }],
      ['GET', '/mfa'],
      ['POST', '/token', {}],
    ] as [string, string, unknown?][]) {
      const res = await call(session, method, path, payload);
      expect(res.status, path).toBe(403);
      expect(await errorCode(res), path).toBe('MFA_REQUIRED');
    }
    const { secret } = await jsonOf<{ secret: string }>(await call(session, 'POST', '/mfa/totp/enroll', {}));
    const res = await call(session, 'POST', '/mfa/totp/confirm', { code: codeAt(secret, clock) });
    expect(res.status).toBe(200);
    const confirmed = await jsonOf<{ recoveryCodes: string[]; expiresAt: number; amr: string[] }>(res);
    expect(confirmed).toMatchObject({ expiresAt: clock + 60 * 60 * 1000, amr: ['pwd', 'otp'] });
    expect(confirmed.recoveryCodes).toHaveLength(10);
    expect((await call(session, 'GET', '/blobs/notes')).status).toBe(200);
    clock += 30_000;
    expect((await mfaLogin(server, USER, 'pw')).body).toMatchObject({ pending: 'mfa', factors: ['totp', 'recovery-code'] });
  });

  test('a pending enroll session may log out; wrong confirm codes count as tries', async () => {
    server = makeServer({ mfa: 'required' });
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const { session } = await mfaLogin(server, USER, 'pw');
    await call(session, 'POST', '/mfa/totp/enroll');
    for (let i = 0; i < 5; i++) expect((await call(session, 'POST', '/mfa/totp/confirm', { code: '000000' })).status).toBe(401);
    expect(await errorCode(await call(session, 'POST', '/mfa/totp/enroll'))).toBe('CLOSED');
    const again = await mfaLogin(server, USER, 'pw');
    expect((await call(again.session, 'POST', '/logout')).status).toBe(204);
    expect(await errorCode(await call(again.session, 'POST', '/mfa/totp/enroll'))).toBe('CLOSED');
  });

  test('required needs a store with the MFA methods', () => {
    const { getMfa: _g, ...bare } = memoryServerStore();
    expect(() => createServer({ setup, store: bare, mfa: 'required' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
