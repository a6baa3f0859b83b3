/**
 * The backends (and the node fallback switch) every vector suite runs
 * against, and small helpers the suites share. The names are asserted so that a backend which silently fell
 * back (e.g. `web` without `crypto.subtle`) fails loudly instead of testing
 * the wrong route twice.
 */
import { expect } from 'vitest';
import { isZeroVaultError } from '../../src/errors.js';
import type { AesGcmKeyOrBytes, Backend } from '../../src/crypto/backend.js';
import { createNodeBackend } from '../../src/crypto/backend-node.js';
import { createWebBackend } from '../../src/crypto/backend-web.js';

/**
 * Every backend, by the name it must report. `node-async` is the node
 * backend without its synchronous fast paths (the test switch): callers then
 * take the fallback over the async members, the route every other backend takes.
 */
export const BACKENDS: readonly (readonly [string, () => Backend])[] = [
  ['node', () => createNodeBackend()],
  ['node-async', () => createNodeBackend({ fastPaths: false })],
  ['web', () => createWebBackend()],
  ['web-noble', () => createWebBackend({ subtle: null })],
];

/** Creates a backend and checks it is the route its name promises. */
export function makeBackend(name: string, create: () => Backend): Backend {
  const backend = create();
  expect(backend.name).toBe(name);
  return backend;
}

/**
 * The one-buffer seal `nonce || ciphertext || tag` (what `aead.seal`
 * returns) over the backend's `aesGcmSealSync` fast path, when it has one.
 */
export function prefixedSealOf(backend: Backend): ((key: AesGcmKeyOrBytes, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array) => Uint8Array) | undefined {
  const sealSync = backend.aesGcmSealSync?.bind(backend);
  if (sealSync === undefined) return undefined;
  return (key, nonce, plaintext, aad) => {
    const out = sealSync(key, nonce, plaintext, aad, 12);
    out.set(nonce, 0);
    return out;
  };
}

/** Decodes hex from a vector file (vectors are trusted test data). */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** Lowercase hex, for readable diffs in failure lists. */
export function toHexString(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The zerovault error code `fn` throws, or a description of what happened instead. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return isZeroVaultError(err) ? err.code : `foreign error: ${String(err)}`;
  }
  return 'no error';
}

/** Like {@link codeOf} for a promise-returning call (sync throws count too). */
export async function asyncCodeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    return isZeroVaultError(err) ? err.code : `foreign error: ${String(err)}`;
  }
  return 'no error';
}

/** Logs how many vectors a suite ran, so the count shows in the test output. */
export function report(suite: string, backend: string, counts: Readonly<Record<string, number>>): void {
  const parts = Object.entries(counts).map(([k, v]) => `${k}=${v}`);
  console.log(`[vectors] ${suite} on ${backend}: ${parts.join(', ')}`);
}

/**
 * Defers reading a vector file to the first test that needs it: a skipped
 * suite's body still runs at collection, and must not touch a missing file.
 */
export function lazy<T>(load: () => T): () => T {
  let value: { readonly v: T } | undefined;
  return () => (value ??= { v: load() }).v;
}
