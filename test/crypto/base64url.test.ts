/**
 * Strict base64url: exactly one accepted encoding per byte string. Node's
 * `Buffer.from(s, 'base64url')` serves as the lenient reference that we must
 * agree with on canonical input and refuse to follow on everything else.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decodeBase64url, encodeBase64url } from '../../src/crypto/base64url.js';
import { getBackend } from '../../src/crypto/backend-node.js';
import * as bytes from '../../src/crypto/bytes.js';
import { codeOf } from './backends.js';

// The loops every runtime has, and the hot-path codec (Node's Buffer here, through the backend).
const CODECS = [
  ['bytes.ts loops', { toBase64url: bytes.toBase64url, fromBase64url: bytes.fromBase64url }],
  ['native (backend)', { toBase64url: encodeBase64url, fromBase64url: decodeBase64url }],
] as const;

test('the Node backend has the native codec (so the second suite runs it)', () => {
  expect(getBackend().base64url).toBeDefined();
});

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe.each(CODECS)('toBase64url / fromBase64url: %s', (_name, { fromBase64url, toBase64url }) => {
  test('RFC 4648 §10 test strings (unpadded, URL alphabet)', () => {
    const cases: readonly [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of cases) {
      expect(toBase64url(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(fromBase64url(encoded))).toBe(plain);
    }
  });

  test('uses - and _ where standard base64 has + and /', () => {
    expect(toBase64url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
    expect([...fromBase64url('-_8')]).toEqual([0xfb, 0xff]);
  });

  test.each([
    ['padding', 'Zg=='],
    ['single padding', 'Zm8='],
    ['padding on a full quantum', 'Zm9v===='],
    ['standard alphabet +', '+_8'],
    ['standard alphabet /', '-/8'],
    ['space', 'Zm9v Yg'],
    ['leading space', ' Zm9v'],
    ['trailing newline', 'Zm9v\n'],
    ['tab', 'Zm\t9v'],
    ['CRLF line break', 'Zm9v\r\nYmFy'],
    ['length 4n+1', 'Zm9vY'],
    ['length 1', 'Z'],
    ['non-zero trailing bits (1 byte, 4 spare bits)', 'Zh'],
    ['non-zero trailing bits (2 bytes, 2 spare bits)', 'Zm9'],
    ['non-ASCII lookalike', 'Zm9\u0176'],
    ['fullwidth letter', 'Ｚg'],
    ['NUL', 'Zg\u0000'],
    ['percent-encoding', 'Zm%38'],
  ])('rejects %s', (_label, input) => {
    expect(codeOf(() => fromBase64url(input))).toBe('INVALID_INPUT');
  });

  test('rejects non-strings with INVALID_INPUT, naming the parameter only', () => {
    for (const value of [undefined, null, 42, new Uint8Array(2), ['Zg']]) {
      expect(codeOf(() => fromBase64url(value as unknown as string, 'token'))).toBe('INVALID_INPUT');
    }
    try {
      fromBase64url('c2VjcmV0IHRva2Vu=', 'token');
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('token');
      expect((err as Error).message).not.toContain('c2VjcmV0');
    }
  });

  test('property: round-trip, and agrees with Node on canonical output', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = toBase64url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromBase64url(text)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  test('property: any string over the alphabet is either refused or the unique encoding of its bytes', () => {
    const chars = fc.constantFrom(...ALPHABET.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 40 }), (list) => {
        const text = list.join('');
        let bytes: Uint8Array;
        try {
          bytes = fromBase64url(text);
        } catch {
          // Refused: then it must be one of the two non-canonical shapes.
          const lenient = Buffer.from(text, 'base64url');
          expect(text.length % 4 === 1 || lenient.toString('base64url') !== text).toBe(true);
          return;
        }
        expect(toBase64url(bytes)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
