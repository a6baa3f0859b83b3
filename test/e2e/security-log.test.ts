/**
 * The security log end to end (docs/security-log.md), over the real SQLite
 * store and, when ZEROVAULT_PG_URL is set, PostgreSQL: logins, failures and
 * the account's own operations appear as verified entries (server- and
 * client-signed); a server editing, dropping, reordering or forking rows
 * with SQL is caught (`DECRYPT_FAILED` for an entry that no longer verifies,
 * `ROLLBACK` for a chain that does not extend the pin); the pin lives in the
 * account's sealed records, so a later login on another device notices too;
 * and a client-signed entry the server invents fails.
 */
import Database from 'better-sqlite3';
import type { Pool } from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { URI, type TOTP } from 'otpauth';
import { afterAll, describe, expect, test } from 'vitest';
import { Client } from '../../src/client/index.js';
import type { Session } from '../../src/client/account/session.js';
import { toBase64url } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { createLogEntry, nextLink } from '../../src/formats/log-entry.js';
import { serverLogKey } from '../../src/server/log.js';
import { postgresServerStore } from '../../src/server/postgres.js';
import { sqliteServerStore } from '../../src/server/sqlite.js';
import { createServer, createServerSetup, type ServerStore } from '../../src/server/index.js';
import { SETUP as HELPER_SETUP, TEST_KSF, expectError, lowLogin, sdk, signedFetch, startServer } from './helpers.js';

const PG_URL = process.env.ZEROVAULT_PG_URL;
const SETUP = createServerSetup();
const ADDRESS = '203.0.113.7';
const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Row surgery on the log table, as a server (or anyone with the database) could do it. */
interface Rows {
  list(userId: string): Promise<{ seq: number; entry: Uint8Array }[]>;
  set(userId: string, seq: number, entry: Uint8Array): Promise<void>;
  drop(userId: string, seq: number): Promise<void>;
  insert(userId: string, seq: number, entry: Uint8Array): Promise<void>;
  /** The account's sealed pin record (`_zv/security-log`) as stored, and putting an old copy back. */
  pin(userId: string): Promise<Uint8Array>;
  setPin(userId: string, data: Uint8Array): Promise<void>;
}

interface Backend {
  readonly name: string;
  store(): ServerStore;
  rows(): Rows;
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'zv-log-'));
  dirs.push(dir);
  const path = join(dir, 'zerovault.db');
  return {
    name: 'SQLite',
    store: () => sqliteServerStore({ path }),
    rows: () => {
      const db = new Database(path);
      cleanups.push(async () => void db.close());
      return {
        list: async (userId) => (db.prepare('SELECT seq, entry FROM zv_log WHERE user_id = ? ORDER BY seq').all(userId) as { seq: number; entry: Buffer }[]).map((r) => ({ seq: r.seq, entry: Uint8Array.from(r.entry) })),
        set: async (userId, seq, entry) => void db.prepare('UPDATE zv_log SET entry = ? WHERE user_id = ? AND seq = ?').run(Buffer.from(entry), userId, seq),
        drop: async (userId, seq) => void db.prepare('DELETE FROM zv_log WHERE user_id = ? AND seq = ?').run(userId, seq),
        insert: async (userId, seq, entry) => void db.prepare('INSERT INTO zv_log (user_id, seq, entry, created_at) VALUES (?, ?, ?, 0)').run(userId, seq, Buffer.from(entry)),
        pin: async (userId) => Uint8Array.from((db.prepare("SELECT data FROM zv_blobs WHERE owner = ? AND vault = '_zv' AND id = 'security-log'").get(userId) as { data: Buffer }).data),
        setPin: async (userId, data) => void db.prepare("UPDATE zv_blobs SET data = ? WHERE owner = ? AND vault = '_zv' AND id = 'security-log'").run(Buffer.from(data), userId),
      };
    },
  };
}

