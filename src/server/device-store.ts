/**
 * The optional device half of a server store (`DeviceStore`, `types.ts`):
 * whether a store has it, like `sharingOf` for the sharing half, and how the
 * SQL stores keep a session's `amr` in one column.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import type { DeviceStore } from './types.js';

/** The device methods of a store, or `null` when it lacks any of them (then the device routes are 404). */
export function devicesOf(store: Partial<DeviceStore>): DeviceStore | null {
  const names = ['addDevice', 'getDevice', 'listDevices', 'deleteDevice', 'touchDevice'] as const;
  return names.every((name) => typeof store[name] === 'function') ? (store as DeviceStore) : null;
}

const AMR_VALUE = /^[A-Za-z0-9_-]{1,32}$/;

/** A session's `amr` as one TEXT column: its values joined by spaces (RFC 8176 values hold none), or NULL when absent. */
export function amrToColumn(amr: readonly string[] | undefined): string | null {
  if (amr === undefined) return null;
  if (amr.length === 0 || amr.some((value) => !AMR_VALUE.test(value))) throw new ZeroVaultError('INVALID_INPUT', 'amr must be a list of method names');
  return amr.join(' ');
}

/** The `amr` of a TEXT column written by {@link amrToColumn}. */
export function amrFromColumn(column: string): readonly string[] {
  return Object.freeze(column.split(' '));
}
