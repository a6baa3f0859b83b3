/**
 * The WebAssembly Argon2id is a chunk loaded at the first KSF call. If that
 * chunk cannot be fetched (offline, a deploy replaced it), the call fails
 * with NETWORK, as for any chunk, rather than falling back to pure JS.
 */
import { test, vi } from 'vitest';
import { argon2idUnchecked } from '../../src/crypto/ksf.js';
import { expectCode } from './helpers.js';

vi.mock('../../src/crypto/argon2id-wasm.js', () => {
  throw new TypeError('Failed to fetch dynamically imported module');
});

test.each(['auto', 'wasm'] as const)('%s: an unloadable KSF chunk is NETWORK', async (implementation) => {
  await expectCode(() => argon2idUnchecked(new Uint8Array(32), { iterations: 1, memoryKiB: 64, parallelism: 1 }, { outputLength: 64, implementation }), 'NETWORK');
});
