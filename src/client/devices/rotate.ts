/**
 * Remembered devices in a root-key rotation (`session.rotateRootKey`),
 * once it committed (the password opens the new root key):
 *
 * - **This device** keeps its sign-in: its slot is sealed to its unlock key
 *   again, now with the new root key (the registry vouches for that key),
 *   and then its local check value is updated to the new root key.
 * - **Every other device** is revoked (`DELETE /devices/:id`, then its slot,
 *   then its registry entry), as `revokeDevice` does: its remembered
 *   sign-in ends and it signs in with the password (or a passkey) again.
 *
 * Why not re-seal to the other devices too: such a device pins the root key
 * it was remembered with (its check value), so it must be told the new one
 * is genuine. Whatever the rotating session could vouch with is readable
 * with the *old* root key and the store (that is where the registry and
 * everything else live), and the old root key is exactly what rotation
 * assumes may have leaked; a device that accepted a new root key on such
 * a word would accept one of the attacker's choosing. Only the password
 * (or a passkey, or the recovery key) can vouch for the new key, so the
 * other devices come back through one of those.
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import { isZeroVaultError } from '../../errors.js';
import { deviceSlotId } from '../../formats/device-slot.js';
import type { RegistryDevice } from '../../formats/device-registry.js';
import { META_VAULT } from '../account/meta.js';
import { localDevices, rootCheckOf } from './local.js';
import { revokeDevice, serverDevices, type DeviceHost } from './manage.js';
import { readRegistry } from './registry.js';
import { sealDeviceSlot } from './slot.js';

/** The device registry as the rotation reads it before it commits (under the old root key). */
export async function devicesBeforeRotation(host: DeviceHost): Promise<RegistryDevice[]> {
  return readRegistry(host.store, host.rootKey());
}

/**
 * After the commit (`host.rootKey()` is the new root key): this device
 * re-sealed, every other one revoked (module comment). Safe to run again.
 * @param registry - from {@link devicesBeforeRotation}; its keys are wiped here
 * @param own - this session's device, if it is remembered
 */
export async function rotateDevices(host: DeviceHost, registry: readonly RegistryDevice[], own: string | undefined): Promise<void> {
  try {
    const mine = registry.find((d) => d.deviceId === own);
    if (mine !== undefined) await resealOwn(host, mine);
    // The server's list too: a device it knows but the registry does not (a crashed remember) goes as well.
    const listed = (await serverDevicesOrNone(host)).map((d) => d.id);
    const others = new Set([...registry.map((d) => d.deviceId), ...listed].filter((id) => id !== own));
    for (const id of others) {
      try {
        await revokeDevice(host, id);
      } catch (err) {
        if (!isZeroVaultError(err, 'NOT_FOUND')) throw err;
      }
    }
  } finally {
    for (const d of registry) wipe(d.signingKey, d.unlockKey);
  }
}

/** The server's devices; none from a server without the device routes (404). */
async function serverDevicesOrNone(host: DeviceHost): Promise<{ id: string }[]> {
  try {
    return await serverDevices(host);
  } catch (err) {
    if (isZeroVaultError(err, 'NOT_FOUND')) return [];
    throw err;
  }
}

/**
 * Slot first, then the check value: a crash in between is the one window
 * where `resume` fails here (`DECRYPT_FAILED`); a login with
 * `rememberDevice` then re-pins the device (`manage.ts`).
 */
async function resealOwn(host: DeviceHost, device: RegistryDevice): Promise<void> {
  const { userId, deviceId } = { userId: host.userId, deviceId: device.deviceId };
  const rootKey = host.rootKey();
  await host.store.put(META_VAULT, deviceSlotId(deviceId), await sealDeviceSlot({ rootKey, unlockKey: device.unlockKey, userId, deviceId }));
  const local = await localDevices(host.endpoint.baseUrl, host.place);
  const kept = await local.load(userId);
  if (kept === null || kept.deviceId !== deviceId) return;
  const rootCheck = rootCheckOf(rootKey, userId, deviceId);
  try {
    await local.save({ userId, deviceId, secret: kept.secret, rootCheck });
  } finally {
    wipe(rootCheck, kept.secret, kept.rootCheck);
  }
}
