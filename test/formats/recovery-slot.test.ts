/**
 * The v2 recovery slot against `recovery-slot-v2.json`: every derivation
 * recomputed from the published inputs, encode == bytes, the slot opens to
 * the root key with the export key (and its `keys` under the root key), one
 * negative vector per parse error, and every corruption of the golden slot
 * fails with a typed error. Re-sealing needs the root key, never the
 * recovery key, and a server that seals its own root key to the public key
 * (it can, once it knows it) fails the tag.
 */
import { describe, expect, test } from 'vitest';
import { getBackend } from '#backend';
import { openRecoverySlot, resealRecoverySlots } from '../../src/client/credentials/recovery-slot.js';
import { keyIdOf } from '../../src/client/account/slots.js';
import { open as aeadOpen, importKey } from '../../src/crypto/aead.js';
import { concat, toHex } from '../../src/crypto/bytes.js';
import { LABELS, hmac } from '../../src/crypto/kdf.js';
import { randomBytes } from '../../src/crypto/random.js';
import { hpkeSeal } from '../../src/seal/hpke.js';
import { createSuite } from '../../src/seal/suite.js';
import {
  RECOVERY_SLOT_INFO,
  decodeRecoverySlot,
  encodeRecoverySlot,
  recoveryExportKeys,
  recoveryKeysAad,
  recoveryKeysKey,
  recoverySlotAad,
  recoveryTagMessage,
} from '../../src/formats/recovery-slot.js';
import { memoryStore } from '../../src/store/memory.js';
import { bytes, checkInvalid, corruptions, readVectors, typedFailure, type InvalidBytes } from './helpers.js';

interface Entry {
  exportKey: string;
  kid: string;
  secretKey: string;
  publicKey: string;
  macKey: string;
  keysKey: string;
  enc: string;
  ciphertext: string;
  tag: string;
  keys: string;
}
interface Vectors {
  labels: { kid: string; x25519: string; mac: string; keys: string };
  userId: string;
  rootKey: string;
  valid: { name: string; entries: Entry[]; bytes: string }[];
  invalid: InvalidBytes[];
}
const v = readVectors<Vectors>('recovery-slot-v2.json');

async function inStore(slot: Uint8Array) {
  const store = memoryStore();
  await store.put('_zv', 'recovery-slot', slot);
  return store;
}

describe('recovery slot v2 (recovery-slot-v2.json)', () => {
  test('derivations, encoding, and the slot opens to the root key', async () => {
    expect(v.labels).toEqual({ kid: LABELS.unlockKid, x25519: LABELS.recoverySlotX25519, mac: LABELS.recoverySlotMac, keys: LABELS.recoverySlotKeys });
    for (const golden of v.valid) {
      const entries = golden.entries.map((e) => ({ kid: bytes(e.kid), enc: bytes(e.enc), ciphertext: bytes(e.ciphertext), tag: bytes(e.tag), keys: bytes(e.keys) }));
      expect(toHex(encodeRecoverySlot(entries)), golden.name).toBe(golden.bytes);
      expect(decodeRecoverySlot(bytes(golden.bytes))).toEqual(entries);
      for (const e of golden.entries) {
        const exportKey = bytes(e.exportKey);
        const { secretKey, macKey } = recoveryExportKeys(exportKey);
        expect(toHex(keyIdOf(exportKey))).toBe(e.kid);
        expect(toHex(secretKey)).toBe(e.secretKey);
        expect(toHex(getBackend().x25519PublicKey(secretKey))).toBe(e.publicKey);
        expect(toHex(macKey)).toBe(e.macKey);
        expect(toHex(recoveryKeysKey(bytes(v.rootKey), v.userId, bytes(e.kid)))).toBe(e.keysKey);
        expect(toHex(hmac('SHA-256', macKey, recoveryTagMessage(v.userId, bytes(e.kid), bytes(e.enc), bytes(e.ciphertext))))).toBe(e.tag);
        const kept = await aeadOpen(await importKey(bytes(e.keysKey)), bytes(e.keys), recoveryKeysAad(v.userId, bytes(e.kid)));
        expect(toHex(kept)).toBe(e.publicKey + e.macKey);
        const store = await inStore(bytes(golden.bytes));
        expect(toHex(await openRecoverySlot(store, v.userId, exportKey))).toBe(v.rootKey);
      }
    }
  });

  test('one negative vector per parse error', async () => {
    await checkInvalid(v.invalid, decodeRecoverySlot);
  });

  test('every truncation and byte flip of the golden slot fails to open, with a typed error', async () => {
    const golden = v.valid[0] as Vectors['valid'][number];
    const exportKey = bytes((golden.entries[0] as Entry).exportKey);
    for (const { what, bytes: bad } of corruptions(bytes(golden.bytes))) {
      const store = await inStore(bad);
      expect(['DECRYPT_FAILED'], what).toContain(await typedFailure(() => openRecoverySlot(store, v.userId, exportKey), what));
    }
  }, 60_000);

  test('another account, or the other entry of the key: DECRYPT_FAILED', async () => {
    const golden = v.valid[0] as Vectors['valid'][number];
    const store = await inStore(bytes(golden.bytes));
    await expect(openRecoverySlot(store, 'mallory@example.com', bytes((golden.entries[0] as Entry).exportKey))).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    await expect(openRecoverySlot(store, v.userId, bytes((v.valid[1]?.entries[1] as Entry).exportKey))).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  test('a root key sealed to the public key by anyone without the MAC key does not open', async () => {
    const golden = v.valid[0] as Vectors['valid'][number];
    const e = golden.entries[0] as Entry;
    const forged = randomBytes(32);
    const suite = createSuite();
    const sealed = await hpkeSeal(suite, { recipientPublicKey: bytes(e.publicKey), info: RECOVERY_SLOT_INFO, aad: recoverySlotAad(v.userId, bytes(e.kid)), plaintext: forged });
    const slot = encodeRecoverySlot([{ kid: bytes(e.kid), enc: sealed.enc, ciphertext: sealed.ciphertext, tag: bytes(e.tag), keys: bytes(e.keys) }]);
    await expect(openRecoverySlot(await inStore(slot), v.userId, bytes(e.exportKey))).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  test('re-sealing takes the root key only: the slot then opens to the new one', async () => {
    const golden = v.valid[1] as Vectors['valid'][number];
    const store = await inStore(bytes(golden.bytes));
    const newRoot = randomBytes(32);
    await resealRecoverySlots(store, v.userId, [bytes(v.rootKey)], newRoot);
    for (const e of golden.entries) expect(toHex(await openRecoverySlot(store, v.userId, bytes(e.exportKey)))).toBe(toHex(newRoot));
    // A wrong old root key opens no entry's keys: nothing is written.
    const before = await store.get('_zv', 'recovery-slot');
    await expect(resealRecoverySlots(store, v.userId, [randomBytes(32)], randomBytes(32))).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    expect(toHex((await store.get('_zv', 'recovery-slot'))?.data ?? new Uint8Array(0))).toBe(toHex(before?.data ?? concat()));
  });
});
