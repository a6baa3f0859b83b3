/**
 * `sqliteServerStore({ path })`: the embedded default database, on `better-sqlite3`
 * (an optional peer dependency, loaded on first use so that importing
 * `zerovault/server` never requires it).
 *
 * Durability: WAL journal with `synchronous = FULL`, so a write that returned
 * survives a crash or power loss. Nonce commits reach the same durability
 * off the event loop: `NORMAL` and then an fsync of the WAL file on the
 * thread pool before any answer (`crypto/backend-node-sync.ts`). Versions are enforced by conditional
 * `UPDATE ... WHERE version = ?` / upserts inside SQLite, never by
 * read-then-write in JS. Several processes may share one file (SQLite's
 * locking serialises writers; `busy_timeout` waits instead of failing).
 *
 * Schema changes upgrade an existing file in place when it is opened
 * ({@link migrate}): columns added since (a session's device, `amr`,
 * pending MFA state and passkey; a grant's first grant time, expiry and
 * last access) are
 * added with `ALTER TABLE`, inside one immediate transaction so that two
 * processes opening the same file cannot both try.
 *
 * @module
 */
import type BetterSqlite3 from 'better-sqlite3';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import type { BlobStore, ListPage } from '../store/types.js';
import { assertData, assertName, conflict, parseDeleteOptions, parseListOptions, parsePutOptions } from '../store/types.js';
import { amrFromColumn, amrToColumn } from './device-store.js';
import { sqliteDevices } from './sqlite-devices.js';
import { sqliteGrants } from './sqlite-grants.js';
import { sqlitePasskeys } from './sqlite-passkeys.js';
import { pendingFromColumn } from './mfa-store.js';
import { sqliteMfa } from './sqlite-mfa.js';
import { groupCommit } from './group-commit.js';
import { getBackend } from '#backend';
import type { SyncedFile } from '../crypto/backend.js';
import { SQLITE_LOG_SCHEMA, sqliteLog } from './sqlite-log.js';
import { IDLE_BUCKET_MS, type BucketPolicy, type PendingMfa, type ServerStore, type StoredSession } from './types.js';

/** Options for {@link sqliteServerStore}. */
export interface SqliteServerStoreOptions {
  /** Database file path; `:memory:` for a throwaway database. */
  path: string;
  /** Milliseconds to wait for another process's write lock; default 5000. */
  busyTimeoutMs?: number;
}

