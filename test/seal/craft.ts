/**
 * Builds sealed blobs piece by piece, including ones no honest sealer
 * produces (wrong chunk flags, empty final chunks, extra chunks), for the
 * negative suites and the published invalid vectors. Uses the internal
 * header and chunk functions with injected randomness.
 */
import type { AesGcmKey } from '../../src/crypto/backend.js';
import { wipe } from '../../src/crypto/bytes.js';
import type { SealEnv } from '../../src/seal/env.js';
import { CHUNK_SIZE, SUITES } from '../../src/seal/format.js';
import { sealHeader, type HeaderSealParams } from '../../src/seal/header.js';
import { sealChunk } from '../../src/seal/payload.js';

/** A header and the key its payload chunks are sealed under. */
export interface Crafter {
  header: Uint8Array;
  /** Seals `plaintext` as chunk `counter` with the given final flag. */
  chunk(counter: number, last: boolean, plaintext: Uint8Array): Promise<Uint8Array>;
  /** The honest chunk list for `data`. */
  chunks(data: Uint8Array): Promise<Uint8Array[]>;
}

/** Seals a header with `env`'s randomness; returns it with a chunk sealer. */
export async function crafter(env: SealEnv, params: Partial<HeaderSealParams> & { recipients: readonly Uint8Array[] }): Promise<Crafter> {
  const { header, payloadKey } = await sealHeader(env, { suite: SUITES.x25519, passphrase: undefined, senderSecretKey: undefined, aad: new Uint8Array(0), ...params });
  const key: AesGcmKey = await env.backend.importAesGcmKey(payloadKey);
  wipe(payloadKey);
  const chunk = (counter: number, last: boolean, plaintext: Uint8Array): Promise<Uint8Array> => sealChunk(env.backend, key, counter, last, plaintext);
  return {
    header,
    chunk,
    async chunks(data) {
      const count = data.length === 0 ? 1 : Math.ceil(data.length / CHUNK_SIZE);
      const out: Uint8Array[] = [];
      for (let i = 0; i < count; i++) out.push(await chunk(i, i === count - 1, data.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)));
      return out;
    },
  };
}

/** Concatenates parts into one blob. */
export function assemble(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A copy of `bytes` with bit `bit` of byte `index` flipped. */
export function flip(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[index] = (out[index] as number) ^ (1 << bit);
  return out;
}
