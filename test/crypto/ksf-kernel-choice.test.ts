/**
 * Which WebAssembly build `argon2id` runs on one thread: the scalar build
 * for one lane, SIMD (`auto`) for several (see `kernelFor` in ksf.ts for
 * the measurements behind it). Both give the same output.
 */
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { expect, test, vi } from 'vitest';
import type * as Wasm from '../../src/crypto/argon2id-wasm.js';

const builds = vi.hoisted(() => [] as string[]);
vi.mock('../../src/crypto/argon2id-wasm.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Wasm>();
  return {
    ...actual,
    loadArgon2idWasm: (build: Wasm.Argon2Kernel = 'auto') => {
      builds.push(build);
      return actual.loadArgon2idWasm(build);
    },
  };
});

const { argon2idUnchecked } = await import('../../src/crypto/ksf.js');

test.each([
  { parallelism: 1, build: 'scalar' },
  { parallelism: 4, build: 'auto' },
])('p = $parallelism on one thread runs the $build build, with the right output', async ({ parallelism, build }) => {
  builds.length = 0;
  const input = new Uint8Array(32).fill(parallelism);
  const { output, threads } = await argon2idUnchecked(input, { iterations: 2, memoryKiB: 256, parallelism }, { outputLength: 64, threads: 1 });
  expect(threads).toBe(1);
  expect(builds).toEqual([build]);
  expect(Buffer.from(output).toString('hex')).toBe(Buffer.from(nobleArgon2id(input, new Uint8Array(16), { t: 2, m: 256, p: parallelism, dkLen: 64, version: 0x13 })).toString('hex'));
  // Loaded once: the next call uses the kept kernel without asking again.
  await argon2idUnchecked(input, { iterations: 2, memoryKiB: 256, parallelism }, { outputLength: 64, threads: 1 });
  expect(builds).toEqual([build]);
});
