/**
 * Remembered devices over the server's fetch handler (issue 14, parts 3 and
 * 4): registering, listing and revoking devices, device logins (no
 * password), the reauthentication rule, and the known-device proof that
 * keeps a device's password logins out of the user and address buckets.
 * OPAQUE runs with the repo's own client; device logins with the bytes of
 * `formats/device.ts` (pinned by device-v1.json).
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { fromBase64url, toBase64url } from '../../src/crypto/bytes.js';
import { finishLogin, finishRegistration, startLogin, startRegistration } from '../../src/opaque/index.js';
import { createServer, createServerSetup, memoryServerStore, type CreateServerOptions, type ServerEvent, type ServerStore, type ZeroVaultServer } from '../../src/server/index.js';
import { TEST_KSF, login, post, register, signed, type TestSession } from './harness.js';
import { addDevice, answer, deviceFinish, deviceLogin, deviceStart, newDevice, passwordLogin, sessionOf, type TestDevice } from './device-harness.js';

const setup = createServerSetup();

let server: ZeroVaultServer;
let events: ServerEvent[];
let clock: number;

function makeServer(options: Partial<CreateServerOptions> = {}): ZeroVaultServer {
  const s = createServer({ setup, store: memoryServerStore(), basePath: '/zv', now: () => clock, ...options });
  s.on('*', (e) => events.push(e));
  return s;
}

beforeEach(() => {
  clock = Date.now();
  events = [];
  server = makeServer();
});

/** A signed request stamped with the test clock (so advancing it never makes requests stale). */
function at(session: TestSession, method: string, path: string, body?: unknown): Request {
  return signed(session, method, path, { timestamp: clock, ...(body === undefined ? {} : { body }) });
}

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

interface ListedDevice {
  id: string;
  name: string;
  createdAt: number;
  lastSeenAt: number;
  lastAddress: string | null;
  current: boolean;
}

async function list(session: TestSession): Promise<ListedDevice[]> {
  const res = await server.fetch(at(session, 'GET', '/devices'));
  expect(res.status).toBe(200);
  return ((await res.json()) as { devices: ListedDevice[] }).devices;
}

/** A user with a password session and one remembered device. */
async function userWithDevice(userId = 'alice@example.com', password = 'pw'): Promise<{ session: TestSession; device: TestDevice }> {
  expect((await register(server, userId, password)).status).toBe(201);
  const session = await login(server, userId, password);
  const device = newDevice();
  expect((await addDevice(server, session, device)).status).toBe(201);
  return { session, device };
}

