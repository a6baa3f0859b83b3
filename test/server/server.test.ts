/**
 * The server end to end over its fetch handler: OPAQUE registration and login
 * with a real client, verified sessions, blob routes with versions, rate
 * limiting, replay / stale / forged requests and monitoring events.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { fromBase64url, toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { createServer, createServerSetup, memoryServerStore, serverSetupFromText, serverSetupToText, type ServerEvent, type ZeroVaultServer } from '../../src/server/index.js';
import { BASE, login, post, register, signed, type TestSession } from './harness.js';

const setup = createServerSetup();

let server: ZeroVaultServer;
let events: ServerEvent[];
let clock: number;

beforeEach(() => {
  clock = Date.now();
  events = [];
  server = createServer({
    setup,
    store: memoryServerStore(),
    basePath: '/zv',
    now: () => clock,
    userLoginLimit: { capacity: 3, refillMs: 60_000 },
    // These tests send many forged requests on one session; the default threat policy's revocation is tested in threat.test.ts.
    onThreat: () => 'none',
  });
  server.on('*', (e) => events.push(e));
});

async function errorCode(response: Response): Promise<string> {
  const body = (await response.json()) as { error: { code: string } };
  return body.error.code;
}

describe('accounts', () => {
  test('register, login, logout; the session dies with logout', async () => {
    expect((await register(server, 'alice@example.com', 'correct horse')).status).toBe(201);
    const session = await login(server, 'alice@example.com', 'correct horse');
    expect((await server.fetch(signed(session, 'GET', '/blobs/notes'))).status).toBe(200);
    expect((await server.fetch(signed(session, 'POST', '/logout'))).status).toBe(204);
    expect((await server.fetch(signed(session, 'GET', '/blobs/notes'))).status).toBe(401);
    expect(events.map((e) => e.type)).toEqual(['register', 'login', 'logout', 'auth_failed']);
  });

  test('user ids are normalized: the same account cannot be registered twice', async () => {
    expect((await register(server, 'Bob@Example.com', 'pw-1')).status).toBe(201);
    const again = await register(server, 'bob@example.com', 'pw-2');
    expect(again.status).toBe(409);
    expect(await errorCode(again)).toBe('CONFLICT');
    const session = await login(server, 'BOB@example.COM', 'pw-1');
    expect(session.sessionId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test('a wrong password fails on the client; the server never opens a session', async () => {
    await register(server, 'carol', 'right');
    await expect(login(server, 'carol', 'wrong')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  test('unknown users get a response of the same shape and length (fake record)', async () => {
    await register(server, 'dave', 'pw');
    const { startLogin } = await import('../../src/opaque/index.js');
    const start = await startLogin({ password: 'pw' });
    const known = await post(server, '/login/start', { userId: 'dave', request: toBase64url(start.request) });
    const unknown = await post(server, '/login/start', { userId: 'nobody', request: toBase64url(start.request) });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    const a = (await known.json()) as { loginId: string; response: string };
    const b = (await unknown.json()) as { loginId: string; response: string };
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect(fromBase64url(a.response).length).toBe(fromBase64url(b.response).length);
  });

  test('a forged finalization is rejected with 401 and an auth_failed event', async () => {
    await register(server, 'erin', 'pw');
    const { startLogin } = await import('../../src/opaque/index.js');
    const start = await startLogin({ password: 'pw' });
    const r1 = await post(server, '/login/start', { userId: 'erin', request: toBase64url(start.request) });
    const { loginId } = (await r1.json()) as { loginId: string };
    const r2 = await post(server, '/login/finish', { loginId, finalization: toBase64url(new Uint8Array(64)) });
    expect(r2.status).toBe(401);
    expect(await errorCode(r2)).toBe('AUTH_FAILED');
    // The pending login is consumed: the same loginId cannot be tried again.
    const r3 = await post(server, '/login/finish', { loginId, finalization: toBase64url(new Uint8Array(64)) });
    expect(r3.status).toBe(401);
    expect(events.filter((e) => e.type === 'auth_failed').map((e) => e.reason)).toEqual(['bad-finalization', 'unknown-or-expired-login']);
  });

  test('unfinished logins are rate-limited per user, the same for unknown users, and refunded on success', async () => {
    await register(server, 'frank', 'pw');
    const { startLogin } = await import('../../src/opaque/index.js');
    for (const userId of ['frank', 'ghost']) {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const start = await startLogin({ password: 'x' });
        statuses.push((await post(server, '/login/start', { userId, request: toBase64url(start.request) })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
    }
    expect(events.filter((e) => e.type === 'rate_limited')).toHaveLength(2);
    clock += 60_000; // one token back
    await login(server, 'frank', 'pw'); // succeeds and refunds its token
    await login(server, 'frank', 'pw');
  });

  test('password change needs a session of the same user and revokes her other sessions', async () => {
    await register(server, 'heidi', 'old');
    await register(server, 'ivan', 'pw');
    const heidi = await login(server, 'heidi', 'old');
    const stolen = await login(server, 'heidi', 'old');
    const { startRegistration, finishRegistration } = await import('../../src/opaque/index.js');
    const { TEST_KSF } = await import('./harness.js');
    const start = await startRegistration({ password: 'new' });
    const r1 = await post(server, '/register/start', { userId: 'heidi', request: toBase64url(start.request) });
    const { response } = (await r1.json()) as { response: string };
    const { record } = await finishRegistration({ state: start.state, response: fromBase64url(response), password: 'new', ksf: TEST_KSF });
    // Someone else's session cannot replace heidi's record.
    const ivan = await login(server, 'ivan', 'pw');
    expect((await server.fetch(signed(ivan, 'POST', '/register/finish', { body: { userId: 'heidi', record: toBase64url(record) } }))).status).toBe(403);
    expect((await server.fetch(signed(heidi, 'POST', '/register/finish', { body: { userId: 'heidi', record: toBase64url(record) } }))).status).toBe(201);
    expect((await server.fetch(signed(stolen, 'GET', '/blobs/v'))).status).toBe(401);
    expect((await server.fetch(signed(heidi, 'GET', '/blobs/v'))).status).toBe(200);
    await expect(login(server, 'heidi', 'old')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await login(server, 'heidi', 'new');
  });

  test('setup text round-trips and rejects garbage', () => {
    expect(serverSetupFromText(serverSetupToText(setup))).toEqual(setup);
    expect(() => serverSetupFromText('zvsetup1.AAAA')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => serverSetupFromText('nope')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('request verification', () => {
  let session: TestSession;
  beforeEach(async () => {
    await register(server, 'judy', 'pw');
    session = await login(server, 'judy', 'pw');
    events.length = 0;
  });

  test('a replayed request is rejected', async () => {
    const nonce = new Uint8Array(16).fill(7);
    expect((await server.fetch(signed(session, 'GET', '/blobs/notes', { nonce, timestamp: clock }))).status).toBe(200);
    expect((await server.fetch(signed(session, 'GET', '/blobs/notes', { nonce, timestamp: clock }))).status).toBe(401);
    expect(events.map((e) => e.type)).toEqual(['replay']);
  });

  test('a stale request is rejected', async () => {
    expect((await server.fetch(signed(session, 'GET', '/blobs/notes', { timestamp: clock - 10 * 60_000 }))).status).toBe(401);
    expect((await server.fetch(signed(session, 'GET', '/blobs/notes', { timestamp: clock + 10 * 60_000 }))).status).toBe(401);
    expect(events.map((e) => e.type)).toEqual(['stale', 'stale']);
  });

  test('a tampered method, path, query or body is rejected as forged', async () => {
    const original = signed(session, 'PUT', '/blobs/notes/a', { body: { data: toBase64url(utf8('x')) } });
    const auth = original.headers.get('authorization') as string;
    const tampered = [
      new Request(`${BASE}/blobs/notes/b`, { method: 'PUT', headers: { authorization: auth }, body: JSON.stringify({ data: toBase64url(utf8('x')) }) }),
      new Request(`${BASE}/blobs/notes/a`, { method: 'PUT', headers: { authorization: auth }, body: JSON.stringify({ data: toBase64url(utf8('y')) }) }),
      new Request(`${BASE}/blobs/notes/a?x=1`, { method: 'PUT', headers: { authorization: auth }, body: JSON.stringify({ data: toBase64url(utf8('x')) }) }),
      new Request(`${BASE}/blobs/notes/a`, { method: 'DELETE', headers: { authorization: auth } }),
    ];
    for (const request of tampered) expect((await server.fetch(request)).status).toBe(401);
    expect(events.map((e) => e.type)).toEqual(['forged', 'forged', 'forged', 'forged']);
  });

  test('stripping or changing If-Match / If-None-Match breaks the MAC (a guarded write cannot become an overwrite)', async () => {
    const body = JSON.stringify({ data: toBase64url(utf8('x')) });
    for (const headers of [{ 'if-match': '"1"' }, { 'if-none-match': '*' }]) {
      const original = signed(session, 'PUT', '/blobs/notes/p', { body: { data: toBase64url(utf8('x')) }, headers });
      const auth = original.headers.get('authorization') as string;
      const stripped = new Request(`${BASE}/blobs/notes/p`, { method: 'PUT', headers: { authorization: auth }, body });
      expect((await server.fetch(stripped)).status).toBe(401);
    }
    const original = signed(session, 'PUT', '/blobs/notes/p', { body: { data: toBase64url(utf8('x')) }, headers: { 'if-match': '"1"' } });
    const changed = new Request(`${BASE}/blobs/notes/p`, { method: 'PUT', headers: { authorization: original.headers.get('authorization') as string, 'if-match': '"2"' }, body });
    expect((await server.fetch(changed)).status).toBe(401);
    expect(events.map((e) => e.type)).toEqual(['forged', 'forged', 'forged']);
  });

  test('a MAC under another key, a malformed header or an expired session is rejected', async () => {
    const other = { ...session, macKey: new Uint8Array(32).fill(1) };
    expect((await server.fetch(signed(other, 'GET', '/blobs/notes'))).status).toBe(401);
    expect((await server.fetch(new Request(`${BASE}/blobs/notes`, { headers: { authorization: 'ZV1 nonsense' } }))).status).toBe(401);
    expect((await server.fetch(new Request(`${BASE}/blobs/notes`))).status).toBe(401);
    clock += 2 * 60 * 60 * 1000;
    expect((await server.fetch(signed(session, 'GET', '/blobs/notes', { timestamp: clock }))).status).toBe(401);
  });
});

describe('blob routes', () => {
  let session: TestSession;
  beforeEach(async () => {
    await register(server, 'ken', 'pw');
    session = await login(server, 'ken', 'pw');
  });
  const put = (id: string, text: string, headers: Record<string, string> = {}) =>
    server.fetch(signed(session, 'PUT', `/blobs/notes/${id}`, { body: { data: toBase64url(utf8(text)) }, headers, timestamp: clock }));

  test('versions, ETags, conditional writes (412 on stale), delete and list', async () => {
    const created = await put('a', 'one', { 'if-none-match': '*' });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect((await put('a', 'dup', { 'if-none-match': '*' })).status).toBe(412);
    expect((await put('a', 'two', { 'if-match': '"1"' })).status).toBe(200);
    const stale = await put('a', 'lost', { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(await errorCode(stale)).toBe('CONFLICT');
    const got = await server.fetch(signed(session, 'GET', '/blobs/notes/a', { timestamp: clock }));
    expect(got.headers.get('etag')).toBe('"2"');
    expect((await got.json()) as unknown).toEqual({ data: toBase64url(utf8('two')), version: 2 });
    await put('b', 'bee');
    await put('c', 'sea');
    const page = await server.fetch(signed(session, 'GET', '/blobs/notes?limit=2', { timestamp: clock }));
    expect(await page.json()).toEqual({ items: [{ id: 'a', version: 2 }, { id: 'b', version: 1 }], next: 'b' });
    expect((await server.fetch(signed(session, 'DELETE', '/blobs/notes/a', { headers: { 'if-match': '"1"' }, timestamp: clock }))).status).toBe(412);
    expect((await server.fetch(signed(session, 'DELETE', '/blobs/notes/a', { headers: { 'if-match': '"2"' }, timestamp: clock }))).status).toBe(204);
    expect((await server.fetch(signed(session, 'GET', '/blobs/notes/a', { timestamp: clock }))).status).toBe(404);
  });

  test('users see only their own blobs', async () => {
    await put('secret', 'mine');
    await register(server, 'leo', 'pw');
    const leo = await login(server, 'leo', 'pw');
    expect((await server.fetch(signed(leo, 'GET', '/blobs/notes/secret'))).status).toBe(404);
    expect(await (await server.fetch(signed(leo, 'GET', '/blobs/notes'))).json()).toEqual({ items: [] });
  });

  test('malformed input is a 400 with a code, never a stack trace', async () => {
    const bad = [
      server.fetch(signed(session, 'PUT', '/blobs/notes/a', { body: { data: 'not base64url!' }, timestamp: clock })),
      server.fetch(signed(session, 'PUT', '/blobs/notes/a', { body: { data: 'AA', extra: 1 }, timestamp: clock })),
      server.fetch(signed(session, 'PUT', '/blobs/no%20pe/a', { body: { data: 'AA' }, timestamp: clock })),
      server.fetch(signed(session, 'GET', '/blobs/notes?limit=0', { timestamp: clock })),
      post(server, '/login/start', { userId: 'x' }),
      post(server, '/register/start', { userId: ' spaced ', request: 'AA' }),
    ];
    for (const response of await Promise.all(bad)) {
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'INVALID_INPUT' } });
      expect(text).not.toMatch(/at .*\.ts/);
    }
  });

  test('bodies over the limit are refused with 413', async () => {
    const small = createServer({ setup, store: memoryServerStore(), basePath: '/zv', maxBodyBytes: 1024 });
    const response = await small.fetch(new Request(`${BASE}/register/start`, { method: 'POST', body: 'x'.repeat(2048) }));
    expect(response.status).toBe(413);
  });
});

describe('session lifetimes', () => {
  test('sessionMaxLifetimeMs must be a positive integer of at least sessionTtlMs', () => {
    const store = memoryServerStore();
    expect(() => createServer({ setup, store, sessionTtlMs: 60_000, sessionMaxLifetimeMs: 59_999 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => createServer({ setup, store, sessionMaxLifetimeMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    // An idle lifetime above the default absolute one (7 days) is refused too.
    expect(() => createServer({ setup, store, sessionTtlMs: 8 * 24 * 3_600_000 })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => createServer({ setup, store, sessionTtlMs: 60_000, sessionMaxLifetimeMs: 60_000 })).not.toThrow();
  });

  test('a verified response carries the session expiry; an unverified one does not', async () => {
    expect((await register(server, 'exp@example.com', 'pw')).status).toBe(201);
    const session = await login(server, 'exp@example.com', 'pw');
    const ok = await server.fetch(signed(session, 'GET', '/blobs/notes'));
    expect(ok.status).toBe(200);
    expect(Number(ok.headers.get('zv-session-expires'))).toBe(clock + 3_600_000);
    const missing = await server.fetch(signed(session, 'GET', '/blobs/notes/none'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('zv-session-expires')).toBe(String(clock + 3_600_000));
    expect((await register(server, 'exp@example.com', 'pw')).headers.get('zv-session-expires')).toBeNull();
  });
});