/** An open database. */
export type Db = BetterSqlite3.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS zv_users (user_id TEXT PRIMARY KEY, record BLOB NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS zv_pending (id TEXT PRIMARY KEY, data BLOB NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS zv_sessions (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, sealed_mac_key BLOB NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, device_id TEXT, amr TEXT, mfa TEXT, mfa_tries INTEGER NOT NULL DEFAULT 0, passkey_id TEXT);
CREATE INDEX IF NOT EXISTS zv_sessions_user ON zv_sessions (user_id);
CREATE TABLE IF NOT EXISTS zv_nonces (session_id TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL, PRIMARY KEY (session_id, nonce));
CREATE TABLE IF NOT EXISTS zv_buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS zv_blobs (owner TEXT NOT NULL, vault TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, data BLOB, deleted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (owner, vault, id));
CREATE TABLE IF NOT EXISTS zv_key_events (user_id TEXT NOT NULL, seq INTEGER NOT NULL, event BLOB NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (user_id, seq));
CREATE TABLE IF NOT EXISTS zv_grants (owner TEXT NOT NULL, vault TEXT NOT NULL, grantee TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('read', 'write')), data BLOB NOT NULL, updated_at INTEGER NOT NULL, granted_at INTEGER, expires_at INTEGER, last_access_at INTEGER, PRIMARY KEY (owner, vault, grantee));
CREATE INDEX IF NOT EXISTS zv_grants_grantee ON zv_grants (grantee, owner, vault);
CREATE TABLE IF NOT EXISTS zv_devices (user_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, signing_key BLOB NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, last_address TEXT, PRIMARY KEY (user_id, id));
CREATE TABLE IF NOT EXISTS zv_passkeys (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL, public_key BLOB NOT NULL, user_handle TEXT NOT NULL, counter INTEGER NOT NULL, transports TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, last_address TEXT);
CREATE INDEX IF NOT EXISTS zv_passkeys_user ON zv_passkeys (user_id, created_at, id);
CREATE TABLE IF NOT EXISTS zv_mfa (user_id TEXT PRIMARY KEY, totp_secret BLOB, totp_confirmed INTEGER NOT NULL DEFAULT 0, totp_last_step INTEGER, strict INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS zv_recovery_codes (user_id TEXT NOT NULL, code_hash BLOB NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (user_id, code_hash));
`;

/** Columns added to existing tables after their first release: `[table, column, type]`. */
const ADDED_COLUMNS: readonly (readonly [string, string, string])[] = [
  ['zv_sessions', 'device_id', 'TEXT'],
  ['zv_sessions', 'amr', 'TEXT'],
  ['zv_sessions', 'mfa', 'TEXT'],
  ['zv_sessions', 'mfa_tries', 'INTEGER NOT NULL DEFAULT 0'],
  ['zv_sessions', 'passkey_id', 'TEXT'],
  ['zv_grants', 'granted_at', 'INTEGER'],
  ['zv_grants', 'expires_at', 'INTEGER'],
  ['zv_grants', 'last_access_at', 'INTEGER'],
];

/** Indexes over added columns: created after {@link migrate} added them. */
const AFTER_MIGRATION = `
CREATE INDEX IF NOT EXISTS zv_sessions_device ON zv_sessions (user_id, device_id);
CREATE INDEX IF NOT EXISTS zv_sessions_passkey ON zv_sessions (user_id, passkey_id);
`;

/**
 * Upgrades a database created by an older version in place: adds the
 * columns of {@link ADDED_COLUMNS} that are missing. Old rows read as before
 * (no device, `amr` absent = password, not pending).
 */
function migrate(db: Db): void {
  db.transaction(() => {
    for (const [table, column, type] of ADDED_COLUMNS) {
      const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
      if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
    }
  }).immediate();
  db.exec(AFTER_MIGRATION);
}

interface SessionRow {
  id: string;
  user_id: string;
  sealed_mac_key: Uint8Array;
  created_at: number;
  expires_at: number;
  device_id: string | null;
  amr: string | null;
  passkey_id: string | null;
  mfa: string | null;
}


/** A nonce to record (with `now`: only while its session is live, see `useNonce`). */
interface NonceWrite {
  readonly sessionId: string;
  readonly nonce: string;
  readonly expiresAt: number;
  readonly now?: number;
}

/** A blob write: `ifVersion` as the BlobStore options parse it. */
type BlobWrite =
  | { readonly kind: 'put'; readonly owner: string; readonly vault: string; readonly id: string; readonly data: Buffer; readonly ifVersion: number | null | undefined }
  | { readonly kind: 'delete'; readonly owner: string; readonly vault: string; readonly id: string; readonly ifVersion: number | undefined };

/** A nonce's answer: the session as stored now (when asked for) and whether the nonce was new. */
interface NonceAnswer {
  readonly session: StoredSession | null;
  readonly fresh: boolean;
}

/** What a blob write got: its version (0 for a delete), or a failed precondition. */
type Written = { readonly version: number } | { readonly conflict: true };

/** A live session's row (`?` = id, now). */
const SELECT_SESSION = 'SELECT id, user_id, sealed_mac_key, created_at, expires_at, device_id, amr, mfa, passkey_id FROM zv_sessions WHERE id = ? AND expires_at > ?';


function storageError(cause: unknown): ZeroVaultError {
  if (isZeroVaultError(cause)) return cause;
  return new ZeroVaultError('STORAGE', 'sqlite operation failed', { cause });
}

function bytes(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new ZeroVaultError('STORAGE', 'sqlite returned a non-binary value');
  return Uint8Array.from(value);
}

function sessionOf(row: SessionRow): StoredSession {
  return {
    id: row.id,
    userId: row.user_id,
    sealedMacKey: bytes(row.sealed_mac_key),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    ...(row.device_id === null ? {} : { deviceId: row.device_id }),
    ...(row.passkey_id === null ? {} : { passkeyId: row.passkey_id }),
    ...(row.amr === null ? {} : { amr: amrFromColumn(row.amr) }),
    ...pendingOf(row.mfa),
  };
}

function pendingOf(column: string | null): { mfa?: PendingMfa } {
  const mfa = pendingFromColumn(column);
  return mfa === undefined ? {} : { mfa };
}

/**
 * Creates a {@link ServerStore} on a SQLite file.
 *
 * @throws `STORAGE` on first use when `better-sqlite3` is not installed or the file cannot be opened
 */
export function sqliteServerStore(options: SqliteServerStoreOptions): ServerStore {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new ZeroVaultError('INVALID_INPUT', 'path must be a non-empty string');
  }
  let opened: Promise<Db> | undefined;
  const open = (): Promise<Db> => {
    opened ??= (async () => {
      let Database: typeof BetterSqlite3;
      try {
        Database = (await import('better-sqlite3')).default;
      } catch (cause) {
        throw new ZeroVaultError('STORAGE', 'sqliteServerStore needs the better-sqlite3 package', { cause });
      }
      const db = new Database(options.path);
      const journal: unknown = db.pragma('journal_mode = WAL', { simple: true });
      db.pragma('synchronous = FULL');
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      db.exec(SCHEMA);
      migrate(db);
      // New tables need no migration step: an older file gains them here.
      db.exec(SQLITE_LOG_SCHEMA);
      // Nonce commits sync the WAL off the loop; a database without a WAL file keeps FULL for them too.
      const synced = getBackend().syncedFiles;
      if (journal === 'wal' && !db.memory && synced !== undefined) wal = synced.open(`${db.name}-wal`);
      return db;
    })();
    return opened;
  };
  let wal: SyncedFile | undefined;
  // The hot path's statements are prepared once per connection, not per call.
  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepared = (db: Db, sql: string): BetterSqlite3.Statement => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const run = async <T>(body: (db: Db) => T): Promise<T> => {
    const db = await open();
    try {
      return body(db);
    } catch (cause) {
      throw storageError(cause);
    }
  };

  const blobStore = (owner: string): BlobStore => ({
    get: async (vault, id) => {
      assertName(vault, 'vault');
      assertName(id, 'id');
      return run((db) => {
        const row = prepared(db, 'SELECT version, data FROM zv_blobs WHERE owner = ? AND vault = ? AND id = ? AND deleted = 0').get(owner, vault, id) as
          | { version: number; data: Uint8Array }
          | undefined;
        return row === undefined ? null : { data: bytes(row.data), version: row.version };
      });
    },
    put: async (vault, id, data, putOptions) => {
      assertName(vault, 'vault');
      assertName(id, 'id');
      assertData(data);
      const ifVersion = parsePutOptions(putOptions);
      const written = await write({ kind: 'put', owner, vault, id, data: Buffer.from(data), ifVersion });
      if (!('version' in written)) throw conflict();
      return { version: written.version };
    },
    delete: async (vault, id, deleteOptions) => {
      assertName(vault, 'vault');
      assertName(id, 'id');
      const ifVersion = parseDeleteOptions(deleteOptions);
      const written = await write({ kind: 'delete', owner, vault, id, ifVersion });
      if (!('version' in written)) throw conflict();
    },
    list: async (vault, listOptions) => {
      assertName(vault, 'vault');
      const { after, limit } = parseListOptions(listOptions);
      return run((db): ListPage => {
        const rows = db
          .prepare('SELECT id, version FROM zv_blobs WHERE owner = ? AND vault = ? AND deleted = 0 AND id > ? ORDER BY id LIMIT ?')
          .all(owner, vault, after ?? '', limit + 1) as { id: string; version: number }[];
        const items = rows.slice(0, limit).map((r) => ({ id: r.id, version: r.version }));
        return rows.length > limit ? { items, next: items[items.length - 1]?.id as string } : { items };
      });
    },
  });

  // Every verified request records its nonce, and blob writes are the other hot write: the writes
  // of one event-loop round share one durable commit (group-commit.ts), not one fsync each. Each
  // caller still waits for that commit before its answer, and each statement decides on its own,
  // in order: a nonce repeated within the batch sees the first insert (fresh once), a conditional
  // write sees the writes before it. A failing statement rolls the whole batch back and fails every
  // entry of it (none acknowledged). Blob writes commit with FULL on the loop, so none is visible
  // to a reader before it is durable.
  const writes = groupCommit<BlobWrite, Written>((batch) => run((db) => db.transaction(() => batch.map((w) => blobWrite(db, w))).immediate()));
  const write = (w: BlobWrite): Promise<Written> => writes.add(w);
  // Nonces: a `now` (useNonce) reads the session in the same transaction, which holds the write
  // lock, so no other process can revoke it in between. Committed without an fsync on the loop,
  // then made durable by one on the thread pool before any answer (backend-node-sync.ts); up to 4 batches
  // wait for their fsyncs while the next ones commit.
  const nonces = groupCommit<NonceWrite, NonceAnswer>(
    async (batch) => {
      const answers = await run((db) => {
        const relaxed = wal !== undefined;
        if (relaxed) prepared(db, 'PRAGMA synchronous = NORMAL').run();
        try {
          return db.transaction(() => batch.map((w) => nonceWrite(db, w))).immediate();
        } finally {
          if (relaxed) prepared(db, 'PRAGMA synchronous = FULL').run();
        }
      });
      await wal?.sync();
      return answers;
    },
    512,
    4,
  );
  const nonceWrite = (db: Db, w: NonceWrite): NonceAnswer => {
    let session: StoredSession | null = null;
    if (w.now !== undefined) {
      const row = prepared(db, SELECT_SESSION).get(w.sessionId, w.now) as SessionRow | undefined;
      if (row === undefined) return { session: null, fresh: false };
      session = sessionOf(row);
    }
    const insert = prepared(db, 'INSERT INTO zv_nonces (session_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    return { session, fresh: insert.run(w.sessionId, w.nonce, w.expiresAt).changes === 1 };
  };
  const nonce = (w: NonceWrite): Promise<NonceAnswer> => nonces.add(w);
  /** One blob write inside the batch's transaction: its new version, or a conflict. */
  const blobWrite = (db: Db, w: BlobWrite): Written => {
    let row: { version: number } | undefined;
    if (w.kind === 'delete') {
      const changes =
        w.ifVersion === undefined
          ? prepared(db, 'UPDATE zv_blobs SET deleted = 1, data = NULL WHERE owner = ? AND vault = ? AND id = ? AND deleted = 0').run(w.owner, w.vault, w.id).changes
          : prepared(db, 'UPDATE zv_blobs SET deleted = 1, data = NULL WHERE owner = ? AND vault = ? AND id = ? AND version = ? AND deleted = 0').run(w.owner, w.vault, w.id, w.ifVersion).changes;
      // An unconditional delete of nothing is fine; a conditional one that matched nothing is a conflict.
      return changes === 0 && w.ifVersion !== undefined ? { conflict: true } : { version: 0 };
    }
    if (w.ifVersion === undefined) {
      row = prepared(
        db,
        `INSERT INTO zv_blobs (owner, vault, id, version, data, deleted) VALUES (?, ?, ?, 1, ?, 0)
         ON CONFLICT (owner, vault, id) DO UPDATE SET version = zv_blobs.version + 1, data = excluded.data, deleted = 0
         RETURNING version`,
      ).get(w.owner, w.vault, w.id, w.data) as { version: number } | undefined;
    } else if (w.ifVersion === null) {
      // Only a missing or deleted record may be created; a tombstone's version carries on.
      row = prepared(
        db,
        `INSERT INTO zv_blobs (owner, vault, id, version, data, deleted) VALUES (?, ?, ?, 1, ?, 0)
         ON CONFLICT (owner, vault, id) DO UPDATE SET version = zv_blobs.version + 1, data = excluded.data, deleted = 0
         WHERE zv_blobs.deleted = 1
         RETURNING version`,
      ).get(w.owner, w.vault, w.id, w.data) as { version: number } | undefined;
    } else {
      row = prepared(
        db,
        `UPDATE zv_blobs SET version = version + 1, data = ?, deleted = 0
         WHERE owner = ? AND vault = ? AND id = ? AND version = ? AND deleted = 0
         RETURNING version`,
      ).get(w.data, w.owner, w.vault, w.id, w.ifVersion) as { version: number } | undefined;
    }
    return row === undefined ? { conflict: true } : { version: row.version };
  };

  return {
    getUserRecord: (userId) =>
      run((db) => {
        const row = db.prepare('SELECT record FROM zv_users WHERE user_id = ?').get(userId) as { record: Uint8Array } | undefined;
        return row === undefined ? null : bytes(row.record);
      }),
    createUser: (userId, record, now) =>
      run((db) => {
        const result = db
          .prepare('INSERT INTO zv_users (user_id, record, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING')
          .run(userId, Buffer.from(record), now, now);
        if (result.changes === 0) throw new ZeroVaultError('CONFLICT', 'user exists');
      }),
    updateUserRecord: (userId, record, now) =>
      run((db) => {
        const result = db.prepare('UPDATE zv_users SET record = ?, updated_at = ? WHERE user_id = ?').run(Buffer.from(record), now, userId);
        if (result.changes === 0) throw new ZeroVaultError('NOT_FOUND', 'user not found');
      }),
    putPending: (id, sealed, expiresAt) =>
      run((db) => {
        db.prepare('INSERT INTO zv_pending (id, data, expires_at) VALUES (?, ?, ?)').run(id, Buffer.from(sealed), expiresAt);
      }),
    takePending: (id, now) =>
      run((db) => {
        const row = db.prepare('DELETE FROM zv_pending WHERE id = ? RETURNING data, expires_at').get(id) as
          | { data: Uint8Array; expires_at: number }
          | undefined;
        return row === undefined || row.expires_at <= now ? null : bytes(row.data);
      }),
    createSession: (session: StoredSession) =>
      run((db) => {
        db.prepare('INSERT INTO zv_sessions (id, user_id, sealed_mac_key, created_at, expires_at, device_id, amr, mfa, passkey_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
          session.id,
          session.userId,
          Buffer.from(session.sealedMacKey),
          session.createdAt,
          session.expiresAt,
          session.deviceId ?? null,
          amrToColumn(session.amr),
          session.mfa ?? null,
          session.passkeyId ?? null,
        );
      }),
    getSession: (id, now) =>
      run((db) => {
        const row = prepared(db, SELECT_SESSION).get(id, now) as SessionRow | undefined;
        return row === undefined ? null : sessionOf(row);
      }),
    extendSession: (id, expiresAt) =>
      run((db) => {
        db.prepare('UPDATE zv_sessions SET expires_at = ? WHERE id = ? AND expires_at < ?').run(expiresAt, id, expiresAt);
      }),
    deleteSession: (id) =>
      run((db) => {
        db.prepare('DELETE FROM zv_sessions WHERE id = ?').run(id);
      }),
    deleteUserSessions: (userId, exceptId) =>
      run((db) => {
        db.prepare('DELETE FROM zv_sessions WHERE user_id = ? AND id <> ?').run(userId, exceptId ?? '');
      }),
    rememberNonce: async (sessionId, value, expiresAt) => (await nonce({ sessionId, nonce: value, expiresAt })).fresh,
    useNonce: (sessionId, value, expiresAt, now) => nonce({ sessionId, nonce: value, expiresAt, now }),
    takeToken: (key: string, policy: BucketPolicy, now: number, cost = 1) =>
      run((db) => {
        // One statement computes the refill and the take, so two processes cannot both spend the last token.
        const row = db
          .prepare(
            `INSERT INTO zv_buckets (key, tokens, updated_at) VALUES (@key, MIN(@capacity, @capacity - @cost), @now)
             ON CONFLICT (key) DO UPDATE SET
               tokens = MIN(@capacity, MIN(@capacity, zv_buckets.tokens + MAX(0, @now - zv_buckets.updated_at) / @refill) - @cost),
               updated_at = @now
             WHERE @cost <= 0 OR MIN(@capacity, zv_buckets.tokens + MAX(0, @now - zv_buckets.updated_at) / @refill) >= @cost
             RETURNING tokens`,
          )
          .get({ key, capacity: policy.capacity, cost, now, refill: policy.refillMs }) as { tokens: number } | undefined;
        if (row !== undefined) return { allowed: true, retryAfterMs: 0 };
        const current = db.prepare('SELECT tokens, updated_at FROM zv_buckets WHERE key = ?').get(key) as { tokens: number; updated_at: number };
        const tokens = Math.min(policy.capacity, current.tokens + Math.max(0, now - current.updated_at) / policy.refillMs);
        return { allowed: false, retryAfterMs: Math.ceil((cost - tokens) * policy.refillMs) };
      }),
    blobs: (userId) => blobStore(userId),
    appendKeyEvent: (userId, seq, event, now) =>
      run((db) => {
        // Only the next number: the previous one must exist (or this is the first), and this one must not.
        const result = db
          .prepare(
            `INSERT INTO zv_key_events (user_id, seq, event, created_at)
             SELECT @userId, @seq, @event, @now
             WHERE (SELECT COUNT(*) FROM zv_key_events WHERE user_id = @userId) = @seq - 1
             ON CONFLICT DO NOTHING`,
          )
          .run({ userId, seq, event: Buffer.from(event), now });
        if (result.changes === 0) throw new ZeroVaultError('CONFLICT', 'key log changed');
      }),
    getKeyEvents: (userId) =>
      run((db) => {
        const rows = db.prepare('SELECT event FROM zv_key_events WHERE user_id = ? ORDER BY seq').all(userId) as { event: Uint8Array }[];
        return rows.map((r) => bytes(r.event));
      }),
    ...sqliteGrants(run),
    ...sqliteDevices(run),
    ...sqlitePasskeys(run),
    ...sqliteMfa(run),
    ...sqliteLog(run),
    purgeExpired: (now) =>
      run((db) => {
        db.prepare('DELETE FROM zv_pending WHERE expires_at <= ?').run(now);
        db.prepare('DELETE FROM zv_sessions WHERE expires_at <= ?').run(now);
        db.prepare('DELETE FROM zv_nonces WHERE expires_at <= ?').run(now);
        db.prepare('DELETE FROM zv_buckets WHERE updated_at <= ?').run(now - IDLE_BUCKET_MS);
      }),
    close: async () => {
      if (opened === undefined) return;
      const db = await opened;
      db.close();
      wal?.close();
    },
  };
}
