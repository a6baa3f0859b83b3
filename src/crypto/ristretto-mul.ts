/**
 * Constant-time scalar multiplication for ristretto255, serialized:
 * `SerializeElement(k·P)` for any element and `SerializeElement(k·G)` for
 * the generator from a fixed table (RFC 9496 §4.3.2 encoding), on the
 * `Float64Array` field of `field25519.ts`. OPAQUE's login spends most of its
 * time here (nine k·P and three k·G per login, client and server), and
 * `@noble/curves`' BigInt kernels are about 2–3× slower; noble still
 * hashes to the group, and the differential tests hold this module to
 * noble's results.
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
import { ristretto255 } from '@noble/curves/ed25519.js';
import { ZeroVaultError } from '../errors.js';
import { assertBytes } from './assert.js';
import { add, fe, mul, sqr, sub, type Fe } from './field25519.js';
import { D, encode } from './ristretto-codec.js';

/** 2d, the k of add-2008-hwcd-3 (limbs up to 2^17, fine as a factor). */
const D2 = fe();
add(D2, D, D);

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

/** The four coordinates of an addend as views into 64 consecutive values of `buffer`, from `offset`. */
function cachedAt(buffer: Float64Array, offset: number): Cached {
  return {
    YpX: buffer.subarray(offset, offset + 16),
    YmX: buffer.subarray(offset + 16, offset + 32),
    Z2: buffer.subarray(offset + 32, offset + 48),
    T2d: buffer.subarray(offset + 48, offset + 64),
  };
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

/** Values per addend in a flat table: four coordinates of 16 limbs. */
const ENTRY = 64;
/** Values per table row: the addends 0·Q … 8·Q of one point Q. */
const ROW = 9 * ENTRY;

/**
 * Fills row `row` of `table` with the addends 0·Q … 8·Q (0·Q, the identity,
 * is (1, 1, 2, 0)). Public values only: Q is the base point or the public
 * element being multiplied.
 */
function fillRow(table: Float64Array, row: number, q: Extended): void {
  const at = row * ROW;
  table.fill(0, at, at + ENTRY);
  table[at] = 1;
  table[at + 16] = 1;
  table[at + 32] = 2;
  const first = cachedAt(table, at + ENTRY);
  toCached(first, q);
  const acc: Extended = { X: Float64Array.from(q.X), Y: Float64Array.from(q.Y), Z: Float64Array.from(q.Z), T: Float64Array.from(q.T) };
  for (let j = 2; j <= 8; j++) {
    addCached(acc, acc, first, true);
    toCached(cachedAt(table, at + j * ENTRY), acc);
  }
}

/** Extended coordinates of the affine point (x, y). */
function fromAffine(point: AffinePoint<bigint>): Extended {
  const p: Extended = { X: fe(point.x), Y: fe(point.y), Z: fe(), T: fe() };
  p.Z[0] = 1;
  mul(p.T, p.X, p.Y);
  return p;
}

/**
 * o = digit·Q from row `row` of a flat table, touching every entry of the
 * row: each output value is the sum over all nine entries of entry value ×
 * (1 if it is the digit's entry, else 0), so exactly one term survives and
 * the sum is exact. Then the sign: swapping Y + X with Y − X and negating
 * 2d·T negates the addend, by arithmetic again.
 */
function selectDigit(o: Float64Array, table: Float64Array, row: number, digit: number): void {
  const sign = (digit >> 31) & 1; // 1 for a negative digit
  const magnitude = digit - ((-sign & digit) << 1); // |digit|
  const h0 = eqSmall(magnitude, 0);
  const h1 = eqSmall(magnitude, 1);
  const h2 = eqSmall(magnitude, 2);
  const h3 = eqSmall(magnitude, 3);
  const h4 = eqSmall(magnitude, 4);
  const h5 = eqSmall(magnitude, 5);
  const h6 = eqSmall(magnitude, 6);
  const h7 = eqSmall(magnitude, 7);
  const h8 = eqSmall(magnitude, 8);
  const at = row * ROW;
  for (let v = at; v < at + ENTRY; v++) {
    o[v - at] =
      table[v]! * h0 +
      table[ENTRY + v]! * h1 +
      table[2 * ENTRY + v]! * h2 +
      table[3 * ENTRY + v]! * h3 +
      table[4 * ENTRY + v]! * h4 +
      table[5 * ENTRY + v]! * h5 +
      table[6 * ENTRY + v]! * h6 +
      table[7 * ENTRY + v]! * h7 +
      table[8 * ENTRY + v]! * h8;
  }
  // (Y + X, Y − X, 2Z, 2dT) → (Y − X, Y + X, 2Z, −2dT) when sign = 1.
  for (let i = 0; i < 16; i++) {
    const ypx = o[i]!;
    const ymx = o[16 + i]!;
    o[i] = ypx + (ymx - ypx) * sign;
    o[16 + i] = ymx + (ypx - ymx) * sign;
    o[48 + i] = o[48 + i]! * (1 - 2 * sign);
  }
}

/** Checks a scalar for the multiplications: 32 bytes, below 2^255 (see recode). */
function assertScalar(scalar: Uint8Array): void {
  assertBytes(scalar, 'scalar', 32);
  // A canonical scalar's top byte is at most 0x10, so this test never
  // depends on a valid secret.
  if (scalar[31]! > 0x7f) throw new ZeroVaultError('INVALID_INPUT', 'scalar is out of range');
}

/** Encodes the result, then wipes what followed the scalar: its digits, the accumulator, the addend. */
function finish(digits: Int32Array, acc: Extended, addend: Float64Array): Uint8Array {
  const out = encode(acc.X, acc.Y, acc.Z, acc.T);
  digits.fill(0);
  // The scratch elements too: the last addition left E, F, G, H there, and
  // X = E·F, Y = G·H, Z = F·G is the product itself (a DH secret, the unblinded OPRF output).
  for (const f of [acc.X, acc.Y, acc.Z, acc.T, addend, A, B, C, E, F, G, H]) f.fill(0);
  return out;
}

/** The identity in extended coordinates, (0 : 1 : 1 : 0). */
function identity(): Extended {
  const p: Extended = { X: fe(), Y: fe(), Z: fe(), T: fe() };
  p.Y[0] = 1;
  p.Z[0] = 1;
  return p;
}

/**
 * `SerializeElement(k·P)` for a ristretto255 element given by the affine
 * coordinates of any of its Edwards representatives (what noble's
 * `toAffine()` returns) and a scalar `k` as 32 little-endian bytes, k < 2^255
 * (callers pass canonical scalars in [1, n − 1]). The identity encodes as 32
 * zero bytes. Constant-time in `k`. `P` is not always public: in Blind it
 * is HashToGroup(password), and its conversion into limbs (`fromAffine`,
 * BigInt to string to numbers) is variable-time, as noble's own code on
 * that point is; the scalar is what the operation sequence protects. Does
 * not keep or modify `scalar`.
 */
export function multiplyToBytes(point: AffinePoint<bigint>, scalar: Uint8Array): Uint8Array {
  assertScalar(scalar);
  const digits = recode(scalar);
  const table = new Float64Array(ROW);
  fillRow(table, 0, fromAffine(point));
  // Horner over the digits, most significant first, from the identity.
  const acc = identity();
  const addendValues = new Float64Array(ENTRY);
  const addend = cachedAt(addendValues, 0);
  for (let i = 63; i >= 0; i--) {
    if (i !== 63) {
      double(acc, acc, false);
      double(acc, acc, false);
      double(acc, acc, false);
      double(acc, acc, true);
    }
    selectDigit(addendValues, table, 0, digits[i]!);
    addCached(acc, acc, addend, i === 0);
  }
  return finish(digits, acc, addendValues);
}

/**
 * Row i holds 0·Q … 8·Q for Q = 256^i·B, i < 32: 288 addends, 144 KiB,
 * built on first use (480 point operations, public values only).
 */
let baseTable: Float64Array | undefined;

function getBaseTable(): Float64Array {
  if (baseTable !== undefined) return baseTable;
  const table = new Float64Array(32 * ROW);
  const q = fromAffine(ristretto255.Point.BASE.toAffine());
  for (let row = 0; row < 32; row++) {
    fillRow(table, row, q);
    for (let i = 0; i < 8; i++) double(q, q, i === 7);
  }
  baseTable = table;
  return table;
}

/**
 * `SerializeElement(k·B)` for the ristretto255 generator B and a scalar as
 * in {@link multiplyToBytes}, from a fixed table (ref10's layout):
 * k·B = 16·Σ e[2i+1]·256^i·B + Σ e[2i]·256^i·B, so 64 table additions and
 * four doublings, no other doubling. Constant-time in `k` in the same way.
 */
export function multiplyBaseToBytes(scalar: Uint8Array): Uint8Array {
  assertScalar(scalar);
  const table = getBaseTable();
  const digits = recode(scalar);
  const acc = identity();
  const addendValues = new Float64Array(ENTRY);
  const addend = cachedAt(addendValues, 0);
  for (let i = 0; i < 32; i++) {
    selectDigit(addendValues, table, i, digits[2 * i + 1]!);
    addCached(acc, acc, addend, true);
  }
  double(acc, acc, false);
  double(acc, acc, false);
  double(acc, acc, false);
  double(acc, acc, true);
  for (let i = 0; i < 32; i++) {
    selectDigit(addendValues, table, i, digits[2 * i]!);
    addCached(acc, acc, addend, true);
  }
  return finish(digits, acc, addendValues);
}
