/**
 * Streaming sealed blobs over WHATWG streams, byte-for-byte the same format
 * as `seal` / `open`. Memory is bounded by one 64 KiB chunk plus the
 * caller's largest write, whatever the total size.
 *
 * Node: `Readable.toWeb(file).pipeThrough(sealStream({ to }))`, and
 * `Writable.fromWeb` on the way out.
 *
 * @module
 */
import { ZeroVaultError, decryptFailed } from '../errors.js';
import { isBytes } from '../crypto/assert.js';
import type { AesGcmKey } from '../crypto/backend.js';
import { copy, wipe } from '../crypto/bytes.js';
import { ByteQueue } from './bytequeue.js';
import { defaultEnv, type SealEnv } from './env.js';
import { CHUNK_SIZE, PRELUDE_LENGTH, SEALED_CHUNK_SIZE, parsePrelude } from './format.js';
import { openHeader, sealHeader } from './header.js';
import { openParams, sealParams, wipeOpenParams, type OpenOptions, type SealOptions } from './options.js';
import { BATCH, openChunk, sealChunkParts } from './payload.js';

type Controller = TransformStreamDefaultController<Uint8Array>;

function checkChunk(chunk: unknown): asserts chunk is Uint8Array {
  if (!isBytes(chunk)) throw new ZeroVaultError('INVALID_INPUT', 'stream chunks must be Uint8Array');
}

/** `sealStream` with an explicit environment (internal). */
export function sealStreamWith(env: SealEnv, options: SealOptions): TransformStream<Uint8Array, Uint8Array> {
  const params = sealParams(options);
  const { backend } = env;
  let key: AesGcmKey | undefined;
  let counter = 0;
  // Plaintext not sealed yet: it may turn out to be the final chunk, so a
  // full buffer is only sealed (as non-final) once more input arrives.
  let buffer: Uint8Array = new Uint8Array(CHUNK_SIZE);
  let filled = 0;
  // A second buffer, recycled once its chunk is sealed: less garbage per chunk.
  let spare: Uint8Array | undefined;

  async function sealAll(controller: Controller, jobs: readonly Uint8Array[], owned: Uint8Array | undefined): Promise<void> {
    for (let first = 0; first < jobs.length; first += BATCH) {
      const batch = jobs.slice(first, first + BATCH);
      const sealed = await Promise.all(batch.map((plaintext) => sealChunkParts(backend, key as AesGcmKey, counter++, false, plaintext)));
      for (const parts of sealed) for (const part of parts) controller.enqueue(part);
    }
    // Every backend has consumed its input once the seal resolved. Not wiped
    // here: the next chunk overwrites it, and flush wipes both buffers.
    if (owned !== undefined) spare = owned;
  }

  return new TransformStream<Uint8Array, Uint8Array>({
    async start(controller) {
      try {
        const { header, payloadKey } = await sealHeader(env, params);
        key = await backend.importAesGcmKey(payloadKey);
        wipe(payloadKey);
        controller.enqueue(header);
      } finally {
        if (params.senderSecretKey !== undefined) wipe(params.senderSecretKey);
      }
    },

    async transform(input, controller) {
      checkChunk(input);
      if (input.length === 0) return;
      const jobs: Uint8Array[] = [];
      let owned: Uint8Array | undefined;
      let offset = 0;
      if (filled > 0) {
        const take = Math.min(CHUNK_SIZE - filled, input.length);
        buffer.set(input.subarray(0, take), filled);
        filled += take;
        offset = take;
        if (filled === CHUNK_SIZE && offset < input.length) {
          jobs.push(buffer);
          owned = buffer;
          buffer = spare ?? new Uint8Array(CHUNK_SIZE);
          spare = undefined;
          filled = 0;
        }
      }
      // Whole chunks straight from the input (no copy), always leaving the
      // last ≤ 64 KiB behind: it may be the final chunk.
      while (input.length - offset > CHUNK_SIZE) {
        jobs.push(input.subarray(offset, offset + CHUNK_SIZE));
        offset += CHUNK_SIZE;
      }
      if (offset < input.length) {
        buffer.set(input.subarray(offset), filled);
        filled += input.length - offset;
      }
      await sealAll(controller, jobs, owned);
    },

    async flush(controller) {
      try {
        for (const part of await sealChunkParts(backend, key as AesGcmKey, counter++, true, buffer.subarray(0, filled))) controller.enqueue(part);
      } finally {
        wipe(buffer);
        if (spare !== undefined) wipe(spare);
        spare = undefined;
      }
    },
  });
}

