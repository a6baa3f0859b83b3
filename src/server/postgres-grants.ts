/**
 * The grant half of `postgresServerStore`: rows of `<prefix>grants`, one per
 * (owner, vault, grantee), with the role the server enforces, the sealed
 * grant bytes, when it was first granted, when it expires and when the
 * grantee last used it. Each method is one statement: replacing a grant
 * keeps its `granted_at` (and, when asked, its `expires_at`) atomically, and
 * recording an access is a conditional update, so any number of servers
 * write it at most once per interval.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { bytes, int } from './postgres-values.js';
import type { GrantMethods } from './sqlite-grants.js';
import type { StoredGrant } from './types.js';

/** What the grant half needs of the store. */
export interface PostgresGrantContext {
  /** The table prefix (validated by the store). */
  readonly prefix: string;
  /** One pooled statement → its rows. */
  readonly query: (text: string, values: unknown[]) => Promise<Record<string, unknown>[]>;
  /** One pooled statement → how many rows it changed. */
  readonly affected: (text: string, values: unknown[]) => Promise<number>;
}

function intOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : int(value);
}

function grantOf(row: Record<string, unknown>): StoredGrant {
  const role = row.role;
  if (role !== 'read' && role !== 'write') throw new ZeroVaultError('STORAGE', 'postgres returned an unknown role');
  const updatedAt = int(row.updated_at);
  const expiresAt = intOrNull(row.expires_at);
  const lastAccessAt = intOrNull(row.last_access_at);
  return {
    owner: String(row.owner),
    vault: String(row.vault),
    grantee: String(row.grantee),
    role,
    data: bytes(row.data),
    updatedAt,
    // A row from before `granted_at` existed: its last write is the best we know.
    grantedAt: intOrNull(row.granted_at) ?? updatedAt,
    ...(expiresAt === null ? {} : { expiresAt }),
    ...(lastAccessAt === null ? {} : { lastAccessAt }),
  };
}

/** The grant methods of the PostgreSQL store. */
export function postgresGrants({ prefix: p, query, affected }: PostgresGrantContext): GrantMethods {
  return {
    async putGrant(grant, options = {}) {
      await query(
        `INSERT INTO ${p}grants (owner, vault, grantee, role, data, updated_at, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (owner, vault, grantee) DO UPDATE SET role = EXCLUDED.role, data = EXCLUDED.data, updated_at = EXCLUDED.updated_at,
           granted_at = COALESCE(${p}grants.granted_at, ${p}grants.updated_at),
           expires_at = CASE WHEN $9 THEN ${p}grants.expires_at ELSE EXCLUDED.expires_at END`,
        [
          grant.owner,
          grant.vault,
          grant.grantee,
          grant.role,
          Buffer.from(grant.data),
          grant.updatedAt,
          grant.grantedAt ?? grant.updatedAt,
          grant.expiresAt ?? null,
          options.keepExpiry === true,
        ],
      );
    },
    async getGrant(owner, vault, grantee) {
      const rows = await query(`SELECT * FROM ${p}grants WHERE owner = $1 AND vault = $2 AND grantee = $3`, [owner, vault, grantee]);
      return rows[0] === undefined ? null : grantOf(rows[0]);
    },
    async deleteGrant(owner, vault, grantee) {
      return (await affected(`DELETE FROM ${p}grants WHERE owner = $1 AND vault = $2 AND grantee = $3`, [owner, vault, grantee])) > 0;
    },
    async listGrantsByOwner(owner, vault) {
      return (await query(`SELECT * FROM ${p}grants WHERE owner = $1 AND vault = $2 ORDER BY grantee`, [owner, vault])).map(grantOf);
    },
    async listGrantsForGrantee(grantee) {
      return (await query(`SELECT * FROM ${p}grants WHERE grantee = $1 ORDER BY owner, vault`, [grantee])).map(grantOf);
    },
    async touchGrant(owner, vault, grantee, at, minIntervalMs) {
      await affected(
        `UPDATE ${p}grants SET last_access_at = $1 WHERE owner = $2 AND vault = $3 AND grantee = $4 AND (last_access_at IS NULL OR last_access_at <= $5)`,
        [at, owner, vault, grantee, at - minIntervalMs],
      );
    },
  };
}
