/**
 * `postgresReplayStore({ connectionString } | { pool })`: proof ids in a
 * PostgreSQL table, for many stateless instances. With `connectionString` it
 * opens a pool with `pg` (an optional peer dependency, loaded on first use);
 * with `pool` it uses the app's own (`pg.Pool` or anything with its `query`).
 *
 * One `INSERT ... ON CONFLICT` decides whether an id is new, so two instances
 * cannot both accept the same proof. Burns are group-committed, as the
 * server's request nonces are: the ids of one event-loop round go in one
 * statement (one round trip, one commit), each caller still waiting for it.
 *
 * @module
 */
import type { Pool, PoolConfig } from 'pg';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { groupCommit } from '../server/group-commit.js';
import type { ClosableReplayStore } from './types.js';

/** What the store needs of a pool: `pg.Pool` fits. */
export interface PostgresPoolLike {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null; rows: unknown[] }>;
}

/** Burns written at most in one statement (a bound on its size). */
const MAX_BATCH = 512;
/** Batches in flight at once: a round trip, not the database, is what a batch waits for. */
const BATCHES_IN_FLIGHT = 4;

/** Options for {@link postgresReplayStore}: a database to connect to, or an open pool. */
export type PostgresReplayStoreOptions =
  | {
      /** A `postgres://` connection string. */
      connectionString: string;
      /** Largest number of pooled connections per process; default 4. */
      maxConnections?: number;
      /** Prefix of the table name, to share a database with an app; default `zv_`. */
      tablePrefix?: string;
    }
  | {
      /** A pool the app owns; `close()` leaves it open. */
      pool: PostgresPoolLike;
      /** Prefix of the table name; default `zv_`. */
      tablePrefix?: string;
    };

/** Expired ids are deleted at most this often per process, in ms. */
const PURGE_INTERVAL_MS = 60_000;

function storageError(cause: unknown): ZeroVaultError {
  if (isZeroVaultError(cause)) return cause;
  return new ZeroVaultError('STORAGE', 'postgres operation failed', { cause });
}

/**
 * Creates a {@link ReplayStore} on PostgreSQL. The table is created on first use.
 *
 * @throws `INVALID_INPUT` on bad options; `STORAGE` on first use when `pg` is missing or the database is unreachable
 */
export function postgresReplayStore(options: PostgresReplayStoreOptions): ClosableReplayStore {
  const given = options !== null && typeof options === 'object' && 'pool' in options ? options.pool : undefined;
  const connectionString = options !== null && typeof options === 'object' && 'connectionString' in options ? options.connectionString : undefined;
  if (given === undefined && (typeof connectionString !== 'string' || connectionString.length === 0)) {
    throw new ZeroVaultError('INVALID_INPUT', 'give a non-empty connectionString or a pool');
  }
  if (given !== undefined && typeof given.query !== 'function') throw new ZeroVaultError('INVALID_INPUT', 'pool must have a query method');
  const p = options.tablePrefix ?? 'zv_';
  if (!/^[a-z_][a-z0-9_]{0,30}$/.test(p)) throw new ZeroVaultError('INVALID_INPUT', 'tablePrefix must be a lower-case SQL identifier prefix');
  const table = `${p}replay`;

  let ready: Promise<{ pool: PostgresPoolLike; own?: Pool; end?: () => Promise<void> }> | undefined;
  const open = (): Promise<{ pool: PostgresPoolLike; own?: Pool; end?: () => Promise<void> }> => {
    ready ??= (async () => {
      let pool: PostgresPoolLike = given as PostgresPoolLike;
      let own: Pool | undefined;
      let end: (() => Promise<void>) | undefined;
      if (given === undefined) {
        let PoolClass: new (config: PoolConfig) => Pool;
        try {
          const pg = await import('pg');
          PoolClass = (pg.default ?? pg).Pool;
        } catch (cause) {
          throw new ZeroVaultError('STORAGE', 'postgresReplayStore needs the pg package', { cause });
        }
        const created = new PoolClass({ connectionString, max: 'maxConnections' in options ? (options.maxConnections ?? 4) : 4 });
        pool = created;
        own = created;
        end = () => created.end();
      }
      // One simple-protocol query is one implicit transaction: the advisory lock serialises
      // instances creating the table together (a bare CREATE IF NOT EXISTS can race).
      await pool.query(`SELECT pg_advisory_xact_lock(7316002); CREATE TABLE IF NOT EXISTS ${table} (jti TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)`);
      return own === undefined || end === undefined ? { pool } : { pool, own, end };
    })().catch((cause: unknown) => {
      ready = undefined; // a later call may retry a failed connection
      throw storageError(cause);
    });
    return ready;
  };
  let lastPurge = 0;
  // A row whose time is up may be taken again (its proof's iat is outside the window by then anyway).
  const insert = `INSERT INTO ${table} (jti, expires_at) SELECT * FROM unnest($1::text[], $2::bigint[])
    ON CONFLICT (jti) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE ${table}.expires_at <= $3 RETURNING jti`;
  const burns = groupCommit<{ jti: string; expiresAt: number }, boolean>(
    async (batch) => {
      try {
        const { pool, own } = await open();
        const now = Date.now();
        if (now - lastPurge >= PURGE_INTERVAL_MS) {
          lastPurge = now;
          await pool.query(`DELETE FROM ${table} WHERE expires_at <= $1`, [now]);
        }
        // One row per id: ON CONFLICT DO UPDATE may not touch a row twice in one statement, and an
        // id repeated within the batch is a replay of its first occurrence whatever the database says.
        const first = new Map<string, number>();
        batch.forEach(({ jti }, i) => {
          if (!first.has(jti)) first.set(jti, i);
        });
        const ids = [...first.keys()];
        const values = [ids, ids.map((id) => Math.ceil((batch[first.get(id) as number] as { expiresAt: number }).expiresAt)), now];
        // Named (planned once per connection) on the store's own pool; an app's pool gets plain text.
        const { rows } = own !== undefined ? await own.query({ name: `zerovault_burn_${table}`, text: insert, values }) : await pool.query(insert, values);
        const fresh = new Set(rows.map((row) => (row as { jti: unknown }).jti));
        return batch.map(({ jti }, i) => first.get(jti) === i && fresh.has(jti));
      } catch (cause) {
        throw storageError(cause);
      }
    },
    MAX_BATCH,
    BATCHES_IN_FLIGHT,
  );
  return {
    // Checked here, not in the batch: one bad entry must not fail the other requests' burns.
    burn: (jti, expiresAt) =>
      typeof jti === 'string' && jti.length > 0 && Number.isFinite(expiresAt)
        ? burns.add({ jti, expiresAt })
        : Promise.reject(new ZeroVaultError('INVALID_INPUT', 'a proof id must be a non-empty string and its expiry a finite time')),
    close: async () => {
      if (ready === undefined) return;
      const handle = await ready.catch(() => undefined);
      ready = undefined;
      await handle?.end?.();
    },
  };
}
