/**
 * Arithmetic in GF(2^255 − 19), the field of Curve25519 / ristretto255, on
 * 16 signed limbs of radix 2^16 held in a `Float64Array` (the TweetNaCl
 * layout). Every limb value is an integer below 2^53, so each `*` and `+` is
 * exact, and a double multiply takes the same time whatever its operands (no
 * subnormals can occur): there is no branch and no table index on a value
 * anywhere in this file, except the public loop counts. That is as far as
 * JavaScript lets constant time go: how the JIT represents a number is
 * beyond our control, though every path here sees the same kinds of values.
 *
 * Why not BigInt (what `@noble/curves` uses): a 255-bit BigInt product
 * allocates, `%` divides, and both take time that depends on the operand's
 * length. The unrolled column products below run about 2–3× faster than a
 * BigInt multiply-and-reduce in V8 and keep every value the same size.
 *
 * Limb bounds (the contract that keeps every sum below 2^53): `mul` and
 * `sqr` accept limbs of magnitude < 2^21 and return limbs in (−2^10, 2^16 +
 * 2^10); `add` and `sub` do not carry, so callers keep to a few of them
 * between products (the point formulas use at most three). `toBytes` accepts
 * what `mul` returns and sums of up to a few of those.
 *
 * @module
 */

/** A field element: 16 limbs, value Σ limb[i]·2^(16·i), not necessarily reduced. */
export type Fe = Float64Array;

const LIMBS = 16;
const INV_RADIX = 1 / 65536;

/** p = 2^255 − 19. */
export const P = (1n << 255n) - 19n;

/** A new element holding `value` (a public constant or coordinate in [0, p)), or 0. */
export function fe(value?: bigint): Fe {
  const out = new Float64Array(LIMBS);
  if (value === undefined) return out;
  // Through hex, read by character code: sixteen BigInt shifts and masks cost several times more,
  // and sixteen slices with parseInt twice as much (a login converts about thirty coordinates).
  const hex = value.toString(16);
  for (let i = 0, at = hex.length - 1; at >= 0; i++) {
    let limb = 0;
    for (let shift = 0; shift < 16 && at >= 0; shift += 4, at--) {
      const code = hex.charCodeAt(at);
      limb += (code <= 57 ? code - 48 : code - 87) << shift; // '0'–'9', 'a'–'f'
    }
    out[i] = limb;
  }
  return out;
}

