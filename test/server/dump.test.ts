/**
 * A copy of the server's database holds no plaintext beyond the documented
 * metadata (`docs/protocol.md`, "What the server stores"): after a realistic
 * session (register, write records and JSON, share with an expiry, a member
 * reading, a revocation, a recovery key), the database file (SQLite) and every row
 * (PostgreSQL, when ZEROVAULT_PG_URL is set) contain none of the record
 * plaintexts, the password, or any of the account's keys (KEKs, identity
 * secret keys), in raw bytes, base64url or hex; and every column is one the
 * docs list. A table or column added later must be documented there and
 * classified here.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { postgresServerStore } from '../../src/server/postgres.js';
import { sqliteServerStore } from '../../src/server/sqlite.js';
import type { ServerStore } from '../../src/server/types.js';
import { PASSWORD, keyringOf, startServer } from '../client/sharing/helpers.js';

const PG_URL = process.env.ZEROVAULT_PG_URL;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Every column, by table (without the `zv_` prefix), and what it holds:
 * `meta` is documented clear metadata, `sealed` ciphertext or a one-way
 * hash, `public` public keys or signed public data.
 */
const COLUMNS: Readonly<Record<string, Readonly<Record<string, 'meta' | 'sealed' | 'public'>>>> = {
  users: { user_id: 'meta', record: 'sealed', created_at: 'meta', updated_at: 'meta' },
  pending: { id: 'meta', data: 'sealed', expires_at: 'meta' },
  sessions: {
    id: 'meta',
    user_id: 'meta',
    sealed_mac_key: 'sealed',
    created_at: 'meta',
    expires_at: 'meta',
    device_id: 'meta',
    amr: 'meta',
    mfa: 'meta',
    mfa_tries: 'meta',
    passkey_id: 'meta',
  },
  nonces: { session_id: 'meta', nonce: 'meta', expires_at: 'meta' },
  buckets: { key: 'meta', tokens: 'meta', updated_at: 'meta' },
  blobs: { owner: 'meta', vault: 'meta', id: 'meta', version: 'meta', data: 'sealed', deleted: 'meta' },
  key_events: { user_id: 'meta', seq: 'meta', event: 'public', created_at: 'meta' },
  grants: {
    owner: 'meta',
    vault: 'meta',
    grantee: 'meta',
    role: 'meta',
    data: 'sealed',
    updated_at: 'meta',
    granted_at: 'meta',
    expires_at: 'meta',
    last_access_at: 'meta',
  },
  devices: { user_id: 'meta', id: 'meta', name: 'meta', signing_key: 'public', created_at: 'meta', last_seen_at: 'meta', last_address: 'meta' },
  passkeys: {
    id: 'meta',
    user_id: 'meta',
    name: 'meta',
    public_key: 'public',
    user_handle: 'meta',
    counter: 'meta',
    transports: 'meta',
    created_at: 'meta',
    last_seen_at: 'meta',
    last_address: 'meta',
  },
  mfa: { user_id: 'meta', totp_secret: 'sealed', totp_confirmed: 'meta', totp_last_step: 'meta', strict: 'meta', updated_at: 'meta' },
  recovery_codes: { user_id: 'meta', code_hash: 'sealed', created_at: 'meta' },
  // The security log: entries signed by the account or the server, in the clear (docs/security-log.md).
  log: { user_id: 'meta', seq: 'meta', entry: 'public', created_at: 'meta' },
};

const RECORD_TEXT = 'dump-marker: the quarterly numbers are 42, do not tell anyone';
const JSON_TEXT = 'dump-json-marker-7f3a';

/** Byte strings that must appear nowhere: each secret raw, as base64url and as hex (both as UTF-8 text). */
function forms(secret: Uint8Array): Buffer[] {
  return [Buffer.from(secret), Buffer.from(toBase64url(secret)), Buffer.from(Buffer.from(secret).toString('hex'))];
}

