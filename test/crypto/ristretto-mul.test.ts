/**
 * Our ristretto255 scalar multiplication (src/crypto/ristretto-mul.ts) and
 * the field under it (field25519.ts), differentially against
 * `@noble/curves` (itself checked against RFC 9496's vectors) and BigInt
 * arithmetic mod p. The RFC 9497 / RFC 9807 vectors in test/opaque run the
 * same code through the group.
 */
import { ED25519_TORSION_SUBGROUP, ed25519, ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import { add, equal, fe, mul, P, sqr, sub, toBytes, type Fe } from '../../src/crypto/field25519.js';
import { D, decode, INVSQRT_A_MINUS_D, SQRT_M1 } from '../../src/crypto/ristretto-codec.js';
import { multiplyBaseToBytes, multiplyToBytes } from '../../src/crypto/ristretto-mul.js';

const Point = ristretto255.Point;
type RistrettoPoint = InstanceType<typeof Point>;
const { Fn } = Point;
const N = Fn.ORDER;

function mod(x: bigint): bigint {
  const r = x % P;
  return r < 0n ? r + P : r;
}

function leToBigInt(bytes: Uint8Array): bigint {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i] as number);
  return x;
}

function value(a: Fe): bigint {
  return leToBigInt(toBytes(a));
}

/** A limb vector with arbitrary (possibly unreduced, negative) limbs, and the integer it stands for. */
function limbs(values: readonly number[]): { fe: Fe; value: bigint } {
  const out = Float64Array.from(values);
  let x = 0n;
  for (let i = values.length - 1; i >= 0; i--) x = (x << 16n) + BigInt(values[i] as number);
  return { fe: out, value: x };
}

const fieldElement = fc.bigInt({ min: 0n, max: P - 1n });
const scalar = fc.bigInt({ min: 1n, max: N - 1n });
const element = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((seed) => ristretto255_hasher.hashToCurve(seed));

/** Ours, as group.ts calls it. */
function ours(point: RistrettoPoint, k: bigint): string {
  return toHex(multiplyToBytes(point.toAffine(), Fn.toBytes(k)));
}

/** noble's constant-time multiply, then its encoding; the identity as zero bytes. */
function noble(point: RistrettoPoint, k: bigint): string {
  const product = point.multiply(k);
  return product.is0() ? '00'.repeat(32) : toHex(product.toBytes());
}

describe('field25519: GF(2^255 − 19) on 16-bit limbs', () => {
  test('mul, sqr, add, sub agree with BigInt mod p', () => {
    fc.assert(
      fc.property(fieldElement, fieldElement, (a, b) => {
        const x = fe(a);
        const y = fe(b);
        const o = fe();
        mul(o, x, y);
        expect(value(o)).toBe(mod(a * b));
        sqr(o, x);
        expect(value(o)).toBe(mod(a * a));
        add(o, x, y);
        expect(value(o)).toBe(mod(a + b));
        sub(o, x, y);
        expect(value(o)).toBe(mod(a - b));
        expect(equal(x, y)).toBe(a === b ? 1 : 0);
      }),
      { numRuns: 500 },
    );
  });

  test('products stay exact at the documented input bound |limb| < 2^21, and come back carried', () => {
    const big = 2 ** 21 - 1;
    const limbArray = fc.array(fc.integer({ min: -big, max: big }), { minLength: 16, maxLength: 16 });
    const extremes = [Array<number>(16).fill(big), Array<number>(16).fill(-big), Array.from({ length: 16 }, (_, i) => (i % 2 ? big : -big))];
    const check = (aLimbs: readonly number[], bLimbs: readonly number[]): void => {
      const a = limbs(aLimbs);
      const b = limbs(bLimbs);
      const o = fe();
      mul(o, a.fe, b.fe);
      expect(value(o)).toBe(mod(a.value * b.value));
      for (const limb of o) expect(limb > -(2 ** 10) && limb < 2 ** 16 + 2 ** 10).toBe(true);
      sqr(o, a.fe);
      expect(value(o)).toBe(mod(a.value * a.value));
      for (const limb of o) expect(limb > -(2 ** 10) && limb < 2 ** 16 + 2 ** 10).toBe(true);
    };
    for (const a of extremes) for (const b of extremes) check(a, b);
    fc.assert(fc.property(limbArray, limbArray, check), { numRuns: 300 });
  });

  test('toBytes is canonical at the edges of the reduction', () => {
    for (const x of [0n, 1n, 18n, 19n, P - 1n, P, P + 1n, 2n * P - 1n, 2n * P, (1n << 255n) - 1n, (1n << 256n) - 1n]) {
      const limbValues = Array.from({ length: 16 }, (_, i) => Number((x >> BigInt(16 * i)) & 0xffffn));
      expect(value(limbs(limbValues).fe)).toBe(mod(x));
    }
    // Negative representations: −1 and −p.
    expect(value(limbs([-1, ...Array<number>(15).fill(0)]).fe)).toBe(P - 1n);
    const negP = Array.from({ length: 16 }, (_, i) => -Number((P >> BigInt(16 * i)) & 0xffffn));
    expect(value(limbs(negP).fe)).toBe(0n);
  });

  test('the RFC 9496 §4.1 constants are what they claim', () => {
    const o = fe();
    sqr(o, SQRT_M1);
    expect(value(o)).toBe(P - 1n);
    const d = ed25519.Point.CURVE().d;
    sqr(o, INVSQRT_A_MINUS_D);
    mul(o, o, fe(mod(-1n - d))); // (1/√(a − d))² · (a − d) = 1, a = −1
    expect(value(o)).toBe(1n);
    expect(value(INVSQRT_A_MINUS_D) & 1n).toBe(0n); // the non-negative root
  });
});

