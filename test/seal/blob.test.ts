/**
 * Single-shot sealed blobs: round trips at the chunk boundaries and beyond,
 * several recipients, sender authentication, AAD, on every backend and
 * across backends (sealed on one, opened on another).
 */
import { describe, expect, test } from 'vitest';
import { open, seal, generateKeyPair, getPublicKey } from '../../src/seal/index.js';
import { openWith, sealWith } from '../../src/seal/blob.js';
import type { SealEnv } from '../../src/seal/env.js';
import { CHUNK_SIZE, SEALED_CHUNK_SIZE, headerLength, sealedPayloadLength } from '../../src/seal/format.js';
import { randomBytes } from '../../src/crypto/random.js';
import { BACKENDS, codeOf, expectBytes, makeBackend, pattern } from './helpers.js';

const SIZES = [0, 1, 100, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 2 * CHUNK_SIZE + 1, 5 * 1024 * 1024 + 3];

describe('round trips', () => {
  for (const size of SIZES) {
    test(`${size} bytes`, async () => {
      const { publicKey, secretKey } = generateKeyPair();
      const data = pattern(size, size + 1);
      const blob = await seal(data, { to: publicKey });
      expect(blob.length).toBe(headerLength(1) + sealedPayloadLength(size));
      const chunks = size === 0 ? 1 : Math.ceil(size / CHUNK_SIZE);
      expect(blob.length).toBe(headerLength(1) + size + 16 * chunks);
      expectBytes(await open(blob, { secretKey }), data);
    });
  }

  test('a 64 KiB payload is one full final chunk; 64 KiB + 1 is a full chunk and a 1-byte final chunk', async () => {
    const { publicKey } = generateKeyPair();
    expect((await seal(new Uint8Array(CHUNK_SIZE), { to: publicKey })).length).toBe(headerLength(1) + SEALED_CHUNK_SIZE);
    expect((await seal(new Uint8Array(CHUNK_SIZE + 1), { to: publicKey })).length).toBe(headerLength(1) + SEALED_CHUNK_SIZE + 17);
  });

  test('two seals of the same data differ (fresh file key and ephemeral keys)', async () => {
    const { publicKey } = generateKeyPair();
    const data = pattern(50);
    expect(await seal(data, { to: publicKey })).not.toEqual(await seal(data, { to: publicKey }));
  });

  test('getPublicKey matches generateKeyPair', () => {
    const { publicKey, secretKey } = generateKeyPair();
    expect(getPublicKey(secretKey)).toEqual(publicKey);
  });
});

describe('several recipients', () => {
  test('each of 5 recipients opens; an outsider cannot', async () => {
    const pairs = Array.from({ length: 5 }, () => generateKeyPair());
    const data = pattern(70_000, 9);
    const blob = await seal(data, { to: pairs.map((p) => p.publicKey) });
    expect(blob.length).toBe(headerLength(5) + sealedPayloadLength(data.length));
    for (const { secretKey } of pairs) expectBytes(await open(blob, { secretKey }), data);
    expect(await codeOf(() => open(blob, { secretKey: generateKeyPair().secretKey }))).toBe('DECRYPT_FAILED');
  });

  test('1024 recipients is the limit', async () => {
    const keys = Array.from({ length: 1024 }, () => generateKeyPair());
    const last = keys[1023]!;
    const blob = await seal(pattern(10), { to: keys.map((k) => k.publicKey) });
    expectBytes(await open(blob, { secretKey: last.secretKey }), pattern(10));
    expect(await codeOf(() => seal(pattern(10), { to: [...keys.map((k) => k.publicKey), last.publicKey] }))).toBe('INVALID_INPUT');
  });
});

describe('sender authentication (HPKE auth mode)', () => {
  test('opens with the right sender; fails with another, or with none', async () => {
    const alice = generateKeyPair();
    const bob = generateKeyPair();
    const mallory = generateKeyPair();
    const data = pattern(1000, 3);
    const blob = await seal(data, { to: bob.publicKey, senderSecretKey: alice.secretKey });
    expectBytes(await open(blob, { secretKey: bob.secretKey, senderPublicKey: alice.publicKey }), data);
    expect(await codeOf(() => open(blob, { secretKey: bob.secretKey, senderPublicKey: mallory.publicKey }))).toBe('DECRYPT_FAILED');
    expect(await codeOf(() => open(blob, { secretKey: bob.secretKey }))).toBe('INVALID_INPUT');
    expect(await codeOf(() => open(blob, { secretKey: alice.secretKey, senderPublicKey: alice.publicKey }))).toBe('DECRYPT_FAILED');
  });

  test('a recipient who requires a sender rejects an anonymous blob', async () => {
    const alice = generateKeyPair();
    const bob = generateKeyPair();
    const blob = await seal(pattern(10), { to: bob.publicKey });
    expect(await codeOf(() => open(blob, { secretKey: bob.secretKey, senderPublicKey: alice.publicKey }))).toBe('DECRYPT_FAILED');
  });

  test('auth mode takes exactly one recipient', async () => {
    const alice = generateKeyPair();
    const to = [generateKeyPair().publicKey, generateKeyPair().publicKey];
    expect(await codeOf(() => seal(pattern(10), { to, senderSecretKey: alice.secretKey }))).toBe('INVALID_INPUT');
    expect(await open(await seal(pattern(10), { to: [to[0]!], senderSecretKey: alice.secretKey }), { secretKey: generateKeyPair().secretKey, senderPublicKey: alice.publicKey }).catch((e: { code: string }) => e.code)).toBe('DECRYPT_FAILED');
  });
});