function postgresBackend(url: string): Backend {
  const prefix = `zv_l${Date.now().toString(36)}_`;
  return {
    name: 'PostgreSQL',
    store: () => postgresServerStore({ connectionString: url, tablePrefix: prefix }),
    rows: () => {
      let pool: Promise<Pool> | undefined;
      const q = async (text: string, values: unknown[]) => {
        pool ??= import('pg').then((pg) => {
          const p = new (pg.default ?? pg).Pool({ connectionString: url });
          cleanups.push(() => p.end());
          return p;
        });
        return (await (await pool).query(text, values)).rows as Record<string, unknown>[];
      };
      return {
        list: async (userId) => (await q(`SELECT seq, entry FROM ${prefix}log WHERE user_id = $1 ORDER BY seq`, [userId])).map((r) => ({ seq: Number(r.seq), entry: Uint8Array.from(r.entry as Buffer) })),
        set: async (userId, seq, entry) => void (await q(`UPDATE ${prefix}log SET entry = $1 WHERE user_id = $2 AND seq = $3`, [Buffer.from(entry), userId, seq])),
        drop: async (userId, seq) => void (await q(`DELETE FROM ${prefix}log WHERE user_id = $1 AND seq = $2`, [userId, seq])),
        insert: async (userId, seq, entry) => void (await q(`INSERT INTO ${prefix}log (user_id, seq, entry, created_at) VALUES ($1, $2, $3, 0)`, [userId, seq, Buffer.from(entry)])),
        pin: async (userId) => Uint8Array.from((await q(`SELECT data FROM ${prefix}blobs WHERE owner = $1 AND vault = '_zv' AND id = 'security-log'`, [userId]))[0]?.data as Buffer),
        setPin: async (userId, data) => void (await q(`UPDATE ${prefix}blobs SET data = $1 WHERE owner = $2 AND vault = '_zv' AND id = 'security-log'`, [Buffer.from(data), userId])),
      };
    },
  };
}

const backends: Backend[] = [sqliteBackend(), ...(PG_URL === undefined ? [] : [postgresBackend(PG_URL)])];

