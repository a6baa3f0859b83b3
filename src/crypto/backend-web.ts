/**
 * The web backend: WebCrypto (`crypto.subtle`) for AES-256-GCM, with
 * `@noble/ciphers` when `crypto.subtle` is missing (insecure contexts, some
 * edge runtimes); `@noble/hashes` and `@noble/curves` for the synchronous
 * primitives (hashes, HMAC, HKDF, X25519), which WebCrypto can only offer
 * asynchronously. Selected by the `#backend` import condition everywhere but
 * Node.
 *
 * The fallback is not silent: the backend's `name` says `web-noble`.
 *
 * @module
 */
import type { gcm as gcmType } from '@noble/ciphers/aes.js';
import { x25519 as nobleX25519 } from './x25519.js';
import { expand as hkdfExpandNoble, extract as hkdfExtractNoble, hkdf as hkdfNoble } from '@noble/hashes/hkdf.js';
import { hmac as hmacNoble } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { ZeroVaultError, decryptFailed } from '../errors.js';
import { assertBytes } from './assert.js';
import { GCM_TAG_LENGTH, type AesGcmKey, type Backend, type HashName } from './backend.js';
import { checkAesKey, checkGcmArgs, checkHash, checkHkdfLength, checkPrk, checkSharedSecret, checkX25519 } from './backend-checks.js';
import { loadOnDemand } from './lazy.js';

const HASHES = { 'SHA-256': sha256, 'SHA-512': sha512 } as const;

function hashOf(hash: HashName) {
  return HASHES[hash];
}

interface SubtleAesKey extends AesGcmKey {
  readonly cryptoKey: CryptoKey;
}

interface RawAesKey extends AesGcmKey {
  readonly raw: Uint8Array;
}

/** Options for {@link createWebBackend}. */
export interface WebBackendOptions {
  /**
   * The `SubtleCrypto` to use; `null` forces the `@noble/ciphers` fallback
   * (tests use this to run every vector against both routes). Defaults to
   * `globalThis.crypto.subtle`, read when the backend is created.
   */
  subtle?: SubtleCrypto | null;
}

/** WebCrypto wants an ArrayBuffer-backed view; copies only when it is not one. */
function buffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : Uint8Array.from(bytes);
}

function syncPrimitives(): Omit<Backend, 'name' | 'importAesGcmKey' | 'aesGcmSeal' | 'aesGcmOpen'> {
  return {
    digest(hash, data) {
      checkHash(hash);
      assertBytes(data, 'data');
      return hashOf(hash)(data);
    },
    hmac(hash, key, data) {
      checkHash(hash);
      assertBytes(key, 'key');
      assertBytes(data, 'data');
      return hmacNoble(hashOf(hash), key, data);
    },
    hkdfExtract(hash, salt, ikm) {
      checkHash(hash);
      assertBytes(salt, 'salt');
      assertBytes(ikm, 'ikm');
      return hkdfExtractNoble(hashOf(hash), ikm, salt);
    },
    hkdfExpand(hash, prk, info, length) {
      checkHash(hash);
      checkPrk(hash, prk);
      assertBytes(info, 'info');
      checkHkdfLength(hash, length);
      if (length === 0) return new Uint8Array(0);
      return hkdfExpandNoble(hashOf(hash), prk, info, length);
    },
    hkdf(hash, ikm, salt, info, length) {
      checkHash(hash);
      assertBytes(ikm, 'ikm');
      assertBytes(salt, 'salt');
      assertBytes(info, 'info');
      checkHkdfLength(hash, length);
      if (length === 0) return new Uint8Array(0);
      return hkdfNoble(hashOf(hash), ikm, salt, info, length);
    },
    x25519PublicKey(secretKey) {
      checkX25519(secretKey);
      return nobleX25519.getPublicKey(secretKey);
    },
    x25519(secretKey, publicKey) {
      checkX25519(secretKey, publicKey);
      let shared: Uint8Array;
      try {
        shared = nobleX25519.getSharedSecret(secretKey, publicKey);
      } catch {
        // noble refuses an all-zero result itself; same code as the other backends.
        throw new ZeroVaultError('INVALID_INPUT', 'publicKey is a low-order point');
      }
      return checkSharedSecret(shared);
    },
  };
}

