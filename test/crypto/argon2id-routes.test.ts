/**
 * Argon2id, every route on its own: the WebAssembly kernel in its SIMD and
 * scalar builds (src/crypto/argon2id-wasm.ts), its threads build with the
 * lanes on worker threads (src/crypto/argon2id-threads.ts) and the pure-JS fallback
 * (@noble/hashes), against RFC 9106 §5.3's Argon2id vector (which sets a
 * secret and associated data, so it runs below ksf.ts's OPAQUE contract),
 * then against each other on profiles the vector does not reach (lanes that
 * do not divide the memory, several passes, outputs longer than one BLAKE2b).
 */
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { fromHex, toBase64url, toHex } from '../../src/crypto/bytes.js';
import { ARGON2_KERNEL_THREADS } from '../../src/crypto/argon2id-threads-bytes.js';
import { loadArgon2idThreads } from '../../src/crypto/argon2id-threads.js';
import { ARGON2_KERNEL_SCALAR, ARGON2_KERNEL_SIMD } from '../../src/crypto/argon2id-wasm-bytes.js';
import type { Argon2idInput } from '../../src/crypto/argon2id-blocks.js';
import { loadArgon2idWasm } from '../../src/crypto/argon2id-wasm.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';

const FILE = 'rfc9106-argon2/rfc9106_5.3_argon2id.json';

interface Case {
  type: string;
  version: number;
  memoryKiB: number;
  iterations: number;
  parallelism: number;
  tagLength: number;
  password: string;
  salt: string;
  secret: string;
  associatedData: string;
  tag: string;
}

type Route = (input: Argon2idInput) => Promise<Uint8Array>;

/** The lane threads: this machine has at least two cores, so the pool must start. */
async function threadsPool(): Promise<NonNullable<Awaited<ReturnType<typeof loadArgon2idThreads>>>> {
  const pool = await loadArgon2idThreads();
  if (pool === undefined) throw new Error('the Argon2id thread pool did not start');
  return pool;
}

const ROUTES: Readonly<Record<string, Route>> = {
  'wasm simd': async (input) => (await loadArgon2idWasm('simd')).hash(input),
  'wasm scalar': async (input) => (await loadArgon2idWasm('scalar')).hash(input),
  'wasm threads (lanes on worker threads)': async (input) => (await threadsPool()).hash(input),
  'js (@noble/hashes)': async (input) =>
    nobleArgon2id(input.password, input.salt, {
      t: input.iterations,
      m: input.memoryKiB,
      p: input.parallelism,
      dkLen: input.outputLength,
      version: 0x13,
      ...(input.secret === undefined ? {} : { key: input.secret }),
      ...(input.associatedData === undefined ? {} : { personalization: input.associatedData }),
    }),
};

describeVectors('RFC 9106 §5.3 Argon2id, every route', FILE, () => {
  const { cases } = readVectorJson<{ cases: Case[] }>(FILE);
  test('the file holds the Argon2id v0x13 vector', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect([c.type, c.version]).toEqual(['argon2id', 0x13]);
  });
  for (const [name, route] of Object.entries(ROUTES)) {
    test(name, async () => {
      for (const c of cases) {
        const tag = await route({
          password: fromHex(c.password),
          salt: fromHex(c.salt),
          secret: fromHex(c.secret),
          associatedData: fromHex(c.associatedData),
          iterations: c.iterations,
          memoryKiB: c.memoryKiB,
          parallelism: c.parallelism,
          outputLength: c.tagLength,
        });
        expect(toHex(tag)).toBe(c.tag);
      }
    });
  }
});

describe('the WASM kernels agree with @noble/hashes beyond the RFC vector', () => {
  const profiles = [
    { iterations: 1, memoryKiB: 8, parallelism: 1, outputLength: 32 },
    { iterations: 1, memoryKiB: 1000, parallelism: 3, outputLength: 100 }, // m' = 996: m is not a multiple of 4p
    { iterations: 2, memoryKiB: 333, parallelism: 5, outputLength: 16 },
    { iterations: 4, memoryKiB: 4096, parallelism: 2, outputLength: 1025 }, // segments > 128 blocks: several address blocks
    { iterations: 3, memoryKiB: 2048, parallelism: 16, outputLength: 64 },
  ];
  for (const kernel of ['simd', 'scalar'] as const) {
    test.each(profiles)(`${kernel}: t=$iterations m=$memoryKiB p=$parallelism T=$outputLength`, async (profile) => {
      const input = { password: Uint8Array.from({ length: 64 }, (_, i) => i * 7), salt: new Uint8Array(16), ...profile };
      const wasm = (await loadArgon2idWasm(kernel)).hash(input);
      expect(toHex(wasm)).toBe(toHex(await (ROUTES['js (@noble/hashes)'] as Route)(input)));
    });
  }
  test.each(profiles)('threads: t=$iterations m=$memoryKiB p=$parallelism T=$outputLength', async (profile) => {
    const input = { password: Uint8Array.from({ length: 64 }, (_, i) => i * 7), salt: new Uint8Array(16), ...profile };
    const threaded = await (await threadsPool()).hash(input);
    expect(toHex(threaded)).toBe(toHex(await (ROUTES['js (@noble/hashes)'] as Route)(input)));
  });
});

