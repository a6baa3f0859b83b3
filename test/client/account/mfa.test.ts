/**
 * The client half of second factors, against the in-process server with a
 * thin fake of the MFA wire (docs/protocol.md, issue 15 contract) laid over
 * it: the fake marks chosen logins pending and answers the `/mfa/*` routes,
 * so these tests pin what the *client* sends and refuses, request by
 * request, including replies a real server never gives. The real server is
 * exercised end to end in test/e2e/mfa.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { utf8 } from '../../../src/crypto/bytes.js';
import { Client, type Session } from '../../../src/client/index.js';
import { TEST_KSF } from '../../server/harness.js';
import { clientOf, newServer } from '../helpers.js';
import type { ZeroVaultServer } from '../../../src/server/index.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const URI = `otpauth://totp/zerovault:alice?secret=${SECRET}&issuer=zerovault&algorithm=SHA1&digits=6&period=30`;
const CODES = Array.from({ length: 10 }, (_, i) => `ABCD-EFGH-JKMN-PQ${String(i).padStart(2, '0')}`);

interface Seen {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** The fake: which users get a pending login (`mfa` or `enroll`), what code verifies, every request seen. */
class FakeMfa {
  readonly seen: Seen[] = [];
  readonly pending = new Map<string, 'mfa' | 'enroll'>();
  code = '123456';
  /** Whether `/mfa/verify` answers that the pending session is gone (expired, tries used up). */
  verifyClosed = false;
  /** The factors a pending `mfa` login offers. */
  factors: string[] = ['totp', 'recovery-code'];
  enrolReply: Record<string, unknown> = { secret: SECRET, uri: URI };
  readonly #logins = new Map<string, string>();
  readonly #server: ZeroVaultServer;

  constructor(server: ZeroVaultServer) {
    this.#server = server;
  }

  paths(): string[] {
    return this.seen.map((s) => s.path);
  }

  fetch = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname.replace(/^\/zv/, '');
    const text = request.method === 'GET' ? '' : await request.clone().text();
    const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    this.seen.push({ path, body });
    const json = (status: number, value: unknown): Response => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
    const fail = (status: number, code: string): Response => json(status, { error: { code, message: 'x' } });
    if (path === '/mfa/verify' && this.verifyClosed) return fail(401, 'CLOSED');
    if (path === '/mfa/verify') return body.totp === this.code || body.recoveryCode === CODES[0] ? json(200, { expiresAt: Date.now() + 60_000, amr: ['pwd', 'otp'] }) : fail(401, 'AUTH_FAILED');
    if (path === '/mfa/totp/enroll') return json(200, this.enrolReply);
    if (path === '/mfa/passkey/start') return json(200, { challengeId: 'c'.repeat(22), options: { challenge: 'A'.repeat(43) } });
    if (path === '/mfa/totp/confirm') return body.code === this.code ? json(200, { recoveryCodes: CODES, expiresAt: Date.now() + 60_000, amr: ['pwd', 'otp'] }) : fail(401, 'AUTH_FAILED');
    if (path === '/mfa') return json(200, { totp: true, strict: false, recoveryCodesLeft: 9, passkeys: 0 });
    if (path === '/mfa/totp/disable' || path === '/mfa/strict') return new Response(null, { status: 204 });
    if (path === '/mfa/recovery-codes') return json(200, { recoveryCodes: CODES });
    // The server under the fake predates the MFA fields of login/start (a strict account checks them there).
    const { totp: _t, recoveryCode: _r, ...start } = body;
    const forwarded = path === '/login/start' ? new Request(request.url, { method: 'POST', headers: request.headers, body: JSON.stringify(start) }) : request;
    const response = await this.#server.fetch(forwarded);
    if (path === '/login/start' && response.status === 200) {
      const reply = (await response.clone().json()) as { loginId: string };
      this.#logins.set(reply.loginId, String(body.userId));
    }
    if (path === '/login/finish' && response.status === 200) {
      const kind = this.pending.get(this.#logins.get(String(body.loginId)) ?? '');
      if (kind !== undefined) {
        const reply = (await response.json()) as Record<string, unknown>;
        return json(200, { ...reply, pending: kind, factors: kind === 'mfa' ? this.factors : [] });
      }
    }
    return response;
  };
}

let server: ZeroVaultServer;
let fake: FakeMfa;
let users = 0;

beforeEach(() => {
  server = newServer();
  fake = new FakeMfa(server);
});

function client() {
  return clientOf(server, { fetch: fake.fetch });
}

