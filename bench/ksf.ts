/**
 * The Argon2id candidates alone (issue 20), at the OPAQUE bench's two
 * profiles, with OPAQUE's zero salt and a 64-byte output:
 * - ours through the KSF contract (`argon2id`, `wasm`): our segment kernel
 *   (wasm/argon2id.c), one instance reused (src/crypto/argon2id-wasm.ts): the
 *   SIMD build with the lanes on threads at p > 1, the scalar build at p = 1;
 * - ours at p > 1 on one thread (what a browser page without cross-origin
 *   isolation runs);
 * - ours, the other build (scalar at p > 1, SIMD at p = 1), on one thread;
 * - ours, pure JS (`js`: @noble/hashes, the fallback without WebAssembly);
 * - `hash-wasm` 4.13.0 (what ksf.ts ran before: a fresh instance and
 *   memory per call).
 *
 * The `argon2id` package (openpgpjs, SIMD, one WASM call per block) was
 * measured here too while choosing (docs/opaque.md has its figures: about
 * hash-wasm's speed, half of ours) and then left out with the dependency.
 *
 * Every candidate's output is checked against ours before measuring.
 */
import { argon2id as hashWasmArgon2id } from 'hash-wasm';
import { toHex } from '../src/crypto/bytes.js';
import { loadArgon2idWasm } from '../src/crypto/argon2id-wasm.js';
import { argon2id, type Argon2idParams } from '../src/crypto/ksf.js';
import { measure, type GroupSettings, type Measured, type Route } from './measure.js';

const SALT = new Uint8Array(16);
const INPUT = Uint8Array.from({ length: 64 }, (_, i) => i);
const OUTPUT = 64;

/** The candidates at `params`, measured in interleaved rounds after checking they agree. */
export async function ksfCandidates(params: Argon2idParams, s: GroupSettings): Promise<Measured[]> {
  // The build argon2id() does not pick for this profile (it runs SIMD at p > 1, scalar at p = 1).
  const otherBuild = params.parallelism > 1 ? 'scalar' : 'simd';
  const other = await loadArgon2idWasm(otherBuild);
  const routes: Route[] = [
    { name: 'zerovault wasm (as argon2id() runs it)', ours: true, fn: async () => (await argon2id(INPUT, params, { outputLength: OUTPUT, implementation: 'wasm' })).output },
    ...(params.parallelism > 1
      ? [{ name: 'zerovault wasm (SIMD, one thread)', ours: true, fn: async () => (await argon2id(INPUT, params, { outputLength: OUTPUT, implementation: 'wasm', threads: 1 })).output }]
      : []),
    {
      name: `zerovault wasm (${otherBuild === 'simd' ? 'SIMD' : 'scalar'} build, one thread)`,
      ours: true,
      fn: () => other.hash({ password: INPUT, salt: SALT, ...params, outputLength: OUTPUT }),
    },
    { name: 'zerovault js (@noble/hashes)', ours: true, fn: async () => (await argon2id(INPUT, params, { outputLength: OUTPUT, implementation: 'js' })).output },
    {
      name: 'hash-wasm 4.13.0 (before)',
      ours: false,
      fn: () =>
        hashWasmArgon2id({
          password: INPUT,
          salt: SALT,
          iterations: params.iterations,
          memorySize: params.memoryKiB,
          parallelism: params.parallelism,
          hashLength: OUTPUT,
          outputType: 'binary',
        }),
    },
  ];
  const outputs = await Promise.all(routes.map(async (route) => toHex((await route.fn()) as Uint8Array)));
  if (new Set(outputs).size !== 1) throw new Error(`Argon2id candidates disagree: ${routes.map((r, i) => `${r.name} ${outputs[i]?.slice(0, 16)}`).join(', ')}`);
  return measure(routes, s);
}