/** The element of a 32-byte little-endian string, all 256 bits (callers check canonicity). */
export function fromBytes(bytes: Uint8Array): Fe {
  const out = new Float64Array(LIMBS);
  for (let i = 0; i < LIMBS; i++) out[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
  return out;
}

/** o = a. */
export function copy(o: Fe, a: Fe): void {
  o.set(a);
}

/** o = a + b, no carry. */
export function add(o: Fe, a: Fe, b: Fe): void {
  for (let i = 0; i < LIMBS; i++) o[i] = a[i]! + b[i]!;
}

/** o = a − b, no carry (limbs may go negative; `mul` and `toBytes` accept that). */
export function sub(o: Fe, a: Fe, b: Fe): void {
  for (let i = 0; i < LIMBS; i++) o[i] = a[i]! - b[i]!;
}

/**
 * o = bit ? b : a, for bit ∈ {0, 1}, by arithmetic rather than a branch so
 * that timing and memory access do not depend on `bit`. `o` may alias `a`.
 */
export function select(o: Fe, a: Fe, b: Fe, bit: number): void {
  for (let i = 0; i < LIMBS; i++) o[i] = a[i]! + (b[i]! - a[i]!) * bit;
}

// The products are written out column by column and carried in locals: V8
// then keeps operands and sums in registers, where a loop over a scratch
// array (or a carry pass over the output) runs about twice as slow. With
// |limb| < 2^21 a column sums at most 16 products below 2^42 and the fold
// t[k] + 38·t[k+16] (2^256 ≡ 38) stays below 39·2^46 < 2^52, exact in a
// double. The carry runs once over the limbs, folds the top carry into
// limb 0 and carries limbs 0 and 1 again; Math.floor keeps it right for
// negative limbs. Result limbs lie in (−2^10, 2^16 + 2^10).

/** o = a · b (o may alias a or b). */
export function mul(o: Fe, a: Fe, b: Fe): void {
  const a0 = a[0]!, b0 = b[0]!;
  const a1 = a[1]!, b1 = b[1]!;
  const a2 = a[2]!, b2 = b[2]!;
  const a3 = a[3]!, b3 = b[3]!;
  const a4 = a[4]!, b4 = b[4]!;
  const a5 = a[5]!, b5 = b[5]!;
  const a6 = a[6]!, b6 = b[6]!;
  const a7 = a[7]!, b7 = b[7]!;
  const a8 = a[8]!, b8 = b[8]!;
  const a9 = a[9]!, b9 = b[9]!;
  const a10 = a[10]!, b10 = b[10]!;
  const a11 = a[11]!, b11 = b[11]!;
  const a12 = a[12]!, b12 = b[12]!;
  const a13 = a[13]!, b13 = b[13]!;
  const a14 = a[14]!, b14 = b[14]!;
  const a15 = a[15]!, b15 = b[15]!;
  let t0 = a0 * b0;
  let t1 = a0 * b1 + a1 * b0;
  let t2 = a0 * b2 + a1 * b1 + a2 * b0;
  let t3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0;
  let t4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0;
  let t5 = a0 * b5 + a1 * b4 + a2 * b3 + a3 * b2 + a4 * b1 + a5 * b0;
  let t6 = a0 * b6 + a1 * b5 + a2 * b4 + a3 * b3 + a4 * b2 + a5 * b1 + a6 * b0;
  let t7 = a0 * b7 + a1 * b6 + a2 * b5 + a3 * b4 + a4 * b3 + a5 * b2 + a6 * b1 + a7 * b0;
  let t8 = a0 * b8 + a1 * b7 + a2 * b6 + a3 * b5 + a4 * b4 + a5 * b3 + a6 * b2 + a7 * b1 + a8 * b0;
  let t9 = a0 * b9 + a1 * b8 + a2 * b7 + a3 * b6 + a4 * b5 + a5 * b4 + a6 * b3 + a7 * b2
    + a8 * b1 + a9 * b0;
  let t10 = a0 * b10 + a1 * b9 + a2 * b8 + a3 * b7 + a4 * b6 + a5 * b5 + a6 * b4 + a7 * b3
    + a8 * b2 + a9 * b1 + a10 * b0;
  let t11 = a0 * b11 + a1 * b10 + a2 * b9 + a3 * b8 + a4 * b7 + a5 * b6 + a6 * b5 + a7 * b4
    + a8 * b3 + a9 * b2 + a10 * b1 + a11 * b0;
  let t12 = a0 * b12 + a1 * b11 + a2 * b10 + a3 * b9 + a4 * b8 + a5 * b7 + a6 * b6 + a7 * b5
    + a8 * b4 + a9 * b3 + a10 * b2 + a11 * b1 + a12 * b0;
  let t13 = a0 * b13 + a1 * b12 + a2 * b11 + a3 * b10 + a4 * b9 + a5 * b8 + a6 * b7 + a7 * b6
    + a8 * b5 + a9 * b4 + a10 * b3 + a11 * b2 + a12 * b1 + a13 * b0;
  let t14 = a0 * b14 + a1 * b13 + a2 * b12 + a3 * b11 + a4 * b10 + a5 * b9 + a6 * b8 + a7 * b7
    + a8 * b6 + a9 * b5 + a10 * b4 + a11 * b3 + a12 * b2 + a13 * b1 + a14 * b0;
  let t15 = a0 * b15 + a1 * b14 + a2 * b13 + a3 * b12 + a4 * b11 + a5 * b10 + a6 * b9 + a7 * b8
    + a8 * b7 + a9 * b6 + a10 * b5 + a11 * b4 + a12 * b3 + a13 * b2 + a14 * b1 + a15 * b0;
  const t16 = a1 * b15 + a2 * b14 + a3 * b13 + a4 * b12 + a5 * b11 + a6 * b10 + a7 * b9 + a8 * b8
    + a9 * b7 + a10 * b6 + a11 * b5 + a12 * b4 + a13 * b3 + a14 * b2 + a15 * b1;
  const t17 = a2 * b15 + a3 * b14 + a4 * b13 + a5 * b12 + a6 * b11 + a7 * b10 + a8 * b9 + a9 * b8
    + a10 * b7 + a11 * b6 + a12 * b5 + a13 * b4 + a14 * b3 + a15 * b2;
  const t18 = a3 * b15 + a4 * b14 + a5 * b13 + a6 * b12 + a7 * b11 + a8 * b10 + a9 * b9 + a10 * b8
    + a11 * b7 + a12 * b6 + a13 * b5 + a14 * b4 + a15 * b3;
  const t19 = a4 * b15 + a5 * b14 + a6 * b13 + a7 * b12 + a8 * b11 + a9 * b10 + a10 * b9 + a11 * b8
    + a12 * b7 + a13 * b6 + a14 * b5 + a15 * b4;
  const t20 = a5 * b15 + a6 * b14 + a7 * b13 + a8 * b12 + a9 * b11 + a10 * b10 + a11 * b9 + a12 * b8
    + a13 * b7 + a14 * b6 + a15 * b5;
  const t21 = a6 * b15 + a7 * b14 + a8 * b13 + a9 * b12 + a10 * b11 + a11 * b10 + a12 * b9 + a13 * b8
    + a14 * b7 + a15 * b6;
  const t22 = a7 * b15 + a8 * b14 + a9 * b13 + a10 * b12 + a11 * b11 + a12 * b10 + a13 * b9 + a14 * b8 + a15 * b7;
  const t23 = a8 * b15 + a9 * b14 + a10 * b13 + a11 * b12 + a12 * b11 + a13 * b10 + a14 * b9 + a15 * b8;
  const t24 = a9 * b15 + a10 * b14 + a11 * b13 + a12 * b12 + a13 * b11 + a14 * b10 + a15 * b9;
  const t25 = a10 * b15 + a11 * b14 + a12 * b13 + a13 * b12 + a14 * b11 + a15 * b10;
  const t26 = a11 * b15 + a12 * b14 + a13 * b13 + a14 * b12 + a15 * b11;
  const t27 = a12 * b15 + a13 * b14 + a14 * b13 + a15 * b12;
  const t28 = a13 * b15 + a14 * b14 + a15 * b13;
  const t29 = a14 * b15 + a15 * b14;
  const t30 = a15 * b15;
  t0 += 38 * t16;
  t1 += 38 * t17;
  t2 += 38 * t18;
  t3 += 38 * t19;
  t4 += 38 * t20;
  t5 += 38 * t21;
  t6 += 38 * t22;
  t7 += 38 * t23;
  t8 += 38 * t24;
  t9 += 38 * t25;
  t10 += 38 * t26;
  t11 += 38 * t27;
  t12 += 38 * t28;
  t13 += 38 * t29;
  t14 += 38 * t30;
  let c = 0;
  t0 += c; c = Math.floor(t0 * INV_RADIX); t0 -= c * 65536;
  t1 += c; c = Math.floor(t1 * INV_RADIX); t1 -= c * 65536;
  t2 += c; c = Math.floor(t2 * INV_RADIX); t2 -= c * 65536;
  t3 += c; c = Math.floor(t3 * INV_RADIX); t3 -= c * 65536;
  t4 += c; c = Math.floor(t4 * INV_RADIX); t4 -= c * 65536;
  t5 += c; c = Math.floor(t5 * INV_RADIX); t5 -= c * 65536;
  t6 += c; c = Math.floor(t6 * INV_RADIX); t6 -= c * 65536;
  t7 += c; c = Math.floor(t7 * INV_RADIX); t7 -= c * 65536;
  t8 += c; c = Math.floor(t8 * INV_RADIX); t8 -= c * 65536;
  t9 += c; c = Math.floor(t9 * INV_RADIX); t9 -= c * 65536;
  t10 += c; c = Math.floor(t10 * INV_RADIX); t10 -= c * 65536;
  t11 += c; c = Math.floor(t11 * INV_RADIX); t11 -= c * 65536;
  t12 += c; c = Math.floor(t12 * INV_RADIX); t12 -= c * 65536;
  t13 += c; c = Math.floor(t13 * INV_RADIX); t13 -= c * 65536;
  t14 += c; c = Math.floor(t14 * INV_RADIX); t14 -= c * 65536;
  t15 += c; c = Math.floor(t15 * INV_RADIX); t15 -= c * 65536;
  t0 += 38 * c; c = Math.floor(t0 * INV_RADIX); t0 -= c * 65536;
  t1 += c; c = Math.floor(t1 * INV_RADIX); t1 -= c * 65536;
  t2 += c;
  o[0] = t0;
  o[1] = t1;
  o[2] = t2;
  o[3] = t3;
  o[4] = t4;
  o[5] = t5;
  o[6] = t6;
  o[7] = t7;
  o[8] = t8;
  o[9] = t9;
  o[10] = t10;
  o[11] = t11;
  o[12] = t12;
  o[13] = t13;
  o[14] = t14;
  o[15] = t15;
}

/**
 * o = a² (o may alias a): each cross product once, doubled (136 products
 * instead of 256), then the same fold and carry as `mul`, written out again
 * so that the columns stay in registers (a shared carry function measured
 * slower). The bounds are `mul`'s: a doubled limb (< 2^22) times a limb
 * (< 2^21) is below 2^43, and a column holds at most 8 such products.
 */
export function sqr(o: Fe, a: Fe): void {
  const a0 = a[0]!;
  const a1 = a[1]!;
  const a2 = a[2]!;
  const a3 = a[3]!;
  const a4 = a[4]!;
  const a5 = a[5]!;
  const a6 = a[6]!;
  const a7 = a[7]!;
  const a8 = a[8]!;
  const a9 = a[9]!;
  const a10 = a[10]!;
  const a11 = a[11]!;
  const a12 = a[12]!;
  const a13 = a[13]!;
  const a14 = a[14]!;
  const a15 = a[15]!;
  const d0 = 2 * a0;
  const d1 = 2 * a1;
  const d2 = 2 * a2;
  const d3 = 2 * a3;
  const d4 = 2 * a4;
  const d5 = 2 * a5;
  const d6 = 2 * a6;
  const d7 = 2 * a7;
  const d8 = 2 * a8;
  const d9 = 2 * a9;
  const d10 = 2 * a10;
  const d11 = 2 * a11;
  const d12 = 2 * a12;
  const d13 = 2 * a13;
  const d14 = 2 * a14;
  let t0 = a0 * a0;
  let t1 = d0 * a1;
  let t2 = d0 * a2 + a1 * a1;
  let t3 = d0 * a3 + d1 * a2;
  let t4 = d0 * a4 + d1 * a3 + a2 * a2;
  let t5 = d0 * a5 + d1 * a4 + d2 * a3;
  let t6 = d0 * a6 + d1 * a5 + d2 * a4 + a3 * a3;
  let t7 = d0 * a7 + d1 * a6 + d2 * a5 + d3 * a4;
  let t8 = d0 * a8 + d1 * a7 + d2 * a6 + d3 * a5 + a4 * a4;
  let t9 = d0 * a9 + d1 * a8 + d2 * a7 + d3 * a6 + d4 * a5;
  let t10 = d0 * a10 + d1 * a9 + d2 * a8 + d3 * a7 + d4 * a6 + a5 * a5;
  let t11 = d0 * a11 + d1 * a10 + d2 * a9 + d3 * a8 + d4 * a7 + d5 * a6;
  let t12 = d0 * a12 + d1 * a11 + d2 * a10 + d3 * a9 + d4 * a8 + d5 * a7 + a6 * a6;
  let t13 = d0 * a13 + d1 * a12 + d2 * a11 + d3 * a10 + d4 * a9 + d5 * a8 + d6 * a7;
  let t14 = d0 * a14 + d1 * a13 + d2 * a12 + d3 * a11 + d4 * a10 + d5 * a9 + d6 * a8 + a7 * a7;
  let t15 = d0 * a15 + d1 * a14 + d2 * a13 + d3 * a12 + d4 * a11 + d5 * a10 + d6 * a9 + d7 * a8;
  const t16 = d1 * a15 + d2 * a14 + d3 * a13 + d4 * a12 + d5 * a11 + d6 * a10 + d7 * a9 + a8 * a8;
  const t17 = d2 * a15 + d3 * a14 + d4 * a13 + d5 * a12 + d6 * a11 + d7 * a10 + d8 * a9;
  const t18 = d3 * a15 + d4 * a14 + d5 * a13 + d6 * a12 + d7 * a11 + d8 * a10 + a9 * a9;
  const t19 = d4 * a15 + d5 * a14 + d6 * a13 + d7 * a12 + d8 * a11 + d9 * a10;
  const t20 = d5 * a15 + d6 * a14 + d7 * a13 + d8 * a12 + d9 * a11 + a10 * a10;
  const t21 = d6 * a15 + d7 * a14 + d8 * a13 + d9 * a12 + d10 * a11;
  const t22 = d7 * a15 + d8 * a14 + d9 * a13 + d10 * a12 + a11 * a11;
  const t23 = d8 * a15 + d9 * a14 + d10 * a13 + d11 * a12;
  const t24 = d9 * a15 + d10 * a14 + d11 * a13 + a12 * a12;
  const t25 = d10 * a15 + d11 * a14 + d12 * a13;
  const t26 = d11 * a15 + d12 * a14 + a13 * a13;
  const t27 = d12 * a15 + d13 * a14;
  const t28 = d13 * a15 + a14 * a14;
  const t29 = d14 * a15;
  const t30 = a15 * a15;
  t0 += 38 * t16;
  t1 += 38 * t17;
  t2 += 38 * t18;
  t3 += 38 * t19;
  t4 += 38 * t20;
  t5 += 38 * t21;
  t6 += 38 * t22;
  t7 += 38 * t23;
  t8 += 38 * t24;
  t9 += 38 * t25;
  t10 += 38 * t26;
  t11 += 38 * t27;
  t12 += 38 * t28;
  t13 += 38 * t29;
  t14 += 38 * t30;
  let c = 0;
  t0 += c; c = Math.floor(t0 * INV_RADIX); t0 -= c * 65536;
  t1 += c; c = Math.floor(t1 * INV_RADIX); t1 -= c * 65536;
  t2 += c; c = Math.floor(t2 * INV_RADIX); t2 -= c * 65536;
  t3 += c; c = Math.floor(t3 * INV_RADIX); t3 -= c * 65536;
  t4 += c; c = Math.floor(t4 * INV_RADIX); t4 -= c * 65536;
  t5 += c; c = Math.floor(t5 * INV_RADIX); t5 -= c * 65536;
  t6 += c; c = Math.floor(t6 * INV_RADIX); t6 -= c * 65536;
  t7 += c; c = Math.floor(t7 * INV_RADIX); t7 -= c * 65536;
  t8 += c; c = Math.floor(t8 * INV_RADIX); t8 -= c * 65536;
  t9 += c; c = Math.floor(t9 * INV_RADIX); t9 -= c * 65536;
  t10 += c; c = Math.floor(t10 * INV_RADIX); t10 -= c * 65536;
  t11 += c; c = Math.floor(t11 * INV_RADIX); t11 -= c * 65536;
  t12 += c; c = Math.floor(t12 * INV_RADIX); t12 -= c * 65536;
  t13 += c; c = Math.floor(t13 * INV_RADIX); t13 -= c * 65536;
  t14 += c; c = Math.floor(t14 * INV_RADIX); t14 -= c * 65536;
  t15 += c; c = Math.floor(t15 * INV_RADIX); t15 -= c * 65536;
  t0 += 38 * c; c = Math.floor(t0 * INV_RADIX); t0 -= c * 65536;
  t1 += c; c = Math.floor(t1 * INV_RADIX); t1 -= c * 65536;
  t2 += c;
  o[0] = t0;
  o[1] = t1;
  o[2] = t2;
  o[3] = t3;
  o[4] = t4;
  o[5] = t5;
  o[6] = t6;
  o[7] = t7;
  o[8] = t8;
  o[9] = t9;
  o[10] = t10;
  o[11] = t11;
  o[12] = t12;
  o[13] = t13;
  o[14] = t14;
  o[15] = t15;
}

/**
 * The canonical 32-byte little-endian encoding of `a` (the value mod p).
 * Three carry passes bring every limb into [0, 2^16) and the value below
 * 2^256 < 3p; two branch-free trial subtractions of p finish the reduction
 * (TweetNaCl's pack25519).
 */
export function toBytes(a: Fe): Uint8Array {
  const t = Float64Array.from(a);
  const m = new Float64Array(LIMBS);
  for (let pass = 0; pass < 3; pass++) {
    let c = 0;
    for (let i = 0; i < LIMBS; i++) {
      const v = t[i]! + c;
      c = Math.floor(v * INV_RADIX);
      t[i] = v - c * 65536;
    }
    t[0] = t[0]! + 38 * c;
  }
  for (let round = 0; round < 2; round++) {
    // m = t − p limb by limb with a borrow chain; the final borrow says t < p.
    m[0] = t[0]! - 0xffed;
    for (let i = 1; i < 15; i++) {
      m[i] = t[i]! - 0xffff - ((m[i - 1]! >> 16) & 1);
      m[i - 1] = m[i - 1]! & 0xffff;
    }
    m[15] = t[15]! - 0x7fff - ((m[14]! >> 16) & 1);
    const borrow = (m[15] >> 16) & 1;
    m[14] = m[14]! & 0xffff;
    select(t, m, t, borrow);
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < LIMBS; i++) {
    out[2 * i] = t[i]! & 0xff;
    out[2 * i + 1] = t[i]! >> 8;
  }
  return out;
}

/** 1 if `a` is negative in the RFC 9496 §4.1 sense (its canonical encoding is odd), else 0. */
export function isNegative(a: Fe): number {
  return toBytes(a)[0]! & 1;
}

/** 1 if a ≡ b (mod p), else 0, without a data-dependent branch. */
export function equal(a: Fe, b: Fe): number {
  const d = new Float64Array(LIMBS);
  sub(d, a, b);
  const bytes = toBytes(d);
  let acc = 0;
  for (let i = 0; i < 32; i++) acc |= bytes[i]!;
  return ((acc - 1) >> 8) & 1;
}

/** o = −a. */
export function neg(o: Fe, a: Fe): void {
  for (let i = 0; i < LIMBS; i++) o[i] = -a[i]!;
}
