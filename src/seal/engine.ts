/**
 * The incremental sealer and opener behind `sealStream` / `openStream` and
 * the CLI: plain objects fed `Uint8Array`s that return what to emit, so
 * that a caller can run them without WHATWG streams (the CLI does, to write
 * files at the speed of the disk). Same bytes as `seal` / `open`.
 *
 * Memory: one 64 KiB chunk buffer (and a spare) when sealing, the unread
 * tail of the input when opening, plus the caller's largest write.
 *
 * @module
 */
import { ZeroVaultError, decryptFailed, isZeroVaultError } from '../errors.js';
import { isBytes } from '../crypto/assert.js';
import type { AesGcmKey } from '../crypto/backend.js';
import { copy, wipe } from '../crypto/bytes.js';
import { ByteQueue } from './bytequeue.js';
import type { SealEnv } from './env.js';
import { CHUNK_SIZE, PRELUDE_LENGTH, SEALED_CHUNK_SIZE, parsePrelude } from './format.js';
import { openHeaderDetailed, sealHeader, type HeaderFailure } from './header.js';
import { wipeOpenParams, type OpenParams, type SealParams } from './options.js';
import { BATCH, openChunk, sealChunkParts } from './payload.js';

/** Feeds plaintext in, takes sealed bytes out. */
export interface PayloadSealer {
  /** The complete header: emit it first. */
  readonly header: Uint8Array;
  /** Seals whatever `input` completes; the parts to emit, in order (possibly none). */
  write(input: Uint8Array): Promise<Uint8Array[]>;
  /** Seals the final chunk; the parts to emit. Call once, after the last write. */
  end(): Promise<Uint8Array[]>;
  /** Wipes the buffered plaintext (after a failure elsewhere). */
  abort(): void;
}

/** Feeds a sealed blob in, takes authenticated plaintext out. */
export interface PayloadOpener {
  /** Opens whatever `input` completes; plaintexts to emit, in order (possibly none). */
  write(input: Uint8Array): Promise<Uint8Array[]>;
  /** Opens the final chunk; call once, after the last write. */
  end(): Promise<Uint8Array[]>;
  /** Drops the credential copy (after a failure elsewhere). */
  abort(): void;
}

/** Why an open failed, for the CLI's messages; the thrown error is the public one either way. */
export interface OpenDiagnostics {
  /** The header did not open: no stanza for this key or passphrase, or a MAC mismatch. */
  header?(failure: HeaderFailure): void;
  /** The payload failed: cut at a chunk boundary (`truncated`), or anything else (`corrupt`). */
  payload?(failure: 'truncated' | 'corrupt'): void;
}

function checkChunk(chunk: unknown): asserts chunk is Uint8Array {
  if (!isBytes(chunk)) throw new ZeroVaultError('INVALID_INPUT', 'stream chunks must be Uint8Array');
}

/** Seals the header and returns the sealer of the payload. Wipes `params.senderSecretKey`. */
export async function startSeal(env: SealEnv, params: SealParams): Promise<PayloadSealer> {
  const { backend } = env;
  let key: AesGcmKey;
  let header: Uint8Array;
  try {
    const sealed = await sealHeader(env, params);
    header = sealed.header;
    key = await backend.importAesGcmKey(sealed.payloadKey);
    wipe(sealed.payloadKey);
  } finally {
    if (params.senderSecretKey !== undefined) wipe(params.senderSecretKey);
  }
  let counter = 0;
  // Plaintext not sealed yet: it may turn out to be the final chunk, so a
  // full buffer is only sealed (as non-final) once more input arrives.
  let buffer: Uint8Array = new Uint8Array(CHUNK_SIZE);
  let filled = 0;
  // A second buffer, recycled once its chunk is sealed: less garbage per chunk.
  let spare: Uint8Array | undefined;

  async function sealAll(jobs: readonly Uint8Array[], owned: Uint8Array | undefined): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (let first = 0; first < jobs.length; first += BATCH) {
      const batch = jobs.slice(first, first + BATCH);
      const sealed = await Promise.all(batch.map((plaintext) => sealChunkParts(backend, key, counter++, false, plaintext)));
      for (const parts of sealed) out.push(...parts);
    }
    // Every backend has consumed its input once the seal resolved. Not wiped
    // here: the next chunk overwrites it, and end/abort wipe both buffers.
    if (owned !== undefined) spare = owned;
    return out;
  }

  function wipeBuffers(): void {
    wipe(buffer);
    if (spare !== undefined) wipe(spare);
    spare = undefined;
  }

  return {
    header,
    async write(input) {
      checkChunk(input);
      if (input.length === 0) return [];
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
      return sealAll(jobs, owned);
    },
    async end() {
      try {
        return await sealChunkParts(backend, key, counter++, true, buffer.subarray(0, filled));
      } finally {
        wipeBuffers();
      }
    },
    abort: wipeBuffers,
  };
}