/** A registered user (no factor yet), logged out. */
async function newUser(): Promise<string> {
  const userId = `mfa-user-${++users}`;
  await (await client().register({ userId, password: PASSWORD })).logout();
  fake.seen.length = 0;
  return userId;
}

async function expectCode(call: () => unknown, code: string): Promise<void> {
  await expect((async () => call())()).rejects.toMatchObject({ name: 'ZeroVaultError', code });
}

describe('login options', () => {
  test('a malformed totp or recoveryCode, or both, is INVALID_INPUT before any request', async () => {
    const userId = await newUser();
    for (const bad of [
      { totp: '12345' },
      { totp: '1234567' },
      { totp: 123456 },
      { totp: 'abcdef' },
      { recoveryCode: 'ABCD-EFGH' },
      { recoveryCode: 'ABCD-EFGH-JKMN-PQRU' }, // U is not Crockford base32
      { recoveryCode: 42 },
      { totp: '123456', recoveryCode: CODES[0] },
      { passkey: 'yes' },
      { passkey: 1 },
    ]) {
      await expectCode(() => client().login({ userId, password: PASSWORD, ...(bad as object) }), 'INVALID_INPUT');
      await expectCode(() => client().register({ userId: 'someone-new', password: PASSWORD, ...(bad as object) }), 'INVALID_INPUT');
    }
    expect(fake.seen).toEqual([]);
  });

  test('a code given as text travels with login/start (strict accounts check it there), normalized', async () => {
    const userId = await newUser();
    await (await client().login({ userId, password: PASSWORD, totp: '123 456' })).logout();
    expect(fake.seen.find((s) => s.path === '/login/start')?.body.totp).toBe('123456');
    fake.seen.length = 0;
    await (await client().login({ userId, password: PASSWORD, recoveryCode: 'abcd efgh jkmn pqio' })).logout();
    expect(fake.seen.find((s) => s.path === '/login/start')?.body.recoveryCode).toBe('ABCD-EFGH-JKMN-PQ10');
  });

  test('a totp function is not called when the server does not ask, and never sent with login/start', async () => {
    const userId = await newUser();
    let calls = 0;
    const session = await client().login({ userId, password: PASSWORD, totp: () => Promise.resolve(String(++calls).padStart(6, '0')) });
    expect(calls).toBe(0);
    expect(fake.seen.find((s) => s.path === '/login/start')?.body).not.toHaveProperty('totp');
    expect(session.amr).toEqual(['pwd']);
    expect(session.mfaPending).toBeUndefined();
    await session.logout();
  });
});