describe('one instance, one memory, wiped after each call', () => {
  const input: Argon2idInput = { password: new Uint8Array(64).fill(9), salt: new Uint8Array(16), iterations: 2, memoryKiB: 2048, parallelism: 2, outputLength: 64 };

  test.each(['simd', 'scalar'] as const)('%s: the memory is kept, reused, and all zero between calls', async (kernel) => {
    const wasm = await loadArgon2idWasm(kernel);
    const first = wasm.hash(input);
    const memory = wasm.memory;
    expect(memory).toBeDefined();
    expect(new Uint32Array((memory as WebAssembly.Memory).buffer).every((word) => word === 0)).toBe(true);
    const again = wasm.hash(input);
    expect(wasm.memory).toBe(memory);
    expect(toHex(again)).toBe(toHex(first));
    expect(new Uint32Array((memory as WebAssembly.Memory).buffer).every((word) => word === 0)).toBe(true);
  });

  test('threads: the shared memory is kept, reused, and all zero between calls', async () => {
    const pool = await threadsPool();
    const first = await pool.hash(input);
    const memory = pool.memory;
    expect(memory).toBeDefined();
    expect(new Uint32Array((memory as WebAssembly.Memory).buffer).every((word) => word === 0)).toBe(true);
    const again = await pool.hash(input);
    expect(pool.memory).toBe(memory);
    expect(toHex(again)).toBe(toHex(first));
    expect(new Uint32Array((memory as WebAssembly.Memory).buffer).every((word) => word === 0)).toBe(true);
  });

  test('threads: concurrent calls queue on the one memory, each gets its own answer', async () => {
    const pool = await threadsPool();
    const inputs = [1, 2, 3, 4].map((n) => ({ ...input, password: new Uint8Array(64).fill(n), parallelism: n }));
    const threaded = await Promise.all(inputs.map((one) => pool.hash(one)));
    const single = await loadArgon2idWasm('simd');
    expect(threaded.map(toHex)).toEqual(inputs.map((one) => toHex(single.hash(one))));
  });

  test('auto picks the SIMD build where the engine has WebAssembly SIMD (Node 20 does)', async () => {
    expect((await loadArgon2idWasm()).kernel).toBe('simd');
    expect(await loadArgon2idWasm()).toBe(await loadArgon2idWasm('simd'));
  });
});

describe('the inlined kernels', () => {
  const wasmDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../wasm');

  test('are the committed wasm/argon2id-*.wasm files, byte for byte', () => {
    expect(ARGON2_KERNEL_SIMD).toBe(toBase64url(readFileSync(resolve(wasmDir, 'argon2id-simd.wasm'))));
    expect(ARGON2_KERNEL_SCALAR).toBe(toBase64url(readFileSync(resolve(wasmDir, 'argon2id-scalar.wasm'))));
    expect(ARGON2_KERNEL_THREADS).toBe(toBase64url(readFileSync(resolve(wasmDir, 'argon2id-threads.wasm'))));
  });

  // The committed files are what wasm/argon2id.c builds to: checked wherever the toolchain that built them
  // (Debian's clang-14 and lld-14) is installed; another compiler version may emit other, equally valid bytes.
  // Under CI the toolchain must be there (.ci/run installs it), so the shipped bytes are always rebuilt from source.
  const toolchain = ['clang-14', 'wasm-ld-14'].every((tool) => spawnSync(tool, ['--version']).status === 0);
  test('CI has the toolchain that rebuilds the kernels', () => {
    if (process.env.CI === 'true') expect(toolchain, 'CI must install clang-14 and lld-14 (apt-get install -y clang-14 lld-14)').toBe(true);
  });
  test.skipIf(!toolchain)('are what wasm/build.sh builds from wasm/argon2id.c', () => {
    const out = mkdtempSync(join(tmpdir(), 'zerovault-argon2-'));
    try {
      const built = spawnSync('bash', [resolve(wasmDir, 'build.sh'), out], { encoding: 'utf8' });
      expect(built.status, built.stderr).toBe(0);
      for (const build of ['simd', 'scalar', 'threads']) {
        expect(toHex(readFileSync(join(out, `argon2id-${build}.wasm`)))).toBe(toHex(readFileSync(resolve(wasmDir, `argon2id-${build}.wasm`))));
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test('import only a memory and export only fill_segment', async () => {
    for (const build of ['simd', 'scalar'] as const) {
      const module = await WebAssembly.compile(readFileSync(resolve(wasmDir, `argon2id-${build}.wasm`)));
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(WebAssembly.Module.exports(module)).toEqual([{ name: 'fill_segment', kind: 'function' }]);
    }
  });

  test('the threads build imports a shared memory and exports its stack pointer, fill_segment and wipe', async () => {
    const module = await WebAssembly.compile(readFileSync(resolve(wasmDir, 'argon2id-threads.wasm')));
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    expect(WebAssembly.Module.exports(module)).toEqual([
      { name: '__stack_pointer', kind: 'global' },
      { name: 'fill_segment', kind: 'function' },
      { name: 'wipe', kind: 'function' },
    ]);
    // A module whose memory import is shared refuses an unshared memory.
    expect(() => new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 33_792 }) } })).toThrow();
    expect(() => new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 33_792, shared: true }) } })).not.toThrow();
  });
});
