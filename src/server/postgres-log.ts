/**
 * The security-log half of `postgresServerStore` (`LogStore`): entries in
 * `<prefix>log`, one row per `(user_id, seq)`, the signed bytes as received
 * or made. An append inserts only the next number, in one statement; a
 * concurrent twin loses on the primary key.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { bytes, int } from './postgres-values.js';
import type { LogStore } from './types.js';

/** The table (created with the others, and by the in-place upgrade of an older database). */
export function postgresLogSchema(p: string): string {
  return `CREATE TABLE IF NOT EXISTS ${p}log (user_id TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL, entry BYTEA NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (user_id, seq));\n`;
}

/** What the log half needs of the store. */
export interface PostgresLogContext {
  /** The table prefix (validated by the store). */
  readonly prefix: string;
  /** One pooled statement → its rows. */
  readonly query: (text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;
}

/** The log methods of a PostgreSQL store. */
export function postgresLog({ prefix: p, query }: PostgresLogContext): LogStore {
  return {
    async appendLogEntry(userId, seq, entry, now) {
      const rows = await query(
        `INSERT INTO ${p}log (user_id, seq, entry, created_at)
         SELECT $1, $2, $3, $4 WHERE (SELECT COALESCE(MAX(seq), 0) FROM ${p}log WHERE user_id = $1) = $2::bigint - 1
         ON CONFLICT DO NOTHING RETURNING seq`,
        [userId, seq, Buffer.from(entry), now],
      );
      if (rows.length === 0) throw new ZeroVaultError('CONFLICT', 'security log changed');
    },
    async getLogEntries(userId, since, limit) {
      const rows = await query(`SELECT seq, entry FROM ${p}log WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [userId, since, limit]);
      return rows.map((r) => ({ seq: int(r.seq), entry: bytes(r.entry) }));
    },
    async lastLogEntry(userId) {
      const rows = await query(`SELECT seq, entry FROM ${p}log WHERE user_id = $1 ORDER BY seq DESC LIMIT 1`, [userId]);
      const row = rows[0];
      return row === undefined ? null : { seq: int(row.seq), entry: bytes(row.entry) };
    },
  };
}