for (const backend of backends) {
  describe(`security log over ${backend.name}`, () => {
    const store = backend.store();
    cleanups.push(() => store.close());
    const zv = createServer({ setup: SETUP, store, basePath: '/zv' });
    let lastSigned: Request | undefined;
    const fetchFn = (request: Request): Promise<Response> => {
      if (request.method === 'GET' && request.headers.has('authorization')) lastSigned = request.clone();
      return zv.fetch(request, { address: ADDRESS });
    };
    const client = (): Client => new Client({ url: 'http://zv.test/zv', fetch: fetchFn, ksf: TEST_KSF });
    const rows = backend.rows();

    /** A new account with a few entries: its registration's login, a replayed request, a password change. */
    async function account(): Promise<{ userId: string; session: Session; password: string }> {
      const userId = `log-${toBase64url(randomBytes(6)).toLowerCase()}@example.com`;
      const session = await client().register({ userId, password: 'first password' });
      // (A wrong password never reaches the server: OPAQUE fails on the client. A replayed request does.)
      await session.sharedVaults();
      expect((await zv.fetch(lastSigned as Request, { address: ADDRESS })).status).toBe(401);
      await session.changePassword({ newPassword: 'second password' });
      return { userId, session, password: 'second password' };
    }

    test('logins, failures and the account’s own operations are verified entries, in order', async () => {
      const { userId, session } = await account();
      const log = await session.securityLog();
      expect(log.map((e) => [e.seq, e.type, e.by])).toEqual([
        [1, 'login', 'server'],
        [2, 'replay', 'server'],
        [3, 'password_changed', 'client'],
      ]);
      expect(log[0]).toMatchObject({ address: ADDRESS });
      expect(log[1]).toMatchObject({ address: ADDRESS });
      for (const e of log) expect(Math.abs(e.at - Date.now())).toBeLessThan(60_000);
      const vault = await session.vault('notes');
      await vault.put('a', new Uint8Array([1]));
      await vault.rotate();
      const later = await session.securityLog({ since: 3 });
      expect(later.map((e) => [e.seq, e.type, e.by])).toEqual([[4, 'vault_rotated', 'client']]);
      expect(later[0]).toMatchObject({ details: 'notes' });
      expect((await rows.list(userId)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      await session.logout();
      const again = await client().login({ userId, password: 'second password' });
      expect((await again.securityLog({ since: 4 })).map((e) => e.type)).toEqual(['session_revoked', 'login']);
    });

    test('an edited row fails: DECRYPT_FAILED', async () => {
      const { userId, session } = await account();
      const [, second] = await rows.list(userId);
      const edited = Uint8Array.from(second?.entry ?? []);
      edited[45] = (edited[45] as number) ^ 0x01; // the entry's time
      await rows.set(userId, 2, edited);
      await expect(session.securityLog()).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    });

    test('a dropped row in the middle fails: ROLLBACK', async () => {
      const { userId, session } = await account();
      await rows.drop(userId, 2);
      await expect(session.securityLog()).rejects.toMatchObject({ code: 'ROLLBACK' });
    });

    test('reordered rows fail: ROLLBACK', async () => {
      const { userId, session } = await account();
      const [, second, third] = await rows.list(userId);
      await rows.set(userId, 2, third?.entry as Uint8Array);
      await rows.set(userId, 3, second?.entry as Uint8Array);
      await expect(session.securityLog()).rejects.toMatchObject({ code: 'ROLLBACK' });
    });

    test('a log truncated below the pin fails, on another device too: ROLLBACK', async () => {
      const { userId, session, password } = await account();
      expect(await session.securityLog()).toHaveLength(3);
      await rows.drop(userId, 3);
      await expect(session.securityLog()).rejects.toMatchObject({ code: 'ROLLBACK' });
      // The pin is in the account's sealed records: a new login elsewhere holds the server to it.
      const elsewhere = await client().login({ userId, password });
      await expect(elsewhere.securityLog()).rejects.toMatchObject({ code: 'ROLLBACK' });
    });

    test('an older pin record served back does not fool the session that saw the newer head: ROLLBACK', async () => {
      const { userId, session } = await account();
      await session.securityLog();
      const older = await rows.pin(userId); // pinned at 3
      await session.changePassword({ newPassword: 'third password' });
      expect(await session.securityLog({ since: 3 })).toHaveLength(1); // pinned at 4
      // The server puts the old pin record back and drops the entry pinned since.
      await rows.setPin(userId, older);
      await rows.drop(userId, 4);
      await expect(session.securityLog()).rejects.toMatchObject({ code: 'ROLLBACK' });
    });

    test('a fork below the pin fails, even with every server entry re-signed: ROLLBACK', async () => {
      const { userId, session } = await account();
      await session.securityLog();
      // The server (it holds the setup) rewrites its failed-login entry as a harmless login,
      // re-signs it, and re-links everything after; the account's own entry it cannot re-sign.
      const { seed } = serverLogKey(SETUP);
      const [first, , third] = await rows.list(userId);
      const forged = createLogEntry({ userId, ...nextLink({ seq: 1, entry: first?.entry as Uint8Array }), at: Date.now(), type: 'login', signingKey: seed });
      await rows.set(userId, 2, forged);
      await expect(session.securityLog()).rejects.toMatchObject({ code: 'ROLLBACK' });
      // Dropping the account's entry and the pinned head with it is a truncation: caught the same way.
      await rows.drop(userId, 3);
      await expect(session.securityLog()).rejects.toMatchObject({ code: 'ROLLBACK' });
      expect(third).toBeDefined();
    });

    test('a client-signed entry the server invents fails: DECRYPT_FAILED', async () => {
      const { userId, session } = await account();
      const { seed } = serverLogKey(SETUP);
      const [, , third] = await rows.list(userId);
      // Signed with the server's key, or any key but the account's: it never verifies as the account's.
      for (const signingKey of [seed, randomBytes(32)]) {
        const invented = createLogEntry({ userId, ...nextLink({ seq: 3, entry: third?.entry as Uint8Array }), at: Date.now(), type: 'device_revoked', details: 'x', signingKey });
        await rows.drop(userId, 4);
        await rows.insert(userId, 4, invented);
        await expect(session.securityLog()).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
      }
    });
  });
}

describe('the log routes', () => {
  test('the key is published; appends must be the account’s next client entry; reads are the user’s own', async () => {
    const running = await startServer();
    cleanups.push(() => running.close());
    const userId = `routes-${toBase64url(randomBytes(6)).toLowerCase()}@example.com`;
    // The SDK publishes the account's identity key at login: the server checks appends against it.
    await (await sdk(running).register({ userId, password: 'a password' })).logout();
    const low = await lowLogin(running.base, userId, 'a password');
    const key = (await (await fetch(`${running.base}/log/key`)).json()) as { publicKey: string };
    expect(key.publicKey).toBe(toBase64url(serverLogKey(HELPER_SETUP).publicKey));

    const head = (await (await signedFetch(running.base, low, 'GET', '/log/head')).json()) as { seq: number; entry: string };
    const entries = (await (await signedFetch(running.base, low, 'GET', '/log?since=0')).json()) as { entries: string[]; more: boolean };
    expect(entries.more).toBe(false);
    expect(entries.entries).toHaveLength(head.seq);
    expect(entries.entries[head.seq - 1]).toBe(head.entry);
    const last = { seq: head.seq, entry: Uint8Array.from(Buffer.from(head.entry, 'base64url')) };
    const post = (entry: Uint8Array) => signedFetch(running.base, low, 'POST', '/log', { body: JSON.stringify({ entry: toBase64url(entry) }), headers: { 'content-type': 'application/json' } });
    const link = nextLink(last);
    // Not signed by the account's identity key.
    await expectError(await post(createLogEntry({ userId, ...link, at: 0, type: 'totp_enabled', signingKey: randomBytes(32) })), 400, 'INVALID_INPUT');
    // A server type, even signed with the server's own key.
    await expectError(await post(createLogEntry({ userId, ...link, at: 0, type: 'login', signingKey: serverLogKey(HELPER_SETUP).seed })), 400, 'INVALID_INPUT');
    await expectError(await post(Uint8Array.of(0x5a, 0x4c, 0x01)), 400, 'INVALID_INPUT');
    await expectError(await signedFetch(running.base, low, 'GET', '/log?since=-1'), 400, 'INVALID_INPUT');
    await expectError(await signedFetch(running.base, low, 'GET', '/log?after=1'), 400, 'INVALID_INPUT');
    await expectError(await fetch(`${running.base}/log`), 401, 'AUTH_FAILED');
    const after = (await (await signedFetch(running.base, low, 'GET', '/log/head')).json()) as { seq: number };
    // Only the route reads counted: nothing was appended (the token and key reads are not logged).
    expect(after.seq).toBe(head.seq);
  });
});

describe('the account’s own operations, each a client-signed entry', () => {
  test('recovery key set and used, devices added and revoked, each naming the device that did it', async () => {
    const running = await startServer();
    cleanups.push(() => running.close());
    const dir = (): string => {
      const d = mkdtempSync(join(tmpdir(), 'zv-log-device-'));
      dirs.push(d);
      return d;
    };
    const at = (deviceDir: string): Client => new Client({ url: running.base, ksf: TEST_KSF, deviceDir });
    const userId = `ops-${toBase64url(randomBytes(6)).toLowerCase()}@example.com`;
    const laptop = await at(dir()).register({ userId, password: 'a password', rememberDevice: true, deviceName: 'Laptop' });
    const recoveryKey = await laptop.createRecoveryKey();
    const phoneDir = dir();
    const phone = await at(phoneDir).recover({ userId, recoveryKey, newPassword: 'a new password', rememberDevice: true, deviceName: 'Phone' });
    await phone.revokeDevice(laptop.deviceId as string, { currentPassword: 'a new password' });
    const log = await phone.securityLog();
    const ours = log.filter((e) => e.by === 'client').map((e) => [e.type, e.deviceId === undefined ? '-' : e.deviceId === phone.deviceId ? 'phone' : 'laptop', e.details ?? '-']);
    expect(ours).toEqual([
      ['device_added', 'laptop', laptop.deviceId],
      ['recovery_key_set', 'laptop', '-'],
      ['recovery_used', '-', '-'],
      ['device_added', 'phone', phone.deviceId],
      ['device_revoked', 'phone', laptop.deviceId],
    ]);
    // A device login is a server entry naming the device; requests of its session name it too.
    const resumed = await at(phoneDir).resume();
    await resumed?.logout();
    const tail = (await phone.securityLog({ since: log.length })).map((e) => [e.type, e.by, e.deviceId === phone.deviceId, e.details ?? '-']);
    expect(tail).toEqual([
      ['login', 'server', true, 'device'],
      ['session_revoked', 'server', true, '-'],
    ]);
  });

  test('sharing: granted, changed and revoked, each naming the vault and the member; the revocation’s rotation too', async () => {
    const running = await startServer();
    cleanups.push(() => running.close());
    const owner = `owner-${toBase64url(randomBytes(6)).toLowerCase()}@example.com`;
    const member = `member-${toBase64url(randomBytes(6)).toLowerCase()}@example.com`;
    await (await sdk(running).register({ userId: member, password: 'member password' })).logout();
    const session = await sdk(running).register({ userId: owner, password: 'owner password' });
    const vault = await session.vault('plans');
    await vault.put('a', new Uint8Array([1]));
    await vault.share({ userId: member, role: 'read' });
    await vault.share({ userId: member, role: 'write' });
    await vault.revoke({ userId: member });
    const ours = (await session.securityLog()).filter((e) => e.by === 'client').map((e) => [e.type, e.details]);
    expect(ours).toEqual([
      ['share_granted', JSON.stringify({ vault: 'plans', userId: member, role: 'read' })],
      ['share_changed', JSON.stringify({ vault: 'plans', userId: member, role: 'write' })],
      ['share_revoked', JSON.stringify({ vault: 'plans', userId: member })],
      ['vault_rotated', 'plans'],
    ]);
  });

  test('TOTP turned on and off, and a wrong code at a later sign-in (mfa_failed, by the server)', async () => {
    const running = await startServer();
    cleanups.push(() => running.close());
    const userId = `totp-${toBase64url(randomBytes(6)).toLowerCase()}@example.com`;
    const session = await sdk(running).register({ userId, password: 'a password' });
    const enrolment = await session.enrollTotp();
    const app = URI.parse(enrolment.uri) as TOTP;
    const right = app.generate({ timestamp: Date.now() });
    const { recoveryCodes } = await enrolment.confirm(right);
    const wrong = right === '000000' ? '111111' : '000000';
    await expect(sdk(running).login({ userId, password: 'a password', totp: wrong })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await session.disableTotp({ code: recoveryCodes[0] as string });
    const types = (await session.securityLog()).map((e) => `${e.by}:${e.type}`);
    // The client ends the pending session a wrong code leaves behind: that is a session revoked too.
    expect(types.filter((t) => t !== 'server:login')).toEqual(['client:totp_enabled', 'server:mfa_failed', 'server:session_revoked', 'client:totp_disabled']);
  });
});
