/**
 * The device side of `Session` that needs no device code: validating the
 * arguments of `revokeDevice` and `logout`, what the device code borrows of
 * a session, and the prover a re-login from a remembered device adds (it
 * loads the device code only when called).
 *
 * @module
 */
import { loadOnDemand } from '../../crypto/lazy.js';
import { ZeroVaultError } from '../../errors.js';
import type * as Devices from '../devices/index.js';
import type { Endpoint } from '../api.js';
import type { DeviceProver } from './auth.js';
import type { DevicePlace } from './device-place.js';
import type { LogoutOptions, RevokeDeviceOptions, SessionState } from './types.js';

/** The device code, loaded with the first device call (see `device-place.ts`). */
export function deviceCode(): Promise<typeof Devices> {
  return loadOnDemand(() => import('../devices/index.js'));
}

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

/**
 * Validates `logout`'s options.
 * @throws `INVALID_INPUT`
 */
export function checkLogout(options: unknown): asserts options is LogoutOptions {
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const { forgetDevice } = options as LogoutOptions;
  if (forgetDevice !== undefined && typeof forgetDevice !== 'boolean') throw new ZeroVaultError('INVALID_INPUT', 'forgetDevice must be a boolean');
}

/**
 * Proves a session's device on a re-login, so the new server session stays
 * bound to it; `undefined` for a session without a device.
 */
export function deviceProver(endpoint: Endpoint, place: DevicePlace, userId: string, deviceId: string | undefined): DeviceProver | undefined {
  if (deviceId === undefined) return undefined;
  return async (request) => {
    const known = await (await deviceCode()).knownDevice(endpoint, place, userId);
    // Forgotten here meanwhile (another tab): the login goes without a proof.
    return known === null || known.deviceId !== deviceId ? null : known.prove(request);
  };
}

/** What the device code needs of a session; keys are borrowed (they throw `CLOSED` once it is closed). */
export function deviceHost(s: SessionState, signal: AbortSignal | undefined): Devices.DeviceHost {
  const { keys } = s;
  return { endpoint: s.endpoint, place: s.place, store: s.store, userId: s.userId, signing: () => keys.signing(), rootKey: () => keys.rootKey(), signal };
}
