/**
 * The optional device half of a server store (`DeviceStore`, `types.ts`):
 * whether a store has it, like `sharingOf` for the sharing half.
 *
 * @module
 */
import type { DeviceStore } from './types.js';

/** The device methods of a store, or `null` when it lacks any of them (then the device routes are 404). */
export function devicesOf(store: Partial<DeviceStore>): DeviceStore | null {
  const names = ['addDevice', 'getDevice', 'listDevices', 'deleteDevice', 'touchDevice'] as const;
  return names.every((name) => typeof store[name] === 'function') ? (store as DeviceStore) : null;
}
