/**
 * Devices that stay signed in, end to end: the SDK `Client` against the real
 * server (loopback HTTP + SQLite), Node `deviceDir` folders as the devices.
 * A "reload" is a new `Client` over the same folder.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client } from '../../src/client/index.js';
import type { Session } from '../../src/client/index.js';
import { localDevices } from '../../src/client/devices/local.js';
import { resumeDevice } from '../../src/client/devices/login.js';
import { transportOptions } from '../../src/client/api.js';
import { memoryStore } from '../../src/store/memory.js';
import type { BlobStore } from '../../src/store/types.js';
import { sealDeviceSlot } from '../../src/client/devices/slot.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import type { KsfRunner } from '../../src/crypto/ksf-runner.js';
import { deviceKeys } from '../../src/formats/device.js';
import { deviceSlotId } from '../../src/formats/device-slot.js';
import { fsStore } from '../../src/store/fs.js';
import { TEST_KSF, postRaw, startServer, type Running } from './helpers.js';

let running: Running;
const dirs: string[] = [];
const password = 'correct horse battery staple';
let users = 0;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zerovault-device-'));
  dirs.push(dir);
  return dir;
}

function newUser(): string {
  return `device-user-${++users}-${Date.now()}@example.com`;
}

/** A client of the running server with its device folder; `ksfRunner` to spy on Argon2id. */
function client(deviceDir: string | undefined, ksfRunner?: KsfRunner): Client {
  return new Client({ url: running.base, ksf: TEST_KSF, ...(deviceDir === undefined ? {} : { deviceDir }), ...(ksfRunner === undefined ? {} : { ksfRunner }) });
}

/** A KSF runner that must never run: counts calls and fails. */
function forbiddenKsf(): { runner: KsfRunner; calls: () => number } {
  let calls = 0;
  return {
    runner: () => {
      calls++;
      return Promise.reject(new Error('Argon2id must not run here'));
    },
    calls: () => calls,
  };
}

/** The device files in a folder. */
function deviceFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('zerovault-device-'));
}

async function registerRemembered(dir: string, userId = newUser()): Promise<{ userId: string; session: Session }> {
  const session = await client(dir).register({ userId, password, rememberDevice: true, deviceName: 'Test laptop' });
  return { userId, session };
}

