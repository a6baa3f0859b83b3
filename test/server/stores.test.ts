/**
 * Every server store passes the same conformance suite: the BlobStore suite
 * on its per-user blob half, and the account/session/nonce/bucket contract.
 * PostgreSQL runs against a real server (`.ci/run` starts one and sets
 * ZEROVAULT_PG_URL); without it the suite is skipped loudly, and under CI its
 * absence is a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { createServer, createServerSetup, memoryServerStore, type DeviceStore, type ServerStore, type SharingStore, type StoredDevice } from '../../src/server/index.js';
import { devicesOf } from '../../src/server/device-store.js';
import { mfaOf } from '../../src/server/mfa-store.js';
import { passkeysOf } from '../../src/server/passkey-store.js';
import type { MfaStore, PasskeyStore, StoredPasskey } from '../../src/server/types.js';
import { postgresServerStore } from '../../src/server/postgres.js';
import { sqliteServerStore } from '../../src/server/sqlite.js';
import { IDLE_BUCKET_MS } from '../../src/server/types.js';
import { blobStoreConformance } from '../store/conformance.js';
import { logStoreConformance } from './log-conformance.js';
import { addDevice, deviceLogin, newDevice } from './device-harness.js';
import { BASE, login, register, signed } from './harness.js';

const PG_URL = process.env.ZEROVAULT_PG_URL;
const dirs: string[] = [];
const stores: ServerStore[] = [];

afterAll(async () => {
  for (const store of stores) await store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const owner = (): string => `u-${toBase64url(randomBytes(6))}`;

interface Kind {
  name: string;
  create: () => ServerStore;
}

const kinds: Kind[] = [
  { name: 'memory', create: () => memoryServerStore() },
  {
    name: 'sqlite',
    create: () => {
      const dir = mkdtempSync(join(tmpdir(), 'zv-sqlite-'));
      dirs.push(dir);
      return sqliteServerStore({ path: join(dir, 'zerovault.db') });
    },
  },
];
// One table prefix per run: tests never see another run's rows.
const pgPrefix = `zv_t${Date.now().toString(36)}_`;
if (PG_URL !== undefined) {
  kinds.push({ name: 'postgres', create: () => postgresServerStore({ connectionString: PG_URL, tablePrefix: pgPrefix }) });
} else {
  console.warn('\n!!! SKIPPED: PostgreSQL server store tests (set ZEROVAULT_PG_URL; .ci/run starts a server).\n');
  test.runIf(process.env.CI === 'true')('PostgreSQL is available under CI', () => {
    expect(PG_URL, 'ZEROVAULT_PG_URL must be set in CI').toBeDefined();
  });
}

for (const kind of kinds) {
  const shared = kind.create();
  stores.push(shared);

  blobStoreConformance(`${kind.name} server store, blob half`, async () => ({ store: shared.blobs(owner()) }), {
    propertyRuns: kind.name === 'memory' ? 100 : 25,
  });

  logStoreConformance(kind.name, shared);

  describe(`${kind.name} server store, accounts and sessions`, () => {
    const now = 1_800_000_000_000;

    test('users: create once, read, update', async () => {
      const id = owner();
      expect(await shared.getUserRecord(id)).toBeNull();
      await shared.createUser(id, utf8('record-1'), now);
      await expect(shared.createUser(id, utf8('record-2'), now)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await shared.getUserRecord(id)).toEqual(utf8('record-1'));
      await shared.updateUserRecord(id, utf8('record-3'), now);
      expect(await shared.getUserRecord(id)).toEqual(utf8('record-3'));
      await expect(shared.updateUserRecord(owner(), utf8('x'), now)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    test('pending logins are taken once and expire', async () => {
      const id = toBase64url(randomBytes(16));
      await shared.putPending(id, utf8('state'), now + 1000);
      expect(await shared.takePending(id, now)).toEqual(utf8('state'));
      expect(await shared.takePending(id, now)).toBeNull();
      const expired = toBase64url(randomBytes(16));
      await shared.putPending(expired, utf8('state'), now + 1000);
      expect(await shared.takePending(expired, now + 1000)).toBeNull();
    });

    test('sessions: live, expired, revoked one by one and per user', async () => {
      const user = owner();
      const make = (expiresAt: number) => ({ id: toBase64url(randomBytes(16)), userId: user, sealedMacKey: randomBytes(60), createdAt: now, expiresAt });
      const a = make(now + 1000);
      const b = make(now + 1000);
      const old = make(now - 1);
      for (const s of [a, b, old]) await shared.createSession(s);
      expect(await shared.getSession(a.id, now)).toEqual(a);
      expect(await shared.getSession(old.id, now)).toBeNull();
      await shared.deleteSession(a.id);
      expect(await shared.getSession(a.id, now)).toBeNull();
      expect(await shared.getSession(b.id, now)).toEqual(b);
      await shared.deleteUserSessions(user);
      expect(await shared.getSession(b.id, now)).toBeNull();
    });

    test('sessions: extendSession moves the expiry forward only, and only of a live session', async () => {
      const user = owner();
      const s = { id: toBase64url(randomBytes(16)), userId: user, sealedMacKey: randomBytes(60), createdAt: now, expiresAt: now + 1000 };
      await shared.createSession(s);
      await shared.extendSession(s.id, now + 5000);
      expect(await shared.getSession(s.id, now + 2000)).toEqual({ ...s, expiresAt: now + 5000 });
      // Never backwards (a slower concurrent renewal loses).
      await shared.extendSession(s.id, now + 3000);
      expect((await shared.getSession(s.id, now))?.expiresAt).toBe(now + 5000);
      // An unknown or revoked session is not brought back.
      await shared.extendSession(toBase64url(randomBytes(16)), now + 5000);
      await shared.deleteSession(s.id);
      await shared.extendSession(s.id, now + 9000);
      expect(await shared.getSession(s.id, now)).toBeNull();
    });

    test('nonces are accepted once per session, even concurrently', async () => {
      const session = toBase64url(randomBytes(16));
      const results = await Promise.all(Array.from({ length: 8 }, () => shared.rememberNonce(session, 'n1', now + 1000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await shared.rememberNonce(`${session}x`, 'n1', now + 1000)).toBe(true);
      await shared.purgeExpired(now + 2000);
      expect(await shared.rememberNonce(session, 'n1', now + 3000)).toBe(true);
    });

    test('token buckets: burst, refill, refund, and no double spend under concurrency', async () => {
      const key = `bucket-${owner()}`;
      const policy = { capacity: 3, refillMs: 1000 };
      const burst = await Promise.all(Array.from({ length: 6 }, () => shared.takeToken(key, policy, now)));
      expect(burst.filter((r) => r.allowed)).toHaveLength(3);
      const denied = burst.find((r) => !r.allowed);
      expect(denied?.retryAfterMs).toBe(1000);
      expect((await shared.takeToken(key, policy, now + 1000)).allowed).toBe(true);
      expect((await shared.takeToken(key, policy, now + 1000)).allowed).toBe(false);
      await shared.takeToken(key, policy, now + 1000, -1);
      expect((await shared.takeToken(key, policy, now + 1000)).allowed).toBe(true);
      // Refills never exceed capacity.
      const after = await Promise.all(Array.from({ length: 5 }, () => shared.takeToken(key, policy, now + 100_000)));
      expect(after.filter((r) => r.allowed)).toHaveLength(3);
      // Idle buckets are purged; a purged bucket is a full one.
      const idle = `idle-${owner()}`;
      const slow = { capacity: 1, refillMs: 30 * 24 * 60 * 60 * 1000 };
      expect((await shared.takeToken(idle, slow, now)).allowed).toBe(true);
      expect((await shared.takeToken(idle, slow, now + 1000)).allowed).toBe(false);
      await shared.purgeExpired(now + 1000 + IDLE_BUCKET_MS);
      expect((await shared.takeToken(idle, slow, now + 1000 + IDLE_BUCKET_MS + 1)).allowed).toBe(true);
    });
  });
  describe(`${kind.name} server store, devices`, () => {
    const now = 1_800_000_000_000;
    const devices = (): DeviceStore => {
      const found = devicesOf(shared);
      if (found === null) throw new Error('device methods missing');
      return found;
    };
    const device = (userId: string, createdAt = now, id = toBase64url(randomBytes(16))): StoredDevice => ({
      userId,
      id,
      name: 'Phone ☎',
      signingKey: randomBytes(32),
      createdAt,
      lastSeenAt: createdAt,
      lastAddress: null,
    });
    const session = (userId: string, extra: { deviceId?: string; amr?: readonly string[] } = {}) => ({
      id: toBase64url(randomBytes(16)),
      userId,
      sealedMacKey: randomBytes(60),
      createdAt: now,
      expiresAt: now + 60_000,
      ...extra,
    });

    test('sessions keep their device and amr; without them, neither is set', async () => {
      const user = owner();
      const plain = session(user);
      const bound = session(user, { deviceId: toBase64url(randomBytes(16)), amr: ['swk'] });
      await shared.createSession(plain);
      await shared.createSession(bound);
      const readPlain = await shared.getSession(plain.id, now);
      expect(readPlain).toEqual(plain);
      expect(readPlain && 'deviceId' in readPlain).toBe(false);
      expect(readPlain && 'amr' in readPlain).toBe(false);
      expect(await shared.getSession(bound.id, now)).toEqual(bound);
    });

    test('add, read, list by creation then id, touch; the same id twice is CONFLICT', async () => {
      const store = devices();
      const user = owner();
      const s = session(user);
      await shared.createSession(s);
      const b = device(user, now + 1);
      const a1 = device(user, now, `A${toBase64url(randomBytes(16)).slice(1)}`);
      const a2 = device(user, now, `B${toBase64url(randomBytes(16)).slice(1)}`);
      await store.addDevice(b, s.id, 32);
      await store.addDevice(a2, toBase64url(randomBytes(16)), 32);
      await store.addDevice(a1, toBase64url(randomBytes(16)), 32);
      expect((await shared.getSession(s.id, now))?.deviceId).toBe(b.id);
      expect(await store.getDevice(user, b.id)).toEqual(b);
      expect(await store.getDevice(owner(), b.id)).toBeNull();
      expect((await store.listDevices(user)).map((d) => d.id)).toEqual([a1.id, a2.id, b.id]);
      await expect(store.addDevice({ ...b, name: 'again' }, s.id, 32)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.getDevice(user, b.id))?.name).toBe(b.name);
      await store.touchDevice(user, b.id, now + 50, '2001:db8::1');
      expect(await store.getDevice(user, b.id)).toEqual({ ...b, lastSeenAt: now + 50, lastAddress: '2001:db8::1' });
      await store.touchDevice(user, toBase64url(randomBytes(16)), now, null);
      expect(await store.listDevices(owner())).toEqual([]);
    });

    test('binding never reaches another user\'s session', async () => {
      const store = devices();
      const mine = owner();
      const theirs = session(owner());
      await shared.createSession(theirs);
      await store.addDevice(device(mine), theirs.id, 32);
      expect((await shared.getSession(theirs.id, now))?.deviceId).toBeUndefined();
    });

    test('the device cap holds, even for concurrent adds', async () => {
      const store = devices();
      const user = owner();
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => store.addDevice(device(user), toBase64url(randomBytes(16)), 3)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
      expect(await store.listDevices(user)).toHaveLength(3);
    });

    test('deleting a device deletes exactly the sessions bound to it', async () => {
      const store = devices();
      const user = owner();
      const d = device(user);
      const other = device(user);
      const registering = session(user);
      await shared.createSession(registering);
      await store.addDevice(d, registering.id, 32);
      await store.addDevice(other, toBase64url(randomBytes(16)), 32);
      const resumed = session(user, { deviceId: d.id, amr: ['swk'] });
      const onOther = session(user, { deviceId: other.id, amr: ['swk'] });
      const unbound = session(user);
      const stranger = session(owner(), { deviceId: d.id });
      for (const x of [resumed, onOther, unbound, stranger]) await shared.createSession(x);
      expect(await store.deleteDevice(user, d.id)).toBe(true);
      expect(await store.getDevice(user, d.id)).toBeNull();
      expect(await shared.getSession(registering.id, now)).toBeNull();
      expect(await shared.getSession(resumed.id, now)).toBeNull();
      expect(await shared.getSession(onOther.id, now)).not.toBeNull();
      expect(await shared.getSession(unbound.id, now)).not.toBeNull();
      expect(await shared.getSession(stranger.id, now)).not.toBeNull();
      expect(await store.deleteDevice(user, d.id)).toBe(false);
      expect((await store.listDevices(user)).map((x) => x.id)).toEqual([other.id]);
    });
  });

  describe(`${kind.name} server store, second factors`, () => {
    const now = 1_800_000_000_000;
    const mfa = (): MfaStore => {
      const found = mfaOf(shared);
      if (found === null) throw new Error('MFA methods missing');
      return found;
    };
    const session = (userId: string, extra: { mfa?: 'mfa' | 'enroll'; amr?: readonly string[] } = {}) => ({
      id: toBase64url(randomBytes(16)),
      userId,
      sealedMacKey: randomBytes(60),
      createdAt: now,
      expiresAt: now + 60_000,
      ...extra,
    });

    test('a TOTP secret is unconfirmed until confirmed (which spends its step); a confirmed one is not replaced', async () => {
      const store = mfa();
      const user = owner();
      expect(await store.getMfa(user)).toBeNull();
      expect(await store.confirmTotp(user, 5, now)).toBe(false);
      expect(await store.useTotpStep(user, 5)).toBe(false);
      await store.putTotpSecret(user, utf8('sealed-1'), now);
      await store.putTotpSecret(user, utf8('sealed-2'), now);
      expect(await store.getMfa(user)).toEqual({ sealedTotpSecret: utf8('sealed-2'), totpConfirmed: false, totpLastStep: null, strict: false, recoveryCodesLeft: 0 });
      expect(await store.useTotpStep(user, 5)).toBe(false); // not confirmed yet
      expect(await store.setStrict(user, true)).toBe(false);
      expect(await store.confirmTotp(user, 7, now)).toBe(true);
      expect(await store.confirmTotp(user, 8, now)).toBe(false);
      expect(await store.getMfa(user)).toEqual({ sealedTotpSecret: utf8('sealed-2'), totpConfirmed: true, totpLastStep: 7, strict: false, recoveryCodesLeft: 0 });
      await expect(store.putTotpSecret(user, utf8('sealed-3'), now)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.getMfa(user))?.sealedTotpSecret).toEqual(utf8('sealed-2'));
    });

    test('a TOTP step is used once, only forward, even concurrently', async () => {
      const store = mfa();
      const user = owner();
      await store.putTotpSecret(user, utf8('s'), now);
      await store.confirmTotp(user, 100, now);
      expect(await store.useTotpStep(user, 100)).toBe(false);
      expect(await store.useTotpStep(user, 99)).toBe(false);
      const race = await Promise.all(Array.from({ length: 8 }, () => store.useTotpStep(user, 101)));
      expect(race.filter(Boolean)).toHaveLength(1);
      expect(await store.useTotpStep(user, 103)).toBe(true);
      expect(await store.useTotpStep(user, 102)).toBe(false);
      expect((await store.getMfa(user))?.totpLastStep).toBe(103);
    });

    test('strict mode needs a confirmed secret; deleting TOTP turns it off and keeps the recovery codes', async () => {
      const store = mfa();
      const user = owner();
      await store.putTotpSecret(user, utf8('s'), now);
      await store.confirmTotp(user, 1, now);
      await store.replaceRecoveryCodes(user, [randomBytes(32)], now);
      expect(await store.setStrict(user, true)).toBe(true);
      expect((await store.getMfa(user))?.strict).toBe(true);
      await store.deleteTotp(user);
      expect(await store.getMfa(user)).toEqual({ sealedTotpSecret: null, totpConfirmed: false, totpLastStep: null, strict: false, recoveryCodesLeft: 1 });
      expect(await store.setStrict(user, true)).toBe(false);
      expect(await store.useTotpStep(user, 2)).toBe(false);
      // Enrolling again starts over.
      await store.putTotpSecret(user, utf8('t'), now);
      expect(await store.confirmTotp(user, 1, now)).toBe(true);
    });

    test('recovery codes: replaced as a set, each used once, even concurrently, and per user', async () => {
      const store = mfa();
      const user = owner();
      const old = [randomBytes(32), randomBytes(32)];
      await store.replaceRecoveryCodes(user, old, now);
      const fresh = Array.from({ length: 10 }, () => randomBytes(32));
      await store.replaceRecoveryCodes(user, fresh, now);
      expect((await store.getMfa(user))?.recoveryCodesLeft).toBe(10);
      expect(await store.useRecoveryCode(user, old[0] as Uint8Array)).toBe(false);
      expect(await store.useRecoveryCode(owner(), fresh[0] as Uint8Array)).toBe(false);
      const race = await Promise.all(Array.from({ length: 6 }, () => store.useRecoveryCode(user, fresh[0] as Uint8Array)));
      expect(race.filter(Boolean)).toHaveLength(1);
      expect((await store.getMfa(user))?.recoveryCodesLeft).toBe(9);
      await store.replaceRecoveryCodes(user, [], now);
      expect(await store.getMfa(user)).toBeNull();
    });

    test('sessions keep their pending state; tries are counted up to the limit, even concurrently', async () => {
      const store = mfa();
      const user = owner();
      const pending = session(user, { mfa: 'mfa', amr: ['pwd'] });
      const enrolling = session(user, { mfa: 'enroll' });
      await shared.createSession(pending);
      await shared.createSession(enrolling);
      expect(await shared.getSession(pending.id, now)).toEqual(pending);
      expect(await shared.getSession(enrolling.id, now)).toEqual(enrolling);
      const tries = await Promise.all(Array.from({ length: 8 }, () => store.countMfaTry(pending.id, 5)));
      expect(tries.filter((t) => t !== null).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(await store.countMfaTry(pending.id, 5)).toBeNull();
      expect(await store.countMfaTry(toBase64url(randomBytes(16)), 5)).toBeNull();
      expect(await store.countMfaTry(enrolling.id, 5)).toBe(1);
    });

    test('completeMfa makes a session full, sets its amr, and never shortens it', async () => {
      const store = mfa();
      const user = owner();
      const pending = session(user, { mfa: 'mfa', amr: ['pwd'] });
      await shared.createSession(pending);
      expect(await store.completeMfa(pending.id, ['pwd', 'otp'], now + 3_600_000)).toBe(now + 3_600_000);
      const full = await shared.getSession(pending.id, now);
      expect(full).toEqual({ ...pending, mfa: undefined, amr: ['pwd', 'otp'], expiresAt: now + 3_600_000 });
      expect(full !== null && 'mfa' in full).toBe(false);
      expect(await store.completeMfa(pending.id, ['pwd', 'otp'], now + 1000)).toBe(now + 3_600_000);
      expect(await store.completeMfa(toBase64url(randomBytes(16)), ['pwd'], now)).toBeNull();
      await shared.deleteSession(pending.id);
      expect(await store.completeMfa(pending.id, ['pwd', 'otp'], now)).toBeNull();
    });
  });

  describe(`${kind.name} server store, passkeys`, () => {
    const now = 1_800_000_000_000;
    const passkeys = (): PasskeyStore => {
      const found = passkeysOf(shared);
      if (found === null) throw new Error('passkey methods missing');
      return found;
    };
    const passkey = (userId: string, createdAt = now, id = toBase64url(randomBytes(16))): StoredPasskey => ({
      userId,
      id,
      name: 'Security key 🔑',
      publicKey: randomBytes(77),
      userHandle: toBase64url(randomBytes(32)),
      counter: 0,
      transports: ['internal', 'hybrid'],
      createdAt,
      lastSeenAt: createdAt,
      lastAddress: null,
    });
    const session = (userId: string, extra: { passkeyId?: string; amr?: readonly string[] } = {}) => ({
      id: toBase64url(randomBytes(16)),
      userId,
      sealedMacKey: randomBytes(60),
      createdAt: now,
      expiresAt: now + 60_000,
      ...extra,
    });

    test('sessions keep their passkey; without one, none is set', async () => {
      const user = owner();
      const plain = session(user);
      const bound = session(user, { passkeyId: toBase64url(randomBytes(16)), amr: ['hwk', 'user'] });
      await shared.createSession(plain);
      await shared.createSession(bound);
      const readPlain = await shared.getSession(plain.id, now);
      expect(readPlain && 'passkeyId' in readPlain).toBe(false);
      expect(await shared.getSession(bound.id, now)).toEqual(bound);
    });

    test('add, read by credential id, list by creation then id; a credential id is unique across users; the cap holds', async () => {
      const store = passkeys();
      const user = owner();
      const b = passkey(user, now + 1);
      const a1 = passkey(user, now, `A${toBase64url(randomBytes(16)).slice(1)}`);
      const a2 = passkey(user, now, `B${toBase64url(randomBytes(16)).slice(1)}`);
      for (const p of [b, a2, a1]) await store.addPasskey(p, 32);
      expect(await store.getPasskey(b.id)).toEqual(b);
      expect((await store.listPasskeys(user)).map((p) => p.id)).toEqual([a1.id, a2.id, b.id]);
      await expect(store.addPasskey({ ...passkey(owner()), id: b.id }, 32)).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(store.addPasskey(passkey(user), 3)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.listPasskeys(user)).toHaveLength(3);
      expect(await store.getPasskey(toBase64url(randomBytes(16)))).toBeNull();
      const none = passkey(owner());
      await store.addPasskey({ ...none, transports: [] }, 32);
      expect((await store.getPasskey(none.id))?.transports).toEqual([]);
    });

    test('the cap holds for concurrent adds', async () => {
      const store = passkeys();
      const user = owner();
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => store.addPasskey(passkey(user), 3)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
      expect(await store.listPasskeys(user)).toHaveLength(3);
    });

    test('usePasskey writes only a growing counter (or 0 after 0), with when and where', async () => {
      const store = passkeys();
      const zero = passkey(owner());
      await store.addPasskey(zero, 32);
      expect(await store.usePasskey(zero.id, 0, now + 5, '192.0.2.9')).toBe(true);
      expect(await store.getPasskey(zero.id)).toMatchObject({ counter: 0, lastSeenAt: now + 5, lastAddress: '192.0.2.9' });
      expect(await store.usePasskey(zero.id, 7, now + 6, null)).toBe(true);
      expect(await store.usePasskey(zero.id, 7, now + 7, null)).toBe(false);
      expect(await store.usePasskey(zero.id, 6, now + 7, null)).toBe(false);
      expect(await store.usePasskey(zero.id, 0, now + 7, null)).toBe(false);
      expect(await store.getPasskey(zero.id)).toMatchObject({ counter: 7, lastSeenAt: now + 6, lastAddress: null });
      expect(await store.usePasskey(toBase64url(randomBytes(16)), 1, now, null)).toBe(false);
      // Two logins racing with the same counter: one wins.
      const raced = await Promise.all([store.usePasskey(zero.id, 9, now + 8, null), store.usePasskey(zero.id, 9, now + 8, null)]);
      expect(raced.filter(Boolean)).toHaveLength(1);
    });

    test("deleting a passkey deletes exactly the sessions bound to it, and only its owner's", async () => {
      const store = passkeys();
      const user = owner();
      const p = passkey(user);
      const other = passkey(user);
      await store.addPasskey(p, 32);
      await store.addPasskey(other, 32);
      const bound = session(user, { passkeyId: p.id, amr: ['hwk', 'user'] });
      const onOther = session(user, { passkeyId: other.id, amr: ['hwk', 'user'] });
      const unbound = session(user);
      for (const x of [bound, onOther, unbound]) await shared.createSession(x);
      expect(await store.deletePasskey(owner(), p.id)).toBe(false);
      expect(await shared.getSession(bound.id, now)).not.toBeNull();
      expect(await store.deletePasskey(user, p.id)).toBe(true);
      expect(await store.getPasskey(p.id)).toBeNull();
      expect(await shared.getSession(bound.id, now)).toBeNull();
      expect(await shared.getSession(onOther.id, now)).not.toBeNull();
      expect(await shared.getSession(unbound.id, now)).not.toBeNull();
      expect(await store.deletePasskey(user, p.id)).toBe(false);
    });
  });

  describe(`${kind.name} server store, sharing`, () => {
    const now = 1_800_000_000_000;
    const sharing = (): SharingStore => {
      const { appendKeyEvent, getKeyEvents, putGrant, getGrant, deleteGrant, listGrantsByOwner, listGrantsForGrantee } = shared;
      if (!appendKeyEvent || !getKeyEvents || !putGrant || !getGrant || !deleteGrant || !listGrantsByOwner || !listGrantsForGrantee) {
        throw new Error('sharing methods missing');
      }
      return shared as SharingStore;
    };

    test('key logs: append only the next number, once, even concurrently', async () => {
      const store = sharing();
      const user = owner();
      expect(await store.getKeyEvents(user)).toEqual([]);
      await expect(store.appendKeyEvent(user, 2, utf8('e2'), now)).rejects.toMatchObject({ code: 'CONFLICT' });
      await store.appendKeyEvent(user, 1, utf8('e1'), now);
      const race = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store.appendKeyEvent(user, 2, utf8(`e2-${i}`), now)));
      expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of race) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
      const log = await store.getKeyEvents(user);
      expect(log).toHaveLength(2);
      expect(log[0]).toEqual(utf8('e1'));
      await expect(store.appendKeyEvent(user, 1, utf8('again'), now)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.getKeyEvents(owner())).toEqual([]);
    });

    test('grants: create, replace, list in byte order, delete', async () => {
      const store = sharing();
      const o = owner();
      const grantees = [`${o}-b`, `${o}-a`, `${o}-\u00e9`, `${o}-Z`];
      for (const [i, grantee] of grantees.entries()) {
        await store.putGrant({ owner: o, vault: 'v', grantee, role: i % 2 === 0 ? 'read' : 'write', data: utf8(`g${i}`), updatedAt: now });
      }
      await store.putGrant({ owner: o, vault: 'w', grantee: grantees[0] as string, role: 'write', data: utf8('other'), updatedAt: now });
      const listed = await store.listGrantsByOwner(o, 'v');
      expect(listed.map((g) => g.grantee)).toEqual([...grantees].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      expect(listed.find((g) => g.grantee === grantees[1])).toEqual({ owner: o, vault: 'v', grantee: grantees[1], role: 'write', data: utf8('g1'), updatedAt: now, grantedAt: now });
      await store.putGrant({ owner: o, vault: 'v', grantee: grantees[1] as string, role: 'read', data: utf8('g1b'), updatedAt: now + 1 });
      // Replacing keeps when it was first granted.
      expect(await store.getGrant(o, 'v', grantees[1] as string)).toEqual({ owner: o, vault: 'v', grantee: grantees[1], role: 'read', data: utf8('g1b'), updatedAt: now + 1, grantedAt: now });
      expect((await store.listGrantsForGrantee(grantees[0] as string)).map((g) => [g.owner, g.vault, g.role])).toEqual([
        [o, 'v', 'read'],
        [o, 'w', 'write'],
      ]);
      expect(await store.getGrant(o, 'x', grantees[0] as string)).toBeNull();
      expect(await store.deleteGrant(o, 'v', grantees[0] as string)).toBe(true);
      expect(await store.deleteGrant(o, 'v', grantees[0] as string)).toBe(false);
      expect(await store.getGrant(o, 'v', grantees[0] as string)).toBeNull();
      expect(await store.listGrantsByOwner(o, 'v')).toHaveLength(3);
    });

    test('grants: expiry is set, kept on a re-grant with keepExpiry, replaced or lifted otherwise', async () => {
      const store = sharing();
      const o = owner();
      const g = `${o}-g`;
      const base = { owner: o, vault: 'v', grantee: g, role: 'read' as const, data: utf8('g'), updatedAt: now };
      await store.putGrant({ ...base, expiresAt: now + 1000 });
      expect(await store.getGrant(o, 'v', g)).toEqual({ ...base, grantedAt: now, expiresAt: now + 1000 });
      // A re-grant after a rotation keeps the expiry, even when it names none.
      await store.putGrant({ ...base, data: utf8('g2'), updatedAt: now + 5 }, { keepExpiry: true });
      expect(await store.getGrant(o, 'v', g)).toEqual({ ...base, data: utf8('g2'), updatedAt: now + 5, grantedAt: now, expiresAt: now + 1000 });
      // A new grant with keepExpiry takes its own expiry.
      await store.putGrant({ ...base, grantee: `${g}2`, expiresAt: now + 7 }, { keepExpiry: true });
      expect((await store.getGrant(o, 'v', `${g}2`))?.expiresAt).toBe(now + 7);
      // Sharing again sets a new one, or none.
      await store.putGrant({ ...base, expiresAt: now + 2000, updatedAt: now + 6 });
      expect((await store.getGrant(o, 'v', g))?.expiresAt).toBe(now + 2000);
      await store.putGrant({ ...base, updatedAt: now + 7 });
      const lifted = await store.getGrant(o, 'v', g);
      expect(lifted).not.toHaveProperty('expiresAt');
      expect(lifted?.grantedAt).toBe(now);
      expect((await store.listGrantsForGrantee(`${g}2`)).map((x) => x.expiresAt)).toEqual([now + 7]);
    });

    test('grants: lastAccessAt is written at most once per interval, and kept when the grant is replaced', async () => {
      const store = sharing();
      const touch = store.touchGrant?.bind(store);
      if (touch === undefined) throw new Error('touchGrant missing');
      const o = owner();
      const g = `${o}-t`;
      await store.putGrant({ owner: o, vault: 'v', grantee: g, role: 'read', data: utf8('g'), updatedAt: now });
      expect(await store.getGrant(o, 'v', g)).not.toHaveProperty('lastAccessAt');
      await touch(o, 'v', g, now + 10, 60_000);
      expect((await store.getGrant(o, 'v', g))?.lastAccessAt).toBe(now + 10);
      await touch(o, 'v', g, now + 30_000, 60_000);
      expect((await store.getGrant(o, 'v', g))?.lastAccessAt).toBe(now + 10);
      await touch(o, 'v', g, now + 60_010, 60_000);
      expect((await store.getGrant(o, 'v', g))?.lastAccessAt).toBe(now + 60_010);
      await store.putGrant({ owner: o, vault: 'v', grantee: g, role: 'write', data: utf8('g2'), updatedAt: now + 70_000 });
      expect((await store.getGrant(o, 'v', g))?.lastAccessAt).toBe(now + 60_010);
      // Nothing for a grant that is gone.
      await touch(o, 'v', `${g}-none`, now, 60_000);
      expect(await store.getGrant(o, 'v', `${g}-none`)).toBeNull();
    });
  });
}

describe.runIf(PG_URL !== undefined)('scale-out: two stateless servers on one PostgreSQL', () => {
  test('a login on one server is a session on the other; versions hold across both', async () => {
    const setup = createServerSetup();
    const prefix = `${pgPrefix}x_`;
    const a = createServer({ setup, store: postgresServerStore({ connectionString: PG_URL as string, tablePrefix: prefix }), basePath: '/zv' });
    const storeB = postgresServerStore({ connectionString: PG_URL as string, tablePrefix: prefix });
    const b = createServer({ setup, store: storeB, basePath: '/zv' });
    stores.push(storeB);
    expect((await register(a, 'zoe', 'pw')).status).toBe(201);
    const session = await login(b, 'zoe', 'pw');
    const body = { data: toBase64url(utf8('hello')) };
    expect((await a.fetch(signed(session, 'PUT', '/blobs/v/r', { body, headers: { 'if-none-match': '*' } }))).status).toBe(201);
    expect((await b.fetch(signed(session, 'PUT', '/blobs/v/r', { body, headers: { 'if-none-match': '*' } }))).status).toBe(412);
    const replayed = signed(session, 'GET', '/blobs/v/r');
    expect((await a.fetch(replayed.clone())).status).toBe(200);
    expect((await b.fetch(replayed)).status).toBe(401);
    expect(BASE).toContain('/zv');
  });

  test('a device revoked on one server ends its sessions on the other at once (401 CLOSED)', async () => {
    const setup = createServerSetup();
    const prefix = `${pgPrefix}d_`;
    const storeA = postgresServerStore({ connectionString: PG_URL as string, tablePrefix: prefix });
    const storeB = postgresServerStore({ connectionString: PG_URL as string, tablePrefix: prefix });
    stores.push(storeA, storeB);
    const a = createServer({ setup, store: storeA, basePath: '/zv' });
    const b = createServer({ setup, store: storeB, basePath: '/zv' });
    expect((await register(a, 'yan', 'pw')).status).toBe(201);
    const session = await login(a, 'yan', 'pw');
    const device = newDevice();
    expect((await addDevice(a, session, device)).status).toBe(201);
    const resumed = await deviceLogin(b, 'yan', device);
    expect((await b.fetch(signed(resumed, 'GET', '/blobs/v'))).status).toBe(200);
    const admin = await login(b, 'yan', 'pw');
    expect((await a.fetch(signed(admin, 'DELETE', `/devices/${device.id}`))).status).toBe(204);
    const refused = await b.fetch(signed(resumed, 'GET', '/blobs/v'));
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('CLOSED');
  });
});
