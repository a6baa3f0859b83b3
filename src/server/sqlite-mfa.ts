/**
 * The second-factor half of `sqliteServerStore` (`MfaStore`): TOTP state in
 * `zv_mfa`, recovery-code hashes in `zv_recovery_codes`, and the pending
 * state of sessions (`zv_sessions.mfa`, `mfa_tries`). Every "once only" is
 * one conditional statement: a TOTP step by `UPDATE … WHERE last_step < ?`,
 * a recovery code by `DELETE`, a try by `UPDATE … WHERE mfa_tries < ?`, so
 * two processes on the same file can never both spend the same thing.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { amrToColumn } from './device-store.js';
import type { Db } from './sqlite.js';
import type { MfaStore } from './types.js';

interface MfaRow {
  totp_secret: Uint8Array | null;
  totp_confirmed: number | null;
  totp_last_step: number | null;
  strict: number | null;
  codes: number;
}

function bytesOrNull(value: unknown): Uint8Array | null {
  if (value === null) return null;
  if (!(value instanceof Uint8Array)) throw new ZeroVaultError('STORAGE', 'sqlite returned a non-binary value');
  return Uint8Array.from(value);
}

/** The MFA methods over the store's `run` (which opens the database and maps errors to `STORAGE`). */
export function sqliteMfa(run: <T>(body: (db: Db) => T) => Promise<T>): MfaStore {
  return {
    getMfa: (userId) =>
      run((db) => {
        const row = db
          .prepare(
            `SELECT m.totp_secret, m.totp_confirmed, m.totp_last_step, m.strict,
                    (SELECT COUNT(*) FROM zv_recovery_codes r WHERE r.user_id = @userId) AS codes
             FROM (SELECT @userId AS user_id) u LEFT JOIN zv_mfa m ON m.user_id = u.user_id`,
          )
          .get({ userId }) as MfaRow;
        if (row.totp_confirmed === null && row.codes === 0) return null;
        return {
          sealedTotpSecret: bytesOrNull(row.totp_secret),
          totpConfirmed: row.totp_confirmed === 1,
          totpLastStep: row.totp_last_step,
          strict: row.strict === 1,
          recoveryCodesLeft: row.codes,
        };
      }),
    putTotpSecret: (userId, sealedSecret, now) =>
      run((db) => {
        const result = db
          .prepare(
            `INSERT INTO zv_mfa (user_id, totp_secret, totp_confirmed, totp_last_step, strict, updated_at) VALUES (?, ?, 0, NULL, 0, ?)
             ON CONFLICT (user_id) DO UPDATE SET totp_secret = excluded.totp_secret, totp_last_step = NULL, updated_at = excluded.updated_at
             WHERE zv_mfa.totp_confirmed = 0`,
          )
          .run(userId, Buffer.from(sealedSecret), now);
        if (result.changes === 0) throw new ZeroVaultError('CONFLICT', 'totp is enabled');
      }),
    confirmTotp: (userId, step, now) =>
      run(
        (db) =>
          db
            .prepare('UPDATE zv_mfa SET totp_confirmed = 1, totp_last_step = ?, updated_at = ? WHERE user_id = ? AND totp_confirmed = 0 AND totp_secret IS NOT NULL')
            .run(step, now, userId).changes === 1,
      ),
    useTotpStep: (userId, step) =>
      run(
        (db) =>
          db
            .prepare('UPDATE zv_mfa SET totp_last_step = @step WHERE user_id = @userId AND totp_confirmed = 1 AND (totp_last_step IS NULL OR totp_last_step < @step)')
            .run({ userId, step }).changes === 1,
      ),
    deleteTotp: (userId) =>
      run((db) => {
        db.prepare('UPDATE zv_mfa SET totp_secret = NULL, totp_confirmed = 0, totp_last_step = NULL, strict = 0 WHERE user_id = ?').run(userId);
      }),
    setStrict: (userId, strict) =>
      run((db) => db.prepare('UPDATE zv_mfa SET strict = ? WHERE user_id = ? AND totp_confirmed = 1').run(strict ? 1 : 0, userId).changes === 1),
    replaceRecoveryCodes: (userId, hashes, now) =>
      run((db) => {
        db.transaction(() => {
          db.prepare('DELETE FROM zv_recovery_codes WHERE user_id = ?').run(userId);
          const insert = db.prepare('INSERT INTO zv_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)');
          for (const hash of hashes) insert.run(userId, Buffer.from(hash), now);
        }).immediate();
      }),
    useRecoveryCode: (userId, hash) =>
      run((db) => db.prepare('DELETE FROM zv_recovery_codes WHERE user_id = ? AND code_hash = ?').run(userId, Buffer.from(hash)).changes === 1),
    countMfaTry: (sessionId, max) =>
      run((db) => {
        const row = db.prepare('UPDATE zv_sessions SET mfa_tries = mfa_tries + 1 WHERE id = ? AND mfa_tries < ? RETURNING mfa_tries').get(sessionId, max) as
          | { mfa_tries: number }
          | undefined;
        return row === undefined ? null : row.mfa_tries;
      }),
    completeMfa: (sessionId, amr, expiresAt) =>
      run((db) => {
        const row = db
          .prepare('UPDATE zv_sessions SET mfa = NULL, amr = ?, expires_at = MAX(expires_at, ?) WHERE id = ? RETURNING expires_at')
          .get(amrToColumn(amr), expiresAt, sessionId) as { expires_at: number } | undefined;
        return row === undefined ? null : row.expires_at;
      }),
  };
}
