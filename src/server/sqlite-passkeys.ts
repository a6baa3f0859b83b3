/**
 * The passkey half of `sqliteServerStore` (`PasskeyStore`): passkeys in
 * `zv_passkeys`, and the sessions bound to them (`zv_sessions.passkey_id`).
 * Adding (with its cap) and deleting (with the passkey's sessions) are each
 * one immediate transaction; a login's counter check and write is one
 * conditional `UPDATE`.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { transportsFromColumn, transportsToColumn } from './passkey-store.js';
import type { Db } from './sqlite.js';
import type { PasskeyStore, StoredPasskey } from './types.js';

interface PasskeyRow {
  user_id: string;
  id: string;
  name: string;
  public_key: Uint8Array;
  user_handle: string;
  counter: number;
  transports: string;
  created_at: number;
  last_seen_at: number;
  last_address: string | null;
}

function passkeyOf(row: PasskeyRow): StoredPasskey {
  if (!(row.public_key instanceof Uint8Array)) throw new ZeroVaultError('STORAGE', 'sqlite returned a non-binary value');
  return {
    userId: row.user_id,
    id: row.id,
    name: row.name,
    publicKey: Uint8Array.from(row.public_key),
    userHandle: row.user_handle,
    counter: row.counter,
    transports: transportsFromColumn(row.transports),
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    lastAddress: row.last_address,
  };
}

/** The passkey methods over the store's `run` (which opens the database and maps errors to `STORAGE`). */
export function sqlitePasskeys(run: <T>(body: (db: Db) => T) => Promise<T>): PasskeyStore {
  return {
    addPasskey: (passkey, maxPasskeys) =>
      run((db) => {
        const transports = transportsToColumn(passkey.transports);
        db.transaction(() => {
          const { n } = db.prepare('SELECT COUNT(*) AS n FROM zv_passkeys WHERE user_id = ?').get(passkey.userId) as { n: number };
          if (n >= maxPasskeys) throw new ZeroVaultError('CONFLICT', 'too many passkeys');
          const inserted = db
            .prepare(
              `INSERT INTO zv_passkeys (user_id, id, name, public_key, user_handle, counter, transports, created_at, last_seen_at, last_address)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
            )
            .run(passkey.userId, passkey.id, passkey.name, Buffer.from(passkey.publicKey), passkey.userHandle, passkey.counter, transports, passkey.createdAt, passkey.lastSeenAt, passkey.lastAddress);
          if (inserted.changes === 0) throw new ZeroVaultError('CONFLICT', 'passkey exists');
        }).immediate();
      }),
    getPasskey: (credentialId) =>
      run((db) => {
        const row = db.prepare('SELECT * FROM zv_passkeys WHERE id = ?').get(credentialId) as PasskeyRow | undefined;
        return row === undefined ? null : passkeyOf(row);
      }),
    listPasskeys: (userId) =>
      run((db) => (db.prepare('SELECT * FROM zv_passkeys WHERE user_id = ? ORDER BY created_at, id').all(userId) as PasskeyRow[]).map(passkeyOf)),
    deletePasskey: (userId, credentialId) =>
      run((db) =>
        db
          .transaction(() => {
            const deleted = db.prepare('DELETE FROM zv_passkeys WHERE user_id = ? AND id = ?').run(userId, credentialId).changes > 0;
            if (deleted) db.prepare('DELETE FROM zv_sessions WHERE user_id = ? AND passkey_id = ?').run(userId, credentialId);
            return deleted;
          })
          .immediate(),
      ),
    usePasskey: (credentialId, counter, at, address) =>
      run(
        (db) =>
          db
            .prepare('UPDATE zv_passkeys SET counter = ?, last_seen_at = ?, last_address = ? WHERE id = ? AND (counter < ? OR (counter = 0 AND ? = 0))')
            .run(counter, at, address, credentialId, counter, counter).changes > 0,
      ),
  };
}
