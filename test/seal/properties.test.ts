/**
 * Properties (fast-check): round trips for any size, AAD, recipient set and
 * mode; streaming equals single-shot whatever the write boundaries; any
 * changed byte and any truncation fail with a typed error.
 */
import fc from 'fast-check';
import { describe, test } from 'vitest';
import { getBackend } from '#backend';
import { isZeroVaultError } from '../../src/errors.js';
import { openWith, sealWith } from '../../src/seal/blob.js';
import { generateKeyPair } from '../../src/seal/index.js';
import { openStreamWith, sealStreamWith } from '../../src/seal/stream.js';
import { CHUNK_SIZE } from '../../src/seal/format.js';
import { join, pattern, pipe, sameBytes, seededRandom } from './helpers.js';

const keys = Array.from({ length: 4 }, () => generateKeyPair());
const env = (seed: number) => ({ backend: getBackend(), random: seededRandom(seed) });

const sizeArb = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: CHUNK_SIZE - 20, max: CHUNK_SIZE + 20 }),
  fc.integer({ min: 0, max: 4 * CHUNK_SIZE + 50 }),
);
const caseArb = fc.record({
  size: sizeArb,
  seed: fc.integer({ min: 1, max: 1 << 30 }),
  recipients: fc.integer({ min: 1, max: 4 }),
  reader: fc.nat(3),
  auth: fc.boolean(),
  aad: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function optionsOf(c: Case) {
  const auth = c.auth && c.recipients === 1;
  const reader = keys[c.reader % c.recipients]!;
  const sender = keys[3]!;
  return {
    seal: { to: keys.slice(0, c.recipients).map((k) => k.publicKey), ...(auth ? { senderSecretKey: sender.secretKey } : {}), ...(c.aad ? { aad: c.aad } : {}) },
    open: { secretKey: reader.secretKey, ...(auth ? { senderPublicKey: sender.publicKey } : {}), ...(c.aad ? { aad: c.aad } : {}) },
  };
}

describe('properties', () => {
  test('open(seal(x)) = x', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const data = pattern(c.size, c.seed);
        const o = optionsOf(c);
        return sameBytes(await openWith(env(1), await sealWith(env(c.seed), data, o.seal), o.open), data);
      }),
      { numRuns: 60 },
    );
  });

  test('streams equal single-shot for any write boundaries, both ways', async () => {
    const splitsArb = fc.array(fc.integer({ min: 1, max: 3 * CHUNK_SIZE }), { minLength: 1, maxLength: 8 });
    await fc.assert(
      fc.asyncProperty(caseArb, splitsArb, splitsArb, async (c, writeSizes, readSizes) => {
        const data = pattern(c.size, c.seed);
        const o = optionsOf(c);
        const blob = await sealWith(env(c.seed), data, o.seal);
        const cut = (bytes: Uint8Array, sizes: number[]): Uint8Array[] => {
          const out: Uint8Array[] = [];
          for (let at = 0, i = 0; at < bytes.length; i++) out.push(bytes.subarray(at, (at += sizes[i % sizes.length]!)));
          return out;
        };
        const sealed = await pipe(sealStreamWith(env(c.seed), o.seal), cut(data, writeSizes));
        const opened = await pipe(openStreamWith(env(1), o.open), cut(blob, readSizes));
        return sealed.error === undefined && opened.error === undefined && sameBytes(join(sealed.chunks), blob) && sameBytes(join(opened.chunks), data);
      }),
      { numRuns: 40 },
    );
  });

  test('any changed byte, or any truncation, fails with a ZeroVaultError', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 1, max: 255 }), fc.boolean(), async (c, where, xor, truncate) => {
        const o = optionsOf(c);
        const blob = await sealWith(env(c.seed), pattern(c.size, c.seed), o.seal);
        const at = Math.floor(where * blob.length);
        const bad = truncate ? blob.subarray(0, at) : Uint8Array.from(blob);
        if (!truncate) bad[at] = (bad[at] as number) ^ xor;
        try {
          await openWith(env(1), bad, o.open);
          return false;
        } catch (err) {
          return isZeroVaultError(err);
        }
      }),
      { numRuns: 150 },
    );
  });
});
