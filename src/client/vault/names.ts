/**
 * Names the SDK reserves inside vaults, and the record-id check.
 *
 * @module
 */
import { ZeroVaultError } from '../../errors.js';
import { assertName } from '../../store/types.js';

/** Record ids and vault names starting with this are the SDK's own. */
export const RESERVED_PREFIX = '_zv';
/** The record id of a vault's membership list (`formats/membership.ts`); here so a vault need not load the sharing code to skip it. */
export const MEMBERS_ID = `${RESERVED_PREFIX}.members`;

/** @throws `INVALID_INPUT` for a malformed or reserved record id */
export function assertRecordId(id: unknown): asserts id is string {
  assertName(id, 'id');
  if (id.startsWith(RESERVED_PREFIX)) throw new ZeroVaultError('INVALID_INPUT', `id must not start with ${RESERVED_PREFIX}`);
}
