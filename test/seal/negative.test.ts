/**
 * Negative suite, after the age test kit's categories: every single-bit
 * flip of golden blobs fails with a typed error (DECRYPT_FAILED past the
 * prelude), every truncation fails, and chunk-level attacks on long
 * payloads (streamed and not) fail without releasing unauthenticated bytes.
 * The crafted cases with published bytes live in vectors.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { getBackend } from '#backend';
import { openWith, sealWith } from '../../src/seal/blob.js';
import { generateKeyPair, open, openStream } from '../../src/seal/index.js';
import { CHUNK_SIZE, PRELUDE_LENGTH, SEALED_CHUNK_SIZE, headerLength } from '../../src/seal/format.js';
import { assemble, crafter, flip } from './craft.js';
import { codeOf, codeOfError, expectBytes, join, pattern, pipe, seededRandom } from './helpers.js';

const env = () => ({ backend: getBackend(), random: seededRandom(42) });
const bob = generateKeyPair();
const alice = generateKeyPair();

/** Expected code for a one-bit change at `index` of a 1-recipient blob. */
function expectedFlipCodes(index: number): string[] {
  if (index < 4) return ['INVALID_INPUT']; // magic
  if (index < 6) return ['UNSUPPORTED']; // version, suite high byte
  // Suite low byte: unknown, or 0x0003 (passphrase), which a secret key cannot open.
  if (index === 6) return ['UNSUPPORTED', 'INVALID_INPUT'];
  if (index === 7) return ['UNSUPPORTED', 'INVALID_INPUT', 'DECRYPT_FAILED']; // mode: unknown, or base↔auth
  if (index < PRELUDE_LENGTH) return ['INVALID_INPUT', 'DECRYPT_FAILED']; // count: out of range / truncated, or stanzas misread
  return ['DECRYPT_FAILED'];
}