/** Runs the scenario against `store`; returns every secret the database must not hold. */
async function scenario(store: ServerStore): Promise<{ label: string; bytes: Buffer }[]> {
  const server = await startServer(store);
  try {
    const alice = await server.register('dump-alice');
    const bob = await server.register('dump-bob');
    await server.register('dump-carol');
    const vault = await alice.vault('ledger');
    await vault.put('q1', utf8(RECORD_TEXT));
    await vault.putJson('settings', { note: JSON_TEXT });
    await vault.share({ userId: 'dump-bob', role: 'read', expiresAt: Date.now() + 3_600_000 });
    await vault.share({ userId: 'dump-carol', role: 'write' });
    const shared = await bob.vault('ledger', { owner: 'dump-alice' });
    expect((await shared.get('q1')).data).toEqual(utf8(RECORD_TEXT));
    await vault.revoke({ userId: 'dump-carol' });
    await vault.put('q2', utf8(`${RECORD_TEXT} (after)`));
    // The recovery credential is a second OPAQUE record of the account (stored under a key no user id can take).
    const recoveryKey = await alice.createRecoveryKey({ currentPassword: PASSWORD });
    const secrets: { label: string; secret: Uint8Array }[] = [
      { label: 'recovery key', secret: utf8(recoveryKey) },
      { label: 'record plaintext', secret: utf8(RECORD_TEXT) },
      { label: 'JSON plaintext', secret: utf8(JSON_TEXT) },
      { label: 'password', secret: utf8(PASSWORD) },
    ];
    for (const user of ['dump-alice', 'dump-bob']) {
      const keyring = await keyringOf(server, user);
      for (const kek of keyring.keks) secrets.push({ label: `${user} KEK ${kek.id} v${kek.version}`, secret: kek.key });
      secrets.push({ label: `${user} X25519 secret`, secret: keyring.x25519.secretKey }, { label: `${user} Ed25519 secret`, secret: keyring.ed25519.secretKey });
    }
    await alice.logout();
    await bob.logout();
    return secrets.flatMap(({ label, secret }) => forms(secret).map((bytes) => ({ label, bytes })));
  } finally {
    await server.close();
  }
}

function leaks(dump: Buffer, secrets: readonly { label: string; bytes: Buffer }[]): string[] {
  return [...new Set(secrets.filter((s) => dump.includes(s.bytes)).map((s) => s.label))];
}

function expected(): Record<string, string[]> {
  return Object.fromEntries(Object.entries(COLUMNS).map(([table, columns]) => [table, Object.keys(columns).sort()]));
}

describe('a database dump', () => {
  test('SQLite: the file holds no plaintext, password or key; every column is documented', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zv-dump-'));
    dirs.push(dir);
    const path = join(dir, 'server.db');
    const secrets = await scenario(sqliteServerStore({ path }));
    const files = [path, `${path}-wal`].filter((f) => existsSync(f));
    const dump = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(dump.length).toBeGreaterThan(0);
    // The scenario's record ids are there (documented metadata): the scan reads real data.
    expect(dump.includes(Buffer.from('settings'))).toBe(true);
    expect(leaks(dump, secrets)).toEqual([]);

    const db = new Database(path, { readonly: true });
    try {
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      const actual = Object.fromEntries(
        tables.map((table) => [table.replace(/^zv_/, ''), (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name).sort()]),
      );
      expect(actual).toEqual(expected());
    } finally {
      db.close();
    }
  });

  test.runIf(PG_URL !== undefined)('PostgreSQL: no row holds plaintext, password or key; every column is documented', async () => {
    const prefix = `zv_d${Date.now().toString(36)}_`;
    const secrets = await scenario(postgresServerStore({ connectionString: PG_URL as string, tablePrefix: prefix }));
    const pg = await import('pg');
    const pool = new (pg.default ?? pg).Pool({ connectionString: PG_URL as string });
    try {
      const columns = await pool.query<{ table_name: string; column_name: string }>(
        'SELECT table_name, column_name FROM information_schema.columns WHERE table_name LIKE $1 ORDER BY table_name, column_name',
        [`${prefix}%`],
      );
      const actual: Record<string, string[]> = {};
      for (const row of columns.rows) (actual[row.table_name.slice(prefix.length)] ??= []).push(row.column_name);
      for (const list of Object.values(actual)) list.sort();
      expect(actual).toEqual(expected());
      const chunks: Buffer[] = [];
      for (const table of Object.keys(actual)) {
        const rows = await pool.query<Record<string, unknown>>(`SELECT * FROM ${prefix}${table}`);
        for (const row of rows.rows) for (const value of Object.values(row)) chunks.push(Buffer.isBuffer(value) ? value : Buffer.from(String(value)));
      }
      const dump = Buffer.concat(chunks);
      expect(dump.includes(Buffer.from('settings'))).toBe(true);
      expect(leaks(dump, secrets)).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
