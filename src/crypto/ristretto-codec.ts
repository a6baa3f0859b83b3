/**
 * ristretto255 decoding and encoding (RFC 9496 §4.3.1–2) and the
 * square-root ratio they rest on (§4.2), on the `Float64Array` field of
 * `field25519.ts`: fixed exponentiation chains and arithmetic selects, no
 * branch on a value until Decode's final accept/reject. `ristretto-mul.ts`
 * encodes its products with it, so a secret product never passes through
 * BigInt; group.ts decodes received elements with it (about 1.5× faster
 * than noble's BigInt decoder).
 *
 * @module
 */
import type { AffinePoint } from '@noble/curves/abstract/curve.js';
import { add, equal, fe, fromBytes, isNegative, mul, neg, select, sqr, sub, toBytes, type Fe } from './field25519.js';

/** d = −121665/121666 mod p, the constant of the Edwards curve under ristretto255. */
export const D = fe(37095705934669439343138083508754565189542113879843219016388785533085940283555n);

/** 1, read only (never an output). */
const ONE = fe(1n);

/** √−1 mod p, the non-negative root (RFC 9496 §4.1 SQRT_M1). */
export const SQRT_M1 = fe(19681161376707505956807079304988542015446066515923890162744021073123829784752n);
/** 1/√(a − d) with a = −1 (RFC 9496 §4.1 INVSQRT_A_MINUS_D). */
export const INVSQRT_A_MINUS_D = fe(54469307008909316920995813868745141605393597292927456921205312896311721017578n);

/** o = a^(2^n) (n ≥ 1). */
function sqrN(o: Fe, a: Fe, n: number): void {
  sqr(o, a);
  for (let i = 1; i < n; i++) sqr(o, o);
}

/**
 * o = a^((p − 5) / 8) = a^(2^252 − 3), by the fixed addition chain of ref10
 * (252 squarings, 11 multiplications): the exponent is public, so the
 * sequence is the same for every `a`.
 */
function pow22523(o: Fe, a: Fe): void {
  const t0 = fe();
  const t1 = fe();
  const t2 = fe();
  sqr(t0, a); // a^2
  sqrN(t1, t0, 2); // a^8
  mul(t1, a, t1); // a^9
  mul(t0, t0, t1); // a^11
  sqr(t0, t0); // a^22
  mul(t0, t1, t0); // a^(2^5 − 1)
  sqrN(t1, t0, 5);
  mul(t0, t1, t0); // a^(2^10 − 1)
  sqrN(t1, t0, 10);
  mul(t1, t1, t0); // a^(2^20 − 1)
  sqrN(t2, t1, 20);
  mul(t1, t2, t1); // a^(2^40 − 1)
  sqrN(t1, t1, 10);
  mul(t0, t1, t0); // a^(2^50 − 1)
  sqrN(t1, t0, 50);
  mul(t1, t1, t0); // a^(2^100 − 1)
  sqrN(t2, t1, 100);
  mul(t1, t2, t1); // a^(2^200 − 1)
  sqrN(t1, t1, 50);
  mul(t0, t1, t0); // a^(2^250 − 1)
  sqrN(t0, t0, 2); // a^(2^252 − 4)
  mul(o, t0, a);
}

/** o = |a|: −a if `a` is negative (RFC 9496 §4.1 CT_ABS), else a. */
function abs(o: Fe, a: Fe): void {
  const n = fe();
  neg(n, a);
  select(o, a, n, isNegative(a));
}

/**
 * RFC 9496 §4.2 SQRT_RATIO_M1(u, v): writes into `o` the non-negative
 * square root of u/v if it exists, else of SQRT_M1·u/v, and returns 1 if
 * u/v was square, else 0. Constant-time: one fixed exponentiation and
 * arithmetic selects.
 */
export function sqrtRatioM1(o: Fe, u: Fe, v: Fe): number {
  const v3 = fe();
  const v7 = fe();
  const r = fe();
  const t = fe();
  sqr(v3, v);
  mul(v3, v3, v); // v^3
  sqr(v7, v3);
  mul(v7, v7, v); // v^7
  mul(t, u, v7);
  pow22523(r, t); // (u·v^7)^((p − 5) / 8)
  mul(r, r, v3);
  mul(r, r, u); // r = u·v^3·(u·v^7)^((p − 5) / 8)
  const check = fe();
  sqr(check, r);
  mul(check, check, v); // v·r^2
  const negU = fe();
  neg(negU, u);
  const negUi = fe();
  mul(negUi, negU, SQRT_M1);
  const correct = equal(check, u);
  const flipped = equal(check, negU);
  const flippedI = equal(check, negUi);
  const rPrime = fe();
  mul(rPrime, r, SQRT_M1);
  select(r, r, rPrime, flipped | flippedI);
  abs(o, r);
  return correct | flipped;
}

