/**
 * The device side of `Session` that needs no device code: validating the
 * options of `logout` (which must work without it), what the device code borrows of
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
import type { LogoutOptions, SessionState } from './types.js';

/** The device code, loaded with the first device call (see `device-place.ts`). */
export function deviceCode(): Promise<typeof Devices> {
  return loadOnDemand(() => import('../devices/index.js'));
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
  return { endpoint: s.endpoint, place: s.place, store: s.store, userId: s.userId, signing: () => keys.signing(), rootKey: () => keys.rootKey(), signal, log: s };
}
