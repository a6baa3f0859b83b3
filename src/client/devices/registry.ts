/**
 * The account's device registry (`formats/device-registry.ts`) as a meta
 * record sealed under the root key: read it, change it with a conditional
 * write (retried on `CONFLICT`), and the device slots beside it.
 *
 * @module
 */
import { DEVICE_REGISTRY_ID, MAX_DEVICES, decodeDeviceRegistry, encodeDeviceRegistry, type RegistryDevice } from '../../formats/device-registry.js';
import { deviceSlotId } from '../../formats/device-slot.js';
import type { BlobStore } from '../../store/types.js';
import { META_VAULT } from '../account/meta.js';
import { loadMeta, saveMeta } from '../account/meta-record.js';
import { retryOnConflict } from '../retry.js';

/**
 * The registry's devices (none when the record is missing).
 * @throws `DECRYPT_FAILED` when it does not open under the root key
 */
export async function readRegistry(store: BlobStore, rootKey: Uint8Array): Promise<RegistryDevice[]> {
  const loaded = await loadMeta(store, rootKey, DEVICE_REGISTRY_ID);
  return loaded === null ? [] : decodeDeviceRegistry(loaded.plaintext);
}

/**
 * Applies `change` to the registry and writes it (only if nobody wrote in
 * between; retried then). `change` returning `null` writes nothing.
 */
export async function updateRegistry(store: BlobStore, rootKey: () => Uint8Array, change: (devices: RegistryDevice[]) => RegistryDevice[] | null): Promise<void> {
  await retryOnConflict(async () => {
    const key = rootKey();
    const loaded = await loadMeta(store, key, DEVICE_REGISTRY_ID);
    const next = change(loaded === null ? [] : decodeDeviceRegistry(loaded.plaintext));
    if (next === null) return;
    await saveMeta(store, key, DEVICE_REGISTRY_ID, (loaded?.cv ?? 0) + 1, encodeDeviceRegistry(next), loaded === null ? null : loaded.version);
  });
}

/** Adds a device, dropping the oldest entries beyond the limit (leftovers of devices never finished). */
export async function addToRegistry(store: BlobStore, rootKey: () => Uint8Array, device: RegistryDevice): Promise<void> {
  await updateRegistry(store, rootKey, (devices) => [...devices.filter((d) => d.deviceId !== device.deviceId), device].slice(-MAX_DEVICES));
}

/** Removes a device's entry (nothing when it holds none). */
export async function removeFromRegistry(store: BlobStore, rootKey: () => Uint8Array, deviceId: string): Promise<void> {
  await updateRegistry(store, rootKey, (devices) => (devices.some((d) => d.deviceId === deviceId) ? devices.filter((d) => d.deviceId !== deviceId) : null));
}

/** Reads a device's slot, or `null`. */
export async function readDeviceSlot(store: BlobStore, deviceId: string): Promise<Uint8Array | null> {
  return (await store.get(META_VAULT, deviceSlotId(deviceId)))?.data ?? null;
}

/** Writes a new device's slot (`CONFLICT` if one exists: ids are random, so that is a bug or an attack). */
export async function writeDeviceSlot(store: BlobStore, deviceId: string, slot: Uint8Array): Promise<void> {
  await store.put(META_VAULT, deviceSlotId(deviceId), slot, { ifVersion: null });
}

/** Deletes a device's slot (nothing when missing). */
export async function deleteDeviceSlot(store: BlobStore, deviceId: string): Promise<void> {
  await store.delete(META_VAULT, deviceSlotId(deviceId));
}
