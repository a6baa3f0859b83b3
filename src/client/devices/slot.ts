/**
 * Sealing and opening device slots (the bytes are `formats/device-slot.ts`):
 * the root key, sealed with HPKE base mode to the device's X25519 unlock
 * key, bound to the account and the device. The HPKE code is
 * `zerovault/seal`'s, loaded on first use as grants load it.
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import { loadOnDemand } from '../../crypto/lazy.js';
import { decryptFailed, isZeroVaultError } from '../../errors.js';
import { DEVICE_SLOT_INFO, decodeDeviceSlot, deviceSlotAad, encodeDeviceSlot, type DeviceSlotPlace } from '../../formats/device-slot.js';
import type { HpkeSuite } from '../../seal/suite.js';
import type * as HpkeApi from '../../seal/hpke.js';

async function hpke(): Promise<{ api: typeof HpkeApi; suite: HpkeSuite }> {
  const api = await loadOnDemand(() => import('../../seal/hpke.js'));
  const { createSuite } = await loadOnDemand(() => import('../../seal/suite.js'));
  return { api, suite: createSuite() };
}

/** Inputs of {@link sealDeviceSlot}. */
export interface SealDeviceSlotOptions extends DeviceSlotPlace {
  readonly rootKey: Uint8Array;
  /** The device's X25519 unlock public key. */
  readonly unlockKey: Uint8Array;
}

/** Seals the root key to a device: the slot's bytes. */
export async function sealDeviceSlot(options: SealDeviceSlotOptions): Promise<Uint8Array> {
  const { api, suite } = await hpke();
  const sealed = await api.hpkeSeal(suite, {
    recipientPublicKey: options.unlockKey,
    info: DEVICE_SLOT_INFO,
    aad: deviceSlotAad(options),
    plaintext: options.rootKey,
  });
  return encodeDeviceSlot(sealed);
}

/** Inputs of {@link openDeviceSlot}. */
export interface OpenDeviceSlotOptions extends DeviceSlotPlace {
  readonly slot: Uint8Array;
  /** The device's X25519 unlock secret key. */
  readonly unlockSecret: Uint8Array;
}

/**
 * Opens a device slot to the root key.
 * @throws `DECRYPT_FAILED` for a slot that is malformed, of an unknown
 *   version, not sealed to this device, or not for this account and device
 */
export async function openDeviceSlot(options: OpenDeviceSlotOptions): Promise<Uint8Array> {
  let slot;
  try {
    slot = decodeDeviceSlot(options.slot);
  } catch (err) {
    if (isZeroVaultError(err, 'INVALID_INPUT') || isZeroVaultError(err, 'UNSUPPORTED')) throw decryptFailed();
    throw err;
  }
  const { api, suite } = await hpke();
  const rootKey = await api.hpkeOpen(suite, {
    enc: slot.enc,
    recipientSecretKey: options.unlockSecret,
    info: DEVICE_SLOT_INFO,
    aad: deviceSlotAad(options),
    ciphertext: slot.ciphertext,
  });
  if (rootKey.length !== 32) {
    wipe(rootKey);
    throw decryptFailed();
  }
  return rootKey;
}