/** `openStream` with an explicit environment (internal). */
export function openStreamWith(env: SealEnv, options: OpenOptions): TransformStream<Uint8Array, Uint8Array> {
  const params = openParams(options);
  const { backend } = env;
  const queue = new ByteQueue();
  let headerLength = 0;
  let key: AesGcmKey | undefined;
  let counter = 0;
  // Reused for sealed chunks that straddle writes; each batch is opened
  // (and every backend has read its input) before the next batch is taken.
  const scratch: Uint8Array[] = [];

  async function readHeader(): Promise<boolean> {
    if (headerLength === 0) {
      if (queue.length < PRELUDE_LENGTH) return false;
      headerLength = parsePrelude(queue.peek(PRELUDE_LENGTH)).headerLength;
    }
    if (queue.length < headerLength) return false;
    const header = copy(queue.take(headerLength));
    const payloadKey = await openHeader(env, header, params);
    wipeOpenParams(params);
    key = await backend.importAesGcmKey(payloadKey);
    wipe(payloadKey);
    return true;
  }

  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(input, controller) {
      checkChunk(input);
      queue.push(input);
      if (key === undefined) {
        let ready: boolean;
        try {
          ready = await readHeader();
        } catch (err) {
          // The stream is dead: drop our copy of the secret key now.
          wipeOpenParams(params);
          throw err;
        }
        if (!ready) return;
      }
      // A sealed chunk with nothing after it yet may be the final one: hold
      // it until more bytes (→ non-final) or the end of input (→ final).
      while (queue.length > SEALED_CHUNK_SIZE) {
        const batch: Uint8Array[] = [];
        while (batch.length < BATCH && queue.length > SEALED_CHUNK_SIZE) {
          const buffer = (scratch[batch.length] ??= new Uint8Array(SEALED_CHUNK_SIZE));
          batch.push(queue.take(SEALED_CHUNK_SIZE, buffer));
        }
        const opened = await Promise.all(batch.map((sealed) => openChunk(backend, key as AesGcmKey, counter++, false, sealed)));
        for (const plaintext of opened) controller.enqueue(plaintext);
      }
    },

    async flush(controller) {
      if (key === undefined) {
        wipeOpenParams(params);
        throw new ZeroVaultError('INVALID_INPUT', 'sealed blob is truncated');
      }
      // No bytes after the header, or after the last full chunk: no final chunk.
      if (queue.length === 0) throw decryptFailed();
      controller.enqueue(await openChunk(backend, key, counter++, true, queue.take(queue.length)));
    },
  });
}

/**
 * A stream that seals what is written to it: the readable side yields the
 * header, then one sealed chunk per 64 KiB of input, then the final chunk
 * when the writable side closes. Same format and options as `seal`.
 *
 * @throws `INVALID_INPUT` at once on malformed options; the stream errors
 *   with `INVALID_INPUT` on a non-`Uint8Array` chunk or a low-order recipient key
 */
export function sealStream(options: SealOptions): TransformStream<Uint8Array, Uint8Array> {
  return sealStreamWith(defaultEnv(), options);
}

/**
 * A stream that opens a sealed blob written to it. Plaintext is emitted one
 * chunk at a time, each only after it authenticates; a chunk is held until
 * the next bytes (or the end of input) show whether it is the final one.
 * The stream errors, after emitting the authenticated prefix, on
 * truncation, trailing data, reordered or duplicated chunks: treat the
 * output as complete only when the stream closes without error.
 *
 * @throws `INVALID_INPUT` at once on malformed options; the stream errors
 *   with the codes of `open`
 */
export function openStream(options: OpenOptions): TransformStream<Uint8Array, Uint8Array> {
  return openStreamWith(defaultEnv(), options);
}
