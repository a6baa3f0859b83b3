/** Byte helpers other than base64url (see base64url.test.ts). */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { concat, copy, equal, fromHex, fromUtf8, i2osp, toHex, utf8, wipe } from '../../src/crypto/bytes.js';
import { codeOf } from './backends.js';

describe('equal (constant-time)', () => {
  test('agrees with a plain comparison on random pairs, including Buffer vs Uint8Array', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        expect(equal(a, b)).toBe(Buffer.compare(a, b) === 0);
        expect(equal(a, Buffer.from(a))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('a difference in any single position, in any bit, is seen', () => {
    const a = Uint8Array.from({ length: 48 }, (_, i) => i * 7);
    for (let i = 0; i < a.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = Uint8Array.from(a);
        b[i] = (b[i] as number) ^ (1 << bit);
        expect(equal(a, b)).toBe(false);
      }
    }
  });

  test('lengths: empty equals empty; a prefix is not equal', () => {
    expect(equal(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    expect(equal(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    expect(equal(new Uint8Array(16), new Uint8Array(32))).toBe(false);
  });
});

describe('concat, copy, wipe', () => {
  test('concat joins in order into a new array', () => {
    const a = Uint8Array.of(1, 2);
    const out = concat(a, new Uint8Array(0), Uint8Array.of(3));
    expect([...out]).toEqual([1, 2, 3]);
    expect(out.buffer).not.toBe(a.buffer);
    expect(concat().length).toBe(0);
  });

  test('copy is detached from the caller, also for a view into a larger buffer', () => {
    const backing = Uint8Array.of(9, 1, 2, 3, 9);
    const view = backing.subarray(1, 4);
    const c = copy(view);
    backing[2] = 0;
    expect([...c]).toEqual([1, 2, 3]);
    expect(c.byteOffset).toBe(0);
  });

  test('wipe zeroes every buffer given, and only those', () => {
    const a = Uint8Array.of(1, 2);
    const b = Uint8Array.of(3);
    const untouched = Uint8Array.of(4);
    wipe(a, b);
    expect([...a, ...b, ...untouched]).toEqual([0, 0, 0, 4]);
  });
});

describe('UTF-8', () => {
  test('utf8 equals TextEncoder on every kind of string, across the ASCII fast path and its length limit', () => {
    const encoder = new TextEncoder();
    const check = (s: string): void => {
      expect([...utf8(s)]).toEqual([...encoder.encode(s)]);
    };
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), check), { numRuns: 300 });
    fc.assert(fc.property(fc.string({ unit: 'binary-ascii', maxLength: 300 }), check), { numRuns: 300 });
    for (const s of ['', 'a', '\x7f', '\x80', 'é', 'ascii then é', '\ud800', 'x'.repeat(256), 'x'.repeat(257), 'x'.repeat(255) + 'é']) check(s);
  });

  test('round-trips any string of valid scalar values', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 50 }), (s) => {
        expect(fromUtf8(utf8(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  test.each([
    ['lone continuation byte', [0x80]],
    ['truncated 2-byte sequence', [0xc3]],
    ['overlong encoding of /', [0xc0, 0xaf]],
    ['UTF-16 surrogate encoded', [0xed, 0xa0, 0x80]],
    ['beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['invalid byte 0xff', [0x41, 0xff]],
  ])('fromUtf8 rejects %s with INVALID_INPUT', (_label, bytes) => {
    expect(codeOf(() => fromUtf8(Uint8Array.from(bytes)))).toBe('INVALID_INPUT');
  });

  test('a leading BOM is kept, not silently stripped', () => {
    expect(fromUtf8(Uint8Array.of(0xef, 0xbb, 0xbf, 0x41))).toBe('\uFEFFA');
  });
});

describe('hex', () => {
  test('round-trips and is lowercase', () => {
    expect(toHex(Uint8Array.of(0, 0xab, 0xff))).toBe('00abff');
    expect([...fromHex('00ABff')]).toEqual([0, 0xab, 0xff]);
  });

  test.each(['0', 'abc', 'zz', '0x00', ' 00', '00 ', '+1'])('fromHex rejects %j', (text) => {
    expect(codeOf(() => fromHex(text))).toBe('INVALID_INPUT');
  });
});

describe('i2osp', () => {
  test('big-endian, fixed width', () => {
    expect([...i2osp(0, 2)]).toEqual([0, 0]);
    expect([...i2osp(258, 2)]).toEqual([1, 2]);
    expect([...i2osp(255, 1)]).toEqual([255]);
    expect([...i2osp(2 ** 53 - 1, 8)]).toEqual([0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(i2osp(0, 0).length).toBe(0);
  });

  test.each([
    ['too large for one byte', 256, 1],
    ['too large for two bytes', 65536, 2],
    ['too large for zero bytes', 1, 0],
    ['negative', -1, 4],
    ['fractional', 1.5, 4],
    ['unsafe integer', 2 ** 53, 8],
    ['negative length', 0, -1],
    ['fractional length', 0, 1.5],
  ])('rejects %s with INVALID_INPUT', (_label, value, length) => {
    expect(codeOf(() => i2osp(value, length))).toBe('INVALID_INPUT');
  });
});
