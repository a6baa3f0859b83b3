/**
 * User-id normalization against `user-ids-v1.json`: every valid input
 * normalizes to the published form, which is a fixed point (the parsers
 * require that), and each invalid input is `INVALID_INPUT` without echoing it.
 */
import { describe, expect, test } from 'vitest';
import { MAX_USER_ID_LENGTH, isNormalizedUserId, normalizeUserId } from '../../src/formats/user-id.js';
import { readVectors, typedFailure } from './helpers.js';

interface Vectors {
  valid: { name: string; input: string; normalized: string }[];
  invalid: { name: string; input: string | null; error: 'INVALID_INPUT' }[];
}
const vectors = readVectors<Vectors>('user-ids-v1.json');

describe('user ids (user-ids-v1.json)', () => {
  test.each(vectors.valid.map((v) => [v.name, v] as const))('%s', (_, v) => {
    expect(normalizeUserId(v.input)).toBe(v.normalized);
    expect(normalizeUserId(v.normalized)).toBe(v.normalized);
    expect(isNormalizedUserId(v.normalized)).toBe(true);
    expect(isNormalizedUserId(v.input)).toBe(v.input === v.normalized);
  });

  test('one id for T + U+0308 and U+1E97 (normalization is idempotent)', () => {
    expect(normalizeUserId('T\u0308')).toBe('\u1e97');
    expect(normalizeUserId(normalizeUserId('T\u0308'))).toBe(normalizeUserId('T\u0308'));
  });

  test('each invalid input is INVALID_INPUT, naming the parameter and never the value', async () => {
    expect(vectors.invalid.length).toBeGreaterThanOrEqual(4);
    for (const v of vectors.invalid) {
      expect(await typedFailure(() => normalizeUserId(v.input, 'owner'), v.name), v.name).toBe(v.error);
      expect(isNormalizedUserId(v.input as string)).toBe(false);
      try {
        normalizeUserId(v.input, 'owner');
      } catch (err) {
        expect((err as Error).message).toMatch(/^owner /);
        if (typeof v.input === 'string' && v.input.length > 3) expect((err as Error).message).not.toContain(v.input);
      }
    }
    expect(MAX_USER_ID_LENGTH).toBe(254);
  });
});
