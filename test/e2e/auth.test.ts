/**
 * Request authentication and login limits end to end over loopback HTTP:
 * replayed, forged, stale and expired-session requests (401 + an event),
 * and the login rate limiter (429 + Retry-After), with the server clock
 * injected through `createServer({ now })`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { startLogin } from '../../src/opaque/index.js';
import { expectError, lowLogin, lowRegister, postRaw, sdk, signedFetch, signedRequest, startServer, type LowSession, type Running } from './helpers.js';

const MINUTE = 60_000;
let skew = 0;
let running: Running;
let session: LowSession;

beforeAll(async () => {
  // One session takes many forged requests here; the default threat policy (which would revoke it) is tested in test/server/threat.test.ts.
  running = await startServer({ now: () => Date.now() + skew, sessionTtlMs: 10 * MINUTE, userLoginLimit: { capacity: 3, refillMs: MINUTE }, onThreat: () => 'none' });
  expect((await lowRegister(running.base, 'judy', 'pw-judy')).status).toBe(201);
  session = await lowLogin(running.base, 'judy', 'pw-judy');
});
afterAll(async () => {
  await running.close();
});

function lastEvent(): { type: string; reason?: string } | undefined {
  return running.events.at(-1);
}

describe('replay', () => {
  test('an SDK request replayed byte for byte is 401 and a replay event; the write is not repeated', async () => {
    const recorded: Request[] = [];
    const recording = async (request: Request): Promise<Response> => {
      if (request.headers.has('authorization')) recorded.push(request.clone());
      return fetch(request);
    };
    const s = await sdk(running, recording).register({ userId: 'ken', password: 'pw-ken' });
    const vault = await s.vault('v');
    recorded.length = 0;
    await vault.put('r', utf8('once'));
    const put = recorded.find((r) => r.method === 'PUT' && r.url.endsWith('/blobs/v/r'));
    expect(put).toBeDefined();
    await expectError(await fetch(put as Request), 401, 'AUTH_FAILED');
    expect(lastEvent()).toMatchObject({ type: 'replay', reason: 'nonce-reused', userId: 'ken' });
    expect((await vault.get('r')).version).toBe(1);
    await s.logout();
  });

  test('the same nonce twice (fresh timestamp each time) is a replay', async () => {
    const nonce = new Uint8Array(16).fill(9);
    expect((await signedFetch(running.base, session, 'GET', '/blobs/v', { nonce })).status).toBe(200);
    await expectError(await signedFetch(running.base, session, 'GET', '/blobs/v', { nonce }), 401, 'AUTH_FAILED');
    expect(lastEvent()).toMatchObject({ type: 'replay' });
  });
});

describe('forged', () => {
  test('a flipped MAC bit, another key, a tampered body, path, query or method: 401 forged', async () => {
    const body = JSON.stringify({ data: toBase64url(utf8('x')) });
    const base = running.base;
    const good = signedRequest(base, session, 'PUT', '/blobs/v/a', { body });
    const auth = good.headers.get('authorization') as string;
    const macAt = auth.indexOf('mac=') + 4;
    const flipped = auth.slice(0, macAt) + (auth[macAt] === 'A' ? 'B' : 'A') + auth.slice(macAt + 1);
    const forged: Request[] = [
      new Request(`${base}/blobs/v/a`, { method: 'PUT', headers: { authorization: flipped }, body }),
      signedRequest(base, { sessionId: session.sessionId, macKey: new Uint8Array(32).fill(1) }, 'GET', '/blobs/v'),
      new Request(`${base}/blobs/v/a`, { method: 'PUT', headers: { authorization: auth }, body: JSON.stringify({ data: toBase64url(utf8('y')) }) }),
      signedRequest(base, session, 'PUT', '/blobs/v/b', { body, signedPath: '/blobs/v/a' }),
      signedRequest(base, session, 'GET', '/blobs/v?limit=1', { signedPath: '/blobs/v?limit=2' }),
      signedRequest(base, session, 'DELETE', '/blobs/v/a', { signedMethod: 'GET' }),
    ];
    for (const request of forged) {
      await expectError(await fetch(request), 401, 'AUTH_FAILED');
      expect(lastEvent()).toMatchObject({ type: 'forged', reason: 'bad-request-mac', userId: 'judy' });
    }
    // Nothing was written.
    await expectError(await signedFetch(base, session, 'GET', '/blobs/v/a'), 404, 'NOT_FOUND');
  });

  test('the MAC of one session under another session id is forged; malformed headers are auth_failed', async () => {
    expect((await lowRegister(running.base, 'mallory', 'pw-mallory')).status).toBe(201);
    const mallory = await lowLogin(running.base, 'mallory', 'pw-mallory');
    await expectError(await signedFetch(running.base, { sessionId: session.sessionId, macKey: mallory.macKey }, 'GET', '/blobs/v'), 401, 'AUTH_FAILED');
    expect(lastEvent()).toMatchObject({ type: 'forged', userId: 'judy' });

    const good = signedRequest(running.base, session, 'GET', '/blobs/v').headers.get('authorization') as string;
    const malformed = [
      '',
      'ZV1',
      good.replace('ZV1 ', 'Bearer '),
      good.replace(', ', ','),
      good.replace(/nonce=([A-Za-z0-9_-]{21})[A-Za-z0-9_-]/, 'nonce=$1B'), // non-zero trailing bits: not canonical
      good.replace(/mac=([A-Za-z0-9_-]{42})[A-Za-z0-9_-]/, 'mac=$1B'),
      good.replace(/nonce=[A-Za-z0-9_-]{22}/, 'nonce=AAAAAAAAAAAAAAAAAAAAAA=='),
      good.replace(/mac=([A-Za-z0-9_-]{43})/, 'mac=$1='),
      good.replace(/ts=\d+/, 'ts=01'),
      good.replace(/session=[A-Za-z0-9_-]+/, 'session=AAAAAAAAAAAAAAAAAAAAAA'),
    ];
    for (const authorization of malformed) {
      // A well-formed header naming a session the server does not have is CLOSED (the client then closes its side).
      const code = authorization.includes('session=AAAAAAAAAAAAAAAAAAAAAA') ? 'CLOSED' : 'AUTH_FAILED';
      await expectError(await fetch(`${running.base}/blobs/v`, { headers: { authorization } }), 401, code);
      expect(lastEvent()).toMatchObject({ type: 'auth_failed' });
    }
    const noHeader = await fetch(`${running.base}/blobs/v`);
    expect(noHeader.headers.get('www-authenticate')).toBe('ZV1');
    await expectError(noHeader, 401, 'AUTH_FAILED');
  });
});

describe('stale and expired', () => {
  test('a timestamp outside the window (either side of the server clock) is 401 stale', async () => {
    for (const offset of [-3 * MINUTE, 3 * MINUTE]) {
      await expectError(await signedFetch(running.base, session, 'GET', '/blobs/v', { timestamp: Date.now() + offset }), 401, 'AUTH_FAILED');
      expect(lastEvent()).toMatchObject({ type: 'stale', userId: 'judy' });
    }
    // Inside the window it is accepted.
    expect((await signedFetch(running.base, session, 'GET', '/blobs/v', { timestamp: Date.now() - MINUTE })).status).toBe(200);
  });

  test('an expired session: the SDK gets CLOSED and closes; the client clock being right does not help', async () => {
    const s = await sdk(running).register({ userId: 'leo', password: 'pw-leo' });
    const vault = await s.vault('v');
    await vault.put('r', utf8('x'));
    expect(s.expiresAt).toBeGreaterThan(Date.now() + 9 * MINUTE);
    try {
      skew = 11 * MINUTE; // the server's clock moves past the session's end; the client's does not
      await expect(vault.get('r')).rejects.toMatchObject({ code: 'CLOSED' });
      expect(lastEvent()).toMatchObject({ type: 'auth_failed', reason: 'unknown-or-expired-session' });
      expect(s.isOpen).toBe(false);
      // Moving the server clock forward also makes the client's timestamps stale: log in again on the new clock.
    } finally {
      skew = 0;
    }
    const again = await sdk(running).login({ userId: 'leo', password: 'pw-leo' });
    expect((await (await again.vault('v')).get('r')).data).toEqual(utf8('x'));
    await again.logout();
  });
});

describe('rate limit', () => {
  test('wrong passwords use up the per-user bucket: then 429 + Retry-After, RATE_LIMITED, the same for unknown users', async () => {
    expect((await lowRegister(running.base, 'nina', 'pw-nina')).status).toBe(201);
    for (let i = 0; i < 3; i++) await expect(sdk(running).login({ userId: 'nina', password: `wrong-${i}` })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(sdk(running).login({ userId: 'nina', password: 'pw-nina' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });

    const { request } = await startLogin({ password: 'whatever' });
    for (const userId of ['nina', 'nobody-at-all']) {
      if (userId !== 'nina') for (let i = 0; i < 3; i++) expect((await postRaw(running.base, '/login/start', { userId, request: toBase64url(request) })).status).toBe(200);
      const limited = await postRaw(running.base, '/login/start', { userId, request: toBase64url(request) });
      const retryAfter = limited.headers.get('retry-after');
      await expectError(limited, 429, 'RATE_LIMITED');
      expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
      expect(Number(retryAfter)).toBeLessThanOrEqual(60);
      expect(lastEvent()).toMatchObject({ type: 'rate_limited', userId });
    }

    skew = MINUTE; // one token back; a successful login returns its token
    try {
      const s = await lowLogin(running.base, 'nina', 'pw-nina');
      expect(s.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      await lowLogin(running.base, 'nina', 'pw-nina');
    } finally {
      skew = 0;
    }
  });

  test('the per-address bucket limits many user ids from one address', async () => {
    const limited = await startServer({ addressLoginLimit: { capacity: 2, refillMs: 10 * MINUTE } });
    try {
      const { request } = await startLogin({ password: 'x' });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (const userId of ['u1', 'u2', 'u3']) {
        const response = await postRaw(limited.base, '/login/start', { userId, request: toBase64url(request) });
        statuses.push(response.status);
        if (response.status === 429) {
          retryAfter = response.headers.get('retry-after');
          await expectError(response, 429, 'RATE_LIMITED');
        }
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(limited.events.at(-1)).toMatchObject({ type: 'rate_limited' });
      expect(limited.events.at(-1)?.address ?? '').toMatch(/127\.0\.0\.1/);
    } finally {
      await limited.close();
    }
  });
});
