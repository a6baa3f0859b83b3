/**
 * Device slots and the device registry against `device-slot-v1.json`:
 * the published slot reproduces from its inputs, opens with an independent
 * RFC 9180 implementation (@hpke/core) as well as with ours, and a slot
 * @hpke/core seals opens with ours; it is bound to its account and device;
 * one negative vector per parse error; every truncation and byte flip of
 * the golden slot fails with a typed error. The registry: encode == bytes,
 * decode == devices, negatives.
 */
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { describe, expect, test } from 'vitest';
import { openDeviceSlot } from '../../src/client/devices/slot.js';
import { toBase64url, toHex } from '../../src/crypto/bytes.js';
import { LABELS } from '../../src/crypto/kdf.js';
import { deviceKeys } from '../../src/formats/device.js';
import { decodeDeviceRegistry, encodeDeviceRegistry } from '../../src/formats/device-registry.js';
import { DEVICE_SLOT_INFO, decodeDeviceSlot, deviceSlotAad, deviceSlotId, encodeDeviceSlot } from '../../src/formats/device-slot.js';
import { hpkeSeal } from '../../src/seal/hpke.js';
import { createSuite } from '../../src/seal/suite.js';
import { bytes, checkInvalid, corruptions, readVectors, typedFailure, type InvalidBytes } from './helpers.js';

interface Vectors {
  labels: { info: string; unlock: string };
  slot: {
    userId: string;
    deviceId: string;
    recordId: string;
    deviceSecret: string;
    unlockSecret: string;
    unlockKey: string;
    rootKey: string;
    ikmE: string;
    info: string;
    aad: string;
    enc: string;
    ciphertext: string;
    bytes: string;
  };
  invalidSlots: InvalidBytes[];
  registry: { devices: { deviceId: string; name: string; createdAt: number; signingKey: string; unlockKey: string }[]; bytes: string };
  invalidRegistries: InvalidBytes[];
}

const vectors = readVectors<Vectors>('device-slot-v1.json');
const v = vectors.slot;
const theirs = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

