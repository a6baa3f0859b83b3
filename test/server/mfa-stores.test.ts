/**
 * Second factors end to end on the SQL stores (the memory store runs the
 * whole route suite in mfa.test.ts): enrolment, a pending login, verify,
 * replay, a recovery code and strict mode on SQLite and, when
 * ZEROVAULT_PG_URL is set, PostgreSQL. Then the dump check: after
 * enrolment, no table of the SQLite database holds the TOTP secret (base32
 * or raw) or a recovery code, and neither do the raw database files.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret } from 'otpauth';
import { afterAll, describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import { createServer, createServerSetup, type ServerStore, type ZeroVaultServer } from '../../src/server/index.js';
import { postgresServerStore } from '../../src/server/postgres.js';
import { sqliteServerStore } from '../../src/server/sqlite.js';
import { register } from './harness.js';
import { at, codeAt, errorCode, mfaLogin } from './mfa-harness.js';

const PG_URL = process.env.ZEROVAULT_PG_URL;
const setup = createServerSetup();
const dirs: string[] = [];
const stores: ServerStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function sqlitePath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zv-mfa-'));
  dirs.push(dir);
  return join(dir, 'zerovault.db');
}

const kinds: { name: string; create: () => ServerStore }[] = [{ name: 'sqlite', create: () => sqliteServerStore({ path: sqlitePath() }) }];
if (PG_URL !== undefined) {
  const prefix = `zv_f${Date.now().toString(36)}_`;
  kinds.push({ name: 'postgres', create: () => postgresServerStore({ connectionString: PG_URL, tablePrefix: prefix }) });
}

/** Enrols TOTP for a new user from a fresh session; returns what the user saw. */
async function enrol(server: ZeroVaultServer, userId: string, clock: number): Promise<{ secret: string; recoveryCodes: string[]; uri: string }> {
  expect((await register(server, userId, 'pw')).status).toBe(201);
  const { session } = await mfaLogin(server, userId, 'pw');
  const res = await server.fetch(at(session, 'POST', '/mfa/totp/enroll', clock, {}));
  expect(res.status).toBe(200);
  const { secret, uri } = (await res.json()) as { secret: string; uri: string };
  const confirmed = await server.fetch(at(session, 'POST', '/mfa/totp/confirm', clock, { code: codeAt(secret, clock) }));
  expect(confirmed.status).toBe(200);
  const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] };
  const strict = await server.fetch(at(session, 'POST', '/mfa/strict', clock, { enabled: false, recoveryCode: recoveryCodes[9] }));
  expect(strict.status).toBe(204);
  return { secret, recoveryCodes, uri };
}

for (const kind of kinds) {
  describe(`second factors on the ${kind.name} store`, () => {
    test('enrol, pending login, verify once, recovery code once, strict login', async () => {
      let clock = Math.floor(Date.now() / 30_000) * 30_000 + 1000;
      const store = kind.create();
      stores.push(store);
      const server = createServer({ setup, store, basePath: '/zv', now: () => clock });
      const user = `u${Date.now().toString(36)}@example.com`;
      const { secret, recoveryCodes } = await enrol(server, user, clock);
      clock += 30_000;
      const a = await mfaLogin(server, user, 'pw');
      expect(a.body).toMatchObject({ pending: 'mfa', factors: ['totp', 'recovery-code'] });
      expect(await errorCode(await server.fetch(at(a.session, 'GET', '/blobs/v', clock)))).toBe('MFA_REQUIRED');
      const code = codeAt(secret, clock);
      const ok = await server.fetch(at(a.session, 'POST', '/mfa/verify', clock, { totp: code }));
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { amr: string[] }).amr).toEqual(['pwd', 'otp']);
      expect((await server.fetch(at(a.session, 'GET', '/blobs/v', clock))).status).toBe(200);
      const b = await mfaLogin(server, user, 'pw');
      expect((await server.fetch(at(b.session, 'POST', '/mfa/verify', clock, { totp: code }))).status).toBe(401);
      expect((await server.fetch(at(b.session, 'POST', '/mfa/verify', clock, { recoveryCode: recoveryCodes[0] }))).status).toBe(200);
      const c = await mfaLogin(server, user, 'pw');
      expect((await server.fetch(at(c.session, 'POST', '/mfa/verify', clock, { recoveryCode: recoveryCodes[0] }))).status).toBe(401);
      const mfa = (await (await server.fetch(at(a.session, 'GET', '/mfa', clock))).json()) as Record<string, unknown>;
      expect(mfa).toEqual({ totp: true, strict: false, recoveryCodesLeft: 8, passkeys: 0 });
      clock += 30_000;
      expect((await server.fetch(at(a.session, 'POST', '/mfa/strict', clock, { enabled: true, totp: codeAt(secret, clock) }))).status).toBe(204);
      clock += 30_000;
      await expect(mfaLogin(server, user, 'pw', { totp: '000000' })).rejects.toMatchObject({ stage: 'client', code: 'AUTH_FAILED' });
      expect((await mfaLogin(server, user, 'pw', { totp: codeAt(secret, clock) })).body.pending).toBeUndefined();
    });
  });
}

describe('a database dump after enrolment', () => {
  test('holds no TOTP secret (base32 or raw) and no recovery code, in any table or in the files', async () => {
    const clock = Math.floor(Date.now() / 30_000) * 30_000 + 1000;
    const path = sqlitePath();
    const store = sqliteServerStore({ path });
    const server = createServer({ setup, store, basePath: '/zv', now: () => clock });
    const { secret, recoveryCodes, uri } = await enrol(server, 'dana@example.com', clock);
    await store.close();

    const raw = Secret.fromBase32(secret).bytes;
    const needles: string[] = [secret, secret.toLowerCase(), toHex(raw), Buffer.from(raw).toString('latin1'), encodeURIComponent(uri)];
    for (const code of recoveryCodes) needles.push(code, code.replace(/-/g, ''), code.toLowerCase(), code.replace(/-/g, '').toLowerCase());

    const db = new Database(path, { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['zv_mfa', 'zv_recovery_codes', 'zv_sessions', 'zv_users']));
    // Every cell of every table, as text and as hex of its bytes.
    let dump = '';
    for (const table of tables) {
      for (const row of db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]) {
        for (const value of Object.values(row)) {
          dump += value instanceof Uint8Array ? `${toHex(value)} ${Buffer.from(value).toString('latin1')}\n` : `${String(value)}\n`;
        }
      }
    }
    db.close();
    expect(dump).toContain('dana@example.com'); // the dump is real
    expect(dump.length).toBeGreaterThan(1000);
    for (const needle of needles) expect(dump.includes(needle), 'a secret in the dump').toBe(false);

    // The raw files too (database and any WAL left behind).
    for (const file of [path, `${path}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      expect(bytes.indexOf(Buffer.from(raw)), `raw secret in ${file}`).toBe(-1);
      expect(bytes.indexOf(Buffer.from(secret)), `base32 secret in ${file}`).toBe(-1);
      for (const code of recoveryCodes) expect(bytes.indexOf(Buffer.from(code.replace(/-/g, ''))), `recovery code in ${file}`).toBe(-1);
    }
  });
});
