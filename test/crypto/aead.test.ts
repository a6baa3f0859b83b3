/**
 * `aead.seal` / `aead.open` on every backend: round-trips, interop between
 * backends, and every kind of tampering refused with DECRYPT_FAILED.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { AEAD_OVERHEAD, importKey, open, seal, type AesGcmKey } from '../../src/crypto/aead.js';
import type { Backend } from '../../src/crypto/backend.js';
import { BACKENDS, asyncCodeOf, makeBackend } from './backends.js';

const bytes = (maxLength: number) => fc.uint8Array({ maxLength });
// importKey refuses the all-zero key (tested below), which fast-check's bias toward zeros would draw.
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => k.some((b) => b !== 0));

for (const [name, create] of BACKENDS) {
  describe(`aead on ${name}`, () => {
    let backend: Backend;
    let key: AesGcmKey;
    beforeAll(async () => {
      backend = makeBackend(name, create);
      key = await importKey(new Uint8Array(32).fill(0x42), backend);
    });

    test('property: open(seal(pt, aad), aad) = pt, output is pt + 28 bytes', async () => {
      await fc.assert(
        fc.asyncProperty(key32, bytes(300), fc.option(bytes(40), { nil: undefined }), async (raw, pt, aad) => {
          const k = await importKey(raw, backend);
          const sealed = await seal(k, pt, aad, backend);
          expect(sealed.length).toBe(pt.length + AEAD_OVERHEAD);
          expect(await open(k, sealed, aad, backend)).toEqual(pt);
        }),
        { numRuns: 100 },
      );
    });

    test('every single-bit flip and every truncation of a golden sample → DECRYPT_FAILED', async () => {
      const pt = new TextEncoder().encode('a golden sample message');
      const aad = Uint8Array.of(1, 2, 3);
      const sealed = await seal(key, pt, aad, backend);
      let flips = 0;
      for (let i = 0; i < sealed.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const tampered = Uint8Array.from(sealed);
          tampered[i] = (tampered[i] as number) ^ (1 << bit);
          expect(await asyncCodeOf(() => open(key, tampered, aad, backend))).toBe('DECRYPT_FAILED');
          flips++;
        }
      }
      for (let length = 0; length < sealed.length; length++) {
        expect(await asyncCodeOf(() => open(key, sealed.subarray(0, length), aad, backend))).toBe('DECRYPT_FAILED');
      }
      // Bytes appended, or the tag moved off the end, fail too.
      const extended = new Uint8Array(sealed.length + 1);
      extended.set(sealed);
      expect(await asyncCodeOf(() => open(key, extended, aad, backend))).toBe('DECRYPT_FAILED');
      expect(flips).toBe(8 * (pt.length + AEAD_OVERHEAD));
    });

    test('property: a random bit flip, truncation, other aad or other key → DECRYPT_FAILED', async () => {
      await fc.assert(
        fc.asyncProperty(bytes(100), bytes(20), fc.nat(), key32, bytes(20), async (pt, aad, where, otherRaw, otherAad) => {
          const sealed = await seal(key, pt, aad, backend);
          const flipped = Uint8Array.from(sealed);
          const bit = where % (sealed.length * 8);
          flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
          expect(await asyncCodeOf(() => open(key, flipped, aad, backend))).toBe('DECRYPT_FAILED');
          const cut = sealed.subarray(0, where % sealed.length);
          expect(await asyncCodeOf(() => open(key, cut, aad, backend))).toBe('DECRYPT_FAILED');
          if (!Buffer.from(otherAad).equals(Buffer.from(aad))) {
            expect(await asyncCodeOf(() => open(key, sealed, otherAad, backend))).toBe('DECRYPT_FAILED');
          }
          if (!otherRaw.every((b) => b === 0x42)) {
            const other = await importKey(otherRaw, backend);
            expect(await asyncCodeOf(() => open(other, sealed, aad, backend))).toBe('DECRYPT_FAILED');
          }
        }),
        { numRuns: 100 },
      );
    });

    test('missing aad and empty aad are the same binding (GCM has no way to tell them apart)', async () => {
      const sealed = await seal(key, Uint8Array.of(7), undefined, backend);
      expect([...(await open(key, sealed, new Uint8Array(0), backend))]).toEqual([7]);
      expect(await asyncCodeOf(() => open(key, sealed, Uint8Array.of(0), backend))).toBe('DECRYPT_FAILED');
    });

    test('fresh nonce per call: sealing the same input twice differs', async () => {
      const pt = new Uint8Array(16);
      const a = await seal(key, pt, undefined, backend);
      const b = await seal(key, pt, undefined, backend);
      expect(Buffer.from(a.subarray(0, 12)).equals(Buffer.from(b.subarray(0, 12)))).toBe(false);
    });

    test('does not alias or mutate the caller’s buffers', async () => {
      const pt = Uint8Array.of(1, 2, 3);
      const sealed = await seal(key, pt, undefined, backend);
      const before = Uint8Array.from(sealed);
      const opened = await open(key, sealed, undefined, backend);
      expect([...pt]).toEqual([1, 2, 3]);
      expect(sealed).toEqual(before);
      opened.fill(0);
      expect(sealed).toEqual(before);
      expect([...(await open(key, sealed, undefined, backend))]).toEqual([1, 2, 3]);
    });

    test('bad arguments → INVALID_INPUT', async () => {
      for (const length of [0, 16, 24, 31, 33, 64]) {
        expect(await asyncCodeOf(() => importKey(new Uint8Array(length), backend))).toBe('INVALID_INPUT');
      }
      const notBytes = 'text' as unknown as Uint8Array;
      expect(await asyncCodeOf(() => importKey(notBytes, backend))).toBe('INVALID_INPUT');
      // A wiped or never-set key must never protect data (constant-time check, before the backend).
      expect(await asyncCodeOf(() => importKey(new Uint8Array(32), backend))).toBe('INVALID_INPUT');
      expect(await asyncCodeOf(() => seal(key, notBytes, undefined, backend))).toBe('INVALID_INPUT');
      expect(await asyncCodeOf(() => seal(key, new Uint8Array(1), notBytes, backend))).toBe('INVALID_INPUT');
      expect(await asyncCodeOf(() => open(key, notBytes, undefined, backend))).toBe('INVALID_INPUT');
      const forged = { algorithm: 'AES-256-GCM', backend: name } as AesGcmKey;
      expect(await asyncCodeOf(() => seal(forged, new Uint8Array(1), undefined, backend))).toBe('INVALID_INPUT');
    });
  });
}

describe('aead across backends', () => {
  test('what one backend seals, every other opens; keys do not cross backends', async () => {
    const backends = BACKENDS.map(([name, create]) => makeBackend(name, create));
    const raw = Uint8Array.from({ length: 32 }, (_, i) => i);
    const keys = await Promise.all(backends.map((b) => importKey(raw, b)));
    const pt = new TextEncoder().encode('interop across node:crypto, WebCrypto and noble');
    const aad = Uint8Array.of(9, 9);
    let pairs = 0;
    for (const [i, from] of backends.entries()) {
      const sealed = await seal(keys[i] as AesGcmKey, pt, aad, from);
      for (const [j, to] of backends.entries()) {
        expect(await open(keys[j] as AesGcmKey, sealed, aad, to)).toEqual(pt);
        pairs++;
        if (i !== j) {
          expect(await asyncCodeOf(() => open(keys[i] as AesGcmKey, sealed, aad, to))).toBe('INVALID_INPUT');
        }
      }
    }
    expect(pairs).toBe(backends.length ** 2);
  });

  test('property: every backend produces identical ciphertexts for the same nonce', async () => {
    const backends = BACKENDS.map(([name, create]) => makeBackend(name, create));
    await fc.assert(
      fc.asyncProperty(key32, fc.uint8Array({ minLength: 12, maxLength: 12 }), bytes(200), bytes(40), async (raw, nonce, pt, aad) => {
        const outs = await Promise.all(backends.map(async (b) => b.aesGcmSeal(await b.importAesGcmKey(raw), nonce, pt, aad)));
        for (const out of outs) expect(out).toEqual(outs[0]);
      }),
      { numRuns: 100 },
    );
  });
});
