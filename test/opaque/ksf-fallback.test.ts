/** With WebAssembly Argon2id failing (as under a strict CSP), `auto` falls back to pure JS and `wasm` is UNSUPPORTED. */
import { expect, test, vi } from 'vitest';
import { argon2idUnchecked } from '../../src/crypto/ksf.js';
import { expectCode } from './helpers.js';

vi.mock('../../src/crypto/argon2id-wasm.js', () => ({
  loadArgon2idWasm: () => Promise.reject(new Error('WebAssembly.compile(): Refused to compile (CSP)')),
}));

const params = { iterations: 1, memoryKiB: 64, parallelism: 1 };

test('auto falls back to @noble/hashes and says so', async () => {
  const r = await argon2idUnchecked(new Uint8Array(32), params, { outputLength: 64 });
  expect(r.implementation).toBe('js');
  expect(r.output.length).toBe(64);
});

test('forcing wasm is UNSUPPORTED, not a silent fallback', async () => {
  await expectCode(() => argon2idUnchecked(new Uint8Array(32), params, { outputLength: 64, implementation: 'wasm' }), 'UNSUPPORTED');
});
