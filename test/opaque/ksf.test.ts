import { describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import {
  ARGON2ID_CEILING,
  ARGON2ID_DEFAULT,
  ARGON2ID_FLOOR,
  ARGON2ID_RFC9106_FIRST,
  argon2id,
  argon2idUnchecked,
  assertArgon2idParams,
} from '../../src/crypto/ksf.js';
import { expectCode } from './helpers.js';

describe('Argon2id parameter bounds', () => {
  test.each([
    ['default (RFC 9106 second option, serenity-kit default)', ARGON2ID_DEFAULT],
    ['RFC 9106 first option / RFC 9807 §7', ARGON2ID_RFC9106_FIRST],
    ['OWASP m=19 MiB t=2 p=1', { iterations: 2, memoryKiB: 19456, parallelism: 1 }],
    ['OWASP m=46 MiB t=1 p=1', { iterations: 1, memoryKiB: 47104, parallelism: 1 }],
    ['ceiling', { iterations: ARGON2ID_CEILING.iterations, memoryKiB: ARGON2ID_CEILING.memoryKiB, parallelism: ARGON2ID_CEILING.parallelism }],
  ])('accepts %s', (_name, params) => {
    expect(assertArgon2idParams(params)).toEqual(params);
  });

  test.each([
    ['memory below the floor', { iterations: 3, memoryKiB: ARGON2ID_FLOOR.memoryKiB - 1, parallelism: 4 }],
    ['t=1 with too little memory', { iterations: 1, memoryKiB: 19456, parallelism: 1 }],
    ['t=0', { iterations: 0, memoryKiB: 65536, parallelism: 4 }],
    ['p=0', { iterations: 3, memoryKiB: 65536, parallelism: 0 }],
    ['memory above the ceiling', { iterations: 1, memoryKiB: 2 ** 21 + 1, parallelism: 4 }],
    ['too many passes', { iterations: 17, memoryKiB: 65536, parallelism: 4 }],
    ['too many lanes', { iterations: 3, memoryKiB: 65536, parallelism: 17 }],
    ['fractional', { iterations: 2.5, memoryKiB: 65536, parallelism: 4 }],
    ['strings', { iterations: '3', memoryKiB: 65536, parallelism: 4 }],
    ['not an object', null],
  ])('rejects %s', async (_name, params) => {
    await expectCode(() => assertArgon2idParams(params), 'INVALID_INPUT');
    await expectCode(() => argon2id(new Uint8Array(64), params as typeof ARGON2ID_DEFAULT, { outputLength: 64 }), 'INVALID_INPUT');
  });
});

describe('Argon2id implementations', () => {
  test('WebAssembly and @noble/hashes agree at the default profile (64-byte output)', async () => {
    const input = Uint8Array.from({ length: 64 }, (_, i) => i);
    const wasm = await argon2id(input, ARGON2ID_DEFAULT, { outputLength: 64, implementation: 'wasm' });
    const js = await argon2id(input, ARGON2ID_DEFAULT, { outputLength: 64, implementation: 'js' });
    expect(wasm.implementation).toBe('wasm');
    expect(js.implementation).toBe('js');
    expect(wasm.output.length).toBe(64);
    expect(toHex(wasm.output)).toBe(toHex(js.output));
  });

  test('auto uses WASM when available; 32-byte output for SHA-256 suites', async () => {
    const r = await argon2idUnchecked(new Uint8Array(32), { iterations: 1, memoryKiB: 64, parallelism: 1 }, { outputLength: 32 });
    expect(r.implementation).toBe('wasm');
    expect(r.output.length).toBe(32);
    const js = await argon2idUnchecked(new Uint8Array(32), { iterations: 1, memoryKiB: 64, parallelism: 1 }, { outputLength: 32, implementation: 'js' });
    expect(toHex(js.output)).toBe(toHex(r.output));
  });

  test('salt is fixed: different inputs, different outputs; same input, same output', async () => {
    const p = { iterations: 1, memoryKiB: 64, parallelism: 1 };
    const a = await argon2idUnchecked(new Uint8Array([1]), p, { outputLength: 64 });
    const b = await argon2idUnchecked(new Uint8Array([1]), p, { outputLength: 64 });
    const c = await argon2idUnchecked(new Uint8Array([2]), p, { outputLength: 64 });
    expect(toHex(a.output)).toBe(toHex(b.output));
    expect(toHex(a.output)).not.toBe(toHex(c.output));
  });

  test('concurrent calls share the one WebAssembly memory without mixing results', async () => {
    const p = { iterations: 2, memoryKiB: 1024, parallelism: 2 };
    const inputs = [1, 2, 3, 4].map((n) => new Uint8Array(64).fill(n));
    const together = await Promise.all(inputs.map((input) => argon2idUnchecked(input, p, { outputLength: 64 })));
    for (const [i, input] of inputs.entries()) {
      const alone = await argon2idUnchecked(input, p, { outputLength: 64, implementation: 'js' });
      expect(toHex((together[i] as { output: Uint8Array }).output)).toBe(toHex(alone.output));
    }
  });

  test('unchecked still enforces Argon2 limits (m ≥ 8p)', async () => {
    await expectCode(() => argon2idUnchecked(new Uint8Array(1), { iterations: 1, memoryKiB: 8, parallelism: 2 }, { outputLength: 32 }), 'INVALID_INPUT');
  });
});
