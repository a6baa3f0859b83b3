/**
 * Argument checks of `Session.revokeDevice`: they run once the device code
 * has loaded and before any request, so they cost the page's first bundle
 * nothing.
 *
 * @module
 */
import { ZeroVaultError } from '../../errors.js';
import type { RevokeDeviceOptions } from '../account/types.js';

// 16 bytes of unpadded base64url; the device code checks the canonical form.
const DEVICE_ID = /^[A-Za-z0-9_-]{22}$/;

/**
 * Validates `revokeDevice`'s arguments.
 * @throws `INVALID_INPUT`
 */
export function checkRevoke(id: unknown, options: unknown): asserts options is RevokeDeviceOptions {
  if (typeof id !== 'string' || !DEVICE_ID.test(id)) throw new ZeroVaultError('INVALID_INPUT', 'id must be a device id');
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const { signal, currentPassword } = options as RevokeDeviceOptions;
  if (signal !== undefined && (typeof AbortSignal === 'undefined' || !(signal instanceof AbortSignal))) throw new ZeroVaultError('INVALID_INPUT', 'signal must be an AbortSignal');
  if (currentPassword !== undefined && (typeof currentPassword !== 'string' || currentPassword.length === 0)) {
    throw new ZeroVaultError('INVALID_INPUT', 'currentPassword must be a non-empty string');
  }
}
