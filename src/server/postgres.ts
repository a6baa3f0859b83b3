/**
 * `postgresServerStore({ connectionString })`: the scale-out path. Many stateless
 * server processes share one PostgreSQL database; everything a request needs
 * (pending logins, sessions, replay nonces, rate-limit buckets, blobs) lives
 * there, and every state change is one atomic statement.
 *
 * Uses `pg` (an optional peer dependency, loaded on first use). Record ids
 * are compared with `COLLATE "C"` so listing order is byte order whatever the
 * database locale is.
 *
 * The schema upgrades an existing database in place on first use, under the
 * same advisory lock that serialises its creation: columns added since (a
 * session's device, `amr`, pending MFA state and passkey; a grant's first
 * grant time, expiry and last access) come with `ADD COLUMN IF NOT EXISTS`.
 *
 * @module
 */
import type { Pool, PoolConfig, QueryConfig } from 'pg';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import type { BlobStore, ListPage } from '../store/types.js';
import { assertData, assertName, conflict, parseDeleteOptions, parseListOptions, parsePutOptions } from '../store/types.js';
import { amrFromColumn, amrToColumn } from './device-store.js';
import { postgresDevices, type Transaction } from './postgres-devices.js';
import { postgresGrants } from './postgres-grants.js';
import { postgresPasskeys } from './postgres-passkeys.js';
import { postgresMfa } from './postgres-mfa.js';
import { postgresLog, postgresLogSchema } from './postgres-log.js';
import { pendingFromColumn } from './mfa-store.js';
import { groupCommit } from './group-commit.js';
import { bytes, int, textOrNull } from './postgres-values.js';
import { IDLE_BUCKET_MS, type BucketPolicy, type ServerStore, type StoredSession } from './types.js';

/** Options for {@link postgresServerStore}. */
export interface PostgresServerStoreOptions {
  /** A `postgres://` connection string. */
  connectionString: string;
  /** Largest number of pooled connections per process; default 10. */
  maxConnections?: number;
  /** Prefix for table names, to share a database with an app; default `zv_`. */
  tablePrefix?: string;
  /**
   * Run the request path's statements as named (server-side prepared) statements; default true.
   * Set false behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
   */
  preparedStatements?: boolean;
}

