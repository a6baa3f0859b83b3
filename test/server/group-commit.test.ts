/**
 * Group commit of request nonces (issue 18): the nonces of one event-loop
 * round share one durable transaction, and nothing about replay changes:
 * a nonce is fresh exactly once, across connections and processes sharing
 * the database, and a `true` answer means the row is committed.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { groupCommit } from '../../src/server/group-commit.js';
import { postgresServerStore } from '../../src/server/postgres.js';
import { sqliteServerStore } from '../../src/server/sqlite.js';
import type { ServerStore } from '../../src/server/types.js';

const dirs: string[] = [];
const stores: ServerStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function sqliteFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zv-group-'));
  dirs.push(dir);
  return join(dir, 'zerovault.db');
}

const later = Date.now() + 60_000;
const id = (): string => toBase64url(randomBytes(16));

describe('groupCommit', () => {
  test('the entries of one round are written by one call, each gets its own answer', async () => {
    const calls: number[][] = [];
    const batcher = groupCommit<number, number>((batch) => {
      calls.push([...batch]);
      return batch.map((n) => n * 2);
    });
    const answers = await Promise.all([1, 2, 3, 4].map((n) => batcher.add(n)));
    expect(answers).toEqual([2, 4, 6, 8]);
    expect(calls).toEqual([[1, 2, 3, 4]]);
    expect(await batcher.add(5)).toBe(10);
    expect(calls).toHaveLength(2);
  });

  test('a failed write fails its whole batch and only it', async () => {
    let fail = true;
    const batcher = groupCommit<number, number>((batch) => {
      if (fail) throw new Error('disk full');
      return [...batch];
    });
    const failed = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.add(3)).toBe(3);
  });

  test('an asynchronous writer sees one batch at a time; entries that arrive meanwhile form the next', async () => {
    let running = 0;
    let overlap = false;
    const sizes: number[] = [];
    const batcher = groupCommit<number, number>(async (batch) => {
      running++;
      overlap ||= running > 1;
      sizes.push(batch.length);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      return [...batch];
    });
    const first = [1, 2].map((n) => batcher.add(n));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = [3, 4, 5].map((n) => batcher.add(n));
    expect(await Promise.all([...first, ...second])).toEqual([1, 2, 3, 4, 5]);
    expect(overlap).toBe(false);
    expect(sizes).toEqual([2, 3]);
  });

  test('with concurrency 2, at most two batches are written at once', async () => {
    let running = 0;
    let most = 0;
    const batcher = groupCommit<number, number>(
      async (batch) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running--;
        return [...batch];
      },
      2,
      2,
    );
    expect(await Promise.all(Array.from({ length: 9 }, (_, i) => batcher.add(i)))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(most).toBe(2);
  });

  test('a batch never holds more than maxBatch entries', async () => {
    const sizes: number[] = [];
    const batcher = groupCommit<number, number>((batch) => {
      sizes.push(batch.length);
      return [...batch];
    }, 3);
    await Promise.all(Array.from({ length: 7 }, (_, i) => batcher.add(i)));
    expect(sizes).toEqual([3, 3, 1]);
  });
});

describe('sqlite server store: nonces are group-committed', () => {
  test('sixteen concurrent nonces cost one commit, not sixteen (WAL growth)', async () => {
    const path = sqliteFile();
    const store = sqliteServerStore({ path });
    stores.push(store);
    const session = id();
    expect(await store.rememberNonce(session, 'warm-up', later)).toBe(true);
    const before = statSync(`${path}-wal`).size;
    const fresh = await Promise.all(Array.from({ length: 16 }, (_, i) => store.rememberNonce(session, `n${i}`, later)));
    expect(fresh.every(Boolean)).toBe(true);
    // Each commit appends at least one page frame (4 KiB + header) to the WAL: one transaction, a few.
    expect(statSync(`${path}-wal`).size - before).toBeLessThan(4 * 4120);
  });

  test('blob writes of one round share one commit too; each still gets its own version or CONFLICT', async () => {
    const path = sqliteFile();
    const store = sqliteServerStore({ path });
    stores.push(store);
    const blobs = store.blobs('owner');
    await blobs.put('v', 'warm-up', new Uint8Array(100));
    const before = statSync(`${path}-wal`).size;
    const written = await Promise.all(Array.from({ length: 32 }, (_, i) => blobs.put('v', `r${i}`, new Uint8Array(100).fill(i))));
    expect(written.map((w) => w.version)).toEqual(Array.from({ length: 32 }, () => 1));
    expect(statSync(`${path}-wal`).size - before).toBeLessThan(8 * 4120);
    // Two creations of one record in one round: the first wins, the second is a CONFLICT.
    const race = await Promise.allSettled([blobs.put('v', 'once', utf8('a'), { ifVersion: null }), blobs.put('v', 'once', utf8('b'), { ifVersion: null })]);
    expect(race.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(race[1]).toMatchObject({ reason: { code: 'CONFLICT' } });
    // A write and a delete in one round, in order; another connection sees what was acknowledged.
    await Promise.all([blobs.put('v', 'gone', utf8('x')), blobs.delete('v', 'gone'), blobs.put('v', 'kept', utf8('y'))]);
    const other = new Database(path, { readonly: true });
    try {
      expect(other.prepare("SELECT id, deleted FROM zv_blobs WHERE owner = 'owner' AND id IN ('gone', 'kept', 'once') ORDER BY id").all()).toEqual([
        { id: 'gone', deleted: 1 },
        { id: 'kept', deleted: 0 },
        { id: 'once', deleted: 0 },
      ]);
    } finally {
      other.close();
    }
    expect(await blobs.get('v', 'once')).toEqual({ data: utf8('a'), version: 1 });
  });

  test('a fresh nonce is committed when the answer arrives: another connection sees it', async () => {
    const path = sqliteFile();
    const store = sqliteServerStore({ path });
    stores.push(store);
    const session = id();
    expect(await store.rememberNonce(session, 'n', later)).toBe(true);
    const other = new Database(path, { readonly: true });
    try {
      expect(other.prepare('SELECT COUNT(*) AS n FROM zv_nonces WHERE session_id = ?').get(session)).toEqual({ n: 1 });
    } finally {
      other.close();
    }
  });

  test('a nonce repeated within one batch and across two stores on one file is fresh exactly once', async () => {
    const path = sqliteFile();
    const a = sqliteServerStore({ path });
    const b = sqliteServerStore({ path });
    stores.push(a, b);
    const session = id();
    await Promise.all([a.rememberNonce(session, 'warm', later), b.rememberNonce(session, 'warm-b', later)]);
    const race = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).rememberNonce(session, 'same', later)));
    expect(race.filter(Boolean)).toHaveLength(1);
    expect(await a.rememberNonce(session, 'same', later)).toBe(false);
    expect(await b.rememberNonce(session, 'same', later)).toBe(false);
  });
});

const PG_URL = process.env.ZEROVAULT_PG_URL;
describe.runIf(PG_URL !== undefined)('postgres server store: nonces are group-committed', () => {
  test('a nonce repeated within one batch and across two stores is fresh exactly once', async () => {
    const prefix = `zv_g${Date.now().toString(36)}_`;
    const a = postgresServerStore({ connectionString: PG_URL as string, tablePrefix: prefix });
    const b = postgresServerStore({ connectionString: PG_URL as string, tablePrefix: prefix });
    stores.push(a, b);
    const session = id();
    await Promise.all([a.rememberNonce(session, 'warm', later), b.rememberNonce(session, 'warm-b', later)]);
    const race = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).rememberNonce(session, 'same', later)));
    expect(race.filter(Boolean)).toHaveLength(1);
    const mixed = await Promise.all([a.rememberNonce(session, 'x', later), a.rememberNonce(session, 'y', later), a.rememberNonce(session, 'x', later)]);
    expect(mixed.filter(Boolean)).toHaveLength(2);
    expect(mixed[1]).toBe(true);
  });
});
