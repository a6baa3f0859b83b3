/**
 * The vectors of `src/formats/device-slot.ts` and `src/formats/device-registry.ts`
 * (device-slot-v1.json): a device slot sealed with a fixed HPKE ephemeral
 * (`ikmE`, RFC 9180 DeriveKeyPair) so the bytes reproduce, with every input
 * an independent HPKE implementation needs to open it; a registry; and one
 * negative vector per parse error of each.
 */
import { toBase64url } from '../src/crypto/bytes.js';
import { LABELS } from '../src/crypto/kdf.js';
import { deviceKeys } from '../src/formats/device.js';
import { decodeDeviceRegistry, encodeDeviceRegistry } from '../src/formats/device-registry.js';
import { DEVICE_SLOT_INFO, decodeDeviceSlot, deviceSlotAad, deviceSlotId, encodeDeviceSlot } from '../src/formats/device-slot.js';
import { hpkeSeal } from '../src/seal/hpke.js';
import { createSuite } from '../src/seal/suite.js';
import { append, cut, expectCode, hex, patch, pattern } from './format-vectors-common.js';

/** Builds device-slot-v1.json. */
export async function deviceSlotVectors(): Promise<object> {
  const secret = pattern(32, 0x10);
  const keys = deviceKeys(secret);
  const userId = 'alice@example.com';
  const deviceId = toBase64url(pattern(16, 0x40));
  const rootKey = pattern(32, 0x80);
  const ikmE = pattern(32, 0xe0);
  const aad = deviceSlotAad({ userId, deviceId });
  const sealed = await hpkeSeal(createSuite(), { recipientPublicKey: keys.unlockKey, info: DEVICE_SLOT_INFO, aad, plaintext: rootKey, ikmE });
  const slot = encodeDeviceSlot(sealed);

  const invalidSlots = [
    { name: 'empty', bytes: new Uint8Array(0), error: 'INVALID_INPUT' },
    { name: 'wrong magic', bytes: patch(slot, 1, 0x53), error: 'INVALID_INPUT' },
    { name: 'unknown version', bytes: patch(slot, 2, 0x02), error: 'UNSUPPORTED' },
    { name: 'unknown suite', bytes: patch(slot, 3, 0x02), error: 'UNSUPPORTED' },
    { name: 'truncated (no tag)', bytes: cut(slot, slot.length - 16), error: 'INVALID_INPUT' },
    { name: 'one trailing byte', bytes: append(slot, 0), error: 'INVALID_INPUT' },
  ] as const;
  for (const v of invalidSlots) await expectCode(v.name, v.error, () => decodeDeviceSlot(v.bytes));

  const devices = [
    { deviceId, name: 'Firefox on Linux', createdAt: 1_767_225_600_000, signingKey: keys.signingKey, unlockKey: keys.unlockKey },
    { deviceId: toBase64url(pattern(16, 0x50)), name: 'Node.js on linux', createdAt: 1_767_312_000_000, ...pick(deviceKeys(pattern(32, 0x20))) },
  ];
  const registry = encodeDeviceRegistry(devices);
  const one = encodeDeviceRegistry(devices.slice(0, 1));
  const invalidRegistries = [
    { name: 'wrong magic', bytes: patch(registry, 1, 0x53), error: 'INVALID_INPUT' },
    { name: 'unknown version', bytes: patch(registry, 2, 0x02), error: 'UNSUPPORTED' },
    { name: 'count larger than the entries', bytes: patch(one, 3, 0x02), error: 'INVALID_INPUT' },
    { name: 'more than 32 devices', bytes: patch(encodeDeviceRegistry([]), 3, 33), error: 'INVALID_INPUT' },
    { name: 'one trailing byte', bytes: append(registry, 0), error: 'INVALID_INPUT' },
    { name: 'a repeated device id', bytes: patch(registry, 4 + one.length - 4, ...pattern(16, 0x40)), error: 'INVALID_INPUT' },
    { name: 'an empty name', bytes: patch(one, one.length - 17, 0x00), error: 'INVALID_INPUT' },
    { name: 'a name that is not UTF-8', bytes: patch(one, one.length - 1, 0xff), error: 'INVALID_INPUT' },
  ] as const;
  for (const v of invalidRegistries) await expectCode(v.name, v.error, () => decodeDeviceRegistry(v.bytes));

  return {
    description:
      'zerovault device slots and device registry (issue 14). slot = "ZU" (5a55) || 0x01 (version) || 0x01 (suite) || enc (32) || ciphertext (48). ' +
      'Suite 1: HPKE base mode (RFC 9180), DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM; single-shot Seal(pkR = unlockKey, info = "zerovault/v1/device-slot", aad, rootKey). ' +
      'aad = "zerovault/v1/device-slot" || 0x00 || lp(utf8 userId) || lp(utf8 deviceId) || the 4 header bytes; lp(x) = u32(len x) || x. ' +
      'unlockSecret = HKDF-SHA-256(deviceSecret, salt "", info "zerovault/v1/device/unlock" || 0x00, 32), unlockKey its X25519 public key (device-v1.json). ' +
      'ikmE is the sender ephemeral input of RFC 9180 DeriveKeyPair, fixed so the bytes reproduce. ' +
      'registry (plaintext of the meta record "devices", sealed under the root key) = "ZR" (5a52) || 0x01 || count (u8, 0..32) || count × (deviceId (16) || createdAt (u64) || signingKey (32) || unlockKey (32) || u8 len || utf8 name (1..255)), ids distinct.',
    generator: 'scripts/gen-format-vectors.ts',
    labels: { info: new TextDecoder().decode(DEVICE_SLOT_INFO), unlock: LABELS.deviceUnlock },
    slot: {
      userId,
      deviceId,
      recordId: deviceSlotId(deviceId),
      deviceSecret: hex(secret),
      unlockSecret: hex(keys.unlockSecret),
      unlockKey: hex(keys.unlockKey),
      rootKey: hex(rootKey),
      ikmE: hex(ikmE),
      info: hex(DEVICE_SLOT_INFO),
      aad: hex(aad),
      enc: hex(sealed.enc),
      ciphertext: hex(sealed.ciphertext),
      bytes: hex(slot),
    },
    invalidSlots: invalidSlots.map((v) => ({ name: v.name, bytes: hex(v.bytes), error: v.error })),
    registry: {
      devices: devices.map((d) => ({ ...d, signingKey: hex(d.signingKey), unlockKey: hex(d.unlockKey) })),
      bytes: hex(registry),
    },
    invalidRegistries: invalidRegistries.map((v) => ({ name: v.name, bytes: hex(v.bytes), error: v.error })),
  };
}

function pick(keys: ReturnType<typeof deviceKeys>): { signingKey: Uint8Array; unlockKey: Uint8Array } {
  return { signingKey: keys.signingKey, unlockKey: keys.unlockKey };
}
