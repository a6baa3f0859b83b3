/**
 * Databases created before devices (sessions without `device_id` and `amr`,
 * no devices table), before second factors (sessions without `mfa` and
 * `mfa_tries`, no MFA tables), or before passkeys (sessions without
 * `passkey_id`, no passkeys table), or before grant expiry (grants without
 * `granted_at`, `expires_at` and `last_access_at`) are upgraded in place when the new store
 * opens them: old sessions read as full password sessions without a device,
 * and every device, MFA and passkey method works. The old schemas below are
 * frozen copies of what earlier versions created; they must never be edited.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { toBase64url } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { devicesOf } from '../../src/server/device-store.js';
import { passkeysOf } from '../../src/server/passkey-store.js';
import { mfaOf } from '../../src/server/mfa-store.js';
import { logOf } from '../../src/server/log-store.js';
import { postgresServerStore } from '../../src/server/postgres.js';
import { sqliteServerStore } from '../../src/server/sqlite.js';
import type { ServerStore } from '../../src/server/types.js';

const PG_URL = process.env.ZEROVAULT_PG_URL;
const now = 1_800_000_000_000;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The SQLite schema before devices (frozen). */
const SQLITE_V1 = `
CREATE TABLE IF NOT EXISTS zv_users (user_id TEXT PRIMARY KEY, record BLOB NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS zv_pending (id TEXT PRIMARY KEY, data BLOB NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS zv_sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, sealed_mac_key BLOB NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS zv_sessions_user ON zv_sessions (user_id);
CREATE TABLE IF NOT EXISTS zv_nonces (session_id TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (session_id, nonce));
CREATE TABLE IF NOT EXISTS zv_buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS zv_blobs (owner TEXT NOT NULL, vault TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, data BLOB, deleted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (owner, vault, id));
CREATE TABLE IF NOT EXISTS zv_key_events (user_id TEXT NOT NULL, seq INTEGER NOT NULL, event BLOB NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (user_id, seq));
CREATE TABLE IF NOT EXISTS zv_grants (owner TEXT NOT NULL, vault TEXT NOT NULL, grantee TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('read', 'write')), data BLOB NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (owner, vault, grantee));
CREATE INDEX IF NOT EXISTS zv_grants_grantee ON zv_grants (grantee, owner, vault);
`;

/** The PostgreSQL schema before devices (frozen), for table prefix `p`. */
const postgresV1 = (p: string): string => `
CREATE TABLE IF NOT EXISTS ${p}users (user_id TEXT COLLATE "C" PRIMARY KEY, record BYTEA NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ${p}pending (id TEXT PRIMARY KEY, data BYTEA NOT NULL, expires_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ${p}sessions (id TEXT PRIMARY KEY, user_id TEXT COLLATE "C" NOT NULL, sealed_mac_key BYTEA NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS ${p}sessions_user ON ${p}sessions (user_id);
CREATE TABLE IF NOT EXISTS ${p}nonces (session_id TEXT NOT NULL, nonce TEXT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (session_id, nonce));
CREATE TABLE IF NOT EXISTS ${p}buckets (key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ${p}blobs (owner TEXT COLLATE "C" NOT NULL, vault TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, version BIGINT NOT NULL, data BYTEA, deleted BOOLEAN NOT NULL DEFAULT FALSE, PRIMARY KEY (owner, vault, id));
CREATE TABLE IF NOT EXISTS ${p}key_events (user_id TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL, event BYTEA NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (user_id, seq));
CREATE TABLE IF NOT EXISTS ${p}grants (owner TEXT COLLATE "C" NOT NULL, vault TEXT COLLATE "C" NOT NULL, grantee TEXT COLLATE "C" NOT NULL, role TEXT NOT NULL CHECK (role IN ('read', 'write')), data BYTEA NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (owner, vault, grantee));
CREATE INDEX IF NOT EXISTS ${p}grants_grantee ON ${p}grants (grantee, owner, vault);
`;

/** The SQLite schema after devices, before second factors (frozen). */
const SQLITE_V2 = `${SQLITE_V1}
ALTER TABLE zv_sessions ADD COLUMN device_id TEXT;
ALTER TABLE zv_sessions ADD COLUMN amr TEXT;
CREATE INDEX IF NOT EXISTS zv_sessions_device ON zv_sessions (user_id, device_id);
CREATE TABLE IF NOT EXISTS zv_devices (user_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, signing_key BLOB NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, last_address TEXT, PRIMARY KEY (user_id, id));
`;