describe('aad', () => {
  test('must match; absent equals empty', async () => {
    const { publicKey, secretKey } = generateKeyPair();
    const aad = new TextEncoder().encode('vault 7 / record 42');
    const blob = await seal(pattern(10), { to: publicKey, aad });
    expectBytes(await open(blob, { secretKey, aad }), pattern(10));
    expect(await codeOf(() => open(blob, { secretKey }))).toBe('DECRYPT_FAILED');
    expect(await codeOf(() => open(blob, { secretKey, aad: aad.subarray(1) }))).toBe('DECRYPT_FAILED');
    const plain = await seal(pattern(10), { to: publicKey });
    expectBytes(await open(plain, { secretKey, aad: new Uint8Array(0) }), pattern(10));
  });
});

describe('options are validated at the boundary', () => {
  const { publicKey, secretKey } = generateKeyPair();
  const cases: [string, () => Promise<unknown>][] = [
    ['data not bytes', () => seal('text' as unknown as Uint8Array, { to: publicKey })],
    ['options missing', () => seal(new Uint8Array(1), undefined as unknown as { to: Uint8Array })],
    ['to missing', () => seal(new Uint8Array(1), {} as { to: Uint8Array })],
    ['to short', () => seal(new Uint8Array(1), { to: publicKey.subarray(1) })],
    ['to empty list', () => seal(new Uint8Array(1), { to: [] })],
    ['to list with a bad key', () => seal(new Uint8Array(1), { to: [publicKey, new Uint8Array(31)] })],
    ['to a number[]', () => seal(new Uint8Array(1), { to: [...publicKey] as unknown as Uint8Array })],
    ['senderSecretKey short', () => seal(new Uint8Array(1), { to: publicKey, senderSecretKey: new Uint8Array(16) })],
    ['aad not bytes', () => seal(new Uint8Array(1), { to: publicKey, aad: 'x' as unknown as Uint8Array })],
    ['to a low-order point', () => seal(new Uint8Array(1), { to: new Uint8Array(32) })],
    ['blob not bytes', () => open([1, 2] as unknown as Uint8Array, { secretKey })],
    ['secretKey missing', () => open(new Uint8Array(200), {} as { secretKey: Uint8Array })],
    ['secretKey short', () => open(new Uint8Array(200), { secretKey: secretKey.subarray(2) })],
    ['senderPublicKey short', () => open(new Uint8Array(200), { secretKey, senderPublicKey: new Uint8Array(33) })],
  ];
  for (const [name, fn] of cases) {
    test(`${name} → INVALID_INPUT`, async () => {
      expect(await codeOf(fn)).toBe('INVALID_INPUT');
    });
  }

  test('caller buffers are neither wiped nor kept', async () => {
    const alice = generateKeyPair();
    const bob = generateKeyPair();
    const [aliceSecret, bobSecret] = [Uint8Array.from(alice.secretKey), Uint8Array.from(bob.secretKey)];
    const blob = await seal(pattern(10), { to: bob.publicKey, senderSecretKey: alice.secretKey });
    await open(blob, { secretKey: bob.secretKey, senderPublicKey: alice.publicKey });
    expect(alice.secretKey).toEqual(aliceSecret);
    expect(bob.secretKey).toEqual(bobSecret);
  });
});

describe('backends agree', () => {
  const envs = BACKENDS.map(([name, create]) => [name, { backend: makeBackend(name, create), random: randomBytes } satisfies SealEnv] as const);
  for (const [sealer, sealEnv] of envs) {
    for (const [opener, openEnv] of envs) {
      test(`sealed on ${sealer}, opened on ${opener}`, async () => {
        const alice = generateKeyPair();
        const bob = generateKeyPair();
        for (const size of [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 7]) {
          const data = pattern(size, 5);
          const aad = pattern(7, 8);
          const blob = await sealWith(sealEnv, data, { to: bob.publicKey, senderSecretKey: alice.secretKey, aad });
          expectBytes(await openWith(openEnv, blob, { secretKey: bob.secretKey, senderPublicKey: alice.publicKey, aad }), data);
        }
      });
    }
  }
});
