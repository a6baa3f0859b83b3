/**
 * The grant half of `sqliteServerStore`: rows of `zv_grants`, one per
 * (owner, vault, grantee), with the role the server enforces, the sealed
 * grant bytes, when it was first granted, when it expires and when the
 * grantee last used it. Each method is one statement, so replacing a grant
 * keeps its `granted_at` (and, when asked, its `expires_at`) atomically, and
 * recording an access is a conditional update that concurrent processes
 * perform at most once per interval.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import type { Db } from './sqlite.js';
import type { SharingStore, StoredGrant } from './types.js';

/** The grant methods of {@link SharingStore}. */
export type GrantMethods = Pick<SharingStore, 'putGrant' | 'getGrant' | 'deleteGrant' | 'listGrantsByOwner' | 'listGrantsForGrantee'> & Required<Pick<SharingStore, 'touchGrant'>>;

interface GrantRow {
  owner: string;
  vault: string;
  grantee: string;
  role: string;
  data: Uint8Array;
  updated_at: number;
  granted_at: number | null;
  expires_at: number | null;
  last_access_at: number | null;
}

function grantOf(row: GrantRow): StoredGrant {
  if (row.role !== 'read' && row.role !== 'write') throw new ZeroVaultError('STORAGE', 'sqlite returned an unknown role');
  if (!(row.data instanceof Uint8Array)) throw new ZeroVaultError('STORAGE', 'sqlite returned a non-binary value');
  return {
    owner: row.owner,
    vault: row.vault,
    grantee: row.grantee,
    role: row.role,
    data: Uint8Array.from(row.data),
    updatedAt: row.updated_at,
    // A row from before `granted_at` existed: its last write is the best we know.
    grantedAt: row.granted_at ?? row.updated_at,
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    ...(row.last_access_at === null ? {} : { lastAccessAt: row.last_access_at }),
  };
}

/** The grant methods over the store's `run` (which opens the database and maps errors to `STORAGE`). */
export function sqliteGrants(run: <T>(body: (db: Db) => T) => Promise<T>): GrantMethods {
  return {
    putGrant: (grant, options = {}) =>
      run((db) => {
        db.prepare(
          `INSERT INTO zv_grants (owner, vault, grantee, role, data, updated_at, granted_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (owner, vault, grantee) DO UPDATE SET role = excluded.role, data = excluded.data, updated_at = excluded.updated_at,
             granted_at = COALESCE(zv_grants.granted_at, zv_grants.updated_at),
             expires_at = CASE WHEN ? THEN zv_grants.expires_at ELSE excluded.expires_at END`,
        ).run(
          grant.owner,
          grant.vault,
          grant.grantee,
          grant.role,
          Buffer.from(grant.data),
          grant.updatedAt,
          grant.grantedAt ?? grant.updatedAt,
          grant.expiresAt ?? null,
          options.keepExpiry === true ? 1 : 0,
        );
      }),
    getGrant: (owner, vault, grantee) =>
      run((db) => {
        const row = db.prepare('SELECT * FROM zv_grants WHERE owner = ? AND vault = ? AND grantee = ?').get(owner, vault, grantee) as GrantRow | undefined;
        return row === undefined ? null : grantOf(row);
      }),
    deleteGrant: (owner, vault, grantee) =>
      run((db) => db.prepare('DELETE FROM zv_grants WHERE owner = ? AND vault = ? AND grantee = ?').run(owner, vault, grantee).changes > 0),
    listGrantsByOwner: (owner, vault) =>
      run((db) => (db.prepare('SELECT * FROM zv_grants WHERE owner = ? AND vault = ? ORDER BY grantee').all(owner, vault) as GrantRow[]).map(grantOf)),
    listGrantsForGrantee: (grantee) =>
      run((db) => (db.prepare('SELECT * FROM zv_grants WHERE grantee = ? ORDER BY owner, vault').all(grantee) as GrantRow[]).map(grantOf)),
    touchGrant: (owner, vault, grantee, at, minIntervalMs) =>
      run((db) => {
        db.prepare(
          `UPDATE zv_grants SET last_access_at = ? WHERE owner = ? AND vault = ? AND grantee = ? AND (last_access_at IS NULL OR last_access_at <= ?)`,
        ).run(at, owner, vault, grantee, at - minIntervalMs);
      }),
  };
}
