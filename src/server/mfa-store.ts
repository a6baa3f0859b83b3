/**
 * The optional second-factor half of a server store (`MfaStore`,
 * `types.ts`): whether a store has it, like `devicesOf` for the device half,
 * and how the SQL stores keep a session's pending state in one column.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import type { MfaStore, PendingMfa } from './types.js';

const NAMES = ['getMfa', 'putTotpSecret', 'confirmTotp', 'useTotpStep', 'deleteTotp', 'setStrict', 'replaceRecoveryCodes', 'useRecoveryCode', 'countMfaTry', 'completeMfa'] as const;

/** The MFA methods of a store, or `null` when it lacks any of them (then the MFA routes are 404 and no login is pending). */
export function mfaOf(store: Partial<MfaStore>): MfaStore | null {
  return NAMES.every((name) => typeof store[name] === 'function') ? (store as MfaStore) : null;
}

/** A pending state read from a TEXT column (`NULL`: a full session). */
export function pendingFromColumn(column: string | null): PendingMfa | undefined {
  if (column === null) return undefined;
  if (column === 'mfa' || column === 'enroll') return column;
  throw new ZeroVaultError('STORAGE', 'the store returned an unknown pending state');
}
