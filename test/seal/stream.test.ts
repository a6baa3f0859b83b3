/**
 * Streaming: sealStream / openStream produce and accept exactly the bytes of
 * seal / open, whatever the write boundaries; openStream emits only
 * authenticated chunks and errors on truncation, extension and reordering.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { generateKeyPair, open, openStream, seal, sealStream } from '../../src/seal/index.js';
import { sealWith } from '../../src/seal/blob.js';
import { openStreamWith, sealStreamWith } from '../../src/seal/stream.js';
import { CHUNK_SIZE, SEALED_CHUNK_SIZE, headerLength } from '../../src/seal/format.js';
import { createWebBackend } from '../../src/crypto/backend-web.js';
import { getBackend } from '#backend';
import { ByteQueue } from '../../src/seal/bytequeue.js';
import { codeOfError, expectBytes, join, pattern, pipe, sameBytes, seededRandom, split } from './helpers.js';

const SPLITS: readonly (readonly number[])[] = [[1], [7, 13], [1000], [CHUNK_SIZE - 1], [CHUNK_SIZE], [CHUNK_SIZE + 1], [3 * CHUNK_SIZE + 5], [10 * 1024 * 1024]];

describe('sealStream equals seal, byte for byte', () => {
  const bob = generateKeyPair();
  const alice = generateKeyPair();
  for (const size of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 100]) {
    test(`${size} bytes, every split`, async () => {
      const data = pattern(size, size + 3);
      const aad = pattern(5, 1);
      const options = { to: bob.publicKey, senderSecretKey: alice.secretKey, aad };
      const expected = await sealWith({ backend: getBackend(), random: seededRandom(size) }, data, options);
      for (const sizes of size > 5 * CHUNK_SIZE ? SPLITS.filter((s) => s[0]! > 100) : SPLITS) {
        if (size > 100_000 && sizes[0] === 1) continue;
        const { chunks, error } = await pipe(sealStreamWith({ backend: getBackend(), random: seededRandom(size) }, options), split(data, sizes));
        expect(codeOfError(error)).toBe('no error');
        expectBytes(join(chunks), expected);
      }
      // And the stream's own output opens, in one go and streamed.
      expectBytes(await open(expected, { secretKey: bob.secretKey, senderPublicKey: alice.publicKey, aad }), data);
    });
  }

  test('an empty write is ignored; the output is header, full chunks, final chunk', async () => {
    const data = pattern(2 * CHUNK_SIZE + 10);
    const { chunks, error } = await pipe(sealStream({ to: bob.publicKey }), [new Uint8Array(0), data, new Uint8Array(0)]);
    expect(error).toBeUndefined();
    // A backend may emit a sealed chunk as `ciphertext` then `tag` (no copy), so count
    // bytes, not stream chunks: header, two full sealed chunks, a final 10 + 16.
    expect(chunks[0]?.length).toBe(headerLength(1));
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(headerLength(1) + 2 * SEALED_CHUNK_SIZE + 26);
    expect(chunks.every((c) => c.length > 0)).toBe(true);
  });

  test('the seal side copies what it buffers: mutating a written chunk afterwards changes nothing', async () => {
    const data = pattern(1000);
    const input = Uint8Array.from(data);
    const stream = sealStream({ to: bob.publicKey });
    const reading = new Response(stream.readable).arrayBuffer();
    const writer = stream.writable.getWriter();
    await writer.write(input);
    input.fill(0);
    await writer.close();
    expectBytes(await open(new Uint8Array(await reading), { secretKey: bob.secretKey }), data);
  });
});

describe('openStream', () => {
  const bob = generateKeyPair();
  for (const size of [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 4 * CHUNK_SIZE + 17]) {
    test(`${size} bytes, every split`, async () => {
      const data = pattern(size, 11);
      const blob = await seal(data, { to: bob.publicKey });
      for (const sizes of [...SPLITS, [headerLength(1) - 1, 1], [headerLength(1), SEALED_CHUNK_SIZE], [SEALED_CHUNK_SIZE + 1]]) {
        if (size > 100_000 && sizes[0] === 1) continue;
        const { chunks, error } = await pipe(openStream({ secretKey: bob.secretKey }), split(blob, sizes));
        expect(codeOfError(error)).toBe('no error');
        expectBytes(join(chunks), data);
        // One output chunk per STREAM chunk, each at most 64 KiB.
        expect(chunks.every((c) => c.length <= CHUNK_SIZE)).toBe(true);
      }
    });
  }

  test('works on the noble backend too', async () => {
    const data = pattern(3 * CHUNK_SIZE + 9);
    const blob = await seal(data, { to: bob.publicKey });
    const env = { backend: createWebBackend({ subtle: null }), random: seededRandom(1) };
    const { chunks, error } = await pipe(openStreamWith(env, { secretKey: bob.secretKey }), split(blob, [5000]));
    expect(error).toBeUndefined();
    expectBytes(join(chunks), data);
  });

  test('pipes from a ReadableStream, as Readable.toWeb would', async () => {
    const data = pattern(300_000, 2);
    const source = new Blob([data as Uint8Array<ArrayBuffer>]).stream();
    const sealed = source.pipeThrough(sealStream({ to: bob.publicKey })).pipeThrough(openStream({ secretKey: bob.secretKey }));
    expectBytes(new Uint8Array(await new Response(sealed).arrayBuffer()), data);
  });

  test('a non-bytes chunk errors the stream with INVALID_INPUT', async () => {
    const { error } = await pipe(openStream({ secretKey: bob.secretKey }), ['text' as unknown as Uint8Array]);
    expect(codeOfError(error)).toBe('INVALID_INPUT');
    const sealed = await pipe(sealStream({ to: bob.publicKey }), [[1, 2] as unknown as Uint8Array]);
    expect(codeOfError(sealed.error)).toBe('INVALID_INPUT');
  });

  test('bad options throw at once', () => {
    expect(() => openStream({ secretKey: new Uint8Array(3) })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => sealStream({ to: [] })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('ByteQueue', () => {
  test('property: any pushes and takes return the bytes in order', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 30 }), fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 40 }), (pushes, takes) => {
        const queue = new ByteQueue();
        const all = join(pushes);
        for (const p of pushes) queue.push(p);
        let at = 0;
        for (const n of takes) {
          if (n > queue.length) continue;
          if (!sameBytes(queue.peek(n), all.subarray(at, at + n))) return false;
          if (!sameBytes(queue.take(n), all.subarray(at, at + n))) return false;
          at += n;
        }
        return queue.length === all.length - at;
      }),
    );
  });

  test('taking more than is queued is refused', () => {
    const queue = new ByteQueue();
    queue.push(new Uint8Array(3));
    expect(() => queue.take(4)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
