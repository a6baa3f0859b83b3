/**
 * The payload: STREAM (Hoang, Reyhanitabar, Rogaway, Vizár 2015) as age
 * uses it, over AES-256-GCM. Plaintext is cut into 64 KiB chunks; chunk `i`
 * is sealed under the payload key with nonce `I2OSP(i, 11) || last` and an
 * empty AAD. The last chunk carries `last = 0x01`, may be full or short, and
 * is empty only when the whole payload is.
 *
 * A truncation ends on a chunk sealed with `last = 0x00`, a reordering moves
 * a chunk to another counter, an extension leaves a `last = 0x01` chunk in
 * the middle: each fails authentication.
 *
 * @module
 */
import { decryptFailed, ZeroVaultError } from '../errors.js';
import type { AesGcmKey, Backend } from '../crypto/backend.js';
import { sealPartsOf } from '../crypto/gcm.js';
import { wipe } from '../crypto/bytes.js';
import { CHUNK_SIZE, MAX_CHUNKS, SEALED_CHUNK_SIZE, TAG_LENGTH, chunkNonce, sealedPayloadLength } from './format.js';

/**
 * Chunks sealed or opened concurrently: WebCrypto calls are asynchronous and
 * overlap; 16 × 64 KiB bounds the memory in flight to about 1 MiB.
 */
export const BATCH = 16;

/**
 * Seals chunk `counter` as one or more buffers to emit in order
 * (`ciphertext`, `tag` on backends that can hand them over without a copy).
 */
export async function sealChunkParts(backend: Backend, key: AesGcmKey, counter: number, last: boolean, plaintext: Uint8Array): Promise<Uint8Array[]> {
  if (counter >= MAX_CHUNKS) throw new ZeroVaultError('INVALID_INPUT', 'payload exceeds the maximum sealed size');
  const parts = sealPartsOf(backend);
  if (parts !== undefined) return parts(key, chunkNonce(counter, last), plaintext);
  return [await backend.aesGcmSeal(key, chunkNonce(counter, last), plaintext)];
}

/** Seals chunk `counter`. */
export function sealChunk(backend: Backend, key: AesGcmKey, counter: number, last: boolean, plaintext: Uint8Array): Promise<Uint8Array> {
  if (counter >= MAX_CHUNKS) throw new ZeroVaultError('INVALID_INPUT', 'payload exceeds the maximum sealed size');
  return backend.aesGcmSeal(key, chunkNonce(counter, last), plaintext);
}

/**
 * Opens chunk `counter`. Enforces the framing a decryptor must check on top
 * of the tag: non-final chunks are full, the final chunk is empty only as
 * the first chunk.
 *
 * @throws `DECRYPT_FAILED` on any failure
 */
export async function openChunk(backend: Backend, key: AesGcmKey, counter: number, last: boolean, sealed: Uint8Array): Promise<Uint8Array> {
  if (counter >= MAX_CHUNKS || sealed.length < TAG_LENGTH || sealed.length > SEALED_CHUNK_SIZE) throw decryptFailed();
  if (!last && sealed.length !== SEALED_CHUNK_SIZE) throw decryptFailed();
  if (last && counter > 0 && sealed.length === TAG_LENGTH) throw decryptFailed();
  return backend.aesGcmOpen(key, chunkNonce(counter, last), sealed);
}

/**
 * Seals all of `data` into `out` at `offset` (which must have
 * {@link sealedPayloadLength} bytes free), chunks in concurrent batches.
 */
export async function sealPayloadInto(backend: Backend, key: AesGcmKey, data: Uint8Array, out: Uint8Array, offset: number): Promise<void> {
  const chunks = data.length === 0 ? 1 : Math.ceil(data.length / CHUNK_SIZE);
  if (chunks > MAX_CHUNKS) throw new ZeroVaultError('INVALID_INPUT', 'payload exceeds the maximum sealed size');
  for (let first = 0; first < chunks; first += BATCH) {
    const end = Math.min(chunks, first + BATCH);
    const jobs: Promise<Uint8Array>[] = [];
    for (let i = first; i < end; i++) {
      const start = i * CHUNK_SIZE;
      jobs.push(sealChunk(backend, key, i, i === chunks - 1, data.subarray(start, Math.min(data.length, start + CHUNK_SIZE))));
    }
    const sealed = await Promise.all(jobs);
    for (const [j, chunk] of sealed.entries()) out.set(chunk, offset + (first + j) * SEALED_CHUNK_SIZE);
  }
}

/**
 * Opens a complete sealed payload. Its length alone fixes the chunking:
 * full sealed chunks, then a final one of 16 to 65552 bytes. Nothing is
 * returned unless every chunk authenticates.
 *
 * @throws `DECRYPT_FAILED` on truncation, extension, reordering, a bad tag,
 *   or an empty final chunk after data
 */
export async function openPayload(backend: Backend, key: AesGcmKey, payload: Uint8Array): Promise<Uint8Array> {
  const full = Math.floor(payload.length / SEALED_CHUNK_SIZE);
  const rest = payload.length % SEALED_CHUNK_SIZE;
  // rest = 0: the last full chunk is the final one (or there is none at all).
  const chunks = rest === 0 ? full : full + 1;
  if (chunks === 0 || (rest !== 0 && rest < TAG_LENGTH)) throw decryptFailed();
  const out = new Uint8Array(payload.length - chunks * TAG_LENGTH);
  try {
    for (let first = 0; first < chunks; first += BATCH) {
      const end = Math.min(chunks, first + BATCH);
      const jobs: Promise<Uint8Array>[] = [];
      for (let i = first; i < end; i++) {
        const start = i * SEALED_CHUNK_SIZE;
        jobs.push(openChunk(backend, key, i, i === chunks - 1, payload.subarray(start, Math.min(payload.length, start + SEALED_CHUNK_SIZE))));
      }
      const opened = await Promise.all(jobs);
      for (const [j, chunk] of opened.entries()) out.set(chunk, (first + j) * CHUNK_SIZE);
    }
  } catch (err) {
    wipe(out);
    throw err;
  }
  return out;
}

export { sealedPayloadLength };
