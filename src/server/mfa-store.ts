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

/**
 * How many passkeys a user has (an account with one has a second factor):
 * read through the passkey half of the store (`listPasskeys`) when it has
 * one, else 0. Looked up by name so this half does not depend on that one.
 */
export async function passkeyCount(store: object, userId: string): Promise<number> {
  const list = (store as { listPasskeys?: unknown }).listPasskeys;
  if (typeof list !== 'function') return 0;
  const passkeys: unknown = await (list as (userId: string) => Promise<unknown>).call(store, userId);
  return Array.isArray(passkeys) ? passkeys.length : 0;
}

/** Whether the store keeps passkeys (then a pending `enroll` session may enrol one). */
export function keepsPasskeys(store: object): boolean {
  return typeof (store as { listPasskeys?: unknown }).listPasskeys === 'function';
}