beforeAll(async () => {
  running = await startServer();
});
afterAll(async () => {
  await running.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('remember, reload, resume', () => {
  test('resume after a reload gives a working session without the password and without Argon2id', async () => {
    const dir = tempDir();
    const { userId, session } = await registerRemembered(dir);
    expect(session.deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const notes = await session.vault('notes');
    await notes.put('n1', utf8('hello'));
    await session.logout();

    const ksf = forbiddenKsf();
    const resumed = await client(dir, ksf.runner).resume();
    expect(resumed).not.toBeNull();
    const s = resumed as Session;
    expect(s.userId).toBe(userId);
    expect(s.deviceId).toBe(session.deviceId);
    expect((await (await s.vault('notes')).get('n1'))?.data).toEqual(utf8('hello'));
    expect(ksf.calls()).toBe(0);

    const devices = await s.devices();
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ id: session.deviceId, name: 'Test laptop', current: true, verified: true });
    await s.logout();
  });

  test('resume with nothing remembered is null (an empty folder, another user)', async () => {
    const dir = tempDir();
    expect(await client(dir).resume()).toBeNull();
    const { session } = await registerRemembered(dir);
    await session.logout();
    expect(await client(dir).resume({ userId: newUser() })).toBeNull();
    // A client without anywhere to keep devices remembers nothing.
    expect(await new Client({ url: running.base, ksf: TEST_KSF }).resume()).toBeNull();
  });

  test('without userId, the most recently used account; with it, that account', async () => {
    const dir = tempDir();
    const a = await registerRemembered(dir);
    await a.session.logout();
    const b = await registerRemembered(dir);
    await b.session.logout();
    expect((await client(dir).resume())?.userId).toBe(b.userId);
    const resumedA = await client(dir).resume({ userId: a.userId });
    expect(resumedA?.userId).toBe(a.userId);
    await resumedA?.logout();
    // Resuming A made it the most recently used.
    expect((await client(dir).resume())?.userId).toBe(a.userId);
  });

  test('the device files are mode 0600, one per (server, user)', async () => {
    if (process.platform === 'win32') return;
    const dir = tempDir();
    const { session } = await registerRemembered(dir);
    const files = deviceFiles(dir);
    expect(files).toHaveLength(1);
    expect(statSync(join(dir, files[0] as string)).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
    await session.logout();
  });

  test('an fsStore folder is the default device folder', async () => {
    const dir = tempDir();
    const userId = newUser();
    const store = fsStore({ dir });
    const session = await new Client({ url: running.base, ksf: TEST_KSF, store }).register({ userId, password, rememberDevice: true });
    expect(deviceFiles(dir)).toHaveLength(1);
    await session.logout();
    const resumed = await new Client({ url: running.base, ksf: TEST_KSF, store: fsStore({ dir }) }).resume({ userId });
    expect(resumed?.deviceId).toBe(session.deviceId);
    await resumed?.logout();
  });

  test('recover with rememberDevice remembers the device; the new password logs in, resume needs none', async () => {
    const userId = newUser();
    const first = await client(undefined).register({ userId, password });
    const recoveryKey = await first.createRecoveryKey();
    await first.logout();
    const dir = tempDir();
    const recovered = await client(dir).recover({ userId, recoveryKey, newPassword: 'a new password', rememberDevice: true, deviceName: 'Recovered' });
    expect(recovered.deviceId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await recovered.logout();
    const ksf = forbiddenKsf();
    const resumed = await client(dir, ksf.runner).resume({ userId });
    expect(resumed?.deviceId).toBe(recovered.deviceId);
    expect((await resumed?.devices())?.map((d) => d.name)).toEqual(['Recovered']);
    expect(ksf.calls()).toBe(0);
    await resumed?.logout();
  });

  test('a password login from a remembered device proves it: the session is bound to the device', async () => {
    const dir = tempDir();
    const { userId, session } = await registerRemembered(dir);
    await session.logout();
    const again = await client(dir).login({ userId, password });
    expect(again.deviceId).toBe(session.deviceId);
    expect((await again.devices()).find((d) => d.current)?.id).toBe(session.deviceId);
    // Remembering again keeps the same device.
    const third = await client(dir).login({ userId, password, rememberDevice: true });
    expect(third.deviceId).toBe(session.deviceId);
    expect(await third.devices()).toHaveLength(1);
    await again.logout();
    await third.logout();
  });
});

describe('revoke, logout, forget', () => {
  test('revoked from another session: its open session fails CLOSED at once; its resume is null and wipes its files', async () => {
    const dirA = tempDir();
    const { userId, session: a } = await registerRemembered(dirA);
    const vaultA = await a.vault('notes');
    const b = await client(tempDir()).login({ userId, password, rememberDevice: true, deviceName: 'Phone' });
    const listed = await b.devices();
    expect(listed.map((d) => d.name).sort()).toEqual(['Phone', 'Test laptop']);
    expect(listed.every((d) => d.verified)).toBe(true);

    await b.revokeDevice(a.deviceId as string);
    await expect(vaultA.put('x', utf8('y'))).rejects.toMatchObject({ code: 'CLOSED' });
    expect(a.isOpen).toBe(false);
    await expect(a.vault('other')).rejects.toMatchObject({ code: 'CLOSED' });
    expect((await b.devices()).map((d) => d.id)).toEqual([b.deviceId]);
    // Its slot is gone too.
    expect(await running.store.blobs(userId).get('_zv', deviceSlotId(a.deviceId as string))).toBeNull();

    expect(deviceFiles(dirA)).toHaveLength(1);
    expect(await client(dirA).resume()).toBeNull();
    expect(deviceFiles(dirA)).toEqual([]);
    await b.logout();
  });

  test('revoking another device takes a fresh password login: a resumed session needs currentPassword', async () => {
    const dirA = tempDir();
    const { userId, session: a } = await registerRemembered(dirA);
    await a.logout();
    const b = await client(tempDir()).login({ userId, password, rememberDevice: true });
    await b.logout();
    const resumedB = (await client(dirs[dirs.length - 1]).resume()) as Session;
    expect(resumedB.deviceId).toBe(b.deviceId);
    await expect(resumedB.revokeDevice(a.deviceId as string)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(resumedB.revokeDevice(a.deviceId as string, { currentPassword: 'wrong password' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await resumedB.revokeDevice(a.deviceId as string, { currentPassword: password });
    expect(resumedB.isOpen).toBe(true);
    expect((await resumedB.devices()).map((d) => d.id)).toEqual([b.deviceId]);
    expect(await client(dirA).resume()).toBeNull();
    await expect(resumedB.revokeDevice(a.deviceId as string, { currentPassword: password })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await resumedB.logout();
  });

  test('logout keeps the device; logout({ forgetDevice: true }) forgets it everywhere', async () => {
    const dir = tempDir();
    const { userId, session } = await registerRemembered(dir);
    await session.logout();
    const resumed = (await client(dir).resume()) as Session;
    expect(resumed.deviceId).toBe(session.deviceId);
    await resumed.logout({ forgetDevice: true });
    expect(resumed.isOpen).toBe(false);
    expect(deviceFiles(dir)).toEqual([]);
    expect(await client(dir).resume()).toBeNull();
    const other = await client(undefined).login({ userId, password });
    expect(await other.devices()).toEqual([]);
    expect(await running.store.blobs(userId).get('_zv', deviceSlotId(session.deviceId as string))).toBeNull();
    await other.logout();
  });

  test('logout({ forgetDevice: true }) whose server-side steps fail still deletes the local entry, logs out, then throws', async () => {
    const dir = tempDir();
    const userId = newUser();
    const broken = async (request: Request): Promise<Response> => {
      if (request.method === 'DELETE' && /\/devices\//.test(request.url)) throw new TypeError('fetch failed');
      return fetch(request);
    };
    const session = await new Client({ url: running.base, ksf: TEST_KSF, deviceDir: dir, fetch: broken }).register({ userId, password, rememberDevice: true });
    const logouts = (): number => running.events.filter((e) => e.type === 'logout' && e.userId === userId).length;
    const before = logouts();
    await expect(session.logout({ forgetDevice: true })).rejects.toMatchObject({ code: 'NETWORK' });
    expect(session.isOpen).toBe(false);
    expect(logouts()).toBe(before + 1);
    expect(deviceFiles(dir)).toEqual([]);
  });

  test('revoking the current device forgets it and ends the session', async () => {
    const dir = tempDir();
    const { session } = await registerRemembered(dir);
    await session.revokeDevice(session.deviceId as string);
    expect(session.isOpen).toBe(false);
    expect(deviceFiles(dir)).toEqual([]);
  });

  test('a device the server lists but the registry does not hold is unverified', async () => {
    const dir = tempDir();
    const { userId, session } = await registerRemembered(dir);
    // The server (here: its database) adds a device of its own.
    const db = new Database(running.dbPath);
    try {
      db.prepare('INSERT INTO zv_devices (user_id, id, name, signing_key, created_at, last_seen_at, last_address) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        userId,
        'AAAAAAAAAAAAAAAAAAAAAA',
        'Trust me',
        Buffer.from(deviceKeys(randomBytes(32)).signingKey),
        Date.now(),
        Date.now(),
        null,
      );
    } finally {
      db.close();
    }
    const listed = await session.devices();
    expect(listed.find((d) => d.name === 'Trust me')?.verified).toBe(false);
    expect(listed.find((d) => d.id === session.deviceId)?.verified).toBe(true);
    await session.logout();
  });
});

describe('a misbehaving server cannot make resume open another root key', () => {
  async function rememberedDevice(): Promise<{ dir: string; userId: string; deviceId: string; unlockKey: Uint8Array }> {
    const dir = tempDir();
    const { userId, session } = await registerRemembered(dir);
    await session.logout();
    const device = await (await localDevices(running.base, { kind: 'dir', dir })).load(userId);
    if (device === null) throw new Error('no device');
    return { dir, userId, deviceId: device.deviceId, unlockKey: deviceKeys(device.secret).unlockKey };
  }

  test('a slot sealed to the device with another root key: DECRYPT_FAILED, and the device stays remembered', async () => {
    const { dir, userId, deviceId, unlockKey } = await rememberedDevice();
    const forged = await sealDeviceSlot({ rootKey: randomBytes(32), unlockKey, userId, deviceId });
    await running.store.blobs(userId).put('_zv', deviceSlotId(deviceId), forged);
    await expect(client(dir).resume()).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    expect(deviceFiles(dir)).toHaveLength(1);
  });

  test('even when the rest of the store is forged to match, the check value kept on the device refuses the other root key', async () => {
    // Above, the keyring (sealed under the real root key) would refuse a forged root key as well.
    // A server forging the keyring too gets past that; not past the root key check the device keeps.
    const { dir, userId, deviceId, unlockKey } = await rememberedDevice();
    const forged = await sealDeviceSlot({ rootKey: randomBytes(32), unlockKey, userId, deviceId });
    const endpoint = { baseUrl: running.base, transport: transportOptions(undefined, 30_000) };
    const real = running.store.blobs(userId);
    const lying: BlobStore = { ...memoryStore(), get: async (vault, id) => (vault === '_zv' && id === deviceSlotId(deviceId) ? { data: forged, version: 1 } : real.get(vault, id)) };
    const input = { endpoint, place: { kind: 'dir', dir } as const, userId, signal: undefined, storeFor: () => lying };
    await expect(resumeDevice(input)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    // The same path with the true slot opens: the refusal above is the check, not the plumbing.
    const honest: BlobStore = { ...memoryStore(), get: (vault, id) => real.get(vault, id) };
    const resumed = await resumeDevice({ ...input, storeFor: () => honest });
    expect(resumed?.deviceId).toBe(deviceId);
  });

  test("another device's slot in its place: DECRYPT_FAILED", async () => {
    const { dir, userId, deviceId } = await rememberedDevice();
    const other = await client(tempDir()).login({ userId, password, rememberDevice: true });
    const blobs = running.store.blobs(userId);
    const otherSlot = await blobs.get('_zv', deviceSlotId(other.deviceId as string));
    await blobs.put('_zv', deviceSlotId(deviceId), (otherSlot as { data: Uint8Array }).data);
    await expect(client(dir).resume()).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    await other.logout();
  });

  test("a swapped device key: the device's login fails, resume is null", async () => {
    const { dir, userId, deviceId } = await rememberedDevice();
    const db = new Database(running.dbPath);
    try {
      db.prepare('UPDATE zv_devices SET signing_key = ? WHERE user_id = ? AND id = ?').run(Buffer.from(deviceKeys(randomBytes(32)).signingKey), userId, deviceId);
    } finally {
      db.close();
    }
    expect(await client(dir).resume()).toBeNull();
  });

  test('a deleted slot: resume is null (forgotten elsewhere) and wipes the files', async () => {
    const { dir, userId, deviceId } = await rememberedDevice();
    await running.store.blobs(userId).delete('_zv', deviceSlotId(deviceId));
    expect(await client(dir).resume()).toBeNull();
    expect(deviceFiles(dir)).toEqual([]);
  });
});

describe('inputs', () => {
  test('every option is validated (INVALID_INPUT), before any request', async () => {
    const dir = tempDir();
    const c = client(dir);
    const userId = newUser();
    const bad: unknown[] = [
      { userId, password, rememberDevice: 'yes' },
      { userId, password, rememberDevice: true, deviceName: '' },
      { userId, password, rememberDevice: true, deviceName: 'x'.repeat(65) },
      { userId, password, rememberDevice: true, deviceName: 'bad\nname' },
      { userId, password, rememberDevice: true, deviceName: 42 },
    ];
    for (const options of bad) {
      await expect(c.login(options as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(c.register(options as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    await expect(c.recover({ userId, recoveryKey: 'x', newPassword: password, rememberDevice: 'no' } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(() => new Client({ url: running.base, deviceDir: 42 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => new Client({ url: running.base, deviceDir: '' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    await expect(c.resume('x' as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(c.resume({ userId: 42 } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(c.resume({ signal: 'x' } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    // Nothing was registered by any of them.
    await expect(c.login({ userId, password })).rejects.toMatchObject({ code: 'AUTH_FAILED' });

    const { session } = await registerRemembered(dir);
    for (const id of ['', 'short', 'x'.repeat(22) + '/', 42]) await expect(session.revokeDevice(id as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(session.revokeDevice('AAAAAAAAAAAAAAAAAAAAAA', { currentPassword: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(session.revokeDevice('AAAAAAAAAAAAAAAAAAAAAA', null as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(session.logout({ forgetDevice: 'yes' } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(session.logout(null as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(session.isOpen).toBe(true);
    await session.logout();
  });

  test('rememberDevice in Node without a deviceDir or an fsStore is UNSUPPORTED, before any request', async () => {
    const userId = newUser();
    const c = new Client({ url: running.base, ksf: TEST_KSF });
    await expect(c.register({ userId, password, rememberDevice: true })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(c.login({ userId, password })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});

describe('rate limits never lock a remembered device out', () => {
  let limited: Running;
  beforeAll(async () => {
    limited = await startServer();
  });
  afterAll(async () => {
    await limited.close();
  });

  test('50 wrong passwords from this address: the remembered device logs in at once, an unknown client is RATE_LIMITED', async () => {
    const dir = tempDir();
    const userId = newUser();
    const at = (deviceDir?: string): Client => new Client({ url: limited.base, ksf: TEST_KSF, ...(deviceDir === undefined ? {} : { deviceDir }) });
    const first = await at(dir).register({ userId, password, rememberDevice: true });
    await first.logout();

    const answers: string[] = [];
    for (let i = 0; i < 50; i++) {
      const failed = await at()
        .login({ userId, password: `wrong ${i}` })
        .then(
          () => 'ok',
          (err: { code?: string }) => err.code ?? 'other',
        );
      answers.push(failed);
    }
    expect(answers).not.toContain('ok');
    expect(answers.at(-1)).toBe('RATE_LIMITED');

    const stranger = await at()
      .login({ userId, password })
      .catch((err: unknown) => err);
    expect(stranger).toMatchObject({ code: 'RATE_LIMITED' });
    expect((stranger as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);

    const started = Date.now();
    const device = await at(dir).login({ userId, password });
    expect(device.deviceId).toBe(first.deviceId);
    expect(Date.now() - started).toBeLessThan(10_000);
    await device.logout();
    const resumed = await at(dir).resume();
    expect(resumed?.userId).toBe(userId);
    await resumed?.logout();
  });
});

describe('resume failures that are not revocations delete nothing', () => {
  test('NETWORK (unreachable, or aborted by signal): the device stays remembered', async () => {
    const dir = tempDir();
    const { userId, session } = await registerRemembered(dir);
    await session.logout();
    const offline = new Client({ url: running.base, ksf: TEST_KSF, deviceDir: dir, fetch: () => Promise.reject(new TypeError('fetch failed')) });
    await expect(offline.resume()).rejects.toMatchObject({ code: 'NETWORK' });
    const aborted = new AbortController();
    aborted.abort();
    await expect(client(dir).resume({ userId, signal: aborted.signal })).rejects.toMatchObject({ code: 'NETWORK' });
    expect(deviceFiles(dir)).toHaveLength(1);
    const resumed = await client(dir).resume();
    expect(resumed?.deviceId).toBe(session.deviceId);
    await resumed?.logout();
  });

  test("RATE_LIMITED (the device's own bucket emptied by unfinished device logins): retryAfterMs, the device stays remembered", async () => {
    const tight = await startServer({ userLoginLimit: { capacity: 2, refillMs: 60_000 } });
    try {
      const dir = tempDir();
      const userId = newUser();
      const first = await new Client({ url: tight.base, ksf: TEST_KSF, deviceDir: dir }).register({ userId, password, rememberDevice: true });
      await first.logout();
      for (let i = 0; i < 3; i++) await postRaw(tight.base, '/device/login/start', { userId, deviceId: first.deviceId });
      const err = await new Client({ url: tight.base, ksf: TEST_KSF, deviceDir: dir }).resume().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'RATE_LIMITED' });
      expect((err as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
      expect(deviceFiles(dir)).toHaveLength(1);
    } finally {
      await tight.close();
    }
  });
});

describe('remembering fails or crashes half-way', () => {
  test('a local entry the server never learnt (a crash right after step 1): resume is null and deletes it', async () => {
    const dir = tempDir();
    const userId = newUser();
    await (await client(undefined).register({ userId, password })).logout();
    const planted = { userId, deviceId: 'AAAAAAAAAAAAAAAAAAAAAA', secret: randomBytes(32), rootCheck: randomBytes(32) };
    await (await localDevices(running.base, { kind: 'dir', dir })).save(planted);
    expect(deviceFiles(dir)).toHaveLength(1);
    expect(await client(dir).resume()).toBeNull();
    expect(deviceFiles(dir)).toEqual([]);
  });

  /** A fetch that fails requests matching `when` (and, once `crashed`, every later one), as a dropped connection would. */
  function failing(when: (request: Request) => boolean, crashAfter: boolean): { fetch: (request: Request) => Promise<Response>; crashed: () => boolean } {
    let crashed = false;
    return {
      fetch: async (request) => {
        if (crashed || when(request)) {
          crashed ||= crashAfter;
          throw new TypeError('fetch failed');
        }
        return fetch(request);
      },
      crashed: () => crashed,
    };
  }

  const steps: [string, (request: Request) => boolean][] = [
    ['registry write', (r) => r.method === 'PUT' && r.url.endsWith('/blobs/_zv/devices')],
    ['slot write', (r) => r.method === 'PUT' && r.url.includes('/blobs/_zv/device-slot.')],
    ['POST /devices', (r) => r.method === 'POST' && r.url.endsWith('/devices')],
  ];

  for (const [step, when] of steps) {
    test(`a failure at the ${step}: the login fails, nothing stays, the password still works`, async () => {
      const dir = tempDir();
      const userId = newUser();
      await (await client(undefined).register({ userId, password })).logout();
      const { fetch: broken } = failing(when, false);
      const c = new Client({ url: running.base, ksf: TEST_KSF, deviceDir: dir, fetch: broken });
      await expect(c.login({ userId, password, rememberDevice: true })).rejects.toMatchObject({ code: 'NETWORK' });
      expect(deviceFiles(dir)).toEqual([]);
      const again = await client(undefined).login({ userId, password });
      expect(await again.devices()).toEqual([]);
      const slots = await running.store.blobs(userId).list('_zv');
      expect(slots.items.filter((i) => i.id.startsWith('device-slot.'))).toEqual([]);
      await again.logout();
    });

    test(`a crash at the ${step} (the server-side undo never runs): leftovers are inert, remembering again works`, async () => {
      const dir = tempDir();
      const userId = newUser();
      await (await client(undefined).register({ userId, password })).logout();
      const { fetch: broken } = failing(when, true);
      const c = new Client({ url: running.base, ksf: TEST_KSF, deviceDir: dir, fetch: broken });
      await expect(c.login({ userId, password, rememberDevice: true })).rejects.toMatchObject({ code: 'NETWORK' });
      // What the crash may leave on the server (a registry entry, a slot) belongs to no device the server knows.
      const again = await client(dir).login({ userId, password, rememberDevice: true });
      expect((await again.devices()).map((d) => [d.id, d.verified])).toEqual([[again.deviceId, true]]);
      await again.logout();
      expect((await client(dir).resume())?.deviceId).toBe(again.deviceId);
    });
  }
});
