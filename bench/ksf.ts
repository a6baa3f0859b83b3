/**
 * The Argon2id candidates alone (issue 20), at the OPAQUE bench's two
 * profiles, with OPAQUE's zero salt and a 64-byte output:
 * - ours through the KSF contract (`argon2id`, `wasm`): the reused-instance
 *   kernel, SIMD build (src/crypto/argon2id-wasm.ts);
 * - ours, scalar build (what runs where WebAssembly SIMD does not);
 * - ours, pure JS (`js`: @noble/hashes, the fallback without WebAssembly);
 * - `hash-wasm` 4.13.0 (what ksf.ts ran before: a fresh instance and
 *   memory per call);
 * - `argon2id` 1.0.1 (openpgpjs) as its package runs it (SIMD, one instance
 *   reused; the same kernel as ours, driven by its own JS loop).
 *
 * Every candidate's output is checked against ours before measuring.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import setupWasm from 'argon2id/lib/setup.js';
import { argon2id as hashWasmArgon2id } from 'hash-wasm';
import { toHex } from '../src/crypto/bytes.js';
import { loadArgon2idWasm } from '../src/crypto/argon2id-wasm.js';
import { argon2id, type Argon2idParams } from '../src/crypto/ksf.js';
import { measure, type GroupSettings, type Measured, type Route } from './measure.js';

const SALT = new Uint8Array(16);
const INPUT = Uint8Array.from({ length: 64 }, (_, i) => i);
const OUTPUT = 64;

async function openpgpArgon2id(): Promise<(p: Argon2idParams) => Uint8Array> {
  const dist = resolve(dirname(createRequire(import.meta.url).resolve('argon2id/package.json')), 'dist');
  const simd = readFileSync(resolve(dist, 'simd.wasm'));
  const scalar = readFileSync(resolve(dist, 'no-simd.wasm'));
  const hash = await setupWasm(
    (imports) => WebAssembly.instantiate(simd, imports),
    (imports) => WebAssembly.instantiate(scalar, imports),
  );
  return (p) => hash({ password: INPUT, salt: SALT, passes: p.iterations, memorySize: p.memoryKiB, parallelism: p.parallelism, tagLength: OUTPUT });
}

/** The candidates at `params`, measured in interleaved rounds after checking they agree. */
export async function ksfCandidates(params: Argon2idParams, s: GroupSettings): Promise<Measured[]> {
  const scalar = await loadArgon2idWasm('scalar');
  const openpgp = await openpgpArgon2id();
  const routes: Route[] = [
    { name: 'zerovault wasm (SIMD, reused instance)', ours: true, fn: async () => (await argon2id(INPUT, params, { outputLength: OUTPUT, implementation: 'wasm' })).output },
    {
      name: 'zerovault wasm (scalar build)',
      ours: true,
      fn: () => scalar.hash({ password: INPUT, salt: SALT, ...params, outputLength: OUTPUT }),
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
    { name: 'argon2id 1.0.1 (openpgpjs, as shipped)', ours: false, fn: () => openpgp(params) },
  ];
  const outputs = await Promise.all(routes.map(async (route) => toHex((await route.fn()) as Uint8Array)));
  if (new Set(outputs).size !== 1) throw new Error(`Argon2id candidates disagree: ${routes.map((r, i) => `${r.name} ${outputs[i]?.slice(0, 16)}`).join(', ')}`);
  return measure(routes, s);
}