/** The PostgreSQL schema after devices, before second factors (frozen), for table prefix `p`. */
const postgresV2 = (p: string): string => `${postgresV1(p)}
ALTER TABLE ${p}sessions ADD COLUMN IF NOT EXISTS device_id TEXT COLLATE "C";
ALTER TABLE ${p}sessions ADD COLUMN IF NOT EXISTS amr TEXT;
CREATE INDEX IF NOT EXISTS ${p}sessions_device ON ${p}sessions (user_id, device_id);
CREATE TABLE IF NOT EXISTS ${p}devices (user_id TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, name TEXT NOT NULL, signing_key BYTEA NOT NULL, created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL, last_address TEXT, PRIMARY KEY (user_id, id));
`;

const OLD_SESSION = { id: 'old-session-0000000000', userId: 'alice', sealedMacKey: Uint8Array.of(1, 2, 3), createdAt: now, expiresAt: now + 60_000 };

/** What must hold of a store opened on an upgraded database. */
async function checkUpgraded(store: ServerStore): Promise<void> {
  const old = await store.getSession(OLD_SESSION.id, now);
  expect(old).toEqual(OLD_SESSION);
  expect(old !== null && ('deviceId' in old || 'amr' in old || 'mfa' in old || 'passkeyId' in old)).toBe(false);
  const mfa = mfaOf(store);
  if (mfa === null) throw new Error('MFA methods missing');
  // An old session counts tries like any other, and the MFA tables exist.
  expect(await mfa.countMfaTry(OLD_SESSION.id, 5)).toBe(1);
  await mfa.putTotpSecret('alice', Uint8Array.of(1), now);
  expect(await mfa.confirmTotp('alice', 3, now)).toBe(true);
  await mfa.replaceRecoveryCodes('alice', [Uint8Array.of(2)], now);
  expect(await mfa.getMfa('alice')).toMatchObject({ totpConfirmed: true, totpLastStep: 3, recoveryCodesLeft: 1 });
  const pending = { id: toBase64url(randomBytes(16)), userId: 'alice', sealedMacKey: randomBytes(60), createdAt: now, expiresAt: now + 1000, amr: ['pwd'], mfa: 'mfa' as const };
  await store.createSession(pending);
  expect(await store.getSession(pending.id, now)).toEqual(pending);
  const devices = devicesOf(store);
  if (devices === null) throw new Error('device methods missing');
  const deviceId = toBase64url(randomBytes(16));
  await devices.addDevice(
    { userId: 'alice', id: deviceId, name: 'Phone', signingKey: randomBytes(32), createdAt: now, lastSeenAt: now, lastAddress: null },
    OLD_SESSION.id,
    32,
  );
  expect((await store.getSession(OLD_SESSION.id, now))?.deviceId).toBe(deviceId);
  const resumed = { id: toBase64url(randomBytes(16)), userId: 'alice', sealedMacKey: randomBytes(60), createdAt: now, expiresAt: now + 1000, deviceId, amr: ['swk'] };
  await store.createSession(resumed);
  expect(await store.getSession(resumed.id, now)).toEqual(resumed);
  expect(await devices.deleteDevice('alice', deviceId)).toBe(true);
  expect(await store.getSession(OLD_SESSION.id, now)).toBeNull();
  expect(await store.getSession(resumed.id, now)).toBeNull();
  expect(await store.getUserRecord('alice')).toEqual(Uint8Array.of(9));
  // Passkeys came later still: their table and the sessions' passkey column are added in place too.
  const passkeys = passkeysOf(store);
  if (passkeys === null) throw new Error('passkey methods missing');
  const passkeyId = toBase64url(randomBytes(16));
  await passkeys.addPasskey(
    { userId: 'alice', id: passkeyId, name: 'Key', publicKey: randomBytes(77), userHandle: toBase64url(randomBytes(32)), counter: 0, transports: [], createdAt: now, lastSeenAt: now, lastAddress: null },
    32,
  );
  const byPasskey = { id: toBase64url(randomBytes(16)), userId: 'alice', sealedMacKey: randomBytes(60), createdAt: now, expiresAt: now + 1000, passkeyId, amr: ['hwk', 'user'] };
  await store.createSession(byPasskey);
  expect(await store.getSession(byPasskey.id, now)).toEqual(byPasskey);
  expect(await passkeys.deletePasskey('alice', passkeyId)).toBe(true);
  expect(await store.getSession(byPasskey.id, now)).toBeNull();
  // The security log came later still: its table is created in place.
  const log = logOf(store);
  if (log === null) throw new Error('log methods missing');
  await log.appendLogEntry('alice', 1, Uint8Array.of(7), now);
  expect(await log.getLogEntries('alice', 0, 10)).toEqual([{ seq: 1, entry: Uint8Array.of(7) }]);
}

/** An access grant stored before grant expiry and access review. */
const OLD_GRANT = { owner: 'alice', vault: 'notes', grantee: 'bob', role: 'read' as const, data: Uint8Array.of(7, 7), updatedAt: now - 5000 };