describe('device slots (device-slot-v1.json)', () => {
  test('the slot reproduces from its inputs: keys, info, AAD, HPKE with the fixed ephemeral, bytes', async () => {
    expect(vectors.labels).toEqual({ info: 'zerovault/v1/device-slot', unlock: LABELS.deviceUnlock });
    const keys = deviceKeys(bytes(v.deviceSecret));
    expect(toHex(keys.unlockSecret)).toBe(v.unlockSecret);
    expect(toHex(keys.unlockKey)).toBe(v.unlockKey);
    expect(toHex(DEVICE_SLOT_INFO)).toBe(v.info);
    expect(toHex(deviceSlotAad({ userId: v.userId, deviceId: v.deviceId }))).toBe(v.aad);
    expect(deviceSlotId(v.deviceId)).toBe(v.recordId);
    const sealed = await hpkeSeal(createSuite(), { recipientPublicKey: keys.unlockKey, info: DEVICE_SLOT_INFO, aad: bytes(v.aad), plaintext: bytes(v.rootKey), ikmE: bytes(v.ikmE) });
    expect(toHex(sealed.enc)).toBe(v.enc);
    expect(toHex(sealed.ciphertext)).toBe(v.ciphertext);
    expect(toHex(encodeDeviceSlot(sealed))).toBe(v.bytes);
    expect(decodeDeviceSlot(bytes(v.bytes))).toEqual({ enc: bytes(v.enc), ciphertext: bytes(v.ciphertext) });
  });

  test('@hpke/core opens the published slot to the root key', async () => {
    const recipientKey = await theirs.kem.importKey('raw', bytes(v.unlockSecret).buffer as ArrayBuffer, false);
    const slot = decodeDeviceSlot(bytes(v.bytes));
    const opened = await theirs.open({ recipientKey, enc: slot.enc, info: bytes(v.info) }, slot.ciphertext, bytes(v.aad));
    expect(toHex(new Uint8Array(opened))).toBe(v.rootKey);
  });

  test('ours opens it too, and a slot @hpke/core seals', async () => {
    const place = { userId: v.userId, deviceId: v.deviceId };
    expect(toHex(await openDeviceSlot({ ...place, slot: bytes(v.bytes), unlockSecret: bytes(v.unlockSecret) }))).toBe(v.rootKey);
    const recipientPublicKey = await theirs.kem.importKey('raw', bytes(v.unlockKey).buffer as ArrayBuffer, true);
    const sender = await theirs.createSenderContext({ recipientPublicKey, info: DEVICE_SLOT_INFO });
    const ciphertext = new Uint8Array(await sender.seal(bytes(v.rootKey), deviceSlotAad(place)));
    const slot = encodeDeviceSlot({ enc: new Uint8Array(sender.enc), ciphertext });
    expect(toHex(await openDeviceSlot({ ...place, slot, unlockSecret: bytes(v.unlockSecret) }))).toBe(v.rootKey);
  });

  test('a slot opens only for its account and device, and only with its key', async () => {
    const slot = bytes(v.bytes);
    const unlockSecret = bytes(v.unlockSecret);
    const otherDevice = toBase64url(new Uint8Array(16).fill(7));
    await expect(openDeviceSlot({ userId: 'bob@example.com', deviceId: v.deviceId, slot, unlockSecret })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    await expect(openDeviceSlot({ userId: v.userId, deviceId: otherDevice, slot, unlockSecret })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    const otherKey = deviceKeys(new Uint8Array(32).fill(9)).unlockSecret;
    await expect(openDeviceSlot({ userId: v.userId, deviceId: v.deviceId, slot, unlockSecret: otherKey })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  test('one negative vector per parse error', async () => {
    await checkInvalid(vectors.invalidSlots, decodeDeviceSlot);
    expect(() => encodeDeviceSlot({ enc: new Uint8Array(31), ciphertext: new Uint8Array(48) })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => deviceSlotId('not-a-device-id')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  test('every truncation and byte flip of the golden slot fails to open, with DECRYPT_FAILED', async () => {
    const unlockSecret = bytes(v.unlockSecret);
    for (const c of corruptions(bytes(v.bytes))) {
      expect(await typedFailure(() => openDeviceSlot({ userId: v.userId, deviceId: v.deviceId, slot: c.bytes, unlockSecret }), c.what), c.what).toBe('DECRYPT_FAILED');
    }
  });
});

describe('device registry (device-slot-v1.json)', () => {
  const devices = vectors.registry.devices.map((d) => ({ ...d, signingKey: bytes(d.signingKey), unlockKey: bytes(d.unlockKey) }));

  test('encode == bytes, decode == devices', () => {
    expect(toHex(encodeDeviceRegistry(devices))).toBe(vectors.registry.bytes);
    expect(decodeDeviceRegistry(bytes(vectors.registry.bytes))).toEqual(devices);
    expect(decodeDeviceRegistry(encodeDeviceRegistry([]))).toEqual([]);
  });

  test('one negative vector per parse error; the encoder refuses what the decoder refuses', async () => {
    await checkInvalid(vectors.invalidRegistries, decodeDeviceRegistry);
    const d = devices[0] as (typeof devices)[number];
    for (const bad of [[d, d], [{ ...d, name: '' }], [{ ...d, signingKey: new Uint8Array(31) }], [{ ...d, deviceId: 'x' }], [{ ...d, createdAt: -1 }]]) {
      expect(() => encodeDeviceRegistry(bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  test('every truncation and byte flip of the golden registry fails with a typed error or decodes to something else', async () => {
    const golden = bytes(vectors.registry.bytes);
    for (const c of corruptions(golden)) {
      let decoded: unknown;
      try {
        decoded = decodeDeviceRegistry(c.bytes);
      } catch {
        expect(await typedFailure(() => decodeDeviceRegistry(c.bytes), c.what)).toMatch(/^(INVALID_INPUT|UNSUPPORTED)$/);
        continue;
      }
      // The registry is sealed under the root key: integrity is the AEAD's; the codec only parses strictly.
      expect(decoded, c.what).not.toEqual(devices);
    }
  });
});