describe('multiplyToBytes matches noble byte for byte', () => {
  test('random scalars in [1, n − 1], random points from hashing', () => {
    fc.assert(
      fc.property(element, scalar, (point, k) => {
        expect(ours(point, k)).toBe(noble(point, k));
      }),
      { numRuns: 60 },
    );
  });

  test('edge scalars: small, n − 1, 2^252, and digit patterns that carry through every window', () => {
    const ones = (bits: number): bigint => (1n << BigInt(bits)) - 1n;
    const repeat = (nibble: bigint): bigint => {
      let x = 0n;
      for (let i = 0; i < 63; i++) x = (x << 4n) | nibble;
      return x; // 63 nibbles: below 2^252 < n
    };
    const scalars = [
      ...Array.from({ length: 18 }, (_, i) => BigInt(i + 1)),
      N - 1n,
      N - 2n,
      N - 8n,
      1n << 252n,
      (1n << 252n) + 1n,
      ones(252),
      ones(128),
      ones(64) << 188n,
      repeat(0x8n), // every digit 8: the signed recoding carries out of each window
      repeat(0x7n),
      repeat(0xfn),
      repeat(0x9n),
      repeat(0x1n),
      0x0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0fn,
      0x0808080808080808080808080808080808080808080808080808080808080808n,
    ];
    const points = [Point.BASE, ristretto255_hasher.hashToCurve(Uint8Array.of(1, 2, 3)), Point.BASE.multiply(N - 1n)];
    for (const point of points) {
      for (const k of scalars) {
        expect(k > 0n && k < N).toBe(true);
        expect(ours(point, k)).toBe(noble(point, k));
      }
    }
  });

  test('k·B for k = 1 … 16 decodes back to the same element', () => {
    for (let k = 1n; k <= 16n; k++) {
      const bytes = multiplyToBytes(Point.BASE.toAffine(), Fn.toBytes(k));
      expect(Point.fromBytes(bytes).equals(Point.BASE.multiply(k))).toBe(true);
    }
  });

  test('the identity encodes as zero bytes: ZERO, and an element times the group order via k and n − k', () => {
    expect(toHex(multiplyToBytes(Point.ZERO.toAffine(), Fn.toBytes(5n)))).toBe('00'.repeat(32));
    // k·P + (n − k)·P = n·P = identity: check through the encodings of the halves.
    const point = ristretto255_hasher.hashToCurve(Uint8Array.of(7));
    const a = Point.fromBytes(multiplyToBytes(point.toAffine(), Fn.toBytes(12345n)));
    const b = Point.fromBytes(multiplyToBytes(point.toAffine(), Fn.toBytes(N - 12345n)));
    expect(a.add(b).is0()).toBe(true);
  });

  test('any Edwards representative of an element (P + a 4-torsion point) gives the same encoding', () => {
    // Indices 2, 4, 6 of noble's torsion list are the points of order 4, 2, 4:
    // adding them keeps the ristretto255 element (RFC 9496 §3).
    const torsion = [2, 4, 6].map((i) => ed25519.Point.fromHex(ED25519_TORSION_SUBGROUP[i] as string));
    fc.assert(
      fc.property(element, scalar, fc.constantFrom(...torsion), (point, k, t) => {
        const representative = Point.fromAffine(ed25519.Point.fromAffine(point.toAffine()).add(t).toAffine());
        expect(representative.equals(point)).toBe(true);
        expect(ours(representative, k)).toBe(noble(point, k));
      }),
      { numRuns: 30 },
    );
  });

  test('rejects a scalar that is not 32 bytes or is ≥ 2^255, and leaves the scalar untouched', () => {
    const affine = Point.BASE.toAffine();
    expect(() => multiplyToBytes(affine, new Uint8Array(31))).toThrow();
    const high = new Uint8Array(32);
    high[31] = 0x80;
    expect(() => multiplyToBytes(affine, high)).toThrow();
    const k = Fn.toBytes(N - 1n);
    const before = toHex(k);
    multiplyToBytes(affine, k);
    expect(toHex(k)).toBe(before);
  });
});

