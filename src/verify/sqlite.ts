/**
 * `sqliteReplayStore({ path } | { database })`: proof ids in a SQLite table,
 * so every process sharing the file refuses a proof another one accepted.
 * With `path` it opens the file with `better-sqlite3` (an optional peer
 * dependency, loaded on first use); with `database` it uses the app's own
 * handle (`better-sqlite3`, or `node:sqlite`'s `DatabaseSync`).
 *
 * One `INSERT ... ON CONFLICT` decides, inside SQLite, whether an id is new:
 * two processes cannot both see it as fresh. Burns are group-committed: one
 * transaction per event-loop round (`server/group-commit.ts`).
 *
 * Durability: a burn is answered only once it is durable. With `path`, the
 * store's own connection commits with `synchronous = NORMAL` and then waits
 * for an fsync of the WAL file on the thread pool (the backend's synced
 * files), so the event loop serves requests meanwhile; as durable as `FULL`,
 * whose fsync ran inside `COMMIT` on the loop. With `database`, the app's
 * handle keeps its own settings (use `synchronous = FULL` for durable burns).
 *
 * @module
 */
import type BetterSqlite3 from 'better-sqlite3';
import { getBackend } from '#backend';
import type { SyncedFile } from '../crypto/backend.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { groupCommit } from '../server/group-commit.js';
import type { ClosableReplayStore } from './types.js';

/** What the store needs of a SQLite handle: `better-sqlite3`'s `Database` and `node:sqlite`'s `DatabaseSync` both fit. */
export interface SqliteDatabaseLike {
  exec(sql: string): unknown;
  prepare(sql: string): { run(...params: (string | number)[]): { changes: number | bigint } };
}

/** Options for {@link sqliteReplayStore}: a file to open, or an open handle. */
export type SqliteReplayStoreOptions =
  | {
      /** Database file path (may be the server store's file: the table name is distinct). */
      path: string;
      /** Milliseconds to wait for another process's write lock; default 5000. */
      busyTimeoutMs?: number;
    }
  | {
      /** An open database the app owns; `close()` leaves it open. */
      database: SqliteDatabaseLike;
    };

const SCHEMA = 'CREATE TABLE IF NOT EXISTS zv_replay (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)';

/** Expired ids are deleted at most this often, in ms. */
const PURGE_INTERVAL_MS = 60_000;

function storageError(cause: unknown): ZeroVaultError {
  if (isZeroVaultError(cause)) return cause;
  return new ZeroVaultError('STORAGE', 'sqlite operation failed', { cause });
}

/**
 * Creates a {@link ReplayStore} on SQLite.
 *
 * @throws `INVALID_INPUT` on bad options; `STORAGE` on first use when `better-sqlite3` is missing or the file cannot be opened
 */
