/**
 * Second factors end to end: the SDK `Client` against the real server
 * (loopback HTTP + SQLite), with codes computed by `otpauth` from the
 * enrolment URI exactly as an authenticator app computes them.
 *
 * A TOTP step (30 s) is accepted once (RFC 6238 §5.2), so the tests move
 * the clock that client, server and "authenticator" share (only `Date` is
 * faked; timers and I/O run for real) to the next step before each new code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URI, type TOTP } from 'otpauth';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { Client, type Session } from '../../src/client/index.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { TEST_KSF, startServer, type Running } from './helpers.js';

const PASSWORD = 'correct horse battery staple';
const RECOVERY_CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

let optional: Running;
let required: Running;
let limited: Running;
const dirs: string[] = [];
let users = 0;
/** Every request the SDK sent, with the status it got. */
const seen: { path: string; status: number }[] = [];

function newUser(): string {
  return `mfa-${++users}@example.com`;
}

/** A client of `running` that records what it sends; `deviceDir` to remember devices. */
function client(running: Running, deviceDir?: string): Client {
  return new Client({
    url: running.base,
    ksf: TEST_KSF,
    ...(deviceDir === undefined ? {} : { deviceDir }),
    fetch: async (request) => {
      const path = new URL(request.url).pathname.replace(/^\/zv/, '');
      const response = await fetch(request);
      seen.push({ path, status: response.status });
      return response;
    },
  });
}

/** The authenticator app: the TOTP the enrolment URI describes. */
function authenticator(uri: string): TOTP {
  const parsed = URI.parse(uri);
  if (!('period' in parsed)) throw new Error('not a TOTP URI');
  return parsed;
}

/** The code the app shows now. */
function codeNow(app: TOTP): string {
  return app.generate({ timestamp: Date.now() });
}

/** Moves the shared clock to the next TOTP step (the last code is spent). */
function nextStep(): void {
  vi.setSystemTime(Date.now() + 30_000);
}

async function expectCode(call: () => unknown, code: string): Promise<unknown> {
  const err = await (async () => call())().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ name: 'ZeroVaultError', code });
  return err;
}

/** Registers a user and enrols TOTP from the fresh session; logs out. */
async function enrolled(running: Running = optional): Promise<{ userId: string; app: TOTP; recoveryCodes: string[] }> {
  const userId = newUser();
  const session = await client(running).register({ userId, password: PASSWORD });
  const enrolment = await session.enrollTotp();
  const app = authenticator(enrolment.uri);
  const { recoveryCodes } = await enrolment.confirm(codeNow(app));
  await (await session.vault('notes')).putJson('n', { kept: true });
  await session.logout();
  nextStep();
  return { userId, app, recoveryCodes };
}

