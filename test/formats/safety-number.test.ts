/**
 * Safety numbers against `safety-numbers-v1.json`: both halves and the
 * number, symmetric; the published spellings parse to the digits; one
 * negative vector per parse error; every truncation of the text fails, and
 * any one-digit change is a different number.
 */
import { describe, expect, test } from 'vitest';
import { fingerprintDigits, parseSafetyNumber, safetyNumber, sameSafetyNumber } from '../../src/formats/safety-number.js';
import { bytes, readVectors, typedFailure } from './helpers.js';

interface IdentityJson {
  userId: string;
  x25519: string;
  ed25519: string;
}
interface Vectors {
  valid: { name: string; a: IdentityJson; b: IdentityJson; fingerprintA: string; fingerprintB: string; safetyNumber: string }[];
  parse: { name: string; text: string; digits: string }[];
  invalid: { name: string; text: string | null; error: 'INVALID_INPUT' }[];
}
const vectors = readVectors<Vectors>('safety-numbers-v1.json');
const identity = (i: IdentityJson) => ({ userId: i.userId, x25519: bytes(i.x25519), ed25519: bytes(i.ed25519) });

describe('safety numbers (safety-numbers-v1.json)', () => {
  test('halves, number, symmetry', () => {
    for (const v of vectors.valid) {
      expect(fingerprintDigits(identity(v.a))).toBe(v.fingerprintA);
      expect(fingerprintDigits(identity(v.b))).toBe(v.fingerprintB);
      expect(safetyNumber(identity(v.a), identity(v.b))).toBe(v.safetyNumber);
      expect(safetyNumber(identity(v.b), identity(v.a))).toBe(v.safetyNumber);
      expect(v.safetyNumber).toMatch(/^\d{5}( \d{5}){11}$/);
    }
  });

  test('parse, and one negative vector per parse error', async () => {
    for (const p of vectors.parse) expect(parseSafetyNumber(p.text), p.name).toBe(p.digits);
    for (const v of vectors.invalid) expect(await typedFailure(() => parseSafetyNumber(v.text), v.name), v.name).toBe(v.error);
  });

  test('every truncation fails; every one-digit change is another number', async () => {
    const text = vectors.valid[0]?.safetyNumber as string;
    for (let n = 0; n < text.replace(/ /g, '').length; n++) {
      expect(await typedFailure(() => parseSafetyNumber(text.replace(/ /g, '').slice(0, n)))).toBe('INVALID_INPUT');
    }
    for (let i = 0; i < text.length; i++) {
      if (text[i] === ' ') continue;
      const changed = `${text.slice(0, i)}${(Number(text[i]) + 1) % 10}${text.slice(i + 1)}`;
      expect(sameSafetyNumber(text, changed), `digit ${i}`).toBe(false);
      expect(await typedFailure(() => parseSafetyNumber(`${text.slice(0, i)}x${text.slice(i + 1)}`))).toBe('INVALID_INPUT');
    }
    expect(sameSafetyNumber(text, text.replace(/ /g, '-'))).toBe(true);
  });
});
