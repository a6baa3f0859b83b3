/**
 * Replay stores: a proof id is accepted once, across every verifier that
 * shares the store. Two verifier instances (as two processes would have)
 * share one SQLite file, or one PostgreSQL database (ZEROVAULT_PG_URL; the
 * suite skips loudly without it, and fails under CI=true).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { base64url } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isZeroVaultError } from '../../src/errors.js';
import { createVerifier, memoryReplayStore, postgresReplayStore, sqliteReplayStore, type ClosableReplayStore, type ReplayStore } from '../../src/verify.js';
import { recordQueries } from '../helpers/pg-queries.js';
import { API, AUDIENCE, ISSUER, dpopRequest, makeDpopKey, makeIssuer, mintProof, mintToken, type DpopKey, type Issuer } from './mint.js';

const PG_URL = process.env.ZEROVAULT_PG_URL;
const dirs: string[] = [];
const opened: ClosableReplayStore[] = [];
let issuer: Issuer;
let dpop: DpopKey;

beforeAll(async () => {
  issuer = await makeIssuer();
  dpop = await makeDpopKey();
});
afterAll(async () => {
  for (const store of opened) await store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const jti = (): string => base64url.encode(randomBytes(16));

function keep<T extends ClosableReplayStore>(store: T): T {
  opened.push(store);
  return store;
}

/** What every store must do, given a way to make a second handle on the same storage. */
function conformance(name: string, pair: () => [ReplayStore, ReplayStore]): void {
  describe(name, () => {
    test('burn: true the first time, false after, also through another handle', async () => {
      const [a, b] = pair();
      const id = jti();
      const until = Date.now() + 60_000;
      expect(await a.burn(id, until)).toBe(true);
      expect(await a.burn(id, until)).toBe(false);
      expect(await b.burn(id, until)).toBe(false);
      expect(await b.burn(jti(), until)).toBe(true);
    });

    test('concurrent burns of one id: exactly one wins', async () => {
      const [a, b] = pair();
      const id = jti();
      const until = Date.now() + 60_000;
      const results = await Promise.all([a.burn(id, until), b.burn(id, until), a.burn(id, until), b.burn(id, until)]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    test('one round of many burns, ids repeated across both handles: each id is fresh exactly once', async () => {
      const [a, b] = pair();
      const ids = Array.from({ length: 8 }, jti);
      const until = Date.now() + 60_000;
      const burns = ids.flatMap((id) => [a.burn(id, until), b.burn(id, until), a.burn(id, until), b.burn(id, until)]);
      const results = await Promise.all(burns);
      for (let i = 0; i < ids.length; i++) expect(results.slice(4 * i, 4 * i + 4).filter(Boolean)).toHaveLength(1);
      for (const id of ids) expect(await a.burn(id, until)).toBe(false);
    });

    test('an expired id may be taken again', async () => {
      const [a, b] = pair();
      const id = jti();
      expect(await a.burn(id, Date.now() - 1)).toBe(true);
      expect(await b.burn(id, Date.now() + 60_000)).toBe(true);
      expect(await a.burn(id, Date.now() + 60_000)).toBe(false);
    });

    test('two verifier instances sharing the store refuse the same proof', async () => {
      const [a, b] = pair();
      const first = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks, replayStore: a });
      const second = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: issuer.jwks, replayStore: b });
      const token = await mintToken(issuer, dpop);
      const proof = await mintProof(dpop, token);
      await expect(first.verify(dpopRequest(API, token, proof))).resolves.toMatchObject({ userId: 'alice@example.com' });
      const caught = await second.verify(dpopRequest(API, token, proof)).catch((err: unknown) => err);
      expect(isZeroVaultError(caught) && caught.code).toBe('AUTH_FAILED');
      // A fresh proof passes on the second instance: it is the id that is refused, not the token.
      await expect(second.verify(dpopRequest(API, token, await mintProof(dpop, token)))).resolves.toBeDefined();
    });
  });
}

const memory = memoryReplayStore();
conformance('memory (one store, two verifiers)', () => [memory, memory]);

conformance('sqlite (one file, two stores opened by path)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zv-replay-'));
  dirs.push(dir);
  const path = join(dir, 'replay.db');
  return [keep(sqliteReplayStore({ path })), keep(sqliteReplayStore({ path }))];
});

conformance("sqlite (an app's own better-sqlite3 handle and a store opened by path)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'zv-replay-'));
  dirs.push(dir);
  const path = join(dir, 'app.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const own = keep(sqliteReplayStore({ database: db }));
  opened.push({ burn: () => Promise.resolve(true), close: () => Promise.resolve(void db.close()) });
  return [own, keep(sqliteReplayStore({ path }))];
});

