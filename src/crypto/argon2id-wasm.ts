/**
 * Argon2id (RFC 9106 §3) on one reused WebAssembly instance. The memory
 * filling (§3.2 steps 5–6: the block function G and the indexing of §3.4)
 * runs in our own small WASM kernel, one call per segment (wasm/argon2id.c,
 * built with 128-bit SIMD and without; see argon2id-wasm-bytes.ts); H0, H'
 * and the final block run in JavaScript (argon2id-blocks.ts), over one
 * `WebAssembly.Memory` that lives as long as the module.
 *
 * Why not a WASM library that makes an instance per call (`hash-wasm` did):
 * a fresh 64 MiB memory is 16 384 fresh pages, and their first touch cost
 * 24–40 ms per call in Node on our machine, a sixth of the default profile.
 * Reusing the memory pays that once. Every byte the computation wrote is
 * zeroed before the call returns (the blocks, the scratch blocks and the
 * kernel's stack, where it keeps the previous block), so a reused memory
 * holds no secret between calls; a memory grown beyond
 * {@link RETAIN_MAX_BYTES} is wiped and then dropped rather than kept.
 *
 * Why our own kernel rather than the `argon2id` package's (openpgpjs, SIMD):
 * that one computes one block per call from a JavaScript loop, and its
 * driver clears only its work area, not the Argon2 blocks (all of them stay
 * in its reused memory, measured); ours fills a whole segment per call and
 * measured 10–20% faster than its kernel under our own loop (bench/ksf.ts).
 *
 * The computation is synchronous once the kernel is loaded, so two calls
 * never share the memory at the same time. Lanes run one after another
 * here; argon2id-threads.ts runs them on threads where the platform has
 * them. Both take H0, the first blocks and the tag from argon2id-blocks.ts.
 *
 * @module
 */
import { BLOCK, PAGE, RETAIN_MAX_BYTES, finalTag, laneLength, seedLanes, type Argon2idInput } from './argon2id-blocks.js';
import { fromBase64url } from './bytes.js';
import { ARGON2_KERNEL_SCALAR, ARGON2_KERNEL_SIMD } from './argon2id-wasm-bytes.js';


/** Which kernel build: `simd` (needs WebAssembly SIMD), `scalar`, or `auto` (SIMD when the engine validates it). */
export type Argon2Kernel = 'auto' | 'simd' | 'scalar';

/** A loaded kernel: `hash` computes Argon2id v0x13 synchronously. */
export interface Argon2idWasm {
  /** The build that runs. */
  readonly kernel: 'simd' | 'scalar';
  /** RFC 9106 Argon2id; the caller has validated the parameters (m ≥ 8p, lengths). */
  hash(input: Argon2idInput): Uint8Array;
  /** The memory kept for the next call, if any: for the tests that check it is reused and wiped. */
  readonly memory: WebAssembly.Memory | undefined;
}

/** The kernel's shadow stack is the first 64 KiB of its memory (wasm/build.sh: stack-first); our area starts above it. */
const BASE = PAGE;
/** Scratch blocks of the data-independent indexing: the address block, its input, and a zero block (never written). */
const ADDRESS = BASE;
const ADDRESS_INPUT = BASE + BLOCK;
const BLOCKS = BASE + 3 * BLOCK;
const SYNC_POINTS = 4;

interface KernelExports {
  /** wasm/argon2id.c: fills one segment of the memory at `memory` (RFC 9106 §3.4). */
  fill_segment(memory: number, lanes: number, laneLength: number, passes: number, pass: number, slice: number, lane: number, address: number, input: number): void;
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
      const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536 });
      const instance = new WebAssembly.Instance(this.#module, { env: { memory } });
      this.#memory = memory;
      this.#exports = instance.exports as unknown as KernelExports;
    }
    const missing = Math.ceil((bytes - this.#memory.buffer.byteLength) / PAGE);
    if (missing > 0) this.#memory.grow(missing);
    return { memory: this.#memory, fn: this.#exports };
  }

  hash(p: Argon2idInput): Uint8Array {
    const lanes = p.parallelism;
    const q = laneLength(p);
    const end = BLOCKS + lanes * q * BLOCK;
    const { memory, fn } = this.#ready(end);
    const bytes = new Uint8Array(memory.buffer);
    try {
      seedLanes(bytes, BLOCKS, p);
      // Slice by slice, lane by lane (§3.4): the segments of a slice never reference each other.
      for (let pass = 0; pass < p.iterations; pass++) {
        for (let slice = 0; slice < SYNC_POINTS; slice++) {
          for (let lane = 0; lane < lanes; lane++) fn.fill_segment(BLOCKS, lanes, q, p.iterations, pass, slice, lane, ADDRESS, ADDRESS_INPUT);
        }
      }
      return finalTag(bytes, BLOCKS, p);
    } finally {
      bytes.fill(0, 0, end);
      if (memory.buffer.byteLength > RETAIN_MAX_BYTES) {
        this.#memory = undefined;
        this.#exports = undefined;
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
