import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isZeroVaultError } from '../../src/errors.js';
import { parseRecord } from '../../src/envelope/format.js';
import { randomBytes } from '../../src/crypto/random.js';
import type { Kek } from '../../src/envelope/kek.js';
import { drawSealInputs, openRecordWith, rewrapRecordWith, sealRecordWith } from '../../src/envelope/record.js';
import { decodeRecordHeader } from '../../src/envelope/index.js';
import { BACKENDS, outcome } from './helpers.js';

const MiB = 1024 * 1024;

/** Mostly small payloads, with a share of large ones up to 1 MiB. */
const payload = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 2048 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: MiB }).map((n) => new Uint8Array(n).fill(n & 0xff)) },
);
// Any well-formed string: the ids are UTF-8 encoded, lone surrogates are rejected by design.
const id = (maxBytes: number) =>
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => new TextEncoder().encode(s).length <= maxBytes);
const kek: fc.Arbitrary<Kek> = fc.record({
  id: id(255),
  version: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  // An all-zero key is refused (zero-key.test.ts); fast-check's bias toward zeros would draw it.
  key: fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => k.some((b) => b !== 0)),
});
const where = fc.record({ vaultId: id(1024), recordId: id(1024), version: fc.maxSafeNat() });

describe.each(BACKENDS)('properties on %s', (_name, backend) => {
  const runs = { numRuns: backend.name === 'node' ? 60 : 25 };

  test('round trip for arbitrary bytes (0 B to 1 MiB), ids, versions and KEKs', async () => {
    await fc.assert(
      fc.asyncProperty(kek, where, payload, async (k, w, plaintext) => {
        const sealed = await sealRecordWith({ kek: k, ...w, plaintext }, drawSealInputs(), backend);
        expect(decodeRecordHeader(sealed)).toMatchObject({ kekId: k.id, kekVersion: k.version, plaintextLength: plaintext.length });
        const opened = await openRecordWith({ kek: k, ...w, sealed }, backend);
        expect(Buffer.from(opened).equals(plaintext)).toBe(true);
      }),
      runs,
    );
  });

  test('two seals of the same plaintext differ', async () => {
    await fc.assert(
      fc.asyncProperty(kek, where, fc.uint8Array({ maxLength: 256 }), async (k, w, plaintext) => {
        const a = await sealRecordWith({ kek: k, ...w, plaintext }, drawSealInputs(), backend);
        const b = await sealRecordWith({ kek: k, ...w, plaintext }, drawSealInputs(), backend);
        expect(Buffer.from(a).equals(b)).toBe(false);
        const pa = parseRecord(a);
        const pb = parseRecord(b);
        expect(Buffer.from(pa.commitment).equals(pb.commitment)).toBe(false);
        expect(Buffer.from(pa.nonce).equals(pb.nonce)).toBe(false);
      }),
      runs,
    );
  });

  test('re-wrap preserves the plaintext and the payload bytes', async () => {
    await fc.assert(
      fc.asyncProperty(kek, kek, where, payload, async (from, to, w, plaintext) => {
        const sealed = await sealRecordWith({ kek: from, ...w, plaintext }, drawSealInputs(), backend);
        const rewrapped = await rewrapRecordWith({ sealed, from, to, ...w }, randomBytes(12), backend);
        const before = parseRecord(sealed);
        const after = parseRecord(rewrapped);
        expect(Buffer.from(after.body).equals(before.body)).toBe(true);
        expect(Buffer.from(after.commitment).equals(before.commitment)).toBe(true);
        const opened = await openRecordWith({ kek: to, ...w, sealed: rewrapped }, backend);
        expect(Buffer.from(opened).equals(plaintext)).toBe(true);
      }),
      runs,
    );
  });

  test('any other identity fails with DECRYPT_FAILED', async () => {
    await fc.assert(
      fc.asyncProperty(kek, where, where, fc.uint8Array({ maxLength: 64 }), async (k, w, other, plaintext) => {
        fc.pre(w.vaultId !== other.vaultId || w.recordId !== other.recordId || w.version !== other.version);
        const sealed = await sealRecordWith({ kek: k, ...w, plaintext }, drawSealInputs(), backend);
        expect(await outcome(openRecordWith({ kek: k, ...other, sealed }, backend))).toBe('DECRYPT_FAILED');
      }),
      runs,
    );
  });
});

test('arbitrary bytes never crash the parser: typed errors only', () => {
  const prefixed = fc.uint8Array({ maxLength: 400 }).map((b) => Uint8Array.from([0x5a, 0x56, 1, 1, ...b]));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), prefixed), (bytes) => {
      try {
        decodeRecordHeader(bytes);
      } catch (err) {
        expect(isZeroVaultError(err) && ['INVALID_INPUT', 'UNSUPPORTED'].includes(err.code)).toBe(true);
      }
    }),
    { numRuns: 2000 },
  );
});