describe('a pending login (pending: mfa)', () => {
  test('passkey: true is never sent with login/start, and is no factor when the server offers no passkey', async () => {
    const userId = await newUser();
    fake.pending.set(userId, 'mfa');
    await expectCode(() => client().login({ userId, password: PASSWORD, passkey: true }), 'MFA_REQUIRED');
    expect(fake.seen.find((s) => s.path === '/login/start')?.body).not.toHaveProperty('passkey');
    expect(fake.paths()).toEqual(['/login/start', '/login/finish', '/logout']);
    fake.seen.length = 0;
    let asked = 0;
    const session = await client().login({ userId, password: PASSWORD, passkey: true, totp: () => Promise.resolve((asked++, '123456')) });
    expect(asked).toBe(1);
    expect(fake.paths()).not.toContain('/mfa/passkey/start');
    await session.logout();
  });

  test('passkey: true where the server offers a passkey: the passkey goes before a totp function, after a code given as text', async () => {
    const userId = await newUser();
    fake.pending.set(userId, 'mfa');
    fake.factors = ['totp', 'passkey'];
    let asked = 0;
    const ask = (): Promise<string> => Promise.resolve((asked++, '123456'));
    // Node has no WebAuthn: the ceremony starts on the server, then UNSUPPORTED, and the pending session is ended.
    await expectCode(() => client().login({ userId, password: PASSWORD, passkey: true, totp: ask }), 'UNSUPPORTED');
    expect(asked).toBe(0);
    expect(fake.paths()).toEqual(['/login/start', '/login/finish', '/mfa/passkey/start', '/logout']);
    fake.seen.length = 0;
    const session = await client().login({ userId, password: PASSWORD, passkey: true, totp: '123456' });
    expect(fake.paths().slice(0, 3)).toEqual(['/login/start', '/login/finish', '/mfa/verify']);
    expect(fake.paths()).not.toContain('/mfa/passkey/start');
    expect(session.amr).toEqual(['pwd', 'otp']);
    await session.logout();
  });

  test('no code: MFA_REQUIRED, the pending session is logged out, nothing else was asked', async () => {
    const userId = await newUser();
    fake.pending.set(userId, 'mfa');
    await expectCode(() => client().login({ userId, password: PASSWORD }), 'MFA_REQUIRED');
    expect(fake.paths()).toEqual(['/login/start', '/login/finish', '/logout']);
  });

  test('a function is asked once, after the password, and the session is full with amr pwd+otp', async () => {
    const userId = await newUser();
    fake.pending.set(userId, 'mfa');
    const asked: string[][] = [];
    const session = await client().login({
      userId,
      password: PASSWORD,
      totp: async () => {
        asked.push(fake.paths());
        return '123456';
      },
    });
    expect(asked).toEqual([['/login/start', '/login/finish']]);
    expect(fake.seen.find((s) => s.path === '/mfa/verify')?.body).toEqual({ totp: '123456' });
    expect(session.amr).toEqual(['pwd', 'otp']);
    await (await session.vault('notes')).put('a', utf8('after the factor'));
    await session.logout();
  });

  test('a wrong code: AUTH_FAILED and the pending session is logged out; a recovery code works', async () => {
    const userId = await newUser();
    fake.pending.set(userId, 'mfa');
    await expectCode(() => client().login({ userId, password: PASSWORD, totp: '654321' }), 'AUTH_FAILED');
    expect(fake.paths()).toEqual(['/login/start', '/login/finish', '/mfa/verify', '/logout']);
    const session = await client().login({ userId, password: PASSWORD, recoveryCode: CODES[0] as string });
    expect(fake.seen.filter((s) => s.path === '/mfa/verify').at(-1)?.body).toEqual({ recoveryCode: CODES[0] });
    await session.logout();
  });

  test('a function that throws is MFA_REQUIRED with its error as cause; one that answers junk is INVALID_INPUT; both log out', async () => {
    const userId = await newUser();
    fake.pending.set(userId, 'mfa');
    const cancelled = new Error('user cancelled');
    await expect(client().login({ userId, password: PASSWORD, totp: () => Promise.reject(cancelled) })).rejects.toMatchObject({ code: 'MFA_REQUIRED', cause: cancelled });
    expect(fake.paths().at(-1)).toBe('/logout');
    fake.seen.length = 0;
    await expectCode(() => client().login({ userId, password: PASSWORD, totp: () => Promise.resolve('12ab56') }), 'INVALID_INPUT');
    expect(fake.paths()).toEqual(['/login/start', '/login/finish', '/logout']);
  });

  test('rememberDevice with a pending login: no device is remembered when the factor is missing', async () => {
    const userId = await newUser();
    fake.pending.set(userId, 'mfa');
    const deviceDir = mkdtempSync(join(tmpdir(), 'zerovault-mfa-'));
    try {
      const device = new Client({ url: 'http://localhost/zv', fetch: fake.fetch, ksf: TEST_KSF, deviceDir });
      await expectCode(() => device.login({ userId, password: PASSWORD, rememberDevice: true }), 'MFA_REQUIRED');
      expect(fake.paths()).not.toContain('/devices');
      expect(await device.resume()).toBeNull();
    } finally {
      rmSync(deviceDir, { recursive: true, force: true });
    }
  });
});

describe('re-authentication (currentPassword) of an account with a factor', () => {
  test("the end of the re-login's own pending session is AUTH_FAILED and leaves this session open and working", async () => {
    const userId = await newUser();
    fake.pending.set(userId, 'mfa');
    const session = await client().login({ userId, password: PASSWORD, totp: '123456' });
    await (await session.vault('notes')).put('a', utf8('kept'));
    fake.verifyClosed = true;
    fake.seen.length = 0;
    await expectCode(() => session.createRecoveryKey({ currentPassword: PASSWORD, totp: '123456' }), 'AUTH_FAILED');
    expect(fake.paths()).toEqual(['/login/start', '/login/finish', '/mfa/verify', '/logout']);
    expect(session.isOpen).toBe(true);
    expect(session.amr).toEqual(['pwd', 'otp']);
    expect((await (await session.vault('notes')).get('a')).data).toEqual(utf8('kept'));
    // A plain login keeps CLOSED: its pending session expired, log in again.
    await expectCode(() => client().login({ userId, password: PASSWORD, totp: '123456' }), 'CLOSED');
    await session.logout();
  });
});

