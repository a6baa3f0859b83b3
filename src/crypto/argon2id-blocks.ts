/**
 * The parts of Argon2id (RFC 9106) around the memory filling, shared by the
 * one-thread route (argon2id-wasm.ts) and the lanes on threads
 * (argon2id-threads.ts): H0, H', the first two blocks of each lane and the
 * tag, in JavaScript over `@noble/hashes` BLAKE2b, writing into and reading
 * from the kernel's memory. A module of its own so that the threads chunk
 * does not carry the one-thread kernels.
 *
 * @module
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { wipe } from './bytes.js';

/** Everything RFC 9106 §3.2 hashes into H0. `secret` and `associatedData` are empty for OPAQUE; the RFC's vectors set them. */
export interface Argon2idInput {
  readonly password: Uint8Array;
  readonly salt: Uint8Array;
  readonly secret?: Uint8Array;
  readonly associatedData?: Uint8Array;
  readonly iterations: number;
  readonly memoryKiB: number;
  readonly parallelism: number;
  readonly outputLength: number;
}

/** Bytes in an Argon2 block. */
export const BLOCK = 1024;
/** Bytes in a WebAssembly page. */
export const PAGE = 65536;
/**
 * Larger memories are not kept between calls: a tab or server should not hold
 * the RFC's 2 GiB profile after the one call that needed it. The default
 * profile (64 MiB) is kept.
 */
export const RETAIN_MAX_BYTES = 256 * 1024 * 1024;
const VERSION = 0x13;
/** Argon2's type y for Argon2id (RFC 9106 §3.2). */
const ARGON2ID = 2;

function le32(out: Uint8Array, at: number, value: number): void {
  out[at] = value;
  out[at + 1] = value >>> 8;
  out[at + 2] = value >>> 16;
  out[at + 3] = value >>> 24;
}

/** H0 (RFC 9106 §3.2 step 1). */
function initialHash(p: Argon2idInput): Uint8Array {
  const secret = p.secret ?? new Uint8Array(0);
  const ad = p.associatedData ?? new Uint8Array(0);
  const parts = [p.password, p.salt, secret, ad];
  const buf = new Uint8Array(24 + parts.reduce((n, part) => n + 4 + part.length, 0));
  [p.parallelism, p.outputLength, p.memoryKiB, p.iterations, VERSION, ARGON2ID].forEach((v, i) => le32(buf, 4 * i, v));
  let at = 24;
  for (const part of parts) {
    le32(buf, at, part.length);
    buf.set(part, at + 4);
    at += 4 + part.length;
  }
  const h0 = blake2b(buf, { dkLen: 64 });
  wipe(buf);
  return h0;
}

/** H' (RFC 9106 §3.3), the variable-length hash, into `out`. */
function hashPrime(input: Uint8Array, out: Uint8Array): void {
  const t = out.length;
  const first = new Uint8Array(4 + input.length);
  le32(first, 0, t);
  first.set(input, 4);
  if (t <= 64) {
    const h = blake2b(first, { dkLen: t });
    out.set(h);
    wipe(first, h);
    return;
  }
  const r = Math.ceil(t / 32) - 2;
  let v = blake2b(first, { dkLen: 64 });
  wipe(first);
  for (let i = 0; i < r; i++) {
    out.set(v.subarray(0, 32), 32 * i);
    const next = i + 1 < r ? blake2b(v, { dkLen: 64 }) : blake2b(v, { dkLen: t - 32 * r });
    wipe(v);
    v = next;
  }
  out.set(v, 32 * r);
  wipe(v);
}

/** Blocks per lane, q = m' / p with m' = 4p⌊m/4p⌋ (RFC 9106 §3.2 step 2). */
export function laneLength(p: Argon2idInput): number {
  return 4 * Math.floor(p.memoryKiB / (4 * p.parallelism));
}

/**
 * Writes the first two blocks of every lane, B[i][0] and B[i][1] =
 * H'(H0 ‖ LE32(0|1) ‖ LE32(i)) (RFC 9106 §3.2 steps 1–4), into `bytes`,
 * whose blocks start at `blocks`, lane after lane.
 */
export function seedLanes(bytes: Uint8Array, blocks: number, p: Argon2idInput): void {
  const q = laneLength(p);
  const h0 = initialHash(p);
  const seed = new Uint8Array(72);
  try {
    seed.set(h0);
    for (let lane = 0; lane < p.parallelism; lane++) {
      for (let j = 0; j < 2; j++) {
        le32(seed, 64, j);
        le32(seed, 68, lane);
        const at = blocks + (lane * q + j) * BLOCK;
        hashPrime(seed, bytes.subarray(at, at + BLOCK));
      }
    }
  } finally {
    wipe(h0, seed);
  }
}

/** The tag: H'(C), C the XOR of every lane's last block (RFC 9106 §3.2 steps 7–8). The caller wipes the blocks. */
export function finalTag(bytes: Uint8Array, blocks: number, p: Argon2idInput): Uint8Array {
  const q = laneLength(p);
  const output = new Uint8Array(p.outputLength);
  const first = blocks + (q - 1) * BLOCK;
  const last = bytes.slice(first, first + BLOCK);
  for (let lane = 1; lane < p.parallelism; lane++) {
    const column = blocks + (lane * q + q - 1) * BLOCK;
    for (let i = 0; i < BLOCK; i++) last[i] = (last[i] as number) ^ (bytes[column + i] as number);
  }
  hashPrime(last, output);
  wipe(last);
  return output;
}
