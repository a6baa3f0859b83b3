/**
 * The passkey half of `postgresServerStore` (`PasskeyStore`): passkeys in
 * `<prefix>passkeys`, and the sessions bound to them
 * (`<prefix>sessions.passkey_id`).
 *
 * Adding takes a per-user transaction lock (`pg_advisory_xact_lock`), so the
 * cap holds across servers; deleting a passkey and its sessions is one
 * statement; a login's counter check and write is one conditional `UPDATE`.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import type { PostgresDeviceContext } from './postgres-devices.js';
import { transportsFromColumn, transportsToColumn } from './passkey-store.js';
import { bytes, int, textOrNull } from './postgres-values.js';
import type { PasskeyStore, StoredPasskey } from './types.js';

/** Key of the per-user lock around adds (with `hashtext(userId)` as the second half). */
const ADD_LOCK = 7316003;

function passkeyOf(row: Record<string, unknown>): StoredPasskey {
  return {
    userId: String(row.user_id),
    id: String(row.id),
    name: String(row.name),
    publicKey: bytes(row.public_key),
    userHandle: String(row.user_handle),
    counter: int(row.counter),
    transports: transportsFromColumn(String(row.transports)),
    createdAt: int(row.created_at),
    lastSeenAt: int(row.last_seen_at),
    lastAddress: textOrNull(row.last_address),
  };
}

/** The passkey methods of a PostgreSQL store (same context as the device half). */
export function postgresPasskeys({ prefix: p, query, transaction }: PostgresDeviceContext): PasskeyStore {
  return {
    async addPasskey(passkey, maxPasskeys) {
      const transports = transportsToColumn(passkey.transports);
      await transaction(async (q) => {
        await q('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADD_LOCK, passkey.userId]);
        const counted = await q(`SELECT COUNT(*) AS n FROM ${p}passkeys WHERE user_id = $1`, [passkey.userId]);
        if (int(counted.rows[0]?.n) >= maxPasskeys) throw new ZeroVaultError('CONFLICT', 'too many passkeys');
        const inserted = await q(
          `INSERT INTO ${p}passkeys (user_id, id, name, public_key, user_handle, counter, transports, created_at, last_seen_at, last_address)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
          [passkey.userId, passkey.id, passkey.name, Buffer.from(passkey.publicKey), passkey.userHandle, passkey.counter, transports, passkey.createdAt, passkey.lastSeenAt, passkey.lastAddress],
        );
        if (inserted.rowCount === 0) throw new ZeroVaultError('CONFLICT', 'passkey exists');
      });
    },
    async getPasskey(credentialId) {
      const rows = await query(`SELECT * FROM ${p}passkeys WHERE id = $1`, [credentialId]);
      return rows[0] === undefined ? null : passkeyOf(rows[0]);
    },
    async listPasskeys(userId) {
      return (await query(`SELECT * FROM ${p}passkeys WHERE user_id = $1 ORDER BY created_at, id`, [userId])).map(passkeyOf);
    },
    async deletePasskey(userId, credentialId) {
      // One statement: both deletes commit together.
      const rows = await query(
        `WITH gone AS (DELETE FROM ${p}passkeys WHERE user_id = $1 AND id = $2 RETURNING id),
              ended AS (DELETE FROM ${p}sessions WHERE user_id = $1 AND passkey_id = $2 RETURNING id)
         SELECT (SELECT COUNT(*) FROM gone) AS n`,
        [userId, credentialId],
      );
      return int(rows[0]?.n) > 0;
    },
    async usePasskey(credentialId, counter, at, address) {
      const rows = await query(
        `UPDATE ${p}passkeys SET counter = $2, last_seen_at = $3, last_address = $4
         WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0)) RETURNING id`,
        [credentialId, counter, at, address],
      );
      return rows.length > 0;
    },
  };
}
