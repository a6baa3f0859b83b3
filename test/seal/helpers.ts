/**
 * Shared helpers for the seal suites: the backends every vector runs on,
 * extra HPKE AEADs (test-only adapters over @noble/ciphers, so that every
 * RFC 9180 X25519 vector runs, not just our suite's), hex, and error codes.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { gcm } from '@noble/ciphers/aes.js';
import { expect } from 'vitest';
import { pattern } from '../helpers/pattern.js';
import { decryptFailed, isZeroVaultError } from '../../src/errors.js';
import { AES_256_GCM, EXPORT_ONLY, type AeadCipher, type HpkeAead } from '../../src/seal/suite.js';

/** Backends, by the name each must report (one list for every suite). */
export { BACKENDS, makeBackend } from '../crypto/backends.js';

function nobleAead(id: number, nk: number, make: (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array) => { encrypt(p: Uint8Array): Uint8Array; decrypt(c: Uint8Array): Uint8Array }): HpkeAead {
  return {
    id,
    nk,
    nn: 12,
    nt: 16,
    async init(key: Uint8Array): Promise<AeadCipher> {
      const raw = Uint8Array.from(key);
      return {
        seal: async (nonce, aad, plaintext) => make(raw, nonce, aad).encrypt(plaintext),
        open: async (nonce, aad, ciphertext) => {
          try {
            return make(raw, nonce, aad).decrypt(ciphertext);
          } catch {
            throw decryptFailed();
          }
        },
      };
    },
  };
}

/** Test-only AES-128-GCM (0x0001). */
export const AES_128_GCM = nobleAead(0x0001, 16, (k, n, a) => gcm(k, n, a));
/** Test-only ChaCha20-Poly1305 (0x0003). */
export const CHACHA20_POLY1305 = nobleAead(0x0003, 32, (k, n, a) => chacha20poly1305(k, n, a));

/** Every AEAD the vector files use, by IANA id. */
export const AEADS: ReadonlyMap<number, HpkeAead> = new Map([
  [0x0001, AES_128_GCM],
  [0x0002, AES_256_GCM],
  [0x0003, CHACHA20_POLY1305],
  [0xffff, EXPORT_ONLY],
]);

/** Hex → bytes (trusted test data). */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** Bytes → lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The zerovault error code a promise rejects with, or what happened instead. */
export async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    return isZeroVaultError(err) ? err.code : `foreign error: ${String(err)}`;
  }
  return 'no error';
}

/** Deterministic pseudo-random bytes, for payloads in tests. */
export { pattern };

/** A randomness source that replays `bytes` and fails loudly when exhausted. */
export function replay(...chunks: Uint8Array[]): (length: number) => Uint8Array {
  const queue = [...chunks];
  return (length) => {
    const next = queue.shift();
    if (next === undefined || next.length !== length) throw new Error(`replay: unexpected request for ${length} bytes`);
    return Uint8Array.from(next);
  };
}

/** Fast byte equality (vitest's deep `toEqual` walks typed arrays element by element). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Asserts two byte strings are equal, cheaply, with a useful message. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (sameBytes(actual, expected)) return;
  let i = 0;
  while (i < Math.min(actual.length, expected.length) && actual[i] === expected[i]) i++;
  expect.fail(`bytes differ: lengths ${actual.length} vs ${expected.length}, first difference at ${i}`);
}

/** What piping `inputs` through a transform produced: the chunks emitted, and the error if it failed. */
export interface PipeResult {
  chunks: Uint8Array[];
  error: unknown;
}

/** Writes `inputs` through `stream` (awaiting backpressure) and collects the output. */
export async function pipe(stream: TransformStream<Uint8Array, Uint8Array>, inputs: Iterable<Uint8Array>): Promise<PipeResult> {
  const chunks: Uint8Array[] = [];
  const reading = (async () => {
    const reader = stream.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      chunks.push(value);
    }
  })();
  const writing = (async () => {
    const writer = stream.writable.getWriter();
    for (const input of inputs) await writer.write(input);
    await writer.close();
  })();
  const [r, w] = await Promise.allSettled([reading, writing]);
  const error: unknown = r.status === 'rejected' ? (r.reason as unknown) : w.status === 'rejected' ? (w.reason as unknown) : undefined;
  return { chunks, error };
}

/** Concatenation of byte arrays. */
export function join(chunks: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(chunks));
}

/** Splits `bytes` at the given sizes, cycling through them. */
export function split(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length] as number;
    out.push(bytes.slice(offset, offset + size));
    offset += size;
  }
  return out;
}

/** The zerovault error code of an error value, or a description. */
export function codeOfError(error: unknown): string {
  if (error === undefined) return 'no error';
  return isZeroVaultError(error) ? error.code : `foreign error: ${error instanceof Error ? error.message : typeof error}`;
}

/** A deterministic randomness source: each call returns the next bytes of a seeded sequence. */
export function seededRandom(seed: number): (length: number) => Uint8Array {
  let call = 0;
  return (length) => pattern(length, seed * 7919 + ++call);
}
