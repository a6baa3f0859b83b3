import { describe, expect, test } from 'vitest';
import { getBackend } from '#backend';
import { i2osp } from '../../src/crypto/bytes.js';
import { SEAL_SUITE, TAG_LENGTH, headerLength, parseRecord } from '../../src/envelope/format.js';
import type { Kek } from '../../src/envelope/kek.js';
import { openRecordWith, sealRecordWith } from '../../src/envelope/record.js';
import { decodeRecordHeader } from '../../src/envelope/index.js';
import { BACKENDS, expectCode, outcome, pattern } from './helpers.js';

const KEK: Kek = { id: 'kek', version: 3, key: pattern(32, 100) };
const WHERE = { vaultId: 'v', recordId: 'r', version: 1 } as const;
const PLAINTEXT = pattern(24, 7);

async function golden(): Promise<Uint8Array> {
  const [, backend] = BACKENDS[0]!;
  return sealRecordWith(
    { kek: KEK, ...WHERE, plaintext: PLAINTEXT },
    { suite: SEAL_SUITE.id, dek: pattern(SEAL_SUITE.dekLength, 50), wrapNonce: pattern(12, 90), nonce: pattern(12, 110) },
    backend,
  );
}

/** Overwrites bytes at `offset` in a copy of `bytes`. */
function patch(bytes: Uint8Array, offset: number, values: ArrayLike<number>): Uint8Array {
  const out = Uint8Array.from(bytes);
  out.set(values, offset);
  return out;
}

describe('strict parsing: one negative test per parse error', () => {
  // Layout offsets for a 3-byte KEK id (see format.ts).
  const K = KEK.id.length;
  const LENGTH_AT = headerLength(SEAL_SUITE, K) - 4;

  const cases: ReadonlyArray<readonly [string, (g: Uint8Array) => unknown, string]> = [
    ['not bytes', () => 'ZV', 'INVALID_INPUT'],
    ['empty', () => new Uint8Array(0), 'INVALID_INPUT'],
    ['wrong magic', (g) => patch(g, 0, [0x5a, 0x57]), 'INVALID_INPUT'],
    ['wrong first magic byte, 1 byte long', () => Uint8Array.of(0x41), 'INVALID_INPUT'],
    ['magic only (truncated)', (g) => g.slice(0, 2), 'INVALID_INPUT'],
    ['unknown format version 2', (g) => patch(g, 2, [2]), 'UNSUPPORTED'],
    ['unknown format version 0', (g) => patch(g, 2, [0]), 'UNSUPPORTED'],
    ['unknown version, even when truncated', () => Uint8Array.of(0x5a, 0x56, 0x09), 'UNSUPPORTED'],
    ['prefix without suite (truncated)', (g) => g.slice(0, 3), 'INVALID_INPUT'],
    ['unknown suite 3', (g) => patch(g, 3, [3]), 'UNSUPPORTED'],
    ['unknown suite 0', (g) => patch(g, 3, [0]), 'UNSUPPORTED'],
    ['unknown suite, even when truncated', () => Uint8Array.of(0x5a, 0x56, 0x01, 0xff), 'UNSUPPORTED'],
    ['no KEK id length (truncated)', (g) => g.slice(0, 4), 'INVALID_INPUT'],
    ['empty KEK id', (g) => patch(g, 4, [0]), 'INVALID_INPUT'],
    ['KEK id not UTF-8', (g) => patch(g, 5, [0xff]), 'INVALID_INPUT'],
    ['header shorter than its fields', (g) => g.slice(0, headerLength(SEAL_SUITE, K) - 1), 'INVALID_INPUT'],
    ['no room for the tag', (g) => g.slice(0, headerLength(SEAL_SUITE, K) + TAG_LENGTH - 1), 'INVALID_INPUT'],
    ['declared length beyond the data (truncated)', (g) => g.slice(0, g.length - 1), 'INVALID_INPUT'],
    ['trailing byte', (g) => Uint8Array.from([...g, 0]), 'INVALID_INPUT'],
    ['declared length too small (extra bytes)', (g) => patch(g, LENGTH_AT, i2osp(PLAINTEXT.length - 1, 4)), 'INVALID_INPUT'],
    ['declared length above 64 MiB', (g) => patch(g, LENGTH_AT, i2osp(64 * 1024 * 1024 + 1, 4)), 'INVALID_INPUT'],
    ['declared length 2^32-1', (g) => patch(g, LENGTH_AT, [0xff, 0xff, 0xff, 0xff]), 'INVALID_INPUT'],
    ['KEK id length past the end', (g) => patch(g.slice(0, 40), 4, [200]), 'INVALID_INPUT'],
  ];

  test.each(cases)('%s → %s', async (_what, make, code) => {
    const sealed = make(await golden());
    await expectCode(() => decodeRecordHeader(sealed as Uint8Array), code as 'INVALID_INPUT');
    // openRecord reports the same, before any crypto.
    await expectCode(openRecordWith({ kek: KEK, ...WHERE, sealed: sealed as Uint8Array }, getBackend()), code as 'INVALID_INPUT');
  });

  test('the golden sample parses', async () => {
    const g = await golden();
    const parsed = parseRecord(g);
    expect(parsed.kekId).toBe('kek');
    expect(parsed.kekVersion).toBe(3);
    expect(parsed.plaintextLength).toBe(PLAINTEXT.length);
    expect(parsed.body.length).toBe(PLAINTEXT.length + TAG_LENGTH);
  });
});

describe.each(BACKENDS)('every bit flip and every truncation of a golden record on %s', (_name, backend) => {
  const allowed = new Set(['INVALID_INPUT', 'UNSUPPORTED', 'DECRYPT_FAILED']);

  test('the golden record opens', async () => {
    expect(await openRecordWith({ kek: KEK, ...WHERE, sealed: await golden() }, backend)).toEqual(PLAINTEXT);
  });

  test('every single-bit flip fails with a typed error and releases nothing', async () => {
    const g = await golden();
    const tally: Record<string, number> = {};
    // Concurrent per byte: WebCrypto's cost is the await, not the work.
    for (let i = 0; i < g.length; i++) {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, bit) => {
          const sealed = Uint8Array.from(g);
          sealed[i]! ^= 1 << bit;
          return outcome(openRecordWith({ kek: KEK, ...WHERE, sealed }, backend));
        }),
      );
      for (const code of results) {
        expect(allowed.has(code), `byte ${i}: ${code}`).toBe(true);
        tally[code] = (tally[code] ?? 0) + 1;
      }
    }
    expect(Object.values(tally).reduce((a, b) => a + b, 0)).toBe(g.length * 8);
    // Magic → INVALID_INPUT, version and suite → UNSUPPORTED, the rest mostly DECRYPT_FAILED.
    expect(tally.UNSUPPORTED).toBe(16);
    expect(tally.DECRYPT_FAILED).toBeGreaterThan(g.length * 6);
  });

  test('every truncation fails with INVALID_INPUT', async () => {
    const g = await golden();
    for (let n = 0; n < g.length; n++) {
      await expectCode(openRecordWith({ kek: KEK, ...WHERE, sealed: g.slice(0, n) }, backend), 'INVALID_INPUT');
    }
  });
});
