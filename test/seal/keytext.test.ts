/**
 * zvpk1… / zvsk1… key texts: round trips, and every typo is rejected:
 * each single-character substitution, adjacent transposition, deletion and
 * insertion of a real key text, checked exhaustively. The formatter is also
 * checked against an independent Bech32m verifier written from BIP 350.
 */
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { parsePublicKey, parseSecretKey, formatPublicKey, formatSecretKey, generateKeyPair } from '../../src/seal/index.js';
import { codeOf, toHex } from './helpers.js';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** BIP 350 reference verification, transcribed from the BIP's pseudocode. */
function bip350Verify(text: string): boolean {
  const pos = text.lastIndexOf('1');
  const hrp = text.slice(0, pos);
  const data = [...text.slice(pos + 1)].map((c) => CHARSET.indexOf(c));
  if (data.some((d) => d < 0)) return false;
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  const values = [...[...hrp].map((x) => x.charCodeAt(0) >> 5), 0, ...[...hrp].map((x) => x.charCodeAt(0) & 31), ...data];
  for (const v of values) {
    const b = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) chk = ((b >>> i) & 1 ? chk ^ GEN[i]! : chk) >>> 0;
  }
  return chk === 0x2bc830a3;
}

describe('key text', () => {
  test('round trip and shape', () => {
    const { publicKey, secretKey } = generateKeyPair();
    const pk = formatPublicKey(publicKey);
    const sk = formatSecretKey(secretKey);
    expect(pk).toMatch(/^zvpk1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/);
    expect(sk).toMatch(/^zvsk1[qpzry9x8gf2tvdw0s3jn54khce6mua7l]{58}$/);
    expect(parsePublicKey(pk)).toEqual(publicKey);
    expect(parseSecretKey(sk)).toEqual(secretKey);
    expect(bip350Verify(pk) && bip350Verify(sk)).toBe(true);
  });

  test('property: any 32 bytes round-trip, and the text verifies under BIP 350', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        const text = formatPublicKey(key);
        return bip350Verify(text) && toHex(parsePublicKey(text)) === toHex(key) && toHex(parseSecretKey(formatSecretKey(key))) === toHex(key);
      }),
      { numRuns: 300 },
    );
  });

  test('every single-character substitution, transposition, deletion and insertion is rejected', async () => {
    const texts = [formatPublicKey(generateKeyPair().publicKey), formatSecretKey(generateKeyPair().secretKey)];
    let checked = 0;
    const accepted: string[] = [];
    for (const text of texts) {
      const parse = text.startsWith('zvpk') ? parsePublicKey : parseSecretKey;
      const variants = new Set<string>();
      const alphabet = `${CHARSET}1bio${CHARSET.toUpperCase()} -`;
      for (let i = 0; i < text.length; i++) {
        for (const c of alphabet) if (c !== text[i]) variants.add(text.slice(0, i) + c + text.slice(i + 1));
        if (i + 1 < text.length && text[i] !== text[i + 1]) variants.add(text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2));
        variants.add(text.slice(0, i) + text.slice(i + 1));
        for (const c of CHARSET) variants.add(text.slice(0, i) + c + text.slice(i));
      }
      variants.delete(text);
      for (const variant of variants) {
        checked += 1;
        if ((await codeOf(() => parse(variant))) !== 'INVALID_INPUT') accepted.push(variant);
      }
    }
    expect(accepted).toEqual([]);
    expect(checked).toBeGreaterThan(10_000);
  });

  test('wrong kind, wrong type, wrong key size', async () => {
    const { publicKey, secretKey } = generateKeyPair();
    expect(await codeOf(() => parseSecretKey(formatPublicKey(publicKey)))).toBe('INVALID_INPUT');
    expect(await codeOf(() => parsePublicKey(formatSecretKey(secretKey)))).toBe('INVALID_INPUT');
    expect(await codeOf(() => parsePublicKey(42 as unknown as string))).toBe('INVALID_INPUT');
    expect(await codeOf(() => formatPublicKey(new Uint8Array(31)))).toBe('INVALID_INPUT');
    expect(await codeOf(() => formatSecretKey('k' as unknown as Uint8Array))).toBe('INVALID_INPUT');
  });

  test('error messages never contain the text', async () => {
    const sk = formatSecretKey(generateKeyPair().secretKey);
    const typo = sk.slice(0, -1) + (sk.endsWith('q') ? 'p' : 'q');
    try {
      parseSecretKey(typo);
      expect.fail('accepted a typo');
    } catch (err) {
      expect(String((err as Error).message)).not.toContain(typo.slice(5, 20));
    }
  });
});