/**
 * RFC 9496 §4.3.2 Encode of the point with extended coordinates
 * (X : Y : Z : T), in constant time: the rotation and the sign fixes are
 * arithmetic selects, the square root a fixed exponentiation.
 */
export function encode(X: Fe, Y: Fe, Z: Fe, T: Fe): Uint8Array {
  const u1 = fe();
  const u2 = fe();
  const t = fe();
  add(u1, Z, Y);
  sub(t, Z, Y);
  mul(u1, u1, t); // (Z + Y)(Z − Y)
  mul(u2, X, Y);
  const invsqrt = fe();
  sqr(t, u2);
  mul(t, t, u1);
  sqrtRatioM1(invsqrt, ONE, t); // u1·u2² is always square for a valid point
  const den1 = fe();
  const den2 = fe();
  mul(den1, invsqrt, u1);
  mul(den2, invsqrt, u2);
  const zInv = fe();
  mul(zInv, den1, den2);
  mul(zInv, zInv, T);
  const ix = fe();
  const iy = fe();
  mul(ix, X, SQRT_M1);
  mul(iy, Y, SQRT_M1);
  const enchanted = fe();
  mul(enchanted, den1, INVSQRT_A_MINUS_D);
  mul(t, T, zInv);
  const rotate = isNegative(t);
  const x = fe();
  const y = fe();
  const denInv = fe();
  select(x, X, iy, rotate);
  select(y, Y, ix, rotate);
  select(denInv, den2, enchanted, rotate);
  mul(t, x, zInv);
  const negY = fe();
  neg(negY, y);
  select(y, y, negY, isNegative(t));
  const s = fe();
  sub(t, Z, y);
  mul(s, denInv, t);
  abs(s, s);
  return toBytes(s);
}

function leToBigInt(bytes: Uint8Array): bigint {
  let hex = '';
  for (let i = bytes.length - 1; i >= 0; i--) hex += bytes[i]!.toString(16).padStart(2, '0');
  return BigInt(`0x${hex}`);
}

/**
 * RFC 9496 §4.3.1 Decode: the affine coordinates (x, y) of the Edwards
 * point a canonical encoding stands for (the representative noble's
 * `fromBytes` picks too). Throws on a wrong length, a non-canonical or
 * negative s, and on strings that encode no element. Elements are public,
 * so the final accept/reject may branch.
 */
export function decode(bytes: Uint8Array): AffinePoint<bigint> {
  if (bytes.length !== 32) throw new Error('invalid ristretto255 encoding');
  const s = fromBytes(bytes);
  // Canonical: re-encoding gives the same bytes (so s < p, top bit clear); non-negative: even.
  const canonical = toBytes(s);
  let diff = canonical[0]! & 1;
  for (let i = 0; i < 32; i++) diff |= canonical[i]! ^ bytes[i]!;
  const one = ONE;
  const ss = fe();
  sqr(ss, s);
  const u1 = fe();
  const u2 = fe();
  sub(u1, one, ss); // 1 + a·s², a = −1
  add(u2, one, ss); // 1 − a·s²
  const u2Sqr = fe();
  sqr(u2Sqr, u2);
  const v = fe();
  sqr(v, u1);
  mul(v, v, D);
  neg(v, v);
  sub(v, v, u2Sqr); // −(d·u1²) − u2²
  const t = fe();
  mul(t, v, u2Sqr);
  const invsqrt = fe();
  const wasSquare = sqrtRatioM1(invsqrt, one, t);
  const denX = fe();
  const denY = fe();
  mul(denX, invsqrt, u2);
  mul(denY, invsqrt, denX);
  mul(denY, denY, v);
  const x = fe();
  add(x, s, s);
  mul(x, x, denX);
  abs(x, x);
  const y = fe();
  mul(y, u1, denY);
  mul(t, x, y);
  const yZero = equal(y, fe());
  if (diff !== 0 || wasSquare === 0 || isNegative(t) === 1 || yZero === 1) throw new Error('invalid ristretto255 encoding');
  return { x: leToBigInt(toBytes(x)), y: leToBigInt(toBytes(y)) };
}
