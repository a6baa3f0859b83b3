/**
 * The PostgreSQL store runs the request path's statements as named
 * (server-side prepared) statements (issue 18): planned once per pooled
 * connection instead of per call. What must hold, against a real database:
 * the verified routes do use them; `preparedStatements: false` turns them off
 * and changes nothing else; and a newer instance adding columns to the tables
 * (a rolling upgrade) does not break the statements an older instance already
 * prepared, which a prepared `SELECT *` would ("cached plan must not change
 * result type").
 */
import pg from 'pg';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { createServer, createServerSetup, type ServerStore } from '../../src/server/index.js';
import { postgresServerStore } from '../../src/server/postgres.js';
import { recordQueries } from '../helpers/pg-queries.js';
import { login, register, signed } from './harness.js';

const PG_URL = process.env.ZEROVAULT_PG_URL;
const stores: ServerStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
});

const body = { data: toBase64url(utf8('hello')) };
let stopRecording: (() => void) | undefined;
afterEach(() => {
  stopRecording?.();
  stopRecording = undefined;
});

describe.runIf(PG_URL !== undefined)('postgres store: named statements on the request path', () => {
  const prefix = (): string => `zv_p${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}_`;

  test('verified reads and writes run named statements; preparedStatements: false runs none', async () => {
    for (const preparedStatements of [true, false]) {
      const p = prefix();
      const store = postgresServerStore({ connectionString: PG_URL as string, tablePrefix: p, preparedStatements });
      stores.push(store);
      const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv' });
      expect((await register(zv, 'prepared', 'pw')).status).toBe(201);
      const session = await login(zv, 'prepared', 'pw');
      const recording = recordQueries();
      stopRecording = recording.stop;
      expect((await zv.fetch(signed(session, 'PUT', '/blobs/v/r1', { body }))).status).toBe(200);
      const read = await zv.fetch(signed(session, 'GET', '/blobs/v/r1'));
      expect(read.status).toBe(200);
      expect(((await read.json()) as { data: string }).data).toBe(body.data);
      expect((await zv.fetch(signed(session, 'DELETE', '/blobs/v/r1'))).status).toBe(204);
      recording.stop();
      const named = recording.queries.flatMap((q) => (q.name === undefined ? [] : [q.name]));
      // The login's security-log entry may still be written meanwhile (unnamed: not the request path).
      const unnamed = recording.queries.filter((q) => q.name === undefined && !q.text.includes(`${p}log `));
      if (preparedStatements) {
        // The first request reads the session (then cached), then the nonce statement, the upsert, the
        // read and the delete: every query of these requests.
        expect(new Set(named)).toEqual(new Set(['zerovault_session_get', 'zerovault_nonces', 'zerovault_blob_put', 'zerovault_blob_get', 'zerovault_blob_delete']));
        expect(unnamed).toEqual([]);
      } else {
        expect(named).toEqual([]);
        expect(unnamed.length).toBeGreaterThanOrEqual(7);
      }
    }
  });

  test('columns added by a newer instance do not break the statements an older one prepared', async () => {
    const p = prefix();
    // One connection: every statement below was prepared on it before the upgrade.
    const store = postgresServerStore({ connectionString: PG_URL as string, tablePrefix: p, maxConnections: 1 });
    stores.push(store);
    const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv' });
    expect((await register(zv, 'upgrade', 'pw')).status).toBe(201);
    const session = await login(zv, 'upgrade', 'pw');
    for (let i = 0; i < 3; i++) {
      expect((await zv.fetch(signed(session, 'PUT', `/blobs/v/r${i}`, { body }))).status).toBe(200);
      expect((await zv.fetch(signed(session, 'GET', `/blobs/v/r${i}`))).status).toBe(200);
    }
    expect((await zv.fetch(signed(await login(zv, 'upgrade', 'pw'), 'DELETE', '/blobs/v/r2'))).status).toBe(204);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER TABLE ${p}sessions ADD COLUMN upgraded TEXT; ALTER TABLE ${p}blobs ADD COLUMN upgraded TEXT; ALTER TABLE ${p}nonces ADD COLUMN upgraded TEXT`);
    } finally {
      await admin.end();
    }
    for (let i = 0; i < 2; i++) {
      expect((await zv.fetch(signed(session, 'GET', `/blobs/v/r${i}`))).status).toBe(200);
      expect((await zv.fetch(signed(session, 'PUT', `/blobs/v/r${i}`, { body }))).status).toBe(200);
    }
    // A second login's first request reads its session through the named session statement.
    const again = await login(zv, 'upgrade', 'pw');
    expect((await zv.fetch(signed(again, 'GET', '/blobs/v/r0'))).status).toBe(200);
    expect((await zv.fetch(signed(again, 'DELETE', '/blobs/v/r0'))).status).toBe(204);
  });
});
