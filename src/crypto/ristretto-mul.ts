/**
 * Constant-time variable-base scalar multiplication for ristretto255,
 * serialized: `SerializeElement(k·P)` (RFC 9496 §4.3.2), on the
 * `Float64Array` field of `field25519.ts`. OPAQUE's login spends most of its
 * time here (nine of these per login, client and server), and
 * `@noble/curves`' BigInt kernel is about 2.5× slower; noble still
 * decodes elements and hashes to the group, and the differential tests hold
 * this module to noble's results.
 *
 * Points are extended twisted Edwards coordinates (X : Y : Z : T) with
 * x = X/Z, y = Y/Z, xy = T/Z on −x² + y² = 1 + d·x²y², the curve under
 * ristretto255. The formulas (doubling dbl-2008-hwcd with a = −1, addition
 * add-2008-hwcd-3 with k = 2d) are complete on this curve, so the identity
 * and small-torsion representatives need no special case.
 *
 * Constant time: the scalar is recoded into 64 signed radix-16 digits with
 * integer arithmetic only; then every digit costs the same four doublings,
 * one scan over all nine table entries with arithmetic selects, one
 * conditional negation by arithmetic and one addition, whatever its value
 * (digit 0 adds the identity). No branch and no memory index depends on the
 * scalar, and the field arithmetic has none on values either.
 *
 * @module
 */
import type { AffinePoint } from '@noble/curves/abstract/curve.js';
import { ZeroVaultError } from '../errors.js';
import { assertBytes } from './assert.js';
import { add, copy, fe, mul, neg, select, sqr, sub, type Fe } from './field25519.js';
import { encode } from './ristretto-encode.js';

/** 2d mod p, with d = −121665/121666 the Edwards curve constant: the k of add-2008-hwcd-3. */
const D2 = fe(16295367250680780974490674513165176452449235426866156013048779062215315747161n);

/** A point in extended coordinates. */
interface Extended {
  readonly X: Fe;
  readonly Y: Fe;
  readonly Z: Fe;
  readonly T: Fe;
}

/** A point prepared as an addend: (Y + X, Y − X, 2Z, 2d·T), so an addition costs 8 multiplications. */
interface Cached {
  readonly YpX: Fe;
  readonly YmX: Fe;
  readonly Z2: Fe;
  readonly T2d: Fe;
}

function extended(): Extended {
  return { X: fe(), Y: fe(), Z: fe(), T: fe() };
}

function cached(): Cached {
  return { YpX: fe(), YmX: fe(), Z2: fe(), T2d: fe() };
}

// Scratch elements for the point formulas. Everything here is synchronous,
// so one set serves every call.
const A = fe();
const B = fe();
const C = fe();
const E = fe();
const F = fe();
const G = fe();
const H = fe();

/**
 * o = 2·p (dbl-2008-hwcd, a = −1, with all four intermediates negated,
 * which leaves the products unchanged and saves the negations). T is only
 * computed when `withT`: a doubling followed by a doubling never reads it.
 * `o` may alias `p`.
 */
function double(o: Extended, p: Extended, withT: boolean): void {
  sqr(A, p.X);
  sqr(B, p.Y);
  sqr(C, p.Z);
  add(C, C, C); // 2Z²
  add(H, A, B); // A + B
  add(E, p.X, p.Y);
  sqr(E, E);
  sub(E, H, E); // A + B − (X + Y)² = −2XY
  sub(G, A, B);
  add(F, C, G);
  mul(o.X, E, F);
  mul(o.Y, G, H);
  mul(o.Z, F, G);
  if (withT) mul(o.T, E, H);
}

/** o = p + q (add-2008-hwcd-3, a = −1, k = 2d, q prepared). `o` may alias `p`. */
function addCached(o: Extended, p: Extended, q: Cached, withT: boolean): void {
  sub(A, p.Y, p.X);
  mul(A, A, q.YmX); // (Y1 − X1)(Y2 − X2)
  add(B, p.Y, p.X);
  mul(B, B, q.YpX); // (Y1 + X1)(Y2 + X2)
  mul(C, p.T, q.T2d); // 2d·T1·T2
  mul(F, p.Z, q.Z2); // 2·Z1·Z2, named D in the formula, kept in F below
  sub(E, B, A);
  add(G, F, C);
  sub(F, F, C);
  add(H, B, A);
  mul(o.X, E, F);
  mul(o.Y, G, H);
  mul(o.Z, F, G);
  if (withT) mul(o.T, E, H);
}

function toCached(o: Cached, p: Extended): void {
  add(o.YpX, p.Y, p.X);
  sub(o.YmX, p.Y, p.X);
  add(o.Z2, p.Z, p.Z);
  mul(o.T2d, p.T, D2);
}

/** The identity as an addend: (1, 1, 2, 0). */
function setCachedIdentity(o: Cached): void {
  o.YpX.fill(0);
  o.YpX[0] = 1;
  o.YmX.fill(0);
  o.YmX[0] = 1;
  o.Z2.fill(0);
  o.Z2[0] = 2;
  o.T2d.fill(0);
}