function schema(p: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${p}users (user_id TEXT COLLATE "C" PRIMARY KEY, record BYTEA NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ${p}pending (id TEXT PRIMARY KEY, data BYTEA NOT NULL, expires_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ${p}sessions (id TEXT PRIMARY KEY, user_id TEXT COLLATE "C" NOT NULL, sealed_mac_key BYTEA NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, device_id TEXT COLLATE "C", amr TEXT, mfa TEXT, mfa_tries INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS ${p}sessions_user ON ${p}sessions (user_id);
CREATE TABLE IF NOT EXISTS ${p}nonces (session_id TEXT NOT NULL, nonce TEXT NOT NULL, expires_at BIGINT NOT NULL, PRIMARY KEY (session_id, nonce));
CREATE TABLE IF NOT EXISTS ${p}buckets (key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, updated_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ${p}blobs (owner TEXT COLLATE "C" NOT NULL, vault TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, version BIGINT NOT NULL, data BYTEA, deleted BOOLEAN NOT NULL DEFAULT FALSE, PRIMARY KEY (owner, vault, id));
CREATE TABLE IF NOT EXISTS ${p}key_events (user_id TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL, event BYTEA NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (user_id, seq));
CREATE TABLE IF NOT EXISTS ${p}grants (owner TEXT COLLATE "C" NOT NULL, vault TEXT COLLATE "C" NOT NULL, grantee TEXT COLLATE "C" NOT NULL, role TEXT NOT NULL CHECK (role IN ('read', 'write')), data BYTEA NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (owner, vault, grantee));
CREATE INDEX IF NOT EXISTS ${p}grants_grantee ON ${p}grants (grantee, owner, vault);
CREATE TABLE IF NOT EXISTS ${p}devices (user_id TEXT COLLATE "C" NOT NULL, id TEXT COLLATE "C" NOT NULL, name TEXT NOT NULL, signing_key BYTEA NOT NULL, created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL, last_address TEXT, PRIMARY KEY (user_id, id));
-- Upgrades a database created before devices, in place.
ALTER TABLE ${p}sessions ADD COLUMN IF NOT EXISTS device_id TEXT COLLATE "C";
ALTER TABLE ${p}sessions ADD COLUMN IF NOT EXISTS amr TEXT;
CREATE INDEX IF NOT EXISTS ${p}sessions_device ON ${p}sessions (user_id, device_id);
-- Upgrades a database created before passkeys, in place.
CREATE TABLE IF NOT EXISTS ${p}passkeys (id TEXT COLLATE "C" PRIMARY KEY, user_id TEXT COLLATE "C" NOT NULL, name TEXT NOT NULL, public_key BYTEA NOT NULL, user_handle TEXT NOT NULL, counter BIGINT NOT NULL, transports TEXT NOT NULL, created_at BIGINT NOT NULL, last_seen_at BIGINT NOT NULL, last_address TEXT);
CREATE INDEX IF NOT EXISTS ${p}passkeys_user ON ${p}passkeys (user_id, created_at, id);
ALTER TABLE ${p}sessions ADD COLUMN IF NOT EXISTS passkey_id TEXT COLLATE "C";
CREATE INDEX IF NOT EXISTS ${p}sessions_passkey ON ${p}sessions (user_id, passkey_id);
-- Upgrades a database created before grant expiry and access review, in place.
ALTER TABLE ${p}grants ADD COLUMN IF NOT EXISTS granted_at BIGINT;
ALTER TABLE ${p}grants ADD COLUMN IF NOT EXISTS expires_at BIGINT;
ALTER TABLE ${p}grants ADD COLUMN IF NOT EXISTS last_access_at BIGINT;
-- Upgrades a database created before second factors, in place.
ALTER TABLE ${p}sessions ADD COLUMN IF NOT EXISTS mfa TEXT;
ALTER TABLE ${p}sessions ADD COLUMN IF NOT EXISTS mfa_tries INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS ${p}mfa (user_id TEXT COLLATE "C" PRIMARY KEY, totp_secret BYTEA, totp_confirmed BOOLEAN NOT NULL DEFAULT FALSE, totp_last_step BIGINT, strict BOOLEAN NOT NULL DEFAULT FALSE, updated_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS ${p}recovery_codes (user_id TEXT COLLATE "C" NOT NULL, code_hash BYTEA NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (user_id, code_hash));
-- Upgrades a database created before the security log, in place.
${postgresLogSchema(p)}`;
}

/**
 * The `users` key of a credential. The recovery credential's key is
 * `userId ‖ 0x00 ‖ "recovery"` (account-routes.ts), and PostgreSQL text cannot
 * hold a NUL: this store writes 0x01 in its place, which no normalized user
 * id holds either (no control characters), so the mapping stays one-to-one.
 * The key itself cannot change: it is also the OPAQUE credential identifier
 * the recovery credential's OPRF key was derived under.
 */
function credentialKey(id: string): string {
  return id.replaceAll('\u0000', '\u0001');
}

function storageError(cause: unknown): ZeroVaultError {
  if (isZeroVaultError(cause)) return cause;
  return new ZeroVaultError('STORAGE', 'postgres operation failed', { cause });
}

/** The session columns {@link sessionOf} reads, listed wherever a session row is selected. */
const SESSION_COLUMNS = ['id', 'user_id', 'sealed_mac_key', 'created_at', 'expires_at', 'device_id', 'amr', 'mfa', 'passkey_id'] as const;

function sessionOf(row: Record<string, unknown>): StoredSession {
  const deviceId = textOrNull(row.device_id);
  const amr = textOrNull(row.amr);
  const passkeyId = textOrNull(row.passkey_id);
  const mfa = pendingFromColumn(textOrNull(row.mfa));
  return {
    id: String(row.id),
    userId: String(row.user_id),
    sealedMacKey: bytes(row.sealed_mac_key),
    createdAt: int(row.created_at),
    expiresAt: int(row.expires_at),
    ...(deviceId === null ? {} : { deviceId }),
    ...(passkeyId === null ? {} : { passkeyId }),
    ...(amr === null ? {} : { amr: amrFromColumn(amr) }),
    ...(mfa === undefined ? {} : { mfa }),
  };
}

/**
 * Creates a {@link ServerStore} on PostgreSQL. Tables are created on first use.
 *
 * @throws `STORAGE` on first use when `pg` is not installed or the database is unreachable
 */
export function postgresServerStore(options: PostgresServerStoreOptions): ServerStore {
  if (typeof options?.connectionString !== 'string' || options.connectionString.length === 0) {
    throw new ZeroVaultError('INVALID_INPUT', 'connectionString must be a non-empty string');
  }
  const p = options.tablePrefix ?? 'zv_';
  if (!/^[a-z_][a-z0-9_]{0,30}$/.test(p)) throw new ZeroVaultError('INVALID_INPUT', 'tablePrefix must be a lower-case SQL identifier prefix');

  let ready: Promise<Pool> | undefined;
  const pool = (): Promise<Pool> => {
    ready ??= (async () => {
      let PoolClass: new (config: PoolConfig) => Pool;
      try {
        const pg = await import('pg');
        PoolClass = (pg.default ?? pg).Pool;
      } catch (cause) {
        throw new ZeroVaultError('STORAGE', 'postgresServerStore needs the pg package', { cause });
      }
      const created = new PoolClass({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
      // Serialise schema creation across processes starting together.
      const client = await created.connect();
      try {
        await client.query('SELECT pg_advisory_lock(7316001)');
        await client.query(schema(p));
      } finally {
        await client.query('SELECT pg_advisory_unlock(7316001)').catch(() => undefined);
        client.release();
      }
      return created;
    })();
    ready.catch(() => {
      ready = undefined; // let a later call retry a failed connection
    });
    return ready;
  };
  // The request path's statements run named: PostgreSQL parses and plans an unnamed statement on
  // every call, a named one once per pooled connection. Planning the nonce statement cost more than
  // the rest of a verified request (issue 18: verified PUT 0.69-0.79x -> 1.11-1.20x the plain PUT,
  // GET 0.59-0.62x -> 1.11-1.20x, docs/operations.md). Only statements with explicit column lists
  // are named: a prepared `SELECT *` fails once a newer instance adds a column.
  const named = options.preparedStatements !== false;
  const config = (text: string, values: unknown[], name: string | undefined): QueryConfig => (named && name !== undefined ? { name: `zerovault_${name}`, text, values } : { text, values });
  const query = async (text: string, values: unknown[], name?: string): Promise<Record<string, unknown>[]> => {
    try {
      const result = await (await pool()).query(config(text, values, name));
      return result.rows as Record<string, unknown>[];
    } catch (cause) {
      throw storageError(cause);
    }
  };
  const affected = async (text: string, values: unknown[], name?: string): Promise<number> => {
    try {
      return (await (await pool()).query(config(text, values, name))).rowCount ?? 0;
    } catch (cause) {
      throw storageError(cause);
    }
  };

  /** Runs `body` in one transaction on one pooled connection; rolls back on any error. */
  const transaction: Transaction = async (body) => {
    const client = await (await pool()).connect().catch((cause: unknown) => {
      throw storageError(cause);
    });
    try {
      await client.query('BEGIN');
      const result = await body(async (text, values) => {
        const r = await client.query(text, values);
        return { rows: r.rows as Record<string, unknown>[], rowCount: r.rowCount ?? 0 };
      });
      await client.query('COMMIT');
      return result;
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw storageError(cause);
    } finally {
      client.release();
    }
  };

  const blobStore = (owner: string): BlobStore => ({
    async get(vault, id) {
      assertName(vault, 'vault');
      assertName(id, 'id');
      const rows = await query(`SELECT version, data FROM ${p}blobs WHERE owner = $1 AND vault = $2 AND id = $3 AND NOT deleted`, [owner, vault, id], 'blob_get');
      const row = rows[0];
      return row === undefined ? null : { data: bytes(row.data), version: int(row.version) };
    },
    async put(vault, id, data, putOptions) {
      assertName(vault, 'vault');
      assertName(id, 'id');
      assertData(data);
      const ifVersion = parsePutOptions(putOptions);
      const copy = Buffer.from(data);
      let rows: Record<string, unknown>[];
      if (ifVersion === undefined) {
        rows = await query(
          `INSERT INTO ${p}blobs (owner, vault, id, version, data, deleted) VALUES ($1, $2, $3, 1, $4, FALSE)
           ON CONFLICT (owner, vault, id) DO UPDATE SET version = ${p}blobs.version + 1, data = EXCLUDED.data, deleted = FALSE
           RETURNING version`,
          [owner, vault, id, copy],
          'blob_put',
        );
      } else if (ifVersion === null) {
        rows = await query(
          `INSERT INTO ${p}blobs (owner, vault, id, version, data, deleted) VALUES ($1, $2, $3, 1, $4, FALSE)
           ON CONFLICT (owner, vault, id) DO UPDATE SET version = ${p}blobs.version + 1, data = EXCLUDED.data, deleted = FALSE
           WHERE ${p}blobs.deleted
           RETURNING version`,
          [owner, vault, id, copy],
          'blob_create',
        );
      } else {
        rows = await query(
          `UPDATE ${p}blobs SET version = version + 1, data = $1, deleted = FALSE
           WHERE owner = $2 AND vault = $3 AND id = $4 AND version = $5 AND NOT deleted
           RETURNING version`,
          [copy, owner, vault, id, ifVersion],
          'blob_update',
        );
      }
      const row = rows[0];
      if (row === undefined) throw conflict();
      return { version: int(row.version) };
    },
    async delete(vault, id, deleteOptions) {
      assertName(vault, 'vault');
      assertName(id, 'id');
      const ifVersion = parseDeleteOptions(deleteOptions);
      if (ifVersion === undefined) {
        await affected(`UPDATE ${p}blobs SET deleted = TRUE, data = NULL WHERE owner = $1 AND vault = $2 AND id = $3 AND NOT deleted`, [owner, vault, id], 'blob_delete');
        return;
      }
      const count = await affected(
        `UPDATE ${p}blobs SET deleted = TRUE, data = NULL WHERE owner = $1 AND vault = $2 AND id = $3 AND version = $4 AND NOT deleted`,
        [owner, vault, id, ifVersion],
        'blob_delete_if',
      );
      if (count === 0) throw conflict();
    },
    async list(vault, listOptions): Promise<ListPage> {
      assertName(vault, 'vault');
      const { after, limit } = parseListOptions(listOptions);
      const rows = await query(
        `SELECT id, version FROM ${p}blobs WHERE owner = $1 AND vault = $2 AND NOT deleted AND id > $3 ORDER BY id LIMIT $4`,
        [owner, vault, after ?? '', limit + 1],
        'blob_list',
      );
      const items = rows.slice(0, limit).map((r) => ({ id: String(r.id), version: int(r.version) }));
      return rows.length > limit ? { items, next: items[items.length - 1]?.id as string } : { items };
    },
  });

  // Every verified request records its nonce: the nonces of one event-loop round go in one
  // statement (group-commit.ts), one round trip and one commit instead of one each. The
  // database still decides: a row the insert returns is new, everything else was seen.
  // An entry with `now` (useNonce) is inserted only if its session is live in the statement's
  // snapshot, and gets that session's row back: no separate read, and no write for a session
  // revoked before the statement ran.
  type NonceEntry = { sessionId: string; nonce: string; expiresAt: number; now?: number };
  const nonces = groupCommit<NonceEntry, { session: StoredSession | null; fresh: boolean }>(async (batch) => {
    const rows = await query(
      `WITH n AS (SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) WITH ORDINALITY AS n (sid, nonce, exp, at, ord)),
       s AS (SELECT DISTINCT ON (n.sid) ${SESSION_COLUMNS.map((c) => `${p}sessions.${c}`).join(', ')} FROM n JOIN ${p}sessions ON ${p}sessions.id = n.sid AND n.at IS NOT NULL AND ${p}sessions.expires_at > n.at),
       ins AS (INSERT INTO ${p}nonces (session_id, nonce, expires_at)
         SELECT n.sid, n.nonce, n.exp FROM n WHERE n.at IS NULL OR EXISTS (SELECT 1 FROM s WHERE s.id = n.sid AND s.expires_at > n.at)
         ON CONFLICT DO NOTHING RETURNING session_id, nonce)
       SELECT n.ord, n.sid AS n_sid, n.nonce AS n_nonce, (ins.nonce IS NOT NULL) AS inserted,
         s.id, s.user_id, s.sealed_mac_key, s.created_at, s.expires_at, s.device_id, s.amr, s.mfa, s.passkey_id
       FROM n LEFT JOIN s ON s.id = n.sid AND n.at IS NOT NULL AND s.expires_at > n.at
       LEFT JOIN ins ON ins.session_id = n.sid AND ins.nonce = n.nonce
       ORDER BY n.ord`,
      [batch.map((n) => n.sessionId), batch.map((n) => n.nonce), batch.map((n) => n.expiresAt), batch.map((n) => n.now ?? null)],
      'nonces',
    );
    // A pair repeated within the batch is inserted once: only its first entry is fresh.
    const taken = new Set<string>();
    return batch.map((n, i) => {
      const row = rows[i];
      if (row === undefined) throw new ZeroVaultError('STORAGE', 'postgres returned too few rows');
      const live = n.now === undefined || row.id !== null;
      const pair = `${n.sessionId} ${n.nonce}`;
      const fresh = live && row.inserted === true && !taken.has(pair);
      if (fresh) taken.add(pair);
      return { session: n.now === undefined || row.id === null ? null : sessionOf(row), fresh };
    });
    // A few batches in flight at once: a round trip, not the database, is what a batch waits for.
  }, 512, 4);

  return {
    async getUserRecord(userId) {
      const rows = await query(`SELECT record FROM ${p}users WHERE user_id = $1`, [credentialKey(userId)]);
      return rows[0] === undefined ? null : bytes(rows[0].record);
    },
    async createUser(userId, record, now) {
      const count = await affected(
        `INSERT INTO ${p}users (user_id, record, created_at, updated_at) VALUES ($1, $2, $3, $3) ON CONFLICT (user_id) DO NOTHING`,
        [credentialKey(userId), Buffer.from(record), now],
      );
      if (count === 0) throw new ZeroVaultError('CONFLICT', 'user exists');
    },
    async updateUserRecord(userId, record, now) {
      const count = await affected(`UPDATE ${p}users SET record = $1, updated_at = $2 WHERE user_id = $3`, [Buffer.from(record), now, credentialKey(userId)]);
      if (count === 0) throw new ZeroVaultError('NOT_FOUND', 'user not found');
    },
    async putPending(id, sealed, expiresAt) {
      await affected(`INSERT INTO ${p}pending (id, data, expires_at) VALUES ($1, $2, $3)`, [id, Buffer.from(sealed), expiresAt]);
    },
    async takePending(id, now) {
      const rows = await query(`DELETE FROM ${p}pending WHERE id = $1 RETURNING data, expires_at`, [id]);
      const row = rows[0];
      return row === undefined || int(row.expires_at) <= now ? null : bytes(row.data);
    },
    async createSession(session) {
      await affected(`INSERT INTO ${p}sessions (id, user_id, sealed_mac_key, created_at, expires_at, device_id, amr, mfa, passkey_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
        session.id,
        session.userId,
        Buffer.from(session.sealedMacKey),
        session.createdAt,
        session.expiresAt,
        session.deviceId ?? null,
        amrToColumn(session.amr),
        session.mfa ?? null,
        session.passkeyId ?? null,
      ]);
    },
    async getSession(id, now) {
      const rows = await query(`SELECT ${SESSION_COLUMNS.join(', ')} FROM ${p}sessions WHERE id = $1 AND expires_at > $2`, [id, now], 'session_get');
      const row = rows[0];
      return row === undefined ? null : sessionOf(row);
    },
    async extendSession(id, expiresAt) {
      await affected(`UPDATE ${p}sessions SET expires_at = $2 WHERE id = $1 AND expires_at < $2`, [id, expiresAt], 'session_extend');
    },
    async deleteSession(id) {
      await affected(`DELETE FROM ${p}sessions WHERE id = $1`, [id]);
    },
    async deleteUserSessions(userId, exceptId) {
      await affected(`DELETE FROM ${p}sessions WHERE user_id = $1 AND id <> $2`, [userId, exceptId ?? '']);
    },
    rememberNonce: async (sessionId, nonce, expiresAt) => (await nonces.add({ sessionId, nonce, expiresAt })).fresh,
    useNonce: (sessionId, nonce, expiresAt, now) => nonces.add({ sessionId, nonce, expiresAt, now }),
    async takeToken(key: string, policy: BucketPolicy, now: number, cost = 1) {
      // One statement: refill and take under the row lock the upsert holds.
      const refilled = `LEAST($2::double precision, ${p}buckets.tokens + GREATEST(0, $4::bigint - ${p}buckets.updated_at)::double precision / $5::double precision)`;
      const rows = await query(
        `INSERT INTO ${p}buckets (key, tokens, updated_at) VALUES ($1, LEAST($2::double precision, $2::double precision - $3::double precision), $4)
         ON CONFLICT (key) DO UPDATE SET tokens = LEAST($2::double precision, ${refilled} - $3::double precision), updated_at = $4
         WHERE $3::double precision <= 0 OR ${refilled} >= $3::double precision
         RETURNING tokens`,
        [key, policy.capacity, cost, now, policy.refillMs],
      );
      if (rows.length > 0) return { allowed: true, retryAfterMs: 0 };
      const current = await query(`SELECT tokens, updated_at FROM ${p}buckets WHERE key = $1`, [key]);
      const row = current[0];
      const tokens = row === undefined ? 0 : Math.min(policy.capacity, Number(row.tokens) + Math.max(0, now - int(row.updated_at)) / policy.refillMs);
      return { allowed: false, retryAfterMs: Math.ceil((cost - tokens) * policy.refillMs) };
    },
    blobs: (userId) => blobStore(userId),
    async appendKeyEvent(userId, seq, event, now) {
      // Only the next number; a concurrent append of the same number loses on the primary key.
      const count = await affected(
        `INSERT INTO ${p}key_events (user_id, seq, event, created_at)
         SELECT $1, $2, $3, $4 WHERE (SELECT COUNT(*) FROM ${p}key_events WHERE user_id = $1) = $2::bigint - 1
         ON CONFLICT DO NOTHING`,
        [userId, seq, Buffer.from(event), now],
      );
      if (count === 0) throw new ZeroVaultError('CONFLICT', 'key log changed');
    },
    async getKeyEvents(userId) {
      const rows = await query(`SELECT event FROM ${p}key_events WHERE user_id = $1 ORDER BY seq`, [userId]);
      return rows.map((r) => bytes(r.event));
    },
    ...postgresGrants({ prefix: p, query, affected }),
    ...postgresDevices({ prefix: p, query, transaction }),
    ...postgresPasskeys({ prefix: p, query, transaction }),
    ...postgresMfa({ prefix: p, query, transaction }),
    ...postgresLog({ prefix: p, query }),
    async purgeExpired(now) {
      await affected(`DELETE FROM ${p}pending WHERE expires_at <= $1`, [now]);
      await affected(`DELETE FROM ${p}sessions WHERE expires_at <= $1`, [now]);
      await affected(`DELETE FROM ${p}nonces WHERE expires_at <= $1`, [now]);
      await affected(`DELETE FROM ${p}buckets WHERE updated_at <= $1`, [now - IDLE_BUCKET_MS]);
    },
    async close() {
      if (ready === undefined) return;
      const created = await ready.catch(() => undefined);
      await created?.end();
      ready = undefined;
    },
  };
}
