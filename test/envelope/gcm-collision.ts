/**
 * Builds AES-256-GCM ciphertexts that authenticate under two different keys
 * (the "invisible salamander" / partitioning-oracle construction: GCM is not
 * key-committing). Test-only: it shows what a key commitment must stop.
 *
 * GHASH is linear in each ciphertext block, so with every block but one
 * fixed, "tag under key 1 = tag under key 2" is one linear equation in
 * GF(2^128) for the free block (NIST SP 800-38D §6.3-6.4 for GHASH and the tag).
 */
import { createCipheriv } from 'node:crypto';

const R = 0xe1n << 120n;
const ONE = 1n << 127n; // GCM's bit order: x^0 is the most significant bit

function toBig(block: Uint8Array): bigint {
  let v = 0n;
  for (const b of block) v = (v << 8n) | BigInt(b);
  return v;
}

function toBlock(v: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Multiplication in GF(2^128), SP 800-38D Algorithm 1. */
function gmul(x: bigint, y: bigint): bigint {
  let z = 0n;
  let v = y;
  for (let i = 127n; i >= 0n; i--) {
    if ((x >> i) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z;
}

function gpow(x: bigint, e: bigint): bigint {
  let result = ONE;
  let base = x;
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) result = gmul(result, base);
    base = gmul(base, base);
  }
  return result;
}

/** Multiplicative inverse: x^(2^128 - 2). */
function ginv(x: bigint): bigint {
  return gpow(x, (1n << 128n) - 2n);
}

/** Raw AES-256 of one block (the GCM hash key H = E(0), and E(J0) for the tag). */
function aesBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-ecb', key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(cipher.update(block));
}

function blocks(data: Uint8Array): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < data.length; i += 16) {
    const block = new Uint8Array(16);
    block.set(data.subarray(i, i + 16));
    out.push(toBig(block));
  }
  return out;
}

function ghashBlocks(aad: Uint8Array, ciphertext: Uint8Array): bigint[] {
  const length = (BigInt(aad.length * 8) << 64n) | BigInt(ciphertext.length * 8);
  return [...blocks(aad), ...blocks(ciphertext), length];
}

function ghash(h: bigint, xs: readonly bigint[]): bigint {
  let y = 0n;
  for (const x of xs) y = gmul(y ^ x, h);
  return y;
}

function j0(nonce: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out.set(nonce);
  out[15] = 1;
  return out;
}

/** The GCM tag of `ciphertext` (SP 800-38D §7.1 step 5-6), for a 12-byte nonce. */
export function gcmTag(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const h = toBig(aesBlock(key, new Uint8Array(16)));
  return toBlock(toBig(aesBlock(key, j0(nonce))) ^ ghash(h, ghashBlocks(aad, ciphertext)));
}

/**
 * A `ciphertext || tag` that authenticates under both keys with the same
 * nonce and AAD: `prefix` (whole blocks) followed by one solved block.
 */
export function collide(
  key1: Uint8Array,
  key2: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  prefix: Uint8Array,
): Uint8Array {
  if (prefix.length % 16 !== 0) throw new Error('prefix must be whole blocks');
  const ciphertext = new Uint8Array(prefix.length + 16);
  ciphertext.set(prefix);
  const h1 = toBig(aesBlock(key1, new Uint8Array(16)));
  const h2 = toBig(aesBlock(key2, new Uint8Array(16)));
  const xs = ghashBlocks(aad, ciphertext); // free block still zero
  const free = xs.length - 2; // the last ciphertext block, before the length block
  const exponent = BigInt(xs.length - free); // its coefficient is H^(n - i)
  const constant =
    toBig(aesBlock(key1, j0(nonce))) ^ toBig(aesBlock(key2, j0(nonce))) ^ ghash(h1, xs) ^ ghash(h2, xs);
  const x = gmul(constant, ginv(gpow(h1, exponent) ^ gpow(h2, exponent)));
  ciphertext.set(toBlock(x), prefix.length);
  const tag = gcmTag(key1, nonce, aad, ciphertext);
  const out = new Uint8Array(ciphertext.length + 16);
  out.set(ciphertext);
  out.set(tag, ciphertext.length);
  return out;
}