export function sqliteReplayStore(options: SqliteReplayStoreOptions): ClosableReplayStore {
  const given = options !== null && typeof options === 'object' && 'database' in options ? options.database : undefined;
  const path = options !== null && typeof options === 'object' && 'path' in options ? options.path : undefined;
  if (given === undefined && (typeof path !== 'string' || path.length === 0)) {
    throw new ZeroVaultError('INVALID_INPUT', 'give a non-empty path or an open database');
  }
  if (given !== undefined && (typeof given.prepare !== 'function' || typeof given.exec !== 'function')) {
    throw new ZeroVaultError('INVALID_INPUT', 'database must be an open SQLite handle');
  }
  let opened: Promise<{ db: SqliteDatabaseLike; close?: () => void; wal?: SyncedFile }> | undefined;
  const open = (): Promise<{ db: SqliteDatabaseLike; close?: () => void; wal?: SyncedFile }> => {
    opened ??= (async () => {
      if (given !== undefined) {
        given.exec(SCHEMA);
        return { db: given };
      }
      let Database: typeof BetterSqlite3;
      try {
        Database = (await import('better-sqlite3')).default;
      } catch (cause) {
        throw new ZeroVaultError('STORAGE', 'sqliteReplayStore needs the better-sqlite3 package', { cause });
      }
      const db = new Database(path);
      const journal: unknown = db.pragma('journal_mode = WAL', { simple: true });
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor('busyTimeoutMs' in options ? (options.busyTimeoutMs ?? 5000) : 5000))}`);
      db.exec(SCHEMA);
      // Commits without an fsync, each batch then waiting for one off the loop; FULL where that cannot be.
      const synced = getBackend().syncedFiles;
      if (journal === 'wal' && !db.memory && synced !== undefined) {
        db.pragma('synchronous = NORMAL');
        const wal = synced.open(`${db.name}-wal`);
        const close = (): void => {
          db.close();
          wal.close();
        };
        return { db, wal, close };
      }
      db.pragma('synchronous = FULL');
      return { db, close: () => db.close() };
    })().catch((cause: unknown) => {
      opened = undefined; // a later call may retry
      throw storageError(cause);
    });
    return opened;
  };
  let lastPurge = 0;
  // The hot path's statements, prepared once per handle (preparing compiles SQL: per batch it cost
  // as much as the inserts of a small batch).
  type Statement = ReturnType<SqliteDatabaseLike['prepare']>;
  const statements = new WeakMap<SqliteDatabaseLike, Map<string, Statement>>();
  const prepared = (db: SqliteDatabaseLike, sql: string): Statement => {
    let own = statements.get(db);
    if (own === undefined) statements.set(db, (own = new Map<string, Statement>()));
    let statement = own.get(sql);
    if (statement === undefined) own.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  // Group commit (the server's, group-commit.ts): the burns that arrive while the event loop does
  // one round are written in one transaction, so a durable commit is paid per round, not per
  // request. better-sqlite3 blocks the loop while it commits; one commit for many burns keeps that
  // pause from growing with the number of connections. Up to 4 batches wait for their fsyncs while
  // the next ones commit, as the server's SQLite nonces do.
  const burns = groupCommit<{ jti: string; expiresAt: number }, boolean>(
    async (batch) => {
      try {
        const { db, wal } = await open();
        const now = Date.now();
        const insert = prepared(
          db,
          // A row whose time is up may be taken again (its proof's iat is outside the window by then anyway).
          'INSERT INTO zv_replay (jti, expires_at) VALUES (?, ?) ON CONFLICT (jti) DO UPDATE SET expires_at = excluded.expires_at WHERE zv_replay.expires_at <= ?',
        );
        // An app handle that is inside a transaction of its own is written to as it is.
        const own = !(db as { inTransaction?: boolean; isTransaction?: boolean }).inTransaction && !(db as { isTransaction?: boolean }).isTransaction;
        if (own) prepared(db, 'BEGIN IMMEDIATE').run();
        let results: boolean[];
        try {
          if (now - lastPurge >= PURGE_INTERVAL_MS) {
            lastPurge = now;
            prepared(db, 'DELETE FROM zv_replay WHERE expires_at <= ?').run(now);
          }
          // In one transaction a repeated id in the same batch sees the first: only one is fresh.
          results = batch.map(({ jti, expiresAt }) => Number(insert.run(jti, Math.ceil(expiresAt), now).changes) === 1);
          if (own) prepared(db, 'COMMIT').run();
        } catch (cause) {
          if (own) {
            try {
              db.exec('ROLLBACK');
            } catch {
              // the failed statement may have ended the transaction already
            }
          }
          throw cause;
        }
        // Committed; durable once the WAL is synced (a batch arriving meanwhile commits and waits too).
        await wal?.sync();
        return results;
      } catch (cause) {
        throw storageError(cause);
      }
    },
    512,
    4,
  );
  return {
    // Checked here, not in the batch: one bad entry must not fail the other requests' burns.
    burn: (jti, expiresAt) =>
      typeof jti === 'string' && jti.length > 0 && Number.isFinite(expiresAt)
        ? burns.add({ jti, expiresAt })
        : Promise.reject(new ZeroVaultError('INVALID_INPUT', 'a proof id must be a non-empty string and its expiry a finite time')),
    close: async () => {
      if (opened === undefined) return;
      const handle = await opened.catch(() => undefined);
      opened = undefined;
      handle?.close?.();
    },
  };
}