/** What must hold of the grants of an upgraded database: the old row reads as granted at its last write, without expiry; expiry and access times work. */
async function checkGrantsUpgraded(store: ServerStore): Promise<void> {
  expect(await store.getGrant?.('alice', 'notes', 'bob')).toEqual({ ...OLD_GRANT, grantedAt: OLD_GRANT.updatedAt });
  await store.putGrant?.({ ...OLD_GRANT, data: Uint8Array.of(8), updatedAt: now, expiresAt: now + 1000 });
  await store.touchGrant?.('alice', 'notes', 'bob', now + 1, 60_000);
  expect(await store.getGrant?.('alice', 'notes', 'bob')).toEqual({ ...OLD_GRANT, data: Uint8Array.of(8), updatedAt: now, grantedAt: OLD_GRANT.updatedAt, expiresAt: now + 1000, lastAccessAt: now + 1 });
}

describe.each([
  ['before devices', SQLITE_V1],
  ['before second factors', SQLITE_V2],
])('SQLite: a database of the schema %s is upgraded in place', (_name, oldSchema) => {
  test('old rows read as before, device and MFA methods work, and a second open changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zv-migrate-'));
    dirs.push(dir);
    const path = join(dir, 'old.db');
    const db = new Database(path);
    db.exec(oldSchema);
    db.prepare('INSERT INTO zv_users VALUES (?, ?, ?, ?)').run('alice', Buffer.of(9), now, now);
    db.prepare('INSERT INTO zv_sessions (id, user_id, sealed_mac_key, created_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(OLD_SESSION.id, OLD_SESSION.userId, Buffer.from(OLD_SESSION.sealedMacKey), now, now + 60_000);
    db.prepare('INSERT INTO zv_grants VALUES (?, ?, ?, ?, ?, ?)').run(OLD_GRANT.owner, OLD_GRANT.vault, OLD_GRANT.grantee, OLD_GRANT.role, Buffer.from(OLD_GRANT.data), OLD_GRANT.updatedAt);
    db.close();

    const store = sqliteServerStore({ path });
    try {
      await checkUpgraded(store);
      await checkGrantsUpgraded(store);
    } finally {
      await store.close();
    }
    // Opening the upgraded file again is a no-op (no duplicate column).
    const again = sqliteServerStore({ path });
    try {
      expect(await devicesOf(again)?.listDevices('alice')).toEqual([]);
    } finally {
      await again.close();
    }
    const check = new Database(path, { readonly: true });
    const columns = (check.prepare('PRAGMA table_info(zv_sessions)').all() as { name: string }[]).map((c) => c.name);
    check.close();
    expect(columns).toEqual(['id', 'user_id', 'sealed_mac_key', 'created_at', 'expires_at', 'device_id', 'amr', 'mfa', 'mfa_tries', 'passkey_id']);
    const reopened = new Database(path, { readonly: true });
    const grantColumns = (reopened.prepare('PRAGMA table_info(zv_grants)').all() as { name: string }[]).map((c) => c.name);
    reopened.close();
    expect(grantColumns).toEqual(['owner', 'vault', 'grantee', 'role', 'data', 'updated_at', 'granted_at', 'expires_at', 'last_access_at']);
  });
});

describe.runIf(PG_URL !== undefined).each([
  ['before devices', postgresV1, 'a'],
  ['before second factors', postgresV2, 'b'],
] as const)('PostgreSQL: a database of the schema %s is upgraded in place', (_name, oldSchema, tag) => {
  test('old rows read as before and device and MFA methods work', async () => {
    const pg = await import('pg');
    const prefix = `zv_m${tag}${Date.now().toString(36)}_`;
    const pool = new (pg.default ?? pg).Pool({ connectionString: PG_URL as string });
    try {
      await pool.query(oldSchema(prefix));
      await pool.query(`INSERT INTO ${prefix}users VALUES ($1, $2, $3, $3)`, ['alice', Buffer.of(9), now]);
      await pool.query(`INSERT INTO ${prefix}sessions (id, user_id, sealed_mac_key, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`, [OLD_SESSION.id, 'alice', Buffer.from(OLD_SESSION.sealedMacKey), now, now + 60_000]);
      await pool.query(`INSERT INTO ${prefix}grants VALUES ($1, $2, $3, $4, $5, $6)`, [OLD_GRANT.owner, OLD_GRANT.vault, OLD_GRANT.grantee, OLD_GRANT.role, Buffer.from(OLD_GRANT.data), OLD_GRANT.updatedAt]);
      const store = postgresServerStore({ connectionString: PG_URL as string, tablePrefix: prefix });
      try {
        await checkUpgraded(store);
        await checkGrantsUpgraded(store);
      } finally {
        await store.close();
      }
    } finally {
      await pool.end();
    }
  });
});