describe('registering and listing devices', () => {
  test('POST /devices binds the calling session; GET /devices lists oldest first with current and last use', async () => {
    const { session, device } = await userWithDevice();
    const other = await login(server, 'alice@example.com', 'pw');
    clock += 1000;
    const second = newDevice();
    expect((await addDevice(server, other, second, 'Laptop', '198.51.100.9')).status).toBe(201);
    const seen = await list(session);
    expect(seen.map((d) => [d.id, d.name, d.current, d.lastAddress])).toEqual([
      [device.id, 'Test device', true, '192.0.2.1'],
      [second.id, 'Laptop', false, '198.51.100.9'],
    ]);
    expect(seen[1]?.createdAt).toBe(clock);
    expect((await list(other)).map((d) => d.current)).toEqual([false, true]);
    // A session belongs to one device at most.
    const third = await addDevice(server, other, newDevice());
    expect(third.status).toBe(409);
    expect(await codeOf(third)).toBe('CONFLICT');
    expect(events.filter((e) => e.type === 'device_added')).toHaveLength(2);
  });

  test('the same id again, and a 33rd device, are 409 CONFLICT', async () => {
    const { session, device } = await userWithDevice();
    const unbound = (): Promise<TestSession> => login(server, 'alice@example.com', 'pw');
    const again = await addDevice(server, await unbound(), device);
    expect(again.status).toBe(409);
    expect(await codeOf(again)).toBe('CONFLICT');
    for (let i = 1; i < 32; i++) expect((await addDevice(server, await unbound(), newDevice())).status, `device ${i + 1}`).toBe(201);
    const over = await addDevice(server, await unbound(), newDevice());
    expect(over.status).toBe(409);
    expect(await codeOf(over)).toBe('CONFLICT');
    expect(await list(session)).toHaveLength(32);
  });

  test('names, ids and keys are validated (400 INVALID_INPUT)', async () => {
    await userWithDevice();
    const session = await login(server, 'alice@example.com', 'pw');
    const device = newDevice();
    for (const name of ['', 'x'.repeat(65), 'new\nline', 'bidi\u202e']) {
      const res = await addDevice(server, session, device, name);
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect(await codeOf(res)).toBe('INVALID_INPUT');
    }
    expect((await addDevice(server, session, device, '📱'.repeat(64))).status).toBe(201);
    const bad = [
      { deviceId: 'short', name: 'x', signingKey: toBase64url(newDevice().keys.signingKey) },
      { deviceId: toBase64url(new Uint8Array(16).fill(7)), name: 'x', signingKey: toBase64url(new Uint8Array(31)) },
      { deviceId: toBase64url(new Uint8Array(16).fill(8)), name: 'x', signingKey: toBase64url(new Uint8Array(32).fill(0xff)) },
      { deviceId: toBase64url(new Uint8Array(16).fill(9)), name: 'x' },
    ];
    for (const body of bad) expect((await server.fetch(at(session, 'POST', '/devices', body))).status).toBe(400);
  });

  test('adding a device takes a fresh password login (a stale or device session gets 401)', async () => {
    const { device } = await userWithDevice();
    const resumed = await deviceLogin(server, 'alice@example.com', device);
    expect((await server.fetch(at(resumed, 'POST', '/devices', { deviceId: newDevice().id, name: 'x', signingKey: toBase64url(newDevice().keys.signingKey) }))).status).toBe(401);
    const stale = await login(server, 'alice@example.com', 'pw');
    clock += 10 * 60 * 1000 + 1;
    const res = await addDevice(server, stale, newDevice());
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe('AUTH_FAILED');
  });

  test('without the device half of the store, every device route is 404', async () => {
    const full = memoryServerStore();
    const { addDevice: _a, getDevice: _g, listDevices: _l, deleteDevice: _d, touchDevice: _t, ...rest } = full;
    const bare: ServerStore = rest;
    server = makeServer({ store: bare });
    await register(server, 'bob', 'pw');
    const session = await login(server, 'bob', 'pw');
    expect((await addDevice(server, session, newDevice())).status).toBe(404);
    expect((await server.fetch(at(session, 'GET', '/devices'))).status).toBe(404);
    expect((await server.fetch(at(session, 'DELETE', `/devices/${newDevice().id}`))).status).toBe(404);
    expect((await deviceStart(server, 'bob', newDevice().id)).status).toBe(404);
    // A known-device proof is ignored: the login goes on as without one.
    await passwordLogin(server, 'bob', 'pw', { device: newDevice() });
  });
});

