/**
 * The `node:crypto` backend: OpenSSL's AES-GCM (AES-NI), hashes, HMAC, HKDF
 * and X25519, all but AES-GCM synchronous. Selected for Node by the
 * `#backend` import condition.
 *
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { ZeroVaultError, decryptFailed } from '../errors.js';
import { assertBytes, isBytes } from './assert.js';
import { GCM_TAG_LENGTH, type AesGcmKey, type AesGcmKeyOrBytes, type Backend, type HashName } from './backend.js';
import { checkAesKey, checkGcmArgs, checkHash, checkHkdfLength, checkPrk, checkSharedSecret, checkX25519 } from './backend-checks.js';
import { nodePrivateFiles } from './backend-node-files.js';
import { nodeSyncedFiles } from './backend-node-sync.js';

const NAME = 'node';

interface NodeAesKey extends AesGcmKey {
  readonly keyObject: KeyObject;
}

const NODE_HASH: Readonly<Record<HashName, string>> = { 'SHA-256': 'sha256', 'SHA-512': 'sha512' };

/** What `createCipheriv` takes for an {@link AesGcmKeyOrBytes}: the imported KeyObject, or checked raw bytes. */
function cipherKeyOf(key: AesGcmKeyOrBytes, name: string): KeyObject | Uint8Array {
  // isBytes, not instanceof: raw keys from another realm (a vm context, a test environment) count too.
  if (isBytes(key)) {
    checkAesKey(key);
    return key;
  }
  return keyObjectOf(key, name);
}

function keyObjectOf(key: AesGcmKey, name: string): KeyObject {
  if (key === null || typeof key !== 'object' || key.backend !== name || !('keyObject' in key)) {
    throw new ZeroVaultError('INVALID_INPUT', 'key was not imported by this backend');
  }
  return (key as NodeAesKey).keyObject;
}

/** Views a Node Buffer as a plain Uint8Array over the same memory (no copy). */
function plain(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

// The DER prefix that turns 32 raw bytes into a PKCS#8 X25519 private key (RFC 8410).
const X25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);

function der(prefix: Uint8Array, raw: Uint8Array): Buffer {
  const out = Buffer.alloc(prefix.length + raw.length);
  out.set(prefix, 0);
  out.set(raw, prefix.length);
  return out;
}

/**
 * An X25519 private KeyObject from 32 raw bytes. JWK first: OpenSSL's PKCS#8
 * decoder costs ~0.6 ms a call, a JWK import ~0.07 ms. The JWK grammar
 * requires `x`, but Node builds the key from `d` alone and derives the public
 * half itself, so a placeholder `x` is enough (the Wycheproof X25519 vectors
 * run against this path). Should a Node version refuse it, PKCS#8 still works.
 */
function x25519Private(secretKey: Uint8Array): KeyObject {
  const d = Buffer.from(secretKey.buffer, secretKey.byteOffset, secretKey.byteLength).toString('base64url');
  try {
    return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: X25519_PLACEHOLDER_X }, format: 'jwk' });
  } catch {
    const encoded = der(X25519_PKCS8_PREFIX, secretKey);
    try {
      return createPrivateKey({ key: encoded, format: 'der', type: 'pkcs8' });
    } finally {
      encoded.fill(0);
    }
  }
}

/** 32 zero bytes, base64url: the placeholder `x` of a private JWK (see {@link x25519Private}). */
const X25519_PLACEHOLDER_X = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** An X25519 public KeyObject from 32 raw bytes (JWK: faster than the SPKI decoder). */
function x25519Public(publicKey: Uint8Array): KeyObject {
  const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
}

/**
 * Plaintexts above this are encrypted in pieces of this size. Why: `update()`
 * cannot write into a buffer we give it, so one call on 16 MiB makes a
 * second 16 MiB buffer that we then copy out of RAM again; 256 KiB pieces
 * stay in cache between encryption and copy, and the piece buffers are small
 * enough for the allocator to recycle. Measured: equal to or faster than raw
 * `update()` + `Buffer.concat` from 1 MiB up (one call would be ~20% slower
 * at 16 MiB); below 256 KiB nothing changes.
 */
const SEAL_PIECE = 256 * 1024;

/**
 * AES-256-GCM into one fresh buffer of `offset + plaintext + tag` bytes, the
 * ciphertext at `offset`; the caller fills `[0, offset)`.
 */