describe('database stores: a malformed burn is refused on its own, not with its round', () => {
  const stores = (): ClosableReplayStore[] => {
    const dir = mkdtempSync(join(tmpdir(), 'zv-replay-'));
    dirs.push(dir);
    const list = [keep(sqliteReplayStore({ path: join(dir, 'replay.db') }))];
    if (PG_URL !== undefined) list.push(keep(postgresReplayStore({ connectionString: PG_URL, tablePrefix: pgPrefix })));
    return list;
  };
  test('a non-finite expiry or an empty id is INVALID_INPUT; the valid burns of the same round are answered', async () => {
    for (const store of stores()) {
      const id = jti();
      const [bad, empty, good] = await Promise.allSettled([store.burn(jti(), Number.NaN), store.burn('', Date.now() + 60_000), store.burn(id, Date.now() + 60_000)]);
      for (const refused of [bad, empty]) expect(refused?.status === 'rejected' && isZeroVaultError(refused.reason) && refused.reason.code).toBe('INVALID_INPUT');
      expect(good).toEqual({ status: 'fulfilled', value: true });
    }
  });
});

describe('sqlite options', () => {
  test('a path or a database is required', () => {
    for (const bad of [{}, { path: '' }, { database: {} }, null]) {
      let caught: unknown;
      try {
        sqliteReplayStore(bad as never);
      } catch (err) {
        caught = err;
      }
      expect(isZeroVaultError(caught) && caught.code).toBe('INVALID_INPUT');
    }
  });

  test('a file that cannot be opened is STORAGE, on use', async () => {
    const store = keep(sqliteReplayStore({ path: join(tmpdir(), 'zv-no-such-dir', 'x', 'replay.db') }));
    const caught = await store.burn(jti(), Date.now() + 1000).catch((err: unknown) => err);
    expect(isZeroVaultError(caught) && caught.code).toBe('STORAGE');
  });
});

// One table prefix per run: tests never see another run's rows.
const pgPrefix = `zv_t${Date.now().toString(36)}_`;
if (PG_URL !== undefined) {
  conformance('postgres (one database, two pools)', () => [
    keep(postgresReplayStore({ connectionString: PG_URL, tablePrefix: pgPrefix })),
    keep(postgresReplayStore({ connectionString: PG_URL, tablePrefix: pgPrefix })),
  ]);
  conformance("postgres (an app's own pg.Pool and a store opened by connection string)", () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    opened.push({ burn: () => Promise.resolve(true), close: () => pool.end() });
    return [keep(postgresReplayStore({ pool, tablePrefix: pgPrefix })), keep(postgresReplayStore({ connectionString: PG_URL, tablePrefix: pgPrefix }))];
  });
  test('postgres: the burns of one round share one statement (group commit), named on the store’s own pool', async () => {
    const store = keep(postgresReplayStore({ connectionString: PG_URL, tablePrefix: pgPrefix }));
    await store.burn(jti(), Date.now() + 60_000); // opens the pool and creates the table
    const recording = recordQueries();
    let results: boolean[];
    try {
      results = await Promise.all(Array.from({ length: 16 }, () => store.burn(jti(), Date.now() + 60_000)));
    } finally {
      recording.stop();
    }
    expect(results.every(Boolean)).toBe(true);
    const inserts = recording.queries.filter((q) => q.text.includes('INSERT'));
    expect(inserts).toHaveLength(1);
    expect(inserts[0]?.name).toBe(`zerovault_burn_${pgPrefix}replay`);
  });
} else {
  console.warn('\n!!! SKIPPED: PostgreSQL replay store tests (set ZEROVAULT_PG_URL; .ci/run starts a server).\n');
  test.runIf(process.env.CI === 'true')('PostgreSQL is available under CI', () => {
    expect(PG_URL, 'ZEROVAULT_PG_URL must be set in CI').toBeDefined();
  });
}

describe('postgres options', () => {
  test('a connection string or a pool is required, and the prefix is an identifier', () => {
    for (const bad of [{}, { connectionString: '' }, { pool: {} }, { connectionString: 'postgres://x', tablePrefix: 'x; drop' }]) {
      let caught: unknown;
      try {
        postgresReplayStore(bad as never);
      } catch (err) {
        caught = err;
      }
      expect(isZeroVaultError(caught) && caught.code).toBe('INVALID_INPUT');
    }
  });

  test('an unreachable database is STORAGE, on use, without the connection string in the message', async () => {
    const store = keep(postgresReplayStore({ connectionString: 'postgres://user:secret@127.0.0.1:1/db' }));
    const caught = await store.burn(jti(), Date.now() + 1000).catch((err: unknown) => err);
    expect(isZeroVaultError(caught) && caught.code).toBe('STORAGE');
    expect((caught as Error).message).not.toContain('secret');
  });
});
