/**
 * The key stretching function (KSF) of OPAQUE (RFC 9807 §2.3, §7): Argon2id
 * (RFC 9106), version 0x13, salt = 16 zero bytes, no secret, no associated
 * data, output length = the suite's Nh. This is what opaque-ke and
 * `@serenity-kit/opaque` compute, so records interoperate.
 *
 * The salt is constant on purpose: the input is already the OPRF output, a
 * per-user, server-keyed value, so it cannot be precomputed (RFC 9807 §10.11).
 *
 * Implementations, same output: WebAssembly (the default, in Node and
 * browsers: argon2id-wasm.ts, one instance reused and wiped after each call,
 * with SIMD where the engine has it) and `@noble/hashes` (pure JS, ~5×
 * slower) when WebAssembly is unavailable, e.g. under a CSP without
 * `wasm-unsafe-eval`. The fallback is not silent: {@link argon2id} reports
 * which one ran when asked. Both are loaded on first use, so a page that
 * never logs in does not download them.
 *
 * Parameters are checked against a floor and a ceiling (see
 * {@link assertArgon2idParams}); the client pins them, a server never
 * chooses them.
 *
 * @module
 */
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import type { Argon2idThreads } from './argon2id-threads.js';
import type { Argon2Kernel, Argon2idWasm } from './argon2id-wasm.js';
import { assertBytes, assertInteger, assertObject } from './assert.js';
import { loadOnDemand } from './lazy.js';

/** Argon2id cost parameters. */
export interface Argon2idParams {
  /** Passes over memory (t). */
  readonly iterations: number;
  /** Memory in KiB (m). */
  readonly memoryKiB: number;
  /** Lanes (p): filled on up to p threads where the platform has them (argon2id-threads.ts); the total work, and so the strength, does not depend on it. */
  readonly parallelism: number;
}

/**
 * The default profile: RFC 9106 §4's second recommended option (t=3,
 * m=64 MiB, p=4), which is also opaque-ke's / `@serenity-kit/opaque`'s
 * default ("memory-constrained"). ~0.3 s with WASM on a laptop core.
 */
export const ARGON2ID_DEFAULT: Argon2idParams = Object.freeze({ iterations: 3, memoryKiB: 65536, parallelism: 4 });

/**
 * RFC 9106 §4's first recommended option, also RFC 9807 §7's (t=1,
 * m=2 GiB, p=4). Strongest, but 2 GiB is more than many browsers grant a
 * WASM instance; use only where every client can afford it.
 */
export const ARGON2ID_RFC9106_FIRST: Argon2idParams = Object.freeze({ iterations: 1, memoryKiB: 2 ** 21, parallelism: 4 });

/**
 * The floor, from OWASP's password storage cheat sheet, whose weakest
 * accepted Argon2id setting is m=19 MiB, t=2, p=1: we require
 * `memoryKiB ≥ 19456` and `memoryKiB × iterations ≥ 38912` (so t=1 needs
 * ≥ 38 MiB, in line with OWASP's m=46 MiB/t=1 row and RFC 9106's t=1 option).
 */
export const ARGON2ID_FLOOR = Object.freeze({ memoryKiB: 19456, work: 19456 * 2 });

/**
 * The ceiling: 2 GiB of memory (RFC 9106's largest recommendation and the
 * practical WASM limit), 16 passes, 16 lanes. Above that a profile is far more
 * likely a mistake or a denial of service than a choice.
 */
export const ARGON2ID_CEILING = Object.freeze({ memoryKiB: 2 ** 21, iterations: 16, parallelism: 16 });

/** Which Argon2id implementation to run. `auto`: WASM, falling back to pure JS if WASM fails to load. */
export type Argon2idImplementation = 'auto' | 'wasm' | 'js';

/** Argon2id salt for OPAQUE: 16 zero bytes (opaque-ke's `[0; RECOMMENDED_SALT_LEN]`). */
const ZERO_SALT = new Uint8Array(16);

/**
 * The WebAssembly kernels once loaded, by build: later calls use them
 * directly, without another `import()` (which costs 0.2–4 ms a call in Node
 * under a loader hook, a tenth of a floor-profile login).
 */
const loadedKernels = new Map<Argon2Kernel, Argon2idWasm>();

/**
 * The build for a profile on one thread: SIMD (`auto`) when there are several
 * lanes, the scalar build for one. Measured in paired rounds on our machine:
 * in Chromium 156 the scalar build ran a one-lane profile 1–7% faster in each
 * of eight runs, and the SIMD build four lanes 4–5% faster; in Node 20 the
 * scalar build was from 1% faster to 4% slower at one lane (four runs),
 * which the floor login there does not feel (0.99–1.00× serenity-kit's).
 */
function kernelFor(parallelism: number): Argon2Kernel {
  return parallelism > 1 ? 'auto' : 'scalar';
}

/** The lane threads' loader once its chunk is in, as {@link loadedKernels} for the kernels. */
let loadThreads: ((lanes: number) => Promise<Argon2idThreads | undefined>) | undefined;

/** The lane threads, loading their chunk and starting them on first use (as many as `lanes`, at most the cores); `undefined` where there are none. */
async function lanePool(lanes: number): Promise<Argon2idThreads | undefined> {
  loadThreads ??= (await loadOnDemand(() => import('./argon2id-threads.js'))).loadArgon2idThreads;
  return loadThreads(lanes);
}

/** A kernel, loading its chunk and compiling it on first use. */
async function wasmKernel(build: Argon2Kernel): Promise<Argon2idWasm> {
  const { loadArgon2idWasm } = await loadOnDemand(() => import('./argon2id-wasm.js'));
  const kernel = await loadArgon2idWasm(build);
  loadedKernels.set(build, kernel);
  return kernel;
}