function sealInto(keyObject: KeyObject | Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array | undefined, offset: number): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', keyObject, nonce, { authTagLength: GCM_TAG_LENGTH });
  if (aad !== undefined && aad.length > 0) cipher.setAAD(aad);
  const length = plaintext.length;
  // allocUnsafeSlow: never from Node's shared pool (so `.buffer` exposes nothing else) and not
  // zero-filled, a measurable cost at 16 MiB; every byte past `offset` is written below.
  const out = plain(Buffer.allocUnsafeSlow(offset + length + GCM_TAG_LENGTH));
  let at = offset;
  for (let start = 0; start < length; start += SEAL_PIECE) {
    const piece = cipher.update(length <= SEAL_PIECE ? plaintext : plaintext.subarray(start, Math.min(length, start + SEAL_PIECE)));
    out.set(piece, at);
    at += piece.length;
  }
  const rest = cipher.final();
  out.set(rest, at);
  at += rest.length;
  // GCM is a stream mode, so this always holds; checked because a gap would expose uninitialised memory.
  if (at !== offset + length) throw new ZeroVaultError('UNSUPPORTED', 'unexpected AES-GCM output length');
  out.set(cipher.getAuthTag(), at);
  return out;
}

/**
 * A Node Buffer as a Uint8Array the caller may own: a view when the Buffer
 * has its ArrayBuffer to itself, a copy when it sits in Node's shared pool
 * (small Buffers do), so `.buffer` never exposes unrelated memory.
 */
function owned(buffer: Buffer): Uint8Array {
  return buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength ? plain(buffer) : Uint8Array.from(buffer);
}

/** The largest `info` Node's `hkdfSync` takes. */
const HKDF_SYNC_MAX_INFO = 1024;

/** HKDF-Expand (RFC 5869 §2.3): node:crypto has no expand-only call, so T(i) = HMAC(PRK, T(i-1) | info | i). */
function expand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let offset = 0, i = 1; offset < length; i++) {
    const block = createHmac(NODE_HASH[hash], prk).update(previous).update(info).update(Uint8Array.of(i)).digest();
    out.set(block.subarray(0, Math.min(block.length, length - offset)), offset);
    offset += block.length;
    previous.fill(0);
    previous = block;
  }
  previous.fill(0);
  return out;
}

/** AES-256-GCM open with the backend's checks and errors; no plaintext leaves on a bad tag. */
function openWith(keyObject: KeyObject | Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array | undefined): Uint8Array {
  checkGcmArgs(nonce, sealed, aad);
  if (sealed.length < GCM_TAG_LENGTH) throw decryptFailed();
  const split = sealed.length - GCM_TAG_LENGTH;
  // authTagLength pins 16 bytes: without it Node accepts truncated tags.
  const decipher = createDecipheriv('aes-256-gcm', keyObject, nonce, { authTagLength: GCM_TAG_LENGTH });
  decipher.setAuthTag(sealed.subarray(split));
  if (aad !== undefined && aad.length > 0) decipher.setAAD(aad);
  const body = decipher.update(sealed.subarray(0, split));
  try {
    const rest = decipher.final();
    if (rest.length === 0) return plain(body);
    const out = new Uint8Array(body.length + rest.length);
    out.set(body, 0);
    out.set(rest, body.length);
    return out;
  } catch {
    // Never release unauthenticated plaintext.
    body.fill(0);
    throw decryptFailed();
  }
}

/** The largest `prefix` of `aesGcmSealSync`: room for a record header with any KEK id. */
const MAX_PREFIX = 65536;

/** Hashes, HMAC, HKDF and X25519: the same for both routes. */
const SYNC_PRIMITIVES: Pick<Backend, 'digest' | 'hmac' | 'hkdfExtract' | 'hkdfExpand' | 'hkdf' | 'x25519PublicKey' | 'x25519'> = {
  digest(hash, data) {
    checkHash(hash);
    assertBytes(data, 'data');
    return plain(createHash(NODE_HASH[hash]).update(data).digest());
  },

  hmac(hash, key, data) {
    checkHash(hash);
    assertBytes(key, 'key');
    assertBytes(data, 'data');
    return plain(createHmac(NODE_HASH[hash], key).update(data).digest());
  },

  hkdfExtract(hash, salt, ikm) {
    checkHash(hash);
    assertBytes(salt, 'salt');
    assertBytes(ikm, 'ikm');
    // RFC 5869 §2.2: an absent salt is HashLen zeros; HMAC pads an empty key the same way.
    return plain(createHmac(NODE_HASH[hash], salt).update(ikm).digest());
  },

  hkdfExpand(hash, prk, info, length) {
    checkHash(hash);
    checkPrk(hash, prk);
    assertBytes(info, 'info');
    checkHkdfLength(hash, length);
    return expand(hash, prk, info, length);
  },

  hkdf(hash, ikm, salt, info, length) {
    checkHash(hash);
    assertBytes(ikm, 'ikm');
    assertBytes(salt, 'salt');
    assertBytes(info, 'info');
    checkHkdfLength(hash, length);
    if (length === 0) return new Uint8Array(0);
    // Node caps hkdfSync's info at 1024 bytes (RFC 5869 has no cap): longer info takes the HMAC route.
    if (info.length > HKDF_SYNC_MAX_INFO) {
      const prk = createHmac(NODE_HASH[hash], salt).update(ikm).digest();
      try {
        return expand(hash, prk, info, length);
      } finally {
        prk.fill(0);
      }
    }
    // OpenSSL's one-shot HKDF: one native call instead of 2 + L/HashLen HMACs.
    return new Uint8Array(hkdfSync(NODE_HASH[hash], ikm, salt, info, length));
  },

  x25519PublicKey(secretKey) {
    checkX25519(secretKey);
    const { x } = createPublicKey(x25519Private(secretKey)).export({ format: 'jwk' });
    return Uint8Array.from(Buffer.from(x as string, 'base64url'));
  },

  x25519(secretKey, publicKey) {
    checkX25519(secretKey, publicKey);
    let shared: Buffer;
    try {
      shared = diffieHellman({
        privateKey: x25519Private(secretKey),
        publicKey: x25519Public(publicKey),
      });
    } catch {
      // OpenSSL refuses an all-zero shared secret; report it like the other backends.
      throw new ZeroVaultError('INVALID_INPUT', 'publicKey is a low-order point');
    }
    return checkSharedSecret(plain(shared));
  },
};

