/**
 * Shared test fixtures for the envelope suites: the backends every suite runs
 * against, and error assertions.
 */
import { expect } from 'vitest';
import type { Backend } from '../../src/crypto/backend.js';
import { createNodeBackend } from '../../src/crypto/backend-node.js';
import { createWebBackend } from '../../src/crypto/backend-web.js';
import { isZeroVaultError, type ZeroVaultErrorCode } from '../../src/errors.js';
import { concat, utf8 } from '../../src/crypto/bytes.js';
import { LABELS, deriveKey } from '../../src/crypto/kdf.js';
import type { RecordSuite } from '../../src/envelope/format.js';

/**
 * Every backend route: node:crypto (with its synchronous fast paths, and
 * without them: the fallback every other backend takes), WebCrypto, and the
 * noble fallback.
 */
export const BACKENDS: ReadonlyArray<readonly [string, Backend]> = [
  ['node', createNodeBackend()],
  ['node-async', createNodeBackend({ fastPaths: false })],
  ['web', createWebBackend()],
  ['web-noble', createWebBackend({ subtle: null })],
];

/** Bytes 0..n-1 plus `seed`, a cheap recognisable pattern. */
export function pattern(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i + seed) & 0xff;
  return out;
}

/** Awaits `promise` and asserts it rejects with a ZeroVaultError of `code`. */
export async function expectCode(promise: Promise<unknown> | (() => unknown), code: ZeroVaultErrorCode): Promise<void> {
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    error = err;
  }
  expect(error, `expected ${code}`).toBeDefined();
  expect(isZeroVaultError(error) ? error.code : String(error)).toBe(code);
}

/** Returns the error code of a rejection, or 'RESOLVED' when it did not reject. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'RESOLVED';
  } catch (err) {
    return isZeroVaultError(err) ? err.code : `UNTYPED: ${String(err)}`;
  }
}

/** Fast byte equality for large buffers (deep-equal of big typed arrays is slow). */
export function expectBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(expected)).toBe(true);
}

/**
 * A suite's payload key and commitment from the KDF's definition, not from
 * the envelope's inlined route (`deriveRecordKeys`): suite 1 is two
 * HKDF-SHA-256 calls with their labels, suite 2 one 64-byte
 * HKDF-Expand-SHA-512 split in two (docs/format.md).
 */
export function recordKeysByDefinition(dek: Uint8Array, suite: RecordSuite, backend: Backend): { key: Uint8Array; commitment: Uint8Array } {
  if (suite.id === 1) {
    return {
      key: deriveKey({ ikm: dek, label: LABELS.recordKey, context: suite.prefix }, backend),
      commitment: deriveKey({ ikm: dek, label: LABELS.recordCommitment, context: suite.prefix }, backend),
    };
  }
  const block = backend.hkdfExpand('SHA-512', dek, concat(utf8(LABELS.recordKeys), Uint8Array.of(0), suite.prefix), 64);
  return { key: block.slice(0, 32), commitment: block.slice(32) };
}
