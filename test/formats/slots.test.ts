/**
 * The unlock-slot codec against `slots-v1.json`: encode == bytes, decode ==
 * entries, the published wraps open to the root key (with the published
 * derivations), one negative vector per parse error, and every truncation or
 * byte flip of a golden slot fails with a typed error: the codec catches the
 * structure, the AEAD the rest.
 */
import { describe, expect, test } from 'vitest';
import { UNLOCK_LABELS, keyIdOf, unwrapRoot } from '../../src/client/account/slots.js';
import { toHex } from '../../src/crypto/bytes.js';
import { deriveKey } from '../../src/crypto/kdf.js';
import { decodeSlot, encodeSlot } from '../../src/formats/slots.js';
import { bytes, checkInvalid, corruptions, readVectors, typedFailure, type InvalidBytes } from './helpers.js';

interface Entry {
  kind: 'password' | 'recovery';
  exportKey: string;
  kid: string;
  unlockKey: string;
  wrapped: string;
}
interface Vectors {
  labels: typeof UNLOCK_LABELS;
  rootKey: string;
  valid: { name: string; entries: Entry[]; bytes: string }[];
  invalid: InvalidBytes[];
}
const vectors = readVectors<Vectors>('slots-v1.json');

describe('unlock slots (slots-v1.json)', () => {
  test('encode, decode, and the wraps open to the root key', async () => {
    expect(vectors.labels).toEqual(UNLOCK_LABELS);
    for (const v of vectors.valid) {
      const entries = v.entries.map((e) => ({ kid: bytes(e.kid), wrapped: bytes(e.wrapped) }));
      expect(toHex(encodeSlot(entries)), v.name).toBe(v.bytes);
      expect(decodeSlot(bytes(v.bytes))).toEqual(entries);
      for (const e of v.entries) {
        expect(toHex(keyIdOf(bytes(e.exportKey)))).toBe(e.kid);
        expect(toHex(deriveKey({ ikm: bytes(e.exportKey), label: UNLOCK_LABELS[e.kind], length: 32 }))).toBe(e.unlockKey);
        expect(toHex(await unwrapRoot(e.kind, bytes(e.exportKey), decodeSlot(bytes(v.bytes))))).toBe(vectors.rootKey);
      }
    }
  });

  test('one negative vector per parse error', async () => {
    await checkInvalid(vectors.invalid, decodeSlot);
  });

  test('the encoder refuses what the decoder refuses', async () => {
    const entry = { kid: new Uint8Array(8), wrapped: new Uint8Array(60) };
    expect(await typedFailure(() => encodeSlot([]))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeSlot(Array.from({ length: 9 }, (_, i) => ({ ...entry, kid: new Uint8Array(8).fill(i) }))))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeSlot([entry, entry]))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeSlot([{ ...entry, kid: new Uint8Array(7) }]))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeSlot([{ ...entry, wrapped: new Uint8Array(0) }]))).toBe('INVALID_INPUT');
  });

  test('every truncation and byte flip of a golden slot fails to unlock, with a typed error', async () => {
    const v = vectors.valid[0] as Vectors['valid'][number];
    const e = v.entries[0] as Entry;
    for (const { what, bytes: bad } of corruptions(bytes(v.bytes))) {
      // Canonical: whatever decodes re-encodes to the same bytes.
      try {
        expect(toHex(encodeSlot(decodeSlot(bad))), what).toBe(toHex(bad));
      } catch (err) {
        expect(err, what).toMatchObject({ name: 'ZeroVaultError' });
      }
      const code = await typedFailure(async () => unwrapRoot(e.kind, bytes(e.exportKey), decodeSlot(bad)), what);
      expect(['INVALID_INPUT', 'UNSUPPORTED', 'DECRYPT_FAILED'], what).toContain(code);
    }
  });
});