/** Options for {@link createNodeBackend}. */
export interface NodeBackendOptions {
  /**
   * `false` leaves out the synchronous fast paths (`aesGcmSealSync`,
   * `aesGcmOpenSync`, `aesGcmSealParts`), so callers take their fallback
   * over the async members; the backend then reports the name `node-async`.
   * Tests use this to run every vector through both routes. Default `true`.
   */
  fastPaths?: boolean;
}

/** Creates the `node:crypto` backend. */
export function createNodeBackend(options: NodeBackendOptions = {}): Backend {
  const fast = options.fastPaths ?? true;
  // Key handles carry the name: a handle from one route is refused by the other.
  const name = fast ? NAME : 'node-async';
  const importKey = (raw: Uint8Array): AesGcmKey => {
    checkAesKey(raw);
    const key: NodeAesKey = { algorithm: 'AES-256-GCM', backend: name, keyObject: createSecretKey(raw) };
    return key;
  };
  const common: Backend = {
    name,

    async importAesGcmKey(raw) {
      return importKey(raw);
    },

    async aesGcmSeal(key, nonce, plaintext, aad) {
      const keyObject = keyObjectOf(key, name);
      checkGcmArgs(nonce, plaintext, aad);
      return sealInto(keyObject, nonce, plaintext, aad, 0);
    },

    async aesGcmOpen(key, nonce, sealed, aad) {
      return openWith(keyObjectOf(key, name), nonce, sealed, aad);
    },

    ...SYNC_PRIMITIVES,

    // Views of the caller's own arrays: no byte goes through Buffer's shared pool, where a
    // decoded secret would outlive the caller's wipe.
    base64url: {
      encode: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url'),
      decodeInto: (text, out) => Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(text, 'base64url'),
    },

    privateFiles: nodePrivateFiles,
    syncedFiles: nodeSyncedFiles,
  };
  if (!fast) return common;
  return {
    ...common,

    aesGcmSealSync(key, nonce, plaintext, aad, prefix) {
      const keyObject = cipherKeyOf(key, name);
      checkGcmArgs(nonce, plaintext, aad);
      if (!Number.isSafeInteger(prefix) || prefix < 0 || prefix > MAX_PREFIX) throw new ZeroVaultError('INVALID_INPUT', `prefix must be 0 to ${MAX_PREFIX} bytes`);
      return sealInto(keyObject, nonce, plaintext, aad, prefix);
    },

    aesGcmOpenSync(key, nonce, sealed, aad) {
      return openWith(cipherKeyOf(key, name), nonce, sealed, aad);
    },

    aesGcmSealParts(key, nonce, plaintext, aad) {
      const keyObject = keyObjectOf(key, name);
      checkGcmArgs(nonce, plaintext, aad);
      const cipher = createCipheriv('aes-256-gcm', keyObject, nonce, { authTagLength: GCM_TAG_LENGTH });
      if (aad !== undefined && aad.length > 0) cipher.setAAD(aad);
      const body = cipher.update(plaintext);
      const rest = cipher.final();
      const ciphertext = rest.length === 0 ? owned(body) : Uint8Array.from(Buffer.concat([body, rest]));
      return [ciphertext, Uint8Array.from(cipher.getAuthTag())];
    },
  };
}

let cached: Backend | undefined;

/** The backend this build uses, created on first use (no work at import). */
export function getBackend(): Backend {
  cached ??= createNodeBackend();
  return cached;
}