describe('every single-bit flip fails', () => {
  for (const [name, options, openOptions] of [
    ['base', { to: bob.publicKey }, { secretKey: bob.secretKey }],
    ['auth + aad', { to: bob.publicKey, senderSecretKey: alice.secretKey, aad: pattern(9) }, { secretKey: bob.secretKey, senderPublicKey: alice.publicKey, aad: pattern(9) }],
  ] as const) {
    test(`${name}: every bit of a 50-byte-payload blob`, async () => {
      const blob = await sealWith(env(), pattern(50, 1), options);
      const wrong: string[] = [];
      for (let i = 0; i < blob.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const code = await codeOf(() => openWith(env(), flip(blob, i, bit), openOptions));
          if (!expectedFlipCodes(i).includes(code)) wrong.push(`byte ${i} bit ${bit}: ${code}`);
        }
      }
      expect(wrong).toEqual([]);
      expectBytes(await openWith(env(), blob, openOptions), pattern(50, 1));
    });
  }

  test('multi-chunk, three recipients: the low and high bit of every header byte and of each chunk edge', async () => {
    const carol = generateKeyPair();
    const data = pattern(2 * CHUNK_SIZE + 100, 2);
    const blob = await sealWith(env(), data, { to: [carol.publicKey, bob.publicKey, alice.publicKey] });
    const header = headerLength(3);
    const positions = new Set<number>();
    for (let i = 0; i < header; i++) positions.add(i);
    for (let chunk = 0; chunk < 3; chunk++) {
      const start = header + chunk * SEALED_CHUNK_SIZE;
      const end = Math.min(blob.length, start + SEALED_CHUNK_SIZE);
      for (let i = start; i < start + 32; i++) positions.add(i);
      for (let i = end - 32; i < end; i++) positions.add(i);
    }
    const wrong: string[] = [];
    for (const i of positions) {
      for (const bit of [0, 7]) {
        const code = await codeOf(() => openWith(env(), flip(blob, i, bit), { secretKey: bob.secretKey }));
        if (!expectedFlipCodes(i).includes(code)) wrong.push(`byte ${i} bit ${bit}: ${code}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('every truncation and every extension fails', () => {
  test('each prefix of a small blob', async () => {
    const blob = await sealWith(env(), pattern(40), { to: bob.publicKey });
    const wrong: string[] = [];
    for (let n = 0; n < blob.length; n++) {
      const code = await codeOf(() => open(blob.subarray(0, n), { secretKey: bob.secretKey }));
      const want = n < headerLength(1) ? 'INVALID_INPUT' : 'DECRYPT_FAILED';
      if (code !== want) wrong.push(`${n}: ${code}`);
    }
    expect(wrong).toEqual([]);
  });

  test('a long payload cut at every chunk boundary and around it', async () => {
    const data = pattern(3 * CHUNK_SIZE, 3);
    const blob = await sealWith(env(), data, { to: bob.publicKey });
    const header = headerLength(1);
    for (const boundary of [1, 2, 3]) {
      for (const delta of [-17, -16, -1, 0, 1, 15, 16, 17]) {
        const n = header + boundary * SEALED_CHUNK_SIZE + delta;
        if (n >= blob.length) continue;
        expect(await codeOf(() => open(blob.subarray(0, n), { secretKey: bob.secretKey })), `cut at ${n}`).toBe('DECRYPT_FAILED');
      }
    }
  });

  test('appending 1 to 17 bytes fails', async () => {
    const blob = await sealWith(env(), pattern(CHUNK_SIZE), { to: bob.publicKey });
    for (let n = 1; n <= 17; n++) {
      expect(await codeOf(() => open(assemble(blob, new Uint8Array(n)), { secretKey: bob.secretKey }))).toBe('DECRYPT_FAILED');
    }
  });
});

describe('streamed attacks release only authenticated chunks', () => {
  test('reordering, duplication, truncation, extension of a 5-chunk stream', async () => {
    const c = await crafter(env(), { recipients: [bob.publicKey] });
    const data = pattern(4 * CHUNK_SIZE + 500, 4);
    const chunks = await c.chunks(data);
    const cases: [string, Uint8Array[], number][] = [
      ['swap 1 and 2', [chunks[0]!, chunks[2]!, chunks[1]!, chunks[3]!, chunks[4]!], 1],
      ['duplicate 2', [chunks[0]!, chunks[1]!, chunks[2]!, chunks[2]!, chunks[3]!, chunks[4]!], 3],
      ['drop 3', [chunks[0]!, chunks[1]!, chunks[2]!, chunks[4]!], 3],
      ['drop final', chunks.slice(0, 4), 3],
      ['extra final', [...chunks, await c.chunk(5, true, pattern(5))], 4],
      ['final replayed', [...chunks, chunks[4]!], 4],
      ['empty final after a full chunk', [...chunks.slice(0, 4), await c.chunk(4, true, new Uint8Array(0))], 4],
    ];
    for (const [name, list, good] of cases) {
      const result = await pipe(openStream({ secretKey: bob.secretKey }), [c.header, ...list]);
      expect(codeOfError(result.error), name).toBe('DECRYPT_FAILED');
      expectBytes(join(result.chunks), data.subarray(0, good * CHUNK_SIZE));
      expect(await codeOf(() => open(assemble(c.header, ...list), { secretKey: bob.secretKey })), name).toBe('DECRYPT_FAILED');
    }
  });

  test('a truncated header or empty input errors the stream with INVALID_INPUT', async () => {
    const blob = await sealWith(env(), pattern(10), { to: bob.publicKey });
    for (const n of [0, 5, PRELUDE_LENGTH, 100, headerLength(1) - 1]) {
      const result = await pipe(openStream({ secretKey: bob.secretKey }), [blob.subarray(0, n)]);
      expect(codeOfError(result.error), `cut at ${n}`).toBe('INVALID_INPUT');
    }
    const headerOnly = await pipe(openStream({ secretKey: bob.secretKey }), [blob.subarray(0, headerLength(1))]);
    expect(codeOfError(headerOnly.error)).toBe('DECRYPT_FAILED');
  });

  test('a bad header errors the stream before any payload is read', async () => {
    const blob = await sealWith(env(), pattern(CHUNK_SIZE * 2), { to: bob.publicKey });
    const result = await pipe(openStream({ secretKey: alice.secretKey }), [blob.subarray(0, headerLength(1)), blob.subarray(headerLength(1))]);
    expect(codeOfError(result.error)).toBe('DECRYPT_FAILED');
    expect(result.chunks).toEqual([]);
    const unsupported = await pipe(openStream({ secretKey: bob.secretKey }), [flip(blob, 4, 1).subarray(0, PRELUDE_LENGTH)]);
    expect(codeOfError(unsupported.error)).toBe('UNSUPPORTED');
  });
});

describe('low-order keys', () => {
  const lowOrder = [new Uint8Array(32), Uint8Array.from([1, ...new Array<number>(31).fill(0)])];
  test('sealing to a low-order public key is refused', async () => {
    for (const to of lowOrder) expect(await codeOf(() => sealWith(env(), pattern(1), { to }))).toBe('INVALID_INPUT');
  });
  test('a low-order sender key in auth mode is refused on open', async () => {
    const blob = await sealWith(env(), pattern(1), { to: bob.publicKey, senderSecretKey: alice.secretKey });
    for (const senderPublicKey of lowOrder) expect(await codeOf(() => open(blob, { secretKey: bob.secretKey, senderPublicKey }))).toBe('INVALID_INPUT');
  });
});