describe('a session pending enrolment (pending: enroll)', () => {
  async function pendingSession(): Promise<{ userId: string; session: Session }> {
    const userId = await newUser();
    fake.pending.set(userId, 'enroll');
    const session = await client().login({ userId, password: PASSWORD });
    fake.seen.length = 0;
    return { userId, session };
  }

  test('refuses everything but enrollTotp and logout with MFA_REQUIRED, before any request', async () => {
    const { session } = await pendingSession();
    expect(session.mfaPending).toBe('enroll');
    expect(session.isOpen).toBe(true);
    expect(session.amr).toEqual(['pwd']);
    await expectCode(() => session.vault('notes'), 'MFA_REQUIRED');
    await expectCode(() => session.vaults(), 'MFA_REQUIRED');
    await expectCode(() => session.publicKeys, 'MFA_REQUIRED');
    await expectCode(() => session.sharedVaults(), 'MFA_REQUIRED');
    await expectCode(() => session.contact('bob'), 'MFA_REQUIRED');
    await expectCode(() => session.trust('bob'), 'MFA_REQUIRED');
    await expectCode(() => session.fetch('http://localhost/api'), 'MFA_REQUIRED');
    await expectCode(() => session.changePassword({ newPassword: 'another one' }), 'MFA_REQUIRED');
    await expectCode(() => session.createRecoveryKey(), 'MFA_REQUIRED');
    await expectCode(() => session.devices(), 'MFA_REQUIRED');
    await expectCode(() => session.revokeDevice('A'.repeat(22)), 'MFA_REQUIRED');
    await expectCode(() => session.mfa(), 'MFA_REQUIRED');
    await expectCode(() => session.disableTotp({ code: '123456' }), 'MFA_REQUIRED');
    await expectCode(() => session.regenerateRecoveryCodes({ code: '123456' }), 'MFA_REQUIRED');
    await expectCode(() => session.setStrictMfa({ enabled: true, code: '123456' }), 'MFA_REQUIRED');
    await expectCode(() => session.store.get('notes', 'a'), 'MFA_REQUIRED');
    expect(fake.seen).toEqual([]);
    await session.logout();
    expect(fake.paths()).toEqual(['/logout']);
    expect(session.isOpen).toBe(false);
    await expectCode(() => session.enrollTotp(), 'CLOSED');
  });

  test('enrollTotp, then confirm: the session opens (keyring, vaults) and reports the new amr', async () => {
    const { session } = await pendingSession();
    const enrolment = await session.enrollTotp();
    expect(enrolment).toMatchObject({ secret: SECRET, uri: URI });
    expect(fake.paths()).toEqual(['/mfa/totp/enroll']);
    await expectCode(() => enrolment.confirm('12345'), 'INVALID_INPUT');
    await expectCode(() => enrolment.confirm('000000'), 'AUTH_FAILED');
    expect(session.mfaPending).toBe('enroll');
    const { recoveryCodes } = await enrolment.confirm('123456');
    expect(recoveryCodes).toEqual(CODES);
    expect(session.mfaPending).toBeUndefined();
    expect(session.amr).toEqual(['pwd', 'otp']);
    const notes = await session.vault('notes');
    await notes.put('a', utf8('opened after enrolment'));
    expect((await notes.get('a')).data).toEqual(utf8('opened after enrolment'));
    await session.logout();
  });

  test('an enrolment reply that does not match itself (another secret in the URI, other digits, junk) is NETWORK', async () => {
    const { session } = await pendingSession();
    for (const reply of [
      { secret: SECRET, uri: URI.replace(SECRET, 'A'.repeat(32)) },
      { secret: SECRET, uri: URI.replace('digits=6', 'digits=8') },
      { secret: SECRET, uri: URI.replace('algorithm=SHA1', 'algorithm=SHA256') },
      { secret: SECRET, uri: URI.replace('otpauth://totp/', 'otpauth://hotp/') },
      { secret: SECRET.toLowerCase(), uri: URI },
      { secret: 'ABC', uri: URI },
      { secret: SECRET },
    ]) {
      fake.enrolReply = reply;
      await expectCode(() => session.enrollTotp(), 'NETWORK');
    }
    expect(session.mfaPending).toBe('enroll');
    await session.logout();
  });
});

