/**
 * Argon2id (RFC 9106 §3) on one reused WebAssembly instance: the block
 * function G runs in a small WASM kernel (128-bit SIMD where the engine has
 * it, a scalar build otherwise; see argon2id-wasm-bytes.ts), and the rest
 * (H0, H', the indexing of §3.4) runs here, over one `WebAssembly.Memory`
 * that lives as long as the module.
 *
 * Why not a WASM library that makes an instance per call (`hash-wasm` did):
 * a fresh 64 MiB memory is 16 384 fresh pages, and their first touch cost
 * 24–40 ms per call in Node on our machine, a sixth of the default profile.
 * Reusing the memory pays that once. Every byte the computation wrote is
 * zeroed before the call returns (the blocks, the address and scratch blocks,
 * and the kernel's stack area), so a reused memory holds no secret between
 * calls; a memory grown beyond {@link RETAIN_MAX_BYTES} is wiped and then
 * dropped rather than kept.
 *
 * Why not the `argon2id` package's own driver around the same kernels: it
 * clears only its work area, not the Argon2 blocks, so a reused memory keeps
 * the last call's blocks (all of them, measured), and its per-block loop
 * (generators, a subarray per block) made it slower than `hash-wasm` in the
 * bench. The kernels themselves are its files, byte for byte (tested).
 *
 * The computation is synchronous once the kernel is loaded, so two calls
 * never share the memory at the same time. Lanes run one after another: the
 * kernels are single-threaded, and threads would need shared memory (in
 * browsers, a cross-origin-isolated page).
 *
 * @module
 */
import { blake2b } from '@noble/hashes/blake2.js';
import { fromBase64url, wipe } from './bytes.js';
import { ARGON2_KERNEL_SCALAR, ARGON2_KERNEL_SIMD } from './argon2id-wasm-bytes.js';

/** Which kernel build: `simd` (needs WebAssembly SIMD), `scalar`, or `auto` (SIMD when the engine validates it). */
export type Argon2Kernel = 'auto' | 'simd' | 'scalar';

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

/** A loaded kernel: `hash` computes Argon2id v0x13 synchronously. */
export interface Argon2idWasm {
  /** The build that runs. */
  readonly kernel: 'simd' | 'scalar';
  /** RFC 9106 Argon2id; the caller has validated the parameters (m ≥ 8p, lengths). */
  hash(input: Argon2idInput): Uint8Array;
  /** The memory kept for the next call, if any: for the tests that check it is reused and wiped. */
  readonly memory: WebAssembly.Memory | undefined;
}

const BLOCK = 1024;
const PAGE = 65536;
/** Pages the kernels declare for their imported memory (their build's minimum). */
const KERNEL_MIN_PAGES = 1040;
/** The kernels' stack pointer starts here and grows down; our blocks start above it, so the stack can never overlap them. */
const KERNEL_STACK_TOP = 5_243_920;
/** The part of the stack area wiped after each call (the kernels use a few hundred bytes of it, if any). */
const KERNEL_STACK_WIPE = 64 * 1024;
/** Our area: five work blocks, then the Argon2 memory. Above the stack, 64 KiB aligned. */
const BASE = Math.ceil(KERNEL_STACK_TOP / PAGE) * PAGE;
const ZERO = BASE;
const ADDRESS_INPUT = BASE + BLOCK;
const ADDRESS = BASE + 2 * BLOCK;
const SCRATCH = BASE + 3 * BLOCK;
const NEXT = BASE + 4 * BLOCK;
const BLOCKS = BASE + 5 * BLOCK;
/**
 * Larger memories are not kept between calls: a tab or server should not hold
 * the RFC's 2 GiB profile after the one call that needed it. The default
 * profile (64 MiB) is kept.
 */
export const RETAIN_MAX_BYTES = 256 * 1024 * 1024;
const ARGON2ID = 2;
const VERSION = 0x13;
/** WebAssembly memory is little-endian; the index words are read through a `Uint32Array`, which uses the host's order. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const SYNC_POINTS = 4;

interface KernelExports {
  G(x: number, y: number, r: number, z: number): void;
  G2(x: number, y: number, r: number, z: number): void;
  xor(out: number, x: number, y: number): void;
}

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

/** The high 32 bits of `a²` for a 32-bit `a`, exactly (a double holds 53 bits, `a²` needs 64). */
function squareHigh(a: number): number {
  const hi = a >>> 16;
  const lo = a & 0xffff;
  return hi * hi + Math.floor((2 * hi * lo * 65536 + lo * lo) / 4294967296);
}

