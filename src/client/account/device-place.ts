/**
 * Where a client keeps remembered devices, decided without loading the
 * device code: a Node folder (`deviceDir`, or the `fsStore` folder), the
 * browser's IndexedDB, or nowhere. The device code itself
 * (`client/devices/`) loads on demand, with the first `rememberDevice`,
 * `resume`, password login or device call.
 *
 * @module
 */
import { ZeroVaultError } from '../../errors.js';
import type { BlobStore } from '../../store/types.js';
import type { Remember } from './client-options.js';
import { deviceCode } from './session-devices.js';
import type * as Devices from '../devices/index.js';

/** Where remembered devices live. */
export type DevicePlace = { readonly kind: 'dir'; readonly dir: string } | { readonly kind: 'indexeddb' } | { readonly kind: 'none' };

/**
 * The place for a client's options: `deviceDir` when given, else the folder
 * of an `fsStore`, else IndexedDB when the platform has it, else none.
 * @throws `INVALID_INPUT` when `deviceDir` is not a non-empty string
 */
export function devicePlaceOf(deviceDir: unknown, store: BlobStore | undefined): DevicePlace {
  if (deviceDir !== undefined) {
    if (typeof deviceDir !== 'string' || deviceDir.length === 0 || deviceDir.includes('\u0000')) throw new ZeroVaultError('INVALID_INPUT', 'deviceDir must be a non-empty string');
    return { kind: 'dir', dir: deviceDir };
  }
  const localDir = store?.localDir;
  if (typeof localDir === 'string' && localDir.length > 0) return { kind: 'dir', dir: localDir };
  // Read lazily: a global installed after import (a test's fake IndexedDB) counts.
  return typeof globalThis.indexedDB === 'object' && globalThis.indexedDB !== null ? { kind: 'indexeddb' } : { kind: 'none' };
}

/**
 * Checks that `rememberDevice` can work at `place`, and its `deviceName`
 * (with the device code, loaded only when a name is given).
 * @throws `UNSUPPORTED` where devices cannot be kept; `INVALID_INPUT` for a bad `deviceName`
 */
export async function assertCanRemember(place: DevicePlace, remember: Remember): Promise<void> {
  if (remember === undefined) return;
  if (place.kind === 'none') throw new ZeroVaultError('UNSUPPORTED', 'rememberDevice needs IndexedDB, or in Node a deviceDir or an fsStore');
  if (remember.name === undefined) return;
  const devices: typeof Devices = await deviceCode();
  try {
    devices.assertDeviceName(remember.name);
  } catch {
    throw new ZeroVaultError('INVALID_INPUT', 'deviceName must be 1 to 64 characters, without control characters');
  }
}
