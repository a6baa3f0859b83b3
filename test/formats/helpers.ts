/**
 * Shared by the format tests: reading our published vectors, the corruptions
 * of a golden sample, and the one acceptable way to fail.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { fromHex } from '../../src/crypto/bytes.js';
import { isZeroVaultError, type ZeroVaultErrorCode } from '../../src/errors.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../vectors/zerovault');

/** Reads one of our vector files (they are checked in: a missing file fails). */
export function readVectors<T>(name: string): T {
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
}

/** Hex to bytes. */
export const bytes = (hex: string): Uint8Array => fromHex(hex);

/** An invalid byte vector as published. */
export interface InvalidBytes {
  readonly name: string;
  readonly bytes: string;
  readonly error: ZeroVaultErrorCode;
}

// Per byte: its lowest bit (flags, small counts, lengths off by one), its
// highest bit (UTF-8 lead bytes, big lengths) and all of it.
const FLIPS = [0x01, 0x80, 0xff] as const;

/**
 * Every corruption of a golden sample: each truncation, one trailing byte,
 * and, at each byte, three flips (low bit, high bit, whole byte).
 */
export function* corruptions(sample: Uint8Array): Generator<{ what: string; bytes: Uint8Array }> {
  for (let n = 0; n < sample.length; n++) yield { what: `truncated to ${n}`, bytes: sample.slice(0, n) };
  yield { what: 'one trailing byte', bytes: Uint8Array.of(...sample, 0) };
  for (let i = 0; i < sample.length; i++) {
    for (const mask of FLIPS) {
      const copy = Uint8Array.from(sample);
      copy[i] = (copy[i] as number) ^ mask;
      yield { what: `byte ${i} ^ 0x${mask.toString(16)}`, bytes: copy };
    }
  }
}

/**
 * What `run` threw, when it is a ZeroVaultError with a known code; a test
 * failure when it returned or threw anything else (a TypeError, a RangeError).
 */
export async function typedFailure(run: () => unknown, what = ''): Promise<ZeroVaultErrorCode> {
  let thrown: unknown;
  try {
    await run();
  } catch (err) {
    thrown = err;
  }
  if (isZeroVaultError(thrown)) return thrown.code;
  expect.fail(`${what}: expected a ZeroVaultError, got ${thrown === undefined ? 'success' : thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : typeof thrown}`);
}

/** Asserts each invalid vector fails `decode` with its published code. */
export async function checkInvalid(vectors: readonly InvalidBytes[], decode: (bytes: Uint8Array) => unknown): Promise<void> {
  expect(vectors.length).toBeGreaterThan(0);
  for (const v of vectors) expect(await typedFailure(() => decode(bytes(v.bytes)), v.name), v.name).toBe(v.error);
}
