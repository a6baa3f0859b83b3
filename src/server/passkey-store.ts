/**
 * The optional passkey half of a server store (`PasskeyStore`, `types.ts`):
 * whether a store has it, like `devicesOf` for the device half, and how the
 * SQL stores keep a passkey's transports in one column.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import type { PasskeyStore } from './types.js';

/** The passkey methods of a store, or `null` when it lacks any of them (then the passkey routes are 404). */
export function passkeysOf(store: Partial<PasskeyStore>): PasskeyStore | null {
  const names = ['addPasskey', 'getPasskey', 'listPasskeys', 'deletePasskey', 'usePasskey'] as const;
  return names.every((name) => typeof store[name] === 'function') ? (store as PasskeyStore) : null;
}

// WebAuthn transport names (`usb`, `nfc`, `ble`, `smart-card`, `hybrid`, `internal`, `cable`): no spaces.
const TRANSPORT = /^[a-z-]{1,32}$/;

/** A passkey's transports as one TEXT column: joined by spaces (empty when none). */
export function transportsToColumn(transports: readonly string[]): string {
  if (transports.length > 8 || transports.some((t) => !TRANSPORT.test(t))) throw new ZeroVaultError('INVALID_INPUT', 'transports must be WebAuthn transport names');
  return transports.join(' ');
}

/** The transports of a TEXT column written by {@link transportsToColumn}. */
export function transportsFromColumn(column: string): readonly string[] {
  return Object.freeze(column === '' ? [] : column.split(' '));
}