describe('multiplyBaseToBytes (fixed table) matches noble byte for byte', () => {
  test('random scalars in [1, n − 1]', () => {
    fc.assert(
      fc.property(scalar, (k) => {
        expect(toHex(multiplyBaseToBytes(Fn.toBytes(k)))).toBe(noble(Point.BASE, k));
      }),
      { numRuns: 200 },
    );
  });

  test('edge scalars: every single bit, small values, n − 1, digit patterns', () => {
    const scalars = [...Array.from({ length: 253 }, (_, i) => 1n << BigInt(i)).filter((k) => k < N), 3n, 7n, 8n, 9n, 15n, 17n, N - 1n, N - 2n];
    for (let nibble = 1n; nibble < 16n; nibble++) {
      let k = 0n;
      for (let i = 0; i < 63; i++) k = (k << 4n) | nibble;
      scalars.push(k);
    }
    for (const k of scalars) expect(toHex(multiplyBaseToBytes(Fn.toBytes(k)))).toBe(noble(Point.BASE, k));
  });

  test('agrees with the variable-base multiplication of B', () => {
    fc.assert(
      fc.property(scalar, (k) => {
        expect(toHex(multiplyBaseToBytes(Fn.toBytes(k)))).toBe(ours(Point.BASE, k));
      }),
      { numRuns: 30 },
    );
  });

  test('rejects a scalar that is not 32 bytes or is ≥ 2^255', () => {
    expect(() => multiplyBaseToBytes(new Uint8Array(33))).toThrow();
    const high = new Uint8Array(32);
    high[31] = 0xff;
    expect(() => multiplyBaseToBytes(high)).toThrow();
  });
});

describe('decode (RFC 9496 §4.3.1) matches noble', () => {
  /** noble's verdict and point for 32 bytes: undefined when it rejects. */
  function nobleDecode(bytes: Uint8Array): RistrettoPoint | undefined {
    try {
      return Point.fromBytes(bytes);
    } catch {
      return undefined;
    }
  }

  function check(bytes: Uint8Array): void {
    const theirs = nobleDecode(bytes);
    if (theirs === undefined) {
      expect(() => decode(bytes), toHex(bytes)).toThrow();
      return;
    }
    // The same Edwards representative, not just the same element.
    expect(decode(bytes)).toEqual(theirs.toAffine());
  }

  test('valid encodings of random elements decode to noble’s representative', () => {
    fc.assert(
      fc.property(element, (point) => check(point.toBytes())),
      { numRuns: 300 },
    );
  });

  test('random strings: accepted and rejected alike (most are invalid)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), check), { numRuns: 2000 });
  });

  test('non-canonical and negative s, the high bit, the identity, wrong lengths', () => {
    const valid = ristretto255_hasher.hashToCurve(Uint8Array.of(5)).toBytes();
    const sValue = leToBigInt(valid);
    const asBytes = (x: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));
    check(asBytes(sValue + P)); // s + p < 2^256: same residue, not canonical
    check(asBytes(P - sValue)); // −s: odd, negative
    check(asBytes(P)); // p itself
    check(asBytes(P - 1n));
    const high = Uint8Array.from(valid);
    high[31] = (high[31] as number) | 0x80;
    check(high);
    check(new Uint8Array(32)); // the identity: valid (group.ts rejects it separately)
    expect(decode(new Uint8Array(32))).toEqual({ x: 0n, y: 1n });
    for (let i = 0; i < 32; i++) {
      for (const bit of [0, 3, 7]) {
        const flipped = Uint8Array.from(valid);
        flipped[i] = (flipped[i] as number) ^ (1 << bit);
        check(flipped);
      }
    }
    expect(() => decode(valid.subarray(0, 31))).toThrow();
    expect(() => decode(Uint8Array.of(...valid, 0))).toThrow();
  });

  test('d is −121665/121666', () => {
    const o = fe();
    mul(o, D, fe(121666n));
    expect(value(o)).toBe(P - 121665n);
  });
});
