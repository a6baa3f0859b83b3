/**
 * The SQLite stores answer a nonce (or a DPoP proof id) only once an fsync
 * of the WAL that started after its commit is done (issue 18; the backend's
 * synced files, `crypto/backend-node-sync.ts`). Here every fsync is held at
 * a gate the test opens: while it is closed, nothing is acknowledged, yet
 * the row is already committed (another connection sees it, so a replay is
 * refused at once). Blob writes keep `synchronous = FULL` and never wait at
 * the gate.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, test, vi } from 'vitest';
import type { SyncedFiles } from '../../src/crypto/backend.js';
import type * as NodeSync from '../../src/crypto/backend-node-sync.js';
import { sqliteServerStore } from '../../src/server/sqlite.js';
import type { ServerStore } from '../../src/server/types.js';
import { sqliteReplayStore } from '../../src/verify/sqlite.js';

/** The files opened for syncing, and the fsyncs waiting at the gate. */
const gate = vi.hoisted(() => ({ opened: [] as string[], waiting: [] as (() => void)[], closed: false }));

vi.mock('../../src/crypto/backend-node-sync.js', async (importOriginal) => {
  const real = await importOriginal<typeof NodeSync>();
  const held: SyncedFiles = {
    open(path) {
      gate.opened.push(path);
      const file = real.nodeSyncedFiles.open(path);
      return {
        sync: async () => {
          if (gate.closed) await new Promise<void>((resolve) => gate.waiting.push(resolve));
          await file.sync();
        },
        close: () => file.close(),
      };
    },
  };
  return { ...real, nodeSyncedFiles: held };
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function file(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'zv-walsync-'));
  dirs.push(dir);
  return join(dir, name);
}

/** Resolves after a few rounds of the event loop (a commit and an fsync would have finished by then). */
const rounds = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

function open(): void {
  gate.closed = false;
  for (const release of gate.waiting.splice(0)) release();
}

describe('SQLite: acknowledged only after the WAL fsync', () => {
  test('server store: a nonce waits for the fsync, is visible at its commit, and blob writes do not wait', async () => {
    const path = file('server.db');
    const store: ServerStore = sqliteServerStore({ path });
    try {
      const now = Date.now();
      await store.createSession({ id: 'session-aaaaaaaaaaaa', userId: 'u', sealedMacKey: new Uint8Array(44), createdAt: now, expiresAt: now + 3_600_000 });
      expect(await store.rememberNonce('session-aaaaaaaaaaaa', 'warm-up', now + 60_000)).toBe(true);
      expect(gate.opened).toContain(`${path}-wal`);

      gate.closed = true;
      let answered = false;
      const pending = store.useNonce?.('session-aaaaaaaaaaaa', 'n1', now + 60_000, now).then((r) => {
        answered = true;
        return r;
      });
      await rounds();
      expect(answered).toBe(false);
      expect(gate.waiting.length).toBeGreaterThan(0);
      const other = new Database(path, { readonly: true });
      try {
        expect(other.prepare("SELECT COUNT(*) AS n FROM zv_nonces WHERE nonce = 'n1'").get()).toEqual({ n: 1 });
      } finally {
        other.close();
      }
      // A blob write commits with FULL on its own: the closed gate does not hold it.
      expect(await store.blobs('u').put('v', 'r', new Uint8Array([1, 2, 3]))).toEqual({ version: 1 });
      expect(answered).toBe(false);

      open();
      expect(await pending).toMatchObject({ fresh: true, session: { id: 'session-aaaaaaaaaaaa' } });
      expect(await store.rememberNonce('session-aaaaaaaaaaaa', 'n1', now + 60_000)).toBe(false);
    } finally {
      open();
      await store.close();
    }
  });

  test('replay store with a path: a burn waits for the fsync; with the app handle it does not sync', async () => {
    const path = file('app.db');
    const replay = sqliteReplayStore({ path });
    try {
      expect(await replay.burn('warm-up-0123456789abcdef', Date.now() + 60_000)).toBe(true);
      expect(gate.opened).toContain(`${path}-wal`);
      gate.closed = true;
      let answered = false;
      const pending = replay.burn('proof-0123456789abcdefghij', Date.now() + 60_000).then((fresh) => {
        answered = true;
        return fresh;
      });
      await rounds();
      expect(answered).toBe(false);
      open();
      expect(await pending).toBe(true);
      expect(await replay.burn('proof-0123456789abcdefghij', Date.now() + 60_000)).toBe(false);
    } finally {
      open();
      await replay.close();
    }

    const before = gate.opened.length;
    const db = new Database(file('own.db'));
    db.pragma('journal_mode = WAL');
    const own = sqliteReplayStore({ database: db });
    try {
      gate.closed = true;
      expect(await own.burn('own-0123456789abcdefghijkl', Date.now() + 60_000)).toBe(true);
      expect(gate.opened.length).toBe(before);
    } finally {
      open();
      await own.close();
      db.close();
    }
  });
});