beforeAll(async () => {
  // The servers read the (faked) Date at every call, as the client and the authenticator do.
  const now = (): number => Date.now();
  [optional, required, limited] = await Promise.all([
    startServer({ now }),
    startServer({ now, mfa: 'required' }),
    startServer({ now, mfaLimit: { capacity: 3, refillMs: 60_000 } }),
  ]);
});
afterAll(async () => {
  await Promise.all([optional.close(), required.close(), limited.close()]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  seen.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TOTP, from enrolment to disabling it', () => {
  test('enrol → confirm → logout → no code → a function → a replayed code → a recovery code (once) → strict → disable', async () => {
    const userId = newUser();
    const session = await client(optional).register({ userId, password: PASSWORD });
    expect(session.amr).toEqual(['pwd']);
    expect(session.mfaPending).toBeUndefined();

    // Enrol: what an authenticator app reads from the QR code.
    const enrolment = await session.enrollTotp();
    const app = authenticator(enrolment.uri);
    expect(enrolment.uri.startsWith('otpauth://totp/')).toBe(true);
    expect([app.algorithm, app.digits, app.period, app.secret.base32]).toEqual(['SHA1', 6, 30, enrolment.secret]);
    const { recoveryCodes } = await enrolment.confirm(codeNow(app));
    expect(recoveryCodes).toHaveLength(10);
    for (const code of recoveryCodes) expect(code).toMatch(RECOVERY_CODE);
    expect(session.amr).toEqual(['pwd', 'otp']);
    expect(await session.mfa()).toEqual({ totp: true, strict: false, recoveryCodesLeft: 10, passkeys: 0 });
    await (await session.vault('notes')).putJson('n', { kept: true });
    await session.logout();
    nextStep();

    // No code: MFA_REQUIRED, and the pending session was ended on the server.
    seen.length = 0;
    await expectCode(() => client(optional).login({ userId, password: PASSWORD }), 'MFA_REQUIRED');
    expect(seen.map((s) => `${s.path} ${s.status}`)).toEqual(['/login/start 200', '/login/finish 200', '/logout 204']);

    // A function that asks the user: called once, after the password.
    let asked = 0;
    let used = '';
    const second = await client(optional).login({
      userId,
      password: PASSWORD,
      totp: async () => {
        asked++;
        used = codeNow(app);
        return used;
      },
    });
    expect(asked).toBe(1);
    expect(second.amr).toEqual(['pwd', 'otp']);
    expect(await (await second.vault('notes')).getJson('n')).toMatchObject({ value: { kept: true } });
    await second.logout();

    // The same code again (same step): refused, one message.
    await expectCode(() => client(optional).login({ userId, password: PASSWORD, totp: used }), 'AUTH_FAILED');

    // A recovery code works once, typed loosely.
    const spent = recoveryCodes[0] as string;
    const third = await client(optional).login({ userId, password: PASSWORD, recoveryCode: spent.toLowerCase().replace(/-/g, ' ') });
    expect(third.amr).toEqual(['pwd', 'otp']);
    expect((await third.mfa()).recoveryCodesLeft).toBe(9);
    expect(optional.events.some((e) => e.type === 'recovery_code_used' && e.userId === userId)).toBe(true);
    await expectCode(() => client(optional).login({ userId, password: PASSWORD, recoveryCode: spent }), 'AUTH_FAILED');

    // Strict: the code travels with login/start; without the right one it is a wrong password.
    nextStep();
    await third.setStrictMfa({ enabled: true, code: codeNow(app) });
    expect((await third.mfa()).strict).toBe(true);
    await third.logout();
    nextStep();
    let called = 0;
    const fn = (): Promise<string> => {
      called++;
      return Promise.resolve(codeNow(app));
    };
    for (const attempt of [{}, { totp: '000000' }, { totp: fn }, { recoveryCode: spent }]) {
      seen.length = 0;
      await expectCode(() => client(optional).login({ userId, password: PASSWORD, ...attempt }), 'AUTH_FAILED');
      // Refused at the first reply, like a wrong password: no session was ever made.
      expect(seen.map((s) => s.path)).toEqual(['/login/start']);
    }
    expect(called).toBe(0);
    await expectCode(() => client(optional).login({ userId, password: 'wrong password', totp: codeNow(app) }), 'AUTH_FAILED');
    nextStep();
    seen.length = 0;
    const strict = await client(optional).login({ userId, password: PASSWORD, totp: codeNow(app) });
    expect(seen.map((s) => s.path).slice(0, 2)).toEqual(['/login/start', '/login/finish']);
    expect(seen.map((s) => s.path)).not.toContain('/mfa/verify');
    expect(strict.amr).toEqual(['pwd', 'otp']);
    expect(await (await strict.vault('notes')).getJson('n')).toMatchObject({ value: { kept: true } });

    // Disable, with a recovery code as the fresh factor; then the password alone works again.
    await strict.disableTotp({ code: recoveryCodes[1] as string });
    expect(await strict.mfa()).toEqual({ totp: false, strict: false, recoveryCodesLeft: 0, passkeys: 0 });
    await strict.logout();
    const plain = await client(optional).login({ userId, password: PASSWORD });
    expect(plain.amr).toEqual(['pwd']);
    await plain.logout();
  }, 60_000);

  test('regenerating recovery codes voids the old ones', async () => {
    const { userId, app, recoveryCodes } = await enrolled();
    const session = await client(optional).login({ userId, password: PASSWORD, totp: codeNow(app) });
    nextStep();
    const fresh = await session.regenerateRecoveryCodes({ code: codeNow(app) });
    expect(fresh.recoveryCodes).toHaveLength(10);
    expect(fresh.recoveryCodes.some((c) => recoveryCodes.includes(c))).toBe(false);
    await session.logout();
    await expectCode(() => client(optional).login({ userId, password: PASSWORD, recoveryCode: recoveryCodes[2] as string }), 'AUTH_FAILED');
    await (await client(optional).login({ userId, password: PASSWORD, recoveryCode: fresh.recoveryCodes[0] as string })).logout();
  }, 30_000);

  test('wrong codes past the account limit: RATE_LIMITED with retryAfterMs', async () => {
    const { userId } = await enrolled(limited);
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const err = await client(limited)
        .login({ userId, password: PASSWORD, totp: '000000' })
        .then(
          () => undefined,
          (e: unknown) => e as { code: string; retryAfterMs?: number },
        );
      codes.push(err?.code ?? 'ok');
      if (err?.code === 'RATE_LIMITED') expect(err.retryAfterMs).toBeGreaterThan(0);
    }
    expect(codes.slice(0, 3)).toEqual(['AUTH_FAILED', 'AUTH_FAILED', 'AUTH_FAILED']);
    expect(codes.at(-1)).toBe('RATE_LIMITED');
  }, 30_000);

  test('changing the password from an older session: the re-login needs the factor too', async () => {
    const { userId, app } = await enrolled();
    const session = await client(optional).login({ userId, password: PASSWORD, totp: codeNow(app) });
    vi.setSystemTime(Date.now() + 11 * 60 * 1000); // past the re-authentication window
    await expectCode(() => session.changePassword({ newPassword: 'a new password' }), 'AUTH_FAILED');
    await expectCode(() => session.changePassword({ currentPassword: PASSWORD, newPassword: 'a new password' }), 'MFA_REQUIRED');
    expect(session.isOpen).toBe(true);
    await session.changePassword({ currentPassword: PASSWORD, newPassword: 'a new password', totp: codeNow(app) });
    expect(session.amr).toEqual(['pwd', 'otp']);
    await session.logout();
    nextStep();
    await (await client(optional).login({ userId, password: 'a new password', totp: codeNow(app) })).logout();
  }, 30_000);
});