describe('device login', () => {
  test('a device logs in without a password; its session works for blobs, with amr swk, and updates last use', async () => {
    const { session, device } = await userWithDevice();
    clock += 5000;
    const resumed = await deviceLogin(server, 'Alice@Example.com', device, '203.0.113.5');
    const body = { data: toBase64url(new Uint8Array([1, 2, 3])) };
    expect((await server.fetch(signed(resumed, 'PUT', '/blobs/notes/a', { timestamp: clock, body, headers: { 'if-none-match': '*' } }))).status).toBe(201);
    expect((await server.fetch(at(session, 'GET', '/blobs/notes/a'))).status).toBe(200);
    const listed = await list(resumed);
    expect(listed[0]).toMatchObject({ id: device.id, current: true, lastSeenAt: clock, lastAddress: '203.0.113.5' });
    expect(events.filter((e) => e.type === 'login').map((e) => e.reason)).toEqual([undefined, 'device']);
  });

  test('an unknown device or user gets the same start answer as a known one', async () => {
    const { device } = await userWithDevice();
    const answers = [];
    for (const [userId, deviceId] of [
      ['alice@example.com', device.id],
      ['alice@example.com', newDevice().id],
      ['nobody@example.com', device.id],
    ] as const) {
      const res = await deviceStart(server, userId, deviceId);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, string>;
      answers.push({ keys: Object.keys(body).sort(), loginId: body.loginId?.length, challenge: fromBase64url(body.challenge ?? '').length });
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[0]).toEqual({ keys: ['challenge', 'loginId'], loginId: 22, challenge: 32 });
  });

  test('bad signature, replayed loginId, expired login, unknown or revoked device: 401 AUTH_FAILED', async () => {
    const { session, device } = await userWithDevice();
    const start = async (d: TestDevice = device, userId = 'alice@example.com') => {
      const res = await deviceStart(server, userId, d.id);
      const { loginId, challenge } = (await res.json()) as { loginId: string; challenge: string };
      return { loginId, challenge: fromBase64url(challenge) };
    };
    const expect401 = async (res: Response, what: string) => {
      expect(res.status, what).toBe(401);
      expect(await codeOf(res), what).toBe('AUTH_FAILED');
    };
    // Signed by another key, or over another challenge.
    let s = await start();
    await expect401(await deviceFinish(server, answer({ id: device.id, keys: newDevice().keys }, 'alice@example.com', s.loginId, s.challenge)), 'other key');
    s = await start();
    await expect401(await deviceFinish(server, answer(device, 'alice@example.com', s.loginId, new Uint8Array(32))), 'other challenge');
    // Replay: the first finish wins, the same loginId again fails.
    s = await start();
    const good = answer(device, 'alice@example.com', s.loginId, s.challenge);
    await sessionOf(await deviceFinish(server, good), good);
    await expect401(await deviceFinish(server, good), 'replayed');
    // Expired.
    s = await start();
    clock += 60_000;
    await expect401(await deviceFinish(server, answer(device, 'alice@example.com', s.loginId, s.challenge)), 'expired');
    // Unknown device, and a device of another user.
    const stranger = newDevice();
    s = await start(stranger);
    await expect401(await deviceFinish(server, answer(stranger, 'alice@example.com', s.loginId, s.challenge)), 'unknown device');
    s = await start(device, 'mallory@example.com');
    await expect401(await deviceFinish(server, answer(device, 'mallory@example.com', s.loginId, s.challenge)), 'other user');
    // Revoked between start and finish.
    s = await start();
    expect((await server.fetch(at(session, 'DELETE', `/devices/${device.id}`))).status).toBe(204);
    await expect401(await deviceFinish(server, answer(device, 'alice@example.com', s.loginId, s.challenge)), 'revoked');
    // An OPAQUE login id is no device login id.
    const opaque = await startLogin({ password: 'pw' });
    const r1 = await post(server, '/login/start', { userId: 'alice@example.com', request: toBase64url(opaque.request) });
    const { loginId } = (await r1.json()) as { loginId: string };
    await expect401(await deviceFinish(server, answer(device, 'alice@example.com', loginId, new Uint8Array(32))), 'opaque login id');
    expect(events.filter((e) => e.type === 'auth_failed').map((e) => e.reason)).toEqual([
      'bad-device-signature',
      'bad-device-signature',
      'unknown-or-expired-login',
      'unknown-or-expired-login',
      'unknown-device',
      'unknown-device',
      'unknown-device',
      'unknown-or-expired-login',
    ]);
  });

  test('a low-order ephemeral is refused (401), and malformed finishes are 400', async () => {
    const { device } = await userWithDevice();
    const res = await deviceStart(server, 'alice@example.com', device.id);
    const { loginId, challenge } = (await res.json()) as { loginId: string; challenge: string };
    const zero = { secretKey: new Uint8Array(32), publicKey: new Uint8Array(32) };
    const { deviceLoginMessage, signDeviceMessage } = await import('../../src/formats/device.js');
    const message = deviceLoginMessage({ userId: 'alice@example.com', deviceId: device.id, challenge: fromBase64url(challenge), ephemeral: zero.publicKey });
    const finish = { loginId, challenge: fromBase64url(challenge), ephemeral: zero, signature: signDeviceMessage(device.keys.signingSeed, message) };
    expect((await deviceFinish(server, finish)).status).toBe(401);
    expect(events.at(-1)?.reason).toBe('low-order-ephemeral');
    for (const body of [
      { loginId, ephemeral: toBase64url(new Uint8Array(31)), signature: toBase64url(new Uint8Array(64)) },
      { loginId, ephemeral: toBase64url(new Uint8Array(32)), signature: toBase64url(new Uint8Array(63)) },
      { loginId: 'x', ephemeral: toBase64url(new Uint8Array(32)), signature: toBase64url(new Uint8Array(64)) },
    ]) {
      expect((await post(server, '/device/login/finish', body)).status).toBe(400);
    }
    expect((await deviceStart(server, 'alice@example.com', 'not-a-device-id')).status).toBe(400);
  });

  test('device logins are rate-limited per device, and a success gives its token back', async () => {
    server = makeServer({ userLoginLimit: { capacity: 3, refillMs: 60_000 } });
    const { device } = await userWithDevice();
    for (let i = 0; i < 3; i++) expect((await deviceStart(server, 'alice@example.com', device.id)).status).toBe(200);
    const limited = await deviceStart(server, 'alice@example.com', device.id);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(await codeOf(limited)).toBe('RATE_LIMITED');
    // Another device of the same user has its own bucket.
    expect((await deviceStart(server, 'alice@example.com', newDevice().id)).status).toBe(200);
    clock += 60_000;
    await deviceLogin(server, 'alice@example.com', device); // takes the token back
    await deviceLogin(server, 'alice@example.com', device);
  });
});

