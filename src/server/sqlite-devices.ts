/**
 * The device half of `sqliteServerStore` (`DeviceStore`): remembered devices
 * in `zv_devices`, and the sessions bound to them (`zv_sessions.device_id`).
 * Adding (with its cap and the session binding) and deleting (with the
 * device's sessions) are each one immediate transaction, so other processes
 * on the same file see all of it or none.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import type { Db } from './sqlite.js';
import type { DeviceStore, StoredDevice } from './types.js';

interface DeviceRow {
  user_id: string;
  id: string;
  name: string;
  signing_key: Uint8Array;
  created_at: number;
  last_seen_at: number;
  last_address: string | null;
}

function deviceOf(row: DeviceRow): StoredDevice {
  if (!(row.signing_key instanceof Uint8Array)) throw new ZeroVaultError('STORAGE', 'sqlite returned a non-binary value');
  return {
    userId: row.user_id,
    id: row.id,
    name: row.name,
    signingKey: Uint8Array.from(row.signing_key),
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    lastAddress: row.last_address,
  };
}

/** The device methods over the store's `run` (which opens the database and maps errors to `STORAGE`). */
export function sqliteDevices(run: <T>(body: (db: Db) => T) => Promise<T>): DeviceStore {
  return {
    addDevice: (device, sessionId, maxDevices) =>
      run((db) => {
        // Immediate: the count, the insert and the binding see and change one state, whatever other processes do.
        db.transaction(() => {
          const { n } = db.prepare('SELECT COUNT(*) AS n FROM zv_devices WHERE user_id = ?').get(device.userId) as { n: number };
          if (n >= maxDevices) throw new ZeroVaultError('CONFLICT', 'too many devices');
          const inserted = db
            .prepare(
              `INSERT INTO zv_devices (user_id, id, name, signing_key, created_at, last_seen_at, last_address) VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT DO NOTHING`,
            )
            .run(device.userId, device.id, device.name, Buffer.from(device.signingKey), device.createdAt, device.lastSeenAt, device.lastAddress);
          if (inserted.changes === 0) throw new ZeroVaultError('CONFLICT', 'device exists');
          db.prepare('UPDATE zv_sessions SET device_id = ? WHERE id = ? AND user_id = ?').run(device.id, sessionId, device.userId);
        }).immediate();
      }),
    getDevice: (userId, deviceId) =>
      run((db) => {
        const row = db.prepare('SELECT * FROM zv_devices WHERE user_id = ? AND id = ?').get(userId, deviceId) as DeviceRow | undefined;
        return row === undefined ? null : deviceOf(row);
      }),
    listDevices: (userId) =>
      run((db) => (db.prepare('SELECT * FROM zv_devices WHERE user_id = ? ORDER BY created_at, id').all(userId) as DeviceRow[]).map(deviceOf)),
    deleteDevice: (userId, deviceId) =>
      run((db) =>
        db
          .transaction(() => {
            const deleted = db.prepare('DELETE FROM zv_devices WHERE user_id = ? AND id = ?').run(userId, deviceId).changes > 0;
            db.prepare('DELETE FROM zv_sessions WHERE user_id = ? AND device_id = ?').run(userId, deviceId);
            return deleted;
          })
          .immediate(),
      ),
    touchDevice: (userId, deviceId, at, address) =>
      run((db) => {
        db.prepare('UPDATE zv_devices SET last_seen_at = ?, last_address = ? WHERE user_id = ? AND id = ?').run(at, address, userId, deviceId);
      }),
  };
}