/** The opener of a sealed blob. Wipes the credential in `params` once the header is open or the open failed. */
export function createOpener(env: SealEnv, params: OpenParams, diagnostics: OpenDiagnostics = {}): PayloadOpener {
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
    const result = await openHeaderDetailed(env, header, params);
    wipeOpenParams(params);
    if ('failure' in result) {
      diagnostics.header?.(result.failure);
      throw decryptFailed();
    }
    key = await backend.importAesGcmKey(result.payloadKey);
    wipe(result.payloadKey);
    return true;
  }

  async function openBatch(out: Uint8Array[]): Promise<void> {
    const batch: Uint8Array[] = [];
    while (batch.length < BATCH && queue.length > SEALED_CHUNK_SIZE) {
      const buffer = (scratch[batch.length] ??= new Uint8Array(SEALED_CHUNK_SIZE));
      batch.push(queue.take(SEALED_CHUNK_SIZE, buffer));
    }
    try {
      out.push(...(await Promise.all(batch.map((sealed) => openChunk(backend, key as AesGcmKey, counter++, false, sealed)))));
    } catch (err) {
      if (isZeroVaultError(err, 'DECRYPT_FAILED')) diagnostics.payload?.('corrupt');
      throw err;
    }
  }

  /** A full final piece that fails as final but opens as non-final: the blob was cut at a chunk boundary. */
  async function cutAtBoundary(piece: Uint8Array, at: number): Promise<boolean> {
    if (piece.length !== SEALED_CHUNK_SIZE) return false;
    try {
      wipe(await openChunk(backend, key as AesGcmKey, at, false, piece));
      return true;
    } catch {
      return false;
    }
  }

  return {
    async write(input) {
      checkChunk(input);
      queue.push(input);
      if (key === undefined) {
        let ready: boolean;
        try {
          ready = await readHeader();
        } catch (err) {
          // The stream is dead: drop our copy of the credential now.
          wipeOpenParams(params);
          throw err;
        }
        if (!ready) return [];
      }
      // A sealed chunk with nothing after it yet may be the final one: hold
      // it until more bytes (→ non-final) or the end of input (→ final).
      const out: Uint8Array[] = [];
      while (queue.length > SEALED_CHUNK_SIZE) await openBatch(out);
      return out;
    },
    async end() {
      if (key === undefined) {
        wipeOpenParams(params);
        throw new ZeroVaultError('INVALID_INPUT', 'sealed blob is truncated');
      }
      // No bytes after the header, or after the last full chunk: no final chunk.
      if (queue.length === 0) {
        diagnostics.payload?.('truncated');
        throw decryptFailed();
      }
      const at = counter++;
      const piece = queue.take(queue.length);
      try {
        return [await openChunk(backend, key, at, true, piece)];
      } catch (err) {
        if (isZeroVaultError(err, 'DECRYPT_FAILED')) diagnostics.payload?.((await cutAtBoundary(piece, at)) ? 'truncated' : 'corrupt');
        throw err;
      }
    },
    abort() {
      wipeOpenParams(params);
    },
  };
}