/**
 * Validates a profile against Argon2's own rules (RFC 9106 §3.1) and our
 * floor and ceiling (RFC 9106 §4, OWASP), and returns a frozen copy.
 *
 * @throws `INVALID_INPUT` naming the parameter that is out of bounds
 */
export function assertArgon2idParams(params: unknown, name = 'ksf'): Argon2idParams {
  assertObject(params, name);
  const { iterations, memoryKiB, parallelism } = params;
  assertInteger(iterations, `${name}.iterations`, 1, ARGON2ID_CEILING.iterations);
  assertInteger(parallelism, `${name}.parallelism`, 1, ARGON2ID_CEILING.parallelism);
  assertInteger(memoryKiB, `${name}.memoryKiB`, ARGON2ID_FLOOR.memoryKiB, ARGON2ID_CEILING.memoryKiB);
  if (memoryKiB * iterations < ARGON2ID_FLOOR.work) {
    throw new ZeroVaultError('INVALID_INPUT', `${name}: memoryKiB × iterations must be at least ${ARGON2ID_FLOOR.work}`);
  }
  return Object.freeze({ iterations, memoryKiB, parallelism });
}

/** Options for {@link argon2id}. */
export interface Argon2idOptions {
  /** Output length in bytes (the suite's Nh: 64 for SHA-512 suites, 32 for SHA-256). */
  outputLength: number;
  /** Implementation; default `auto`. */
  implementation?: Argon2idImplementation;
  /** Salt (16 bytes from our callers); default OPAQUE's 16 zero bytes. Passphrase-sealed blobs pass a random one. Unchecked: internal callers only. */
  salt?: Uint8Array;
  /**
   * `1` keeps the lanes on the calling thread. By default, a profile with
   * p > 1 fills its lanes on threads where the platform has them (see
   * argon2id-threads.ts); the output is the same either way.
   */
  threads?: 1;
}

/** What {@link argon2id} returns. */
export interface Argon2idResult {
  /** The stretched output; the caller owns and wipes it. */
  readonly output: Uint8Array;
  /** The implementation that actually ran. */
  readonly implementation: 'wasm' | 'js';
  /** How many threads filled the lanes: 1, or up to min(p, the platform's cores) on threads. */
  readonly threads: number;
}

/**
 * Argon2id v0x13 over `input` with OPAQUE's zero salt (RFC 9807 §7,
 * RFC 9106 §3). Validates `params` against the floor and ceiling first.
 *
 * @throws `INVALID_INPUT` on bad parameters; `UNSUPPORTED` if `wasm` was
 *   forced and WebAssembly cannot run
 */
export async function argon2id(input: Uint8Array, params: Argon2idParams, options: Argon2idOptions): Promise<Argon2idResult> {
  return argon2idUnchecked(input, assertArgon2idParams(params), options);
}

/**
 * {@link argon2id} (RFC 9106 §3) without the floor and ceiling, for tests and benchmarks
 * that need a cheap profile. Argon2's own limits still apply (m ≥ 8p).
 * Production code must call {@link argon2id}.
 */
export async function argon2idUnchecked(input: Uint8Array, params: Argon2idParams, options: Argon2idOptions): Promise<Argon2idResult> {
  assertBytes(input, 'input', { max: 0xffff });
  const { iterations, memoryKiB, parallelism } = params;
  assertInteger(iterations, 'iterations', 1, 2 ** 32 - 1);
  assertInteger(parallelism, 'parallelism', 1, 2 ** 24 - 1);
  assertInteger(memoryKiB, 'memoryKiB', 8 * parallelism, 2 ** 32 - 1);
  const { outputLength, implementation = 'auto', salt = ZERO_SALT, threads } = options;
  assertInteger(outputLength, 'outputLength', 4, 1024);
  if (threads !== undefined) assertInteger(threads, 'threads', 1, 1);

  if (implementation !== 'js') {
    const job = { password: input, salt, iterations, memoryKiB, parallelism, outputLength };
    if (parallelism > 1 && threads !== 1) {
      // No pool (its chunk could not load, no threads here) or a pool that fails (a thread crashed, timed
      // out, and it is stopped for good): this call runs on one thread below.
      const pool = await lanePool(parallelism).catch(() => undefined);
      if (pool !== undefined) {
        const output = await pool.hash(job).catch(() => undefined);
        if (output !== undefined) return { output, implementation: 'wasm', threads: Math.min(parallelism, pool.threads) };
      }
    }
    try {
      const build = kernelFor(parallelism);
      const kernel = loadedKernels.get(build) ?? (await wasmKernel(build));
      const output = kernel.hash(job);
      return { output, implementation: 'wasm', threads: 1 };
    } catch (cause) {
      // Its chunk could not be fetched (offline, a deploy replaced it): NETWORK, as for any chunk, not a fallback.
      if (isZeroVaultError(cause, 'NETWORK')) throw cause;
      if (implementation === 'wasm') {
        throw new ZeroVaultError('UNSUPPORTED', 'WebAssembly Argon2id is unavailable', { cause });
      }
      // No WebAssembly here (CSP without wasm-unsafe-eval, old runtime), or its memory could not grow: same result in pure JS.
    }
  }
  // Loaded only when WebAssembly is unavailable, so bundles carry it as a separate chunk.
  const { argon2idAsync } = await loadOnDemand(() => import('@noble/hashes/argon2.js'));
  const output = await argon2idAsync(input, salt, {
    t: iterations,
    m: memoryKiB,
    p: parallelism,
    dkLen: outputLength,
    version: 0x13,
    maxmem: memoryKiB * 1024 + 2 ** 20,
  });
  return { output, implementation: 'js', threads: 1 };
}
