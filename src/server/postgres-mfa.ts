/**
 * The second-factor half of `postgresServerStore` (`MfaStore`): TOTP state
 * in `<prefix>mfa`, recovery-code hashes in `<prefix>recovery_codes`, and the
 * pending state of sessions (`<prefix>sessions.mfa`, `mfa_tries`). Every
 * "once only" is one conditional statement under the row lock it takes, so
 * any number of servers sharing the database can never both spend the same
 * TOTP step, recovery code or try.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { amrToColumn } from './device-store.js';
import type { PostgresDeviceContext } from './postgres-devices.js';
import { bytes, int } from './postgres-values.js';
import type { MfaStore } from './types.js';

/** What the MFA half needs of the store (the same as the device half). */
export type PostgresMfaContext = PostgresDeviceContext;

/** The MFA methods of a PostgreSQL store. */
export function postgresMfa({ prefix: p, query, transaction }: PostgresMfaContext): MfaStore {
  // Whether a conditional statement changed a row.
  const changed = async (text: string, values: unknown[]): Promise<boolean> => (await query(`${text} RETURNING 1`, values)).length > 0;
  return {
    async getMfa(userId) {
      const rows = await query(
        `SELECT m.totp_secret, m.totp_confirmed, m.totp_last_step, m.strict,
                (SELECT COUNT(*) FROM ${p}recovery_codes r WHERE r.user_id = $1) AS codes
         FROM (SELECT $1::text AS user_id) u LEFT JOIN ${p}mfa m ON m.user_id = u.user_id`,
        [userId],
      );
      const row = rows[0] as Record<string, unknown>;
      const codes = int(row.codes);
      if (row.totp_confirmed === null && codes === 0) return null;
      return {
        sealedTotpSecret: row.totp_secret === null ? null : bytes(row.totp_secret),
        totpConfirmed: row.totp_confirmed === true,
        totpLastStep: row.totp_last_step === null ? null : int(row.totp_last_step),
        strict: row.strict === true,
        recoveryCodesLeft: codes,
      };
    },
    async putTotpSecret(userId, sealedSecret, now) {
      const done = await changed(
        `INSERT INTO ${p}mfa (user_id, totp_secret, totp_confirmed, totp_last_step, strict, updated_at) VALUES ($1, $2, FALSE, NULL, FALSE, $3)
         ON CONFLICT (user_id) DO UPDATE SET totp_secret = EXCLUDED.totp_secret, totp_last_step = NULL, updated_at = EXCLUDED.updated_at
         WHERE NOT ${p}mfa.totp_confirmed`,
        [userId, Buffer.from(sealedSecret), now],
      );
      if (!done) throw new ZeroVaultError('CONFLICT', 'totp is enabled');
    },
    async confirmTotp(userId, step, now) {
      return changed(
        `UPDATE ${p}mfa SET totp_confirmed = TRUE, totp_last_step = $2, updated_at = $3 WHERE user_id = $1 AND NOT totp_confirmed AND totp_secret IS NOT NULL`,
        [userId, step, now],
      );
    },
    async useTotpStep(userId, step) {
      return changed(
        `UPDATE ${p}mfa SET totp_last_step = $2 WHERE user_id = $1 AND totp_confirmed AND (totp_last_step IS NULL OR totp_last_step < $2)`,
        [userId, step],
      );
    },
    async deleteTotp(userId) {
      await query(`UPDATE ${p}mfa SET totp_secret = NULL, totp_confirmed = FALSE, totp_last_step = NULL, strict = FALSE WHERE user_id = $1`, [userId]);
    },
    async setStrict(userId, strict) {
      return changed(`UPDATE ${p}mfa SET strict = $2 WHERE user_id = $1 AND totp_confirmed`, [userId, strict]);
    },
    async replaceRecoveryCodes(userId, hashes, now) {
      await transaction(async (q) => {
        await q(`DELETE FROM ${p}recovery_codes WHERE user_id = $1`, [userId]);
        for (const hash of hashes) await q(`INSERT INTO ${p}recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)`, [userId, Buffer.from(hash), now]);
      });
    },
    async useRecoveryCode(userId, hash) {
      return changed(`DELETE FROM ${p}recovery_codes WHERE user_id = $1 AND code_hash = $2`, [userId, Buffer.from(hash)]);
    },
    async countMfaTry(sessionId, max) {
      const rows = await query(`UPDATE ${p}sessions SET mfa_tries = mfa_tries + 1 WHERE id = $1 AND mfa_tries < $2 RETURNING mfa_tries`, [sessionId, max]);
      return rows[0] === undefined ? null : int(rows[0].mfa_tries);
    },
    async completeMfa(sessionId, amr, expiresAt) {
      const rows = await query(`UPDATE ${p}sessions SET mfa = NULL, amr = $2, expires_at = GREATEST(expires_at, $3) WHERE id = $1 RETURNING expires_at`, [
        sessionId,
        amrToColumn(amr),
        expiresAt,
      ]);
      return rows[0] === undefined ? null : int(rows[0].expires_at);
    },
  };
}
