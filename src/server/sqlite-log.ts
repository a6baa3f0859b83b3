/**
 * The security-log half of `sqliteServerStore` (`LogStore`): entries in
 * `zv_log`, one row per `(user_id, seq)`, the signed bytes as received or
 * made. An append inserts only the next number, in one statement.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import type { Db } from './sqlite.js';
import type { LogStore, StoredLogEntry } from './types.js';

/** The table, created with the others and by the in-place upgrade of an older file. */
export const SQLITE_LOG_SCHEMA = `
CREATE TABLE IF NOT EXISTS zv_log (user_id TEXT NOT NULL, seq INTEGER NOT NULL, entry BLOB NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (user_id, seq));
`;

function entryOf(row: { seq: number; entry: unknown }): StoredLogEntry {
  if (!(row.entry instanceof Uint8Array)) throw new ZeroVaultError('STORAGE', 'sqlite returned a non-binary value');
  return { seq: row.seq, entry: Uint8Array.from(row.entry) };
}

/** The log methods over the store's `run` (which opens the database and maps errors to `STORAGE`). */
export function sqliteLog(run: <T>(body: (db: Db) => T) => Promise<T>): LogStore {
  return {
    appendLogEntry: (userId, seq, entry, now) =>
      run((db) => {
        // Only the next number after the highest stored one; the primary key stops a concurrent twin.
        const result = db
          .prepare(
            `INSERT INTO zv_log (user_id, seq, entry, created_at)
             SELECT @userId, @seq, @entry, @now
             WHERE (SELECT COALESCE(MAX(seq), 0) FROM zv_log WHERE user_id = @userId) = @seq - 1
             ON CONFLICT DO NOTHING`,
          )
          .run({ userId, seq, entry: Buffer.from(entry), now });
        if (result.changes === 0) throw new ZeroVaultError('CONFLICT', 'security log changed');
      }),
    getLogEntries: (userId, since, limit) =>
      run((db) =>
        (db.prepare('SELECT seq, entry FROM zv_log WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(userId, since, limit) as { seq: number; entry: unknown }[]).map(
          entryOf,
        ),
      ),
    lastLogEntry: (userId) =>
      run((db) => {
        const row = db.prepare('SELECT seq, entry FROM zv_log WHERE user_id = ? ORDER BY seq DESC LIMIT 1').get(userId) as { seq: number; entry: unknown } | undefined;
        return row === undefined ? null : entryOf(row);
      }),
  };
}
