/**
 * AES-256-GCM with explicit nonces over any backend: the one place that asks
 * a backend for its synchronous fast paths (`aesGcmSealSync`,
 * `aesGcmOpenSync`, `aesGcmSealParts`) and falls back to the async members
 * when it has none. Formats that manage their own nonces (records, the
 * `aead` module's random nonces, stream chunks) build on these, so each is
 * written once for every backend. Tests force the fallback on node with
 * `createNodeBackend({ fastPaths: false })`.
 *
 * The results are a value on a synchronous backend and a promise otherwise
 * ({@link MaybePromise}): callers `await` only a promise, because awaiting a
 * plain value still costs a turn of the microtask queue, a visible share of
 * a 1 KiB record.
 *
 * @module
 */
import { isBytes } from './assert.js';
import type { AesGcmKey, AesGcmKeyOrBytes, Backend } from './backend.js';

/** A value on a synchronous backend, a promise of it otherwise. */
export type MaybePromise<T> = T | Promise<T>;

/** True when `value` is a promise (to `await` only then). */
export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** The backend handle for `key`, importing raw bytes (callers wipe their raw key only once the call has settled). */
function handleOf(backend: Backend, key: AesGcmKeyOrBytes): AesGcmKey | Promise<AesGcmKey> {
  return isBytes(key) ? backend.importAesGcmKey(key) : key;
}

/**
 * Seals `plaintext` into one fresh buffer of `prefix + plaintext + 16`
 * bytes, `ciphertext || tag` at `prefix`; the caller writes the first
 * `prefix` bytes. `key` may be raw bytes, used for this call only.
 *
 * @throws as the backend's `aesGcmSeal` (thrown or rejected)
 */
export function sealAfter(
  backend: Backend,
  key: AesGcmKeyOrBytes,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array | undefined,
  prefix: number,
): MaybePromise<Uint8Array> {
  if (backend.aesGcmSealSync !== undefined) return backend.aesGcmSealSync(key, nonce, plaintext, aad, prefix);
  return sealAfterAsync(backend, key, nonce, plaintext, aad, prefix);
}

async function sealAfterAsync(
  backend: Backend,
  key: AesGcmKeyOrBytes,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array | undefined,
  prefix: number,
): Promise<Uint8Array> {
  const body = await backend.aesGcmSeal(await handleOf(backend, key), nonce, plaintext, aad);
  if (prefix === 0) return body;
  // The one copy of the ciphertext this route makes (the fast path writes in place).
  const out = new Uint8Array(prefix + body.length);
  out.set(body, prefix);
  return out;
}

/**
 * Opens `ciphertext || tag`. `key` may be raw bytes, used for this call only.
 *
 * @throws `DECRYPT_FAILED` on any authentication failure, as the backend's `aesGcmOpen`
 */
export function openWith(
  backend: Backend,
  key: AesGcmKeyOrBytes,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array | undefined,
): MaybePromise<Uint8Array> {
  if (backend.aesGcmOpenSync !== undefined) return backend.aesGcmOpenSync(key, nonce, sealed, aad);
  return openAsync(backend, key, nonce, sealed, aad);
}

async function openAsync(backend: Backend, key: AesGcmKeyOrBytes, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array | undefined): Promise<Uint8Array> {
  return backend.aesGcmOpen(await handleOf(backend, key), nonce, sealed, aad);
}

/**
 * The backend's `aesGcmSealParts` (`[ciphertext, tag]` without a copy),
 * bound, when it has one; `undefined` means seal with `aesGcmSeal`.
 */
export function sealPartsOf(backend: Backend): Backend['aesGcmSealParts'] {
  return backend.aesGcmSealParts?.bind(backend);
}
