/**
 * The manifest codec against `manifest-v1.json`: encode == bytes, decode ==
 * entries, one negative vector per parse error. The manifest has no
 * integrity of its own (it travels sealed under the root key), so of a
 * golden sample's corruptions every truncation must fail with a typed error,
 * and every byte flip must fail or decode to a different manifest, never a
 * TypeError or RangeError.
 */
import { describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import { decodeManifest, encodeManifest, type Manifest } from '../../src/formats/manifest.js';
import { isZeroVaultError } from '../../src/errors.js';
import { bytes, checkInvalid, corruptions, readVectors, typedFailure, type InvalidBytes } from './helpers.js';

interface Vectors {
  valid: { name: string; entries: { id: string; cv: number; storeVersion: number; deleted: boolean }[]; bytes: string }[];
  invalid: InvalidBytes[];
}
const vectors = readVectors<Vectors>('manifest-v1.json');

const manifestOf = (v: Vectors['valid'][number]): Manifest => new Map(v.entries.map((e) => [e.id, { cv: e.cv, storeVersion: e.storeVersion, deleted: e.deleted }]));

describe('manifest (manifest-v1.json)', () => {
  test('encode and decode', () => {
    for (const v of vectors.valid) {
      expect(toHex(encodeManifest(manifestOf(v))), v.name).toBe(v.bytes);
      const decoded = decodeManifest(bytes(v.bytes));
      expect([...decoded.entries()]).toEqual([...manifestOf(v).entries()]);
      // Insertion order does not matter: equal manifests encode equally.
      expect(toHex(encodeManifest(new Map([...manifestOf(v).entries()].reverse())))).toBe(v.bytes);
    }
  });

  test('one negative vector per parse error', async () => {
    await checkInvalid(vectors.invalid, decodeManifest);
    expect(await typedFailure(() => encodeManifest(new Map([['', { cv: 1, storeVersion: 1, deleted: false }]])))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeManifest(new Map([['a', { cv: 2 ** 53, storeVersion: 1, deleted: false }]])))).toBe('INVALID_INPUT');
  });

  test('every truncation fails; every byte flip fails or decodes, canonically, to another manifest', () => {
    for (const v of vectors.valid) {
      const sample = bytes(v.bytes);
      for (const { what, bytes: bad } of corruptions(sample)) {
        let decoded: Manifest;
        try {
          decoded = decodeManifest(bad);
        } catch (err) {
          expect(isZeroVaultError(err), what).toBe(true);
          continue;
        }
        // Canonical: what decodes re-encodes to the same bytes, so a flip that decodes is another manifest.
        expect(toHex(encodeManifest(decoded)), what).toBe(toHex(bad));
        expect(toHex(bad), what).not.toBe(v.bytes);
      }
    }
  });
});
