/**
 * Recovery-key text against `recovery-keys-v1.json`: format == text, parse
 * == key (for the published spellings too), each invalid text
 * `INVALID_INPUT`; every truncation fails with a typed error, and a change
 * of one character fails or (at the 16-bit checksum's rate) yields another key.
 */
import { describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import { formatRecoveryKey, parseRecoveryKey } from '../../src/formats/recovery-key.js';
import { bytes, readVectors, typedFailure } from './helpers.js';

interface Vectors {
  valid: { name: string; key: string; text: string }[];
  parse: { name: string; text: string; key: string }[];
  invalid: { name: string; text: string | null; error: 'INVALID_INPUT' }[];
}
const vectors = readVectors<Vectors>('recovery-keys-v1.json');
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('recovery keys (recovery-keys-v1.json)', () => {
  test('format and parse', () => {
    for (const v of vectors.valid) {
      expect(formatRecoveryKey(bytes(v.key))).toBe(v.text);
      expect(toHex(parseRecoveryKey(v.text))).toBe(v.key);
    }
    for (const p of vectors.parse) expect(toHex(parseRecoveryKey(p.text)), p.name).toBe(p.key);
  });

  test('one negative vector per parse error', async () => {
    for (const v of vectors.invalid) expect(await typedFailure(() => parseRecoveryKey(v.text as string), v.name), v.name).toBe(v.error);
    expect(await typedFailure(() => formatRecoveryKey(new Uint8Array(31)))).toBe('INVALID_INPUT');
  });

  // The checksum is 16 bits of SHA-256: it catches a random typo with
  // probability 1 - 2^-16, not every one. Of the 5115 one-character changes of
  // the three golden texts, one parses (to another key, which then fails to
  // log in): the test pins that a change never yields the same key and that
  // accepted changes stay at the checksum's rate.
  test('every truncation fails; a one-character change fails or yields another key', async () => {
    let changes = 0;
    let accepted = 0;
    for (const v of vectors.valid) {
      for (let n = 0; n < v.text.length; n++) expect(await typedFailure(() => parseRecoveryKey(v.text.slice(0, n)), `cut ${n}`)).toBe('INVALID_INPUT');
      for (let i = 'zvrk1-'.length; i < v.text.length; i++) {
        const ch = v.text[i] as string;
        if (ch === '-') continue;
        for (const other of ALPHABET) {
          if (other === ch) continue;
          changes++;
          const changed = `${v.text.slice(0, i)}${other}${v.text.slice(i + 1)}`;
          let key: Uint8Array;
          try {
            key = parseRecoveryKey(changed);
          } catch (err) {
            expect(err).toMatchObject({ name: 'ZeroVaultError', code: 'INVALID_INPUT' });
            continue;
          }
          accepted++;
          expect(toHex(key)).not.toBe(v.key);
        }
      }
    }
    expect(changes).toBe(5115);
    expect(accepted).toBeLessThanOrEqual(2);
  });
});