describe('recovery key and remembered devices', () => {
  test('recover with the recovery key needs the second factor too; a recovery code does', async () => {
    const { userId, app, recoveryCodes } = await enrolled();
    const session = await client(optional).login({ userId, password: PASSWORD, totp: codeNow(app) });
    const recoveryKey = await session.createRecoveryKey();
    await session.logout();
    await expectCode(() => client(optional).recover({ userId, recoveryKey, newPassword: 'recovered' }), 'MFA_REQUIRED');
    const recovered = await client(optional).recover({ userId, recoveryKey, newPassword: 'recovered', recoveryCode: recoveryCodes[0] as string });
    expect(recovered.amr).toEqual(['pwd', 'otp']);
    expect(await (await recovered.vault('notes')).getJson('n')).toMatchObject({ value: { kept: true } });
    await recovered.logout();
    nextStep();
    await (await client(optional).login({ userId, password: 'recovered', totp: codeNow(app) })).logout();
  }, 30_000);

  test('a device remembered from a full session resumes without a code; not when the factor was missing', async () => {
    const { userId, app } = await enrolled();
    const dir = mkdtempSync(join(tmpdir(), 'zerovault-mfa-device-'));
    dirs.push(dir);
    await expectCode(() => client(optional, dir).login({ userId, password: PASSWORD, rememberDevice: true }), 'MFA_REQUIRED');
    expect(await client(optional, dir).resume()).toBeNull();
    const session = await client(optional, dir).login({ userId, password: PASSWORD, totp: () => Promise.resolve(codeNow(app)), rememberDevice: true });
    expect(session.deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await session.logout();
    const resumed = await client(optional, dir).resume();
    expect(resumed?.amr).toEqual(['swk']);
    expect(await (await resumed?.vault('notes'))?.getJson('n')).toMatchObject({ value: { kept: true } });
    await resumed?.logout();
  }, 30_000);
});

describe("createServer({ mfa: 'required' })", () => {
  test('a new account is pending enrolment: nothing but enrolment and logout until TOTP is confirmed', async () => {
    const userId = newUser();
    const dir = mkdtempSync(join(tmpdir(), 'zerovault-mfa-required-'));
    dirs.push(dir);
    const session: Session = await client(required, dir).register({ userId, password: PASSWORD, rememberDevice: true });
    expect(session.mfaPending).toBe('enroll');
    expect(session.deviceId).toBeUndefined();
    seen.length = 0;
    await expectCode(() => session.vault('notes'), 'MFA_REQUIRED');
    await expectCode(() => session.mfa(), 'MFA_REQUIRED');
    await expectCode(() => session.devices(), 'MFA_REQUIRED');
    expect(seen).toEqual([]);

    const enrolment = await session.enrollTotp();
    const app = authenticator(enrolment.uri);
    await expectCode(() => enrolment.confirm('000000'), 'AUTH_FAILED');
    expect(session.mfaPending).toBe('enroll');
    const { recoveryCodes } = await enrolment.confirm(codeNow(app));
    expect(recoveryCodes).toHaveLength(10);
    expect(session.mfaPending).toBeUndefined();
    expect(session.amr).toEqual(['pwd', 'otp']);
    // Opened now: the keyring was made, and the device remembered, after the factor.
    expect(session.deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await (await session.vault('notes')).put('a', utf8('after enrolment'));
    expect(await session.mfa()).toMatchObject({ totp: true, recoveryCodesLeft: 10 });
    await session.logout();

    const resumed = await client(required, dir).resume();
    expect((await (await resumed?.vault('notes'))?.get('a'))?.data).toEqual(utf8('after enrolment'));
    await resumed?.logout();
    nextStep();
    const again = await client(required).login({ userId, password: PASSWORD, totp: codeNow(app) });
    expect(again.mfaPending).toBeUndefined();
    await again.logout();
  }, 30_000);

  test('logging out before enrolling leaves nothing: the next login is pending enrolment again', async () => {
    const userId = newUser();
    const first = await client(required).register({ userId, password: PASSWORD });
    await first.enrollTotp(); // started, never confirmed
    await first.logout();
    expect(first.isOpen).toBe(false);
    await expectCode(() => first.enrollTotp(), 'CLOSED');
    const second = await client(required).login({ userId, password: PASSWORD });
    expect(second.mfaPending).toBe('enroll');
    const enrolment = await second.enrollTotp();
    await enrolment.confirm(codeNow(authenticator(enrolment.uri)));
    await (await second.vault('notes')).put('a', utf8('first data'));
    await second.logout();
  }, 30_000);
});
