/**
 * The device half of `postgresServerStore` (`DeviceStore`): remembered
 * devices in `<prefix>devices`, and the sessions bound to them
 * (`<prefix>sessions.device_id`).
 *
 * Adding takes a per-user transaction lock (`pg_advisory_xact_lock`), so
 * concurrent adds on any number of servers queue and the 32-device cap
 * holds; deleting a device and its sessions is one statement, so both
 * commit together and no instance verifies one of those sessions afterwards.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { bytes, int, textOrNull } from './postgres-values.js';
import type { DeviceStore, StoredDevice } from './types.js';

/** One statement's rows and count, inside a transaction. */
export type TransactionQuery = (text: string, values: unknown[]) => Promise<{ rows: Record<string, unknown>[]; rowCount: number }>;
/** Runs `body` in one transaction on one connection; rolls back (and maps the error) when it throws. */
export type Transaction = <T>(body: (q: TransactionQuery) => Promise<T>) => Promise<T>;

/** What the device half needs of the store. */
export interface PostgresDeviceContext {
  /** The table prefix (validated by the store). */
  readonly prefix: string;
  /** One pooled statement → its rows. */
  readonly query: (text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;
  readonly transaction: Transaction;
}

/** Key of the per-user lock around adds (with `hashtext(userId)` as the second half). */
const ADD_LOCK = 7316002;

function deviceOf(row: Record<string, unknown>): StoredDevice {
  return {
    userId: String(row.user_id),
    id: String(row.id),
    name: String(row.name),
    signingKey: bytes(row.signing_key),
    createdAt: int(row.created_at),
    lastSeenAt: int(row.last_seen_at),
    lastAddress: textOrNull(row.last_address),
  };
}

/** The device methods of a PostgreSQL store. */
export function postgresDevices({ prefix: p, query, transaction }: PostgresDeviceContext): DeviceStore {
  return {
    async addDevice(device, sessionId, maxDevices) {
      await transaction(async (q) => {
        // One user's adds queue on this lock, so the count below stays true until the commit.
        await q('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADD_LOCK, device.userId]);
        const counted = await q(`SELECT COUNT(*) AS n FROM ${p}devices WHERE user_id = $1`, [device.userId]);
        if (int(counted.rows[0]?.n) >= maxDevices) throw new ZeroVaultError('CONFLICT', 'too many devices');
        const inserted = await q(
          `INSERT INTO ${p}devices (user_id, id, name, signing_key, created_at, last_seen_at, last_address) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT DO NOTHING`,
          [device.userId, device.id, device.name, Buffer.from(device.signingKey), device.createdAt, device.lastSeenAt, device.lastAddress],
        );
        if (inserted.rowCount === 0) throw new ZeroVaultError('CONFLICT', 'device exists');
        await q(`UPDATE ${p}sessions SET device_id = $1 WHERE id = $2 AND user_id = $3`, [device.id, sessionId, device.userId]);
      });
    },
    async getDevice(userId, deviceId) {
      const rows = await query(`SELECT * FROM ${p}devices WHERE user_id = $1 AND id = $2`, [userId, deviceId]);
      return rows[0] === undefined ? null : deviceOf(rows[0]);
    },
    async listDevices(userId) {
      return (await query(`SELECT * FROM ${p}devices WHERE user_id = $1 ORDER BY created_at, id`, [userId])).map(deviceOf);
    },
    async deleteDevice(userId, deviceId) {
      // One statement: both deletes commit together (data-modifying CTEs always run to completion).
      const rows = await query(
        `WITH gone AS (DELETE FROM ${p}devices WHERE user_id = $1 AND id = $2 RETURNING id),
              ended AS (DELETE FROM ${p}sessions WHERE user_id = $1 AND device_id = $2 RETURNING id)
         SELECT (SELECT COUNT(*) FROM gone) AS n`,
        [userId, deviceId],
      );
      return int(rows[0]?.n) > 0;
    },
    async touchDevice(userId, deviceId, at, address) {
      await query(`UPDATE ${p}devices SET last_seen_at = $3, last_address = $4 WHERE user_id = $1 AND id = $2`, [userId, deviceId, at, address]);
    },
  };
}