function subtleBackend(subtle: SubtleCrypto): Backend {
  const name = 'web';
  const keyOf = (key: AesGcmKey): CryptoKey => {
    if (key === null || typeof key !== 'object' || key.backend !== name || !('cryptoKey' in key)) {
      throw new ZeroVaultError('INVALID_INPUT', 'key was not imported by this backend');
    }
    return (key as SubtleAesKey).cryptoKey;
  };
  const params = (nonce: Uint8Array, aad: Uint8Array | undefined): AesGcmParams =>
    aad !== undefined && aad.length > 0
      ? { name: 'AES-GCM', iv: buffer(nonce), additionalData: buffer(aad), tagLength: GCM_TAG_LENGTH * 8 }
      : { name: 'AES-GCM', iv: buffer(nonce), tagLength: GCM_TAG_LENGTH * 8 };
  return {
    name,
    ...syncPrimitives(),
    async importAesGcmKey(raw) {
      checkAesKey(raw);
      // Non-extractable: the raw key cannot be read back out of the handle.
      const cryptoKey = await subtle.importKey('raw', buffer(raw), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
      const key: SubtleAesKey = { algorithm: 'AES-256-GCM', backend: name, cryptoKey };
      return key;
    },
    async aesGcmSeal(key, nonce, plaintext, aad) {
      const cryptoKey = keyOf(key);
      checkGcmArgs(nonce, plaintext, aad);
      return new Uint8Array(await subtle.encrypt(params(nonce, aad), cryptoKey, buffer(plaintext)));
    },
    async aesGcmOpen(key, nonce, sealed, aad) {
      const cryptoKey = keyOf(key);
      checkGcmArgs(nonce, sealed, aad);
      if (sealed.length < GCM_TAG_LENGTH) throw decryptFailed();
      try {
        return new Uint8Array(await subtle.decrypt(params(nonce, aad), cryptoKey, buffer(sealed)));
      } catch {
        throw decryptFailed();
      }
    },
  };
}

/**
 * `@noble/ciphers`' AES-GCM, loaded on first use: only runtimes without
 * `crypto.subtle` need it, so bundlers split it out of the main chunk.
 */
let nobleGcm: Promise<typeof gcmType> | undefined;
function loadGcm(): Promise<typeof gcmType> {
  // A failed load is not cached: the next call tries again.
  nobleGcm ??= loadOnDemand(() => import('@noble/ciphers/aes.js')).then(
    (m) => m.gcm,
    (err: unknown) => {
      nobleGcm = undefined;
      throw err;
    },
  );
  return nobleGcm;
}

function nobleBackend(): Backend {
  const name = 'web-noble';
  const rawOf = (key: AesGcmKey): Uint8Array => {
    if (key === null || typeof key !== 'object' || key.backend !== name || !('raw' in key)) {
      throw new ZeroVaultError('INVALID_INPUT', 'key was not imported by this backend');
    }
    return (key as RawAesKey).raw;
  };
  return {
    name,
    ...syncPrimitives(),
    async importAesGcmKey(raw) {
      checkAesKey(raw);
      const key: RawAesKey = { algorithm: 'AES-256-GCM', backend: name, raw: Uint8Array.from(raw) };
      return key;
    },
    async aesGcmSeal(key, nonce, plaintext, aad) {
      const raw = rawOf(key);
      checkGcmArgs(nonce, plaintext, aad);
      const gcm = await loadGcm();
      return gcm(raw, nonce, aad).encrypt(plaintext);
    },
    async aesGcmOpen(key, nonce, sealed, aad) {
      const raw = rawOf(key);
      checkGcmArgs(nonce, sealed, aad);
      if (sealed.length < GCM_TAG_LENGTH) throw decryptFailed();
      const gcm = await loadGcm();
      try {
        return gcm(raw, nonce, aad).decrypt(sealed);
      } catch {
        throw decryptFailed();
      }
    },
  };
}

/**
 * Creates the web backend over `options.subtle` (default: the platform's
 * `crypto.subtle`), or over `@noble/ciphers` when there is none.
 */
export function createWebBackend(options: WebBackendOptions = {}): Backend {
  const subtle = 'subtle' in options ? options.subtle : globalThis.crypto?.subtle;
  return subtle ? subtleBackend(subtle) : nobleBackend();
}

let cached: Backend | undefined;

/** The backend this build uses, created on first use (no work at import). */
export function getBackend(): Backend {
  cached ??= createWebBackend();
  return cached;
}
