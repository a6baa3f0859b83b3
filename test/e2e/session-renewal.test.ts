/**
 * Sliding sessions end to end over loopback HTTP, with the server clock
 * injected through `createServer({ now })`: a session in use stays alive past
 * its idle lifetime, an idle one dies (401 `CLOSED`, and the SDK session
 * closes), no session outlives `sessionMaxLifetimeMs`, the store is written at
 * most once per half idle lifetime, and every verified response carries the
 * session's expiry (`zv-session-expires`), which the SDK session follows.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.js';
import type { ServerStore } from '../../src/server/types.js';
import { expectError, lowLogin, lowRegister, sdk, signedFetch, startServer, type Running } from './helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
let skew = 0;
let running: Running;
let extensions: { id: string; expiresAt: number }[] = [];

function counting(store: ServerStore): ServerStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'extendSession') {
        return async (id: string, expiresAt: number): Promise<void> => {
          extensions.push({ id, expiresAt });
          await target.extendSession(id, expiresAt);
        };
      }
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
}

beforeAll(async () => {
  running = await startServer({
    now: () => Date.now() + skew,
    // The injected clock runs days ahead of the client's: request timestamps must still pass.
    requestWindowMs: 30 * DAY,
    sessionMaxLifetimeMs: DAY,
    wrap: counting,
  });
  for (const user of ['ann', 'bob', 'cat', 'dan']) expect((await lowRegister(running.base, user, `pw-${user}`)).status).toBe(201);
});
afterAll(async () => {
  await running.close();
});

function expiresHeader(response: Response): number {
  const value = response.headers.get('zv-session-expires');
  expect(value).toMatch(/^[0-9]+$/);
  return Number(value);
}

describe('sliding sessions', () => {
  test('a session used every 40 minutes stays alive past its idle hour; the store is written once per half hour at most', async () => {
    skew = 0;
    const session = await lowLogin(running.base, 'ann', 'pw-ann');
    const start = Date.now();
    extensions = [];
    const first = await signedFetch(running.base, session, 'GET', '/blobs/v');
    expect(first.status).toBe(200);
    // More than half the idle hour left: no write, and the expiry is the login's.
    expect(extensions).toHaveLength(0);
    expect(expiresHeader(first)).toBeGreaterThanOrEqual(start + HOUR - MINUTE);
    expect(expiresHeader(first)).toBeLessThanOrEqual(Date.now() + HOUR);
    for (let i = 1; i <= 4; i++) {
      skew = i * 40 * MINUTE;
      const before = extensions.length;
      const reply = await signedFetch(running.base, session, 'GET', '/blobs/v');
      expect(reply.status).toBe(200);
      expect(extensions.length).toBe(before + 1);
      expect(expiresHeader(reply)).toBeGreaterThanOrEqual(Date.now() + skew + HOUR - MINUTE);
      // Busy within the half hour after a renewal: no further write.
      for (let j = 0; j < 3; j++) expect((await signedFetch(running.base, session, 'GET', '/blobs/v')).status).toBe(200);
      skew += 20 * MINUTE;
      expect((await signedFetch(running.base, session, 'GET', '/blobs/v')).status).toBe(200);
      expect(extensions.length).toBe(before + 1);
    }
    // 2 h 40 min after login, far past the first hour.
    expect(extensions.every((e) => e.id === session.sessionId)).toBe(true);
  });

  test('an idle session dies after its idle hour with 401 CLOSED', async () => {
    skew = 0;
    const session = await lowLogin(running.base, 'bob', 'pw-bob');
    expect((await signedFetch(running.base, session, 'GET', '/blobs/v')).status).toBe(200);
    skew = HOUR + MINUTE;
    await expectError(await signedFetch(running.base, session, 'GET', '/blobs/v'), 401, 'CLOSED');
  });

  test('no session outlives sessionMaxLifetimeMs, however busy', async () => {
    skew = 0;
    const session = await lowLogin(running.base, 'cat', 'pw-cat');
    const loggedIn = Date.now();
    let last = 0;
    for (skew = 20 * MINUTE; skew < DAY - MINUTE; skew += 20 * MINUTE) {
      const reply = await signedFetch(running.base, session, 'GET', '/blobs/v');
      expect(reply.status).toBe(200);
      last = expiresHeader(reply);
      expect(last).toBeLessThanOrEqual(loggedIn + DAY + 5_000);
    }
    expect(last).toBeGreaterThan(loggedIn + DAY - MINUTE);
    skew = DAY + MINUTE;
    await expectError(await signedFetch(running.base, session, 'GET', '/blobs/v'), 401, 'CLOSED');
  });

  test('a wrong password is still AUTH_FAILED', async () => {
    skew = 0;
    await expect(sdk(running).login({ userId: 'dan', password: 'wrong' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});

describe('the SDK session', () => {
  test('follows the server expiry while used, and reports CLOSED once idle past it', async () => {
    skew = 0;
    const s = await sdk(running).login({ userId: 'dan', password: 'pw-dan' });
    const initial = s.expiresAt;
    expect(initial).toBeGreaterThan(Date.now() + HOUR - MINUTE);
    const vault = await s.vault('notes');
    await vault.put('a', utf8('hello'));
    skew = 40 * MINUTE;
    expect(await vault.get('a')).not.toBeNull();
    expect(s.expiresAt).toBeGreaterThanOrEqual(initial + 40 * MINUTE - 5_000);
    skew = 80 * MINUTE;
    expect(await vault.get('a')).not.toBeNull();
    expect(s.expiresAt).toBeGreaterThanOrEqual(initial + 80 * MINUTE - 5_000);
    expect(s.isOpen).toBe(true);
    // Idle for more than an hour since the last renewal.
    skew = 80 * MINUTE + HOUR + MINUTE;
    await expect(vault.get('a')).rejects.toMatchObject({ code: 'CLOSED' });
    expect(s.isOpen).toBe(false);
  });
});