class Kernel implements Argon2idWasm {
  readonly kernel: 'simd' | 'scalar';
  readonly #module: WebAssembly.Module;
  #memory: WebAssembly.Memory | undefined;
  #exports: KernelExports | undefined;

  constructor(module: WebAssembly.Module, kernel: 'simd' | 'scalar') {
    this.#module = module;
    this.kernel = kernel;
  }

  get memory(): WebAssembly.Memory | undefined {
    return this.#memory;
  }

  /** The instance and a memory of at least `bytes`, made on first use and kept (within {@link RETAIN_MAX_BYTES}). */
  #ready(bytes: number): { memory: WebAssembly.Memory; fn: KernelExports } {
    if (this.#memory === undefined || this.#exports === undefined) {
      const memory = new WebAssembly.Memory({ initial: KERNEL_MIN_PAGES, maximum: 65536 });
      const instance = new WebAssembly.Instance(this.#module, { env: { memory } });
      this.#memory = memory;
      this.#exports = instance.exports as unknown as KernelExports;
    }
    const missing = Math.ceil((bytes - this.#memory.buffer.byteLength) / PAGE);
    if (missing > 0) this.#memory.grow(missing);
    return { memory: this.#memory, fn: this.#exports };
  }

  hash(p: Argon2idInput): Uint8Array {
    // A big-endian host (s390x) would read J1 and J2 byte-swapped: fail, and ksf.ts falls back to pure JS.
    if (!LITTLE_ENDIAN) throw new Error('the WebAssembly Argon2id needs a little-endian host');
    const lanes = p.parallelism;
    const blocks = 4 * lanes * Math.floor(p.memoryKiB / (4 * lanes)); // m'
    const q = blocks / lanes; // lane length
    const segment = q / SYNC_POINTS;
    const end = BLOCKS + blocks * BLOCK;
    const { memory, fn } = this.#ready(end);
    const bytes = new Uint8Array(memory.buffer);
    const words = new Uint32Array(memory.buffer);
    const at = (lane: number, index: number): number => BLOCKS + (lane * q + index) * BLOCK;
    const h0 = initialHash(p);
    const seed = new Uint8Array(72);
    const output = new Uint8Array(p.outputLength);
    try {
      // B[i][0], B[i][1] = H'(H0 ‖ LE32(0|1) ‖ LE32(i)) (§3.2 steps 3–4).
      seed.set(h0);
      for (let lane = 0; lane < lanes; lane++) {
        for (let j = 0; j < 2; j++) {
          le32(seed, 64, j);
          le32(seed, 68, lane);
          hashPrime(seed, bytes.subarray(at(lane, j), at(lane, j) + BLOCK));
        }
      }
      for (let pass = 0; pass < p.iterations; pass++) {
        for (let slice = 0; slice < SYNC_POINTS; slice++) {
          for (let lane = 0; lane < lanes; lane++) this.#segment(fn, words, { pass, slice, lane, lanes, q, segment, blocks, iterations: p.iterations }, at);
        }
      }
      // C = XOR of the last column; tag = H'(C) (§3.2 steps 7–8).
      for (let lane = 1; lane < lanes; lane++) fn.xor(at(0, q - 1), at(0, q - 1), at(lane, q - 1));
      const last = bytes.slice(at(0, q - 1), at(0, q - 1) + BLOCK);
      hashPrime(last, output);
      wipe(last);
      return output;
    } finally {
      wipe(h0, seed);
      bytes.fill(0, KERNEL_STACK_TOP - KERNEL_STACK_WIPE, end);
      if (memory.buffer.byteLength > RETAIN_MAX_BYTES) {
        this.#memory = undefined;
        this.#exports = undefined;
      }
    }
  }

  /** One segment (§3.4): its blocks, with data-independent indexing in the first half of the first pass (Argon2id). */
  #segment(
    fn: KernelExports,
    words: Uint32Array,
    s: { pass: number; slice: number; lane: number; lanes: number; q: number; segment: number; blocks: number; iterations: number },
    at: (lane: number, index: number) => number,
  ): void {
    const { pass, slice, lane, lanes, q, segment } = s;
    const independent = pass === 0 && slice < 2;
    if (independent) {
      // Z = LE64(r) ‖ LE64(l) ‖ LE64(sl) ‖ LE64(m') ‖ LE64(t) ‖ LE64(y) ‖ LE64(counter) ‖ 0… (§3.4.1.2)
      words.fill(0, ADDRESS_INPUT >>> 2, (ADDRESS_INPUT + BLOCK) >>> 2);
      const z = ADDRESS_INPUT >>> 2;
      words[z] = pass;
      words[z + 2] = lane;
      words[z + 4] = slice;
      words[z + 6] = s.blocks;
      words[z + 8] = s.iterations;
      words[z + 10] = ARGON2ID;
    }
    const start = pass === 0 && slice === 0 ? 2 : 0;
    const counter = (ADDRESS_INPUT >>> 2) + 12;
    if (independent && start !== 0) {
      words[counter] = (words[counter] as number) + 1;
      fn.G2(ZERO, ADDRESS_INPUT, ADDRESS, SCRATCH);
    }
    const finished = pass === 0 ? slice * segment : q - segment; // blocks before this segment a reference may reach
    const origin = pass === 0 || slice === SYNC_POINTS - 1 ? 0 : (slice + 1) * segment;
    for (let i = start; i < segment; i++) {
      const index = slice * segment + i;
      const prev = index === 0 ? at(lane, q - 1) : at(lane, index - 1);
      let j1: number;
      let j2: number;
      if (independent) {
        if (i % 128 === 0) {
          words[counter] = (words[counter] as number) + 1;
          fn.G2(ZERO, ADDRESS_INPUT, ADDRESS, SCRATCH);
        }
        const w = (ADDRESS >>> 2) + 2 * (i % 128);
        j1 = words[w] as number;
        j2 = words[w + 1] as number;
      } else {
        j1 = words[prev >>> 2] as number;
        j2 = words[(prev >>> 2) + 1] as number;
      }
      const refLane = pass === 0 && slice === 0 ? lane : j2 % lanes;
      const area = refLane === lane ? finished + i - 1 : finished + (i === 0 ? -1 : 0);
      const y = Math.floor((area * squareHigh(j1)) / 4294967296);
      const refIndex = (origin + area - 1 - y) % q;
      const ref = at(refLane, refIndex);
      const cur = at(lane, index);
      if (pass === 0) {
        fn.G(prev, ref, cur, SCRATCH);
      } else {
        // Version 0x13: the new block is XORed into the old one (§3.2 step 6).
        fn.G(prev, ref, NEXT, SCRATCH);
        fn.xor(cur, cur, NEXT);
      }
    }
  }
}

/** The build's bytes (fromBase64url allocates a plain ArrayBuffer, never a shared one). */
function kernelBytes(build: 'simd' | 'scalar'): Uint8Array<ArrayBuffer> {
  return fromBase64url(build === 'simd' ? ARGON2_KERNEL_SIMD : ARGON2_KERNEL_SCALAR) as Uint8Array<ArrayBuffer>;
}

const kernels = new Map<'simd' | 'scalar', Promise<Kernel>>();
let simdSupported: boolean | undefined;

function compile(build: 'simd' | 'scalar'): Promise<Kernel> {
  let kernel = kernels.get(build);
  if (kernel === undefined) {
    kernel = WebAssembly.compile(kernelBytes(build)).then((module) => new Kernel(module, build));
    // A failed compile (no WebAssembly, a CSP without wasm-unsafe-eval) is not cached: the next call tries again.
    kernel.catch(() => kernels.delete(build));
    kernels.set(build, kernel);
  }
  return kernel;
}

/**
 * The kernel, compiled once per build and kept. `auto` picks SIMD when the
 * engine validates the SIMD build. Compiling needs WebAssembly (and, under a
 * CSP, `wasm-unsafe-eval`); nothing is fetched.
 *
 * @throws whatever the engine throws when WebAssembly is unavailable or refused (the caller maps it)
 */
export async function loadArgon2idWasm(kernel: Argon2Kernel = 'auto'): Promise<Argon2idWasm> {
  if (kernel !== 'auto') return compile(kernel);
  simdSupported ??= WebAssembly.validate(kernelBytes('simd'));
  return compile(simdSupported ? 'simd' : 'scalar');
}