describe('revoking devices', () => {
  test('deleting a device ends every session bound to it at once (401 CLOSED); others live on', async () => {
    const { session, device } = await userWithDevice();
    const resumed = await deviceLogin(server, 'alice@example.com', device);
    const unbound = await login(server, 'alice@example.com', 'pw');
    const res = await server.fetch(at(unbound, 'DELETE', `/devices/${device.id}`));
    expect(res.status).toBe(204);
    for (const dead of [session, resumed]) {
      const r = await server.fetch(at(dead, 'GET', '/blobs/notes'));
      expect(r.status).toBe(401);
      expect(await codeOf(r)).toBe('CLOSED');
    }
    expect((await server.fetch(at(unbound, 'GET', '/blobs/notes'))).status).toBe(200);
    expect(await list(unbound)).toEqual([]);
    expect((await server.fetch(at(unbound, 'DELETE', `/devices/${device.id}`))).status).toBe(404);
    expect((await server.fetch(at(unbound, 'DELETE', '/devices/not-an-id'))).status).toBe(404);
    expect(events.filter((e) => e.type === 'device_revoked').map((e) => e.reason)).toEqual(['other']);
  });

  test('a device session cannot change the password or delete another device, but can delete itself', async () => {
    const { device } = await userWithDevice();
    const other = newDevice();
    expect((await addDevice(server, await login(server, 'alice@example.com', 'pw'), other)).status).toBe(201);
    const resumed = await deviceLogin(server, 'alice@example.com', device);
    // Password change from the device session: 401.
    const start = await startRegistration({ password: 'new' });
    const r1 = await post(server, '/register/start', { userId: 'alice@example.com', request: toBase64url(start.request) });
    const { response } = (await r1.json()) as { response: string };
    const { record } = await finishRegistration({ state: start.state, response: fromBase64url(response), password: 'new', ksf: TEST_KSF });
    const change = await server.fetch(at(resumed, 'POST', '/register/finish', { userId: 'alice@example.com', record: toBase64url(record) }));
    expect(change.status).toBe(401);
    expect(await codeOf(change)).toBe('AUTH_FAILED');
    const recovery = await server.fetch(at(resumed, 'POST', '/register/finish', { userId: 'alice@example.com', record: toBase64url(record), credential: 'recovery' }));
    expect(recovery.status).toBe(401);
    // Another device: 401; itself: 204, and then its session is closed.
    const revokeOther = await server.fetch(at(resumed, 'DELETE', `/devices/${other.id}`));
    expect(revokeOther.status).toBe(401);
    expect(await codeOf(revokeOther)).toBe('AUTH_FAILED');
    expect((await server.fetch(at(resumed, 'DELETE', `/devices/${device.id}`))).status).toBe(204);
    expect(await codeOf(await server.fetch(at(resumed, 'GET', '/devices')))).toBe('CLOSED');
    // The password still works, and a fresh password session may do both.
    const fresh = await login(server, 'alice@example.com', 'pw');
    expect((await server.fetch(at(fresh, 'DELETE', `/devices/${other.id}`))).status).toBe(204);
    expect((await server.fetch(at(fresh, 'POST', '/register/finish', { userId: 'alice@example.com', record: toBase64url(record) }))).status).toBe(201);
  });

  test('a password session older than reauthWindowMs cannot delete another device', async () => {
    server = makeServer({ reauthWindowMs: 30_000 });
    const { session, device } = await userWithDevice();
    const unbound = await login(server, 'alice@example.com', 'pw');
    clock += 30_001;
    const res = await server.fetch(at(unbound, 'DELETE', `/devices/${device.id}`));
    expect(res.status).toBe(401);
    expect(events.at(-1)).toMatchObject({ type: 'auth_failed', reason: 'login-not-fresh' });
    // Its own device a session may always delete, however old.
    expect((await server.fetch(at(session, 'DELETE', `/devices/${device.id}`))).status).toBe(204);
  });
});