describe('a full session', () => {
  test('mfa(), disableTotp, regenerateRecoveryCodes and setStrictMfa send what the contract says', async () => {
    const userId = await newUser();
    const session = await client().login({ userId, password: PASSWORD });
    fake.seen.length = 0;
    expect(await session.mfa()).toEqual({ totp: true, strict: false, recoveryCodesLeft: 9, passkeys: 0 });
    await session.disableTotp({ code: '123 456' });
    expect((await session.regenerateRecoveryCodes({ code: 'abcd-efgh-jkmn-pq00' })).recoveryCodes).toEqual(CODES);
    await session.setStrictMfa({ enabled: true, code: '123456' });
    // Turning TOTP off also appends a `totp_disabled` entry to the security log (its own routes).
    expect(fake.seen.filter((r) => r.path.startsWith('/log')).map((r) => r.path)).toEqual(['/log/head', '/log']);
    expect(fake.seen.filter((r) => !r.path.startsWith('/log'))).toEqual([
      { path: '/mfa', body: {} },
      { path: '/mfa/totp/disable', body: { totp: '123456' } },
      { path: '/mfa/recovery-codes', body: { recoveryCode: 'ABCD-EFGH-JKMN-PQ00' } },
      { path: '/mfa/strict', body: { enabled: true, totp: '123456' } },
    ]);
    await session.logout();
  });

  test('every MFA option is validated (INVALID_INPUT) before any request', async () => {
    const userId = await newUser();
    const session = await client().login({ userId, password: PASSWORD });
    fake.seen.length = 0;
    const bad: unknown[] = [undefined, null, {}, { code: '' }, { code: '12345' }, { code: 'not a code' }, { code: 123456 }, { code: '123456', signal: 'x' }];
    for (const options of bad) {
      await expectCode(() => session.disableTotp(options as never), 'INVALID_INPUT');
      await expectCode(() => session.regenerateRecoveryCodes(options as never), 'INVALID_INPUT');
      await expectCode(() => session.setStrictMfa({ enabled: true, ...(options as object) } as never), 'INVALID_INPUT');
    }
    await expectCode(() => session.setStrictMfa({ enabled: 'yes', code: '123456' } as never), 'INVALID_INPUT');
    await expectCode(() => session.setStrictMfa({ code: '123456' } as never), 'INVALID_INPUT');
    await expectCode(() => session.enrollTotp(null as never), 'INVALID_INPUT');
    await expectCode(() => session.enrollTotp({ currentPassword: '' }), 'INVALID_INPUT');
    await expectCode(() => session.enrollTotp({ totp: '1' }), 'INVALID_INPUT');
    const enrolment = await session.enrollTotp();
    fake.seen.length = 0;
    for (const code of ['', '12345', 'abcdef', 123456]) await expectCode(() => enrolment.confirm(code as never), 'INVALID_INPUT');
    expect(fake.seen).toEqual([]);
    await session.logout();
  });

  test('regenerateRecoveryCodes({ passkey: true }): malformed options are INVALID_INPUT before any request; a session without a passkey assertion asks for one first (and stays as it was when that fails)', async () => {
    const userId = await newUser();
    const session = await client().login({ userId, password: PASSWORD });
    fake.seen.length = 0;
    for (const options of [{ passkey: 'yes' }, { passkey: false }, { passkey: true, code: '123456' }, { passkey: true, signal: 'x' }]) {
      await expectCode(() => session.regenerateRecoveryCodes(options as never), 'INVALID_INPUT');
    }
    expect(fake.seen).toEqual([]);
    const amr = session.amr;
    // No `hwk` in its amr: the passkey step-up comes first, and this server has no passkey routes.
    await expectCode(() => session.regenerateRecoveryCodes({ passkey: true }), 'NOT_FOUND');
    expect(fake.seen.map((s) => s.path)).toEqual(['/passkey/login/start']);
    expect(session.amr).toEqual(amr);
    expect(await session.mfa()).toMatchObject({ totp: true });
    await session.logout();
  });

  test('a malformed status or recovery code list is NETWORK', async () => {
    const userId = await newUser();
    const session = await client().login({ userId, password: PASSWORD });
    const original = fake.fetch.bind(fake);
    fake.fetch = async (request) => {
      const path = new URL(request.url).pathname;
      if (path === '/zv/mfa') return new Response(JSON.stringify({ totp: 'yes', strict: false, recoveryCodesLeft: 1, passkeys: 0 }), { status: 200 });
      if (path === '/zv/mfa/recovery-codes') return new Response(JSON.stringify({ recoveryCodes: CODES.slice(1) }), { status: 200 });
      return original(request);
    };
    const other = clientOf(server, { fetch: (r) => fake.fetch(r) });
    const again = await other.login({ userId, password: PASSWORD });
    await expectCode(() => again.mfa(), 'NETWORK');
    await expectCode(() => again.regenerateRecoveryCodes({ code: '123456' }), 'NETWORK');
    await again.logout();
    await session.logout();
  });
});