/**
 * The scalar as 64 signed digits e[i] in [−8, 8] with k = Σ e[i]·16^i
 * (ref10's recoding): nibbles, then a carry that moves each nibble ≥ 8 into
 * the next one. Shifts and masks only, no branch. Needs k < 2^255, which a
 * canonical scalar (< n < 2^253) meets.
 */
function recode(scalar: Uint8Array): Int32Array {
  const e = new Int32Array(64);
  for (let i = 0; i < 32; i++) {
    const byte = scalar[i]!;
    e[2 * i] = byte & 15;
    e[2 * i + 1] = byte >>> 4;
  }
  let carry = 0;
  for (let i = 0; i < 63; i++) {
    const v = e[i]! + carry;
    carry = (v + 8) >> 4;
    e[i] = v - (carry << 4);
  }
  e[63] = e[63]! + carry;
  return e;
}

/** 1 if a = b, else 0, for small non-negative integers, without a branch. */
function eqSmall(a: number, b: number): number {
  return ((a ^ b) - 1) >>> 31;
}

/**
 * o = digit·P from the table of 1·P … 8·P, touching every entry: each entry
 * (and the identity, for digit 0) is merged in by an arithmetic select, then
 * the sign is applied by swapping Y + X with Y − X and negating 2d·T, again
 * by arithmetic.
 */
function selectDigit(o: Cached, table: readonly Cached[], digit: number, negT: Fe): void {
  const sign = (digit >> 31) & 1; // 1 for a negative digit
  const magnitude = digit - ((-sign & digit) << 1); // |digit|
  setCachedIdentity(o);
  const { YpX, YmX, Z2, T2d } = o;
  for (let j = 0; j < 8; j++) {
    const entry = table[j]!;
    const hit = eqSmall(magnitude, j + 1);
    for (let i = 0; i < 16; i++) {
      YpX[i] = YpX[i]! + (entry.YpX[i]! - YpX[i]!) * hit;
      YmX[i] = YmX[i]! + (entry.YmX[i]! - YmX[i]!) * hit;
      Z2[i] = Z2[i]! + (entry.Z2[i]! - Z2[i]!) * hit;
      T2d[i] = T2d[i]! + (entry.T2d[i]! - T2d[i]!) * hit;
    }
  }
  // Conditional negation: (Y + X, Y − X, 2Z, 2dT) → (Y − X, Y + X, 2Z, −2dT).
  copy(negT, o.YpX);
  select(o.YpX, o.YpX, o.YmX, sign);
  select(o.YmX, o.YmX, negT, sign);
  neg(negT, o.T2d);
  select(o.T2d, o.T2d, negT, sign);
}

/**
 * `SerializeElement(k·P)` for a ristretto255 element given by the affine
 * coordinates of any of its Edwards representatives (what noble's
 * `toAffine()` returns) and a scalar `k` as 32 little-endian bytes, k < 2^255
 * (callers pass canonical scalars in [1, n − 1]). The identity encodes as 32
 * zero bytes. Constant-time in `k`; `P` is public. Does not keep or modify
 * `scalar`.
 */
export function multiplyToBytes(point: AffinePoint<bigint>, scalar: Uint8Array): Uint8Array {
  assertBytes(scalar, 'scalar', 32);
  // Past 2^255 the top digit would leave the table. A canonical scalar's top
  // byte is at most 0x10, so this test never depends on a valid secret.
  if (scalar[31]! > 0x7f) throw new ZeroVaultError('INVALID_INPUT', 'scalar is out of range');
  const digits = recode(scalar);
  const p: Extended = { X: fe(point.x), Y: fe(point.y), Z: fe(1n), T: fe() };
  mul(p.T, p.X, p.Y);
  // table[j] = (j + 1)·P as an addend.
  const table: Cached[] = [];
  const acc = extended();
  copy(acc.X, p.X);
  copy(acc.Y, p.Y);
  copy(acc.Z, p.Z);
  copy(acc.T, p.T);
  const first = cached();
  toCached(first, p);
  table.push(first);
  for (let j = 1; j < 8; j++) {
    addCached(acc, acc, first, true);
    const entry = cached();
    toCached(entry, acc);
    table.push(entry);
  }
  // Horner over the digits, most significant first, from the identity.
  acc.X.fill(0);
  acc.Y.fill(0);
  acc.Y[0] = 1;
  acc.Z.fill(0);
  acc.Z[0] = 1;
  acc.T.fill(0);
  const addend = cached();
  const scratch = fe();
  for (let i = 63; i >= 0; i--) {
    if (i !== 63) {
      double(acc, acc, false);
      double(acc, acc, false);
      double(acc, acc, false);
      double(acc, acc, true);
    }
    selectDigit(addend, table, digits[i]!, scratch);
    addCached(acc, acc, addend, i === 0);
  }
  const out = encode(acc.X, acc.Y, acc.Z, acc.T);
  // The digits are the scalar; acc and the addend followed it.
  digits.fill(0);
  for (const f of [acc.X, acc.Y, acc.Z, acc.T, addend.YpX, addend.YmX, addend.Z2, addend.T2d, scratch]) f.fill(0);
  return out;
}