describe('known-device proof on login/start (part 4)', () => {
  test('after 50 wrong passwords from one address, a proven device logs in at once; without a proof it gets 429', async () => {
    server = makeServer({ userLoginLimit: { capacity: 10, refillMs: 90_000 }, addressLoginLimit: { capacity: 10, refillMs: 9_000 } });
    const { device } = await userWithDevice();
    const other = newDevice();
    clock += 1;
    expect((await addDevice(server, await login(server, 'alice@example.com', 'pw'), other)).status).toBe(201);
    const attacker = '198.51.100.66';
    let refused = 0;
    for (let i = 0; i < 50; i++) {
      const start = await startLogin({ password: `guess-${i}` });
      const res = await post(server, '/login/start', { userId: 'alice@example.com', request: toBase64url(start.request) }, {}, attacker);
      if (res.status === 429) {
        refused++;
        continue;
      }
      expect(res.status).toBe(200);
      const { response } = (await res.json()) as { response: string };
      // A wrong password fails on the client: the server never sees a finish.
      await expect(finishLogin({ state: start.state, response: fromBase64url(response), password: `guess-${i}`, ksf: TEST_KSF })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    }
    expect(refused).toBe(40);
    // Both buckets are empty: the user's (from anywhere) and the address's (for anyone).
    await expect(passwordLogin(server, 'alice@example.com', 'pw', { address: '203.0.113.1' })).rejects.toMatchObject({ status: 429 });
    await register(server, 'zed@example.com', 'pw');
    await expect(passwordLogin(server, 'zed@example.com', 'pw', { address: attacker })).rejects.toMatchObject({ status: 429 });

    // The same address, no proof, or a proof that does not verify: the same 429 with Retry-After.
    for (const options of [{}, { device, badProof: true }]) {
      const err = (await passwordLogin(server, 'alice@example.com', 'pw', { address: attacker, ...options }).catch((e: unknown) => e)) as { status: number; response: Response };
      expect(err.status).toBe(429);
      expect(Number(err.response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await codeOf(err.response)).toBe('RATE_LIMITED');
    }
    // A valid proof, from that very address: at once, and the session is bound to the device.
    const session = await passwordLogin(server, 'alice@example.com', 'pw', { device, address: attacker });
    const listed = await list(session);
    expect(listed).toMatchObject([
      { id: device.id, current: true, lastAddress: attacker },
      { id: other.id, current: false },
    ]);
    // It is a password login: it may revoke other devices (but, bound already, adds none: 409).
    expect((await addDevice(server, session, newDevice())).status).toBe(409);
    expect((await server.fetch(at(session, 'DELETE', `/devices/${other.id}`))).status).toBe(204);
    // Revoking the device ends that session too.
    expect((await server.fetch(at(session, 'DELETE', `/devices/${device.id}`))).status).toBe(204);
    expect((await server.fetch(at(session, 'GET', '/devices'))).status).toBe(401);
  });

  test('a device revoked between login/start and login/finish: the login succeeds, its session is bound to nothing', async () => {
    const { device } = await userWithDevice();
    const admin = await login(server, 'alice@example.com', 'pw');
    const start = await startLogin({ password: 'pw' });
    const { knownProof } = await import('./device-harness.js');
    const r1 = await post(server, '/login/start', { userId: 'alice@example.com', request: toBase64url(start.request), device: knownProof(device, 'alice@example.com', start.request) });
    const { loginId, response } = (await r1.json()) as { loginId: string; response: string };
    expect((await server.fetch(at(admin, 'DELETE', `/devices/${device.id}`))).status).toBe(204);
    const finish = await finishLogin({ state: start.state, response: fromBase64url(response), password: 'pw', ksf: TEST_KSF });
    const r2 = await post(server, '/login/finish', { loginId, finalization: toBase64url(finish.finalization) });
    expect(r2.status).toBe(200);
    const { sessionId } = (await r2.json()) as { sessionId: string };
    const { requestMacKey } = await import('../../src/crypto/request-mac.js');
    const session = { sessionId, sessionKey: finish.sessionKey, macKey: requestMacKey(finish.sessionKey, sessionId) };
    // Not bound: adding a device is allowed (a bound session would get 409).
    expect((await addDevice(server, session, newDevice())).status).toBe(201);
  });

  test('a device login id sent to /login/finish is an unknown login (401), and is used up', async () => {
    const { device } = await userWithDevice();
    const res = await deviceStart(server, 'alice@example.com', device.id);
    const { loginId, challenge } = (await res.json()) as { loginId: string; challenge: string };
    const wrong = await post(server, '/login/finish', { loginId, finalization: toBase64url(new Uint8Array(64)) });
    expect(wrong.status).toBe(401);
    expect(await codeOf(wrong)).toBe('AUTH_FAILED');
    expect((await deviceFinish(server, answer(device, 'alice@example.com', loginId, fromBase64url(challenge)))).status).toBe(401);
  });

  test('a proof for another user, another request or a revoked device is ignored (the user bucket is used)', async () => {
    server = makeServer({ userLoginLimit: { capacity: 2, refillMs: 60_000 } });
    const { session, device } = await userWithDevice();
    await register(server, 'bob@example.com', 'pw');
    // Bob's logins with Alice's device proof take Bob's own bucket.
    await passwordLogin(server, 'bob@example.com', 'pw', { device });
    const s1 = await startLogin({ password: 'x' });
    const s2 = await startLogin({ password: 'x' });
    const { knownProof } = await import('./device-harness.js');
    const proofForOther = knownProof(device, 'alice@example.com', s1.request);
    // Signed over s1's KE1, sent with s2's: ignored, takes a user token.
    for (let i = 0; i < 2; i++) {
      expect((await post(server, '/login/start', { userId: 'alice@example.com', request: toBase64url(s2.request), device: proofForOther })).status).toBe(200);
    }
    expect((await post(server, '/login/start', { userId: 'alice@example.com', request: toBase64url(s2.request) })).status).toBe(429);
    // The right proof still passes; once the device is revoked, it no longer does.
    await passwordLogin(server, 'alice@example.com', 'pw', { device });
    expect((await server.fetch(at(session, 'DELETE', `/devices/${device.id}`))).status).toBe(204);
    await expect(passwordLogin(server, 'alice@example.com', 'pw', { device })).rejects.toMatchObject({ status: 429 });
    // A malformed proof object is a 400, like any malformed field.
    expect((await post(server, '/login/start', { userId: 'alice@example.com', request: toBase64url(s2.request), device: 'x' })).status).toBe(400);
    expect((await post(server, '/login/start', { userId: 'alice@example.com', request: toBase64url(s2.request), device: { id: device.id } })).status).toBe(400);
  });
});
