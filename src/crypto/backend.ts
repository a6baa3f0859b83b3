/**
 * The one runtime seam. Everything platform-specific sits behind this
 * interface; `backend-node.ts` implements it on `node:crypto`,
 * `backend-web.ts` on WebCrypto with `@noble/*` where a primitive is missing.
 * The package's `#backend` import condition picks one at build time.
 *
 * Shape, and why:
 * - AES-GCM is async, because WebCrypto forces it; keys are imported once
 *   into an {@link AesGcmKey} handle since an import costs as much as a small
 *   encryption.
 * - Hashes, HMAC, HKDF and X25519 are synchronous (node:crypto natively,
 *   `@noble/*` on the web): they are small, and a sync KDF keeps protocol
 *   code straight-line.
 *
 * Backends check sizes (key, nonce, tag) themselves, so a vector suite run
 * against the backend alone proves the same rejections as the API above it.
 * They accept any 32-byte AES key, the all-zero one included (the NIST and
 * Wycheproof vectors use it): refusing keys that must never protect data is
 * the job of the layers that take keys from callers (`aead.importKey`, the
 * envelope's KEK, root-key and DEK checks).
 *
 * Optional fast paths are typed, optional members (the `*Sync` and
 * `aesGcmSealParts` members below), and `crypto/gcm.ts` is the one place
 * that asks for them and falls back to the async members. They used to be
 * reached through `Symbol.for` keys so that two copies of the package would
 * agree on them; a typed member needs no such key: the backend is chosen per
 * build by the `#backend` import condition and only this package's own code
 * calls it, and a property name is as shared between two copies as a
 * registered symbol is.
 *
 * @module
 */

/** Hash functions the SDK uses. */
export type HashName = 'SHA-256' | 'SHA-512';

/** Output length in bytes of each {@link HashName}. */
export const HASH_LENGTH: Readonly<Record<HashName, number>> = Object.freeze({ 'SHA-256': 32, 'SHA-512': 64 });

/** AES-256-GCM parameters: the only ones we accept. */
export const AES_KEY_LENGTH = 32;
/** 96-bit nonces only: other lengths go through GHASH and weaken the bounds. */
export const GCM_NONCE_LENGTH = 12;
/** Full 128-bit tags only: truncated tags make forgeries cheaper. */
export const GCM_TAG_LENGTH = 16;

/**
 * An AES-256-GCM key imported into a backend (a non-extractable `CryptoKey`,
 * a `KeyObject`, or a private copy of the raw bytes). Opaque to callers; a
 * key from one backend is rejected by another.
 */
export interface AesGcmKey {
  readonly algorithm: 'AES-256-GCM';
  /** The name of the backend that imported it. */
  readonly backend: string;
}

/**
 * A key for the synchronous fast paths: a handle this backend imported, or
 * 32 raw bytes used for this one call (a per-record key is used once, and
 * importing it costs about a quarter of a 1 KiB AES-GCM call).
 */
export type AesGcmKeyOrBytes = AesGcmKey | Uint8Array;

/**
 * Small private files (Node): where a client keeps what a remembered device
 * needs between runs (`client/devices/local-files.ts`). Every write is
 * atomic and durable (temporary file, fsync, rename, fsync of the folder)
 * and leaves the file with mode 0600, in a folder created with mode 0700.
 * Names are plain file names (`[A-Za-z0-9._-]`, no path). Failures are `STORAGE`.
 */
export interface PrivateFiles {
  /** The bytes of `dir/name`, or `null` when it does not exist. */
  read(dir: string, name: string): Promise<Uint8Array | null>;
  /** Replaces `dir/name` atomically (creating `dir`). */
  write(dir: string, name: string, data: Uint8Array): Promise<void>;
  /** Deletes `dir/name`; a missing file is not an error. */
  remove(dir: string, name: string): Promise<void>;
  /** The names in `dir` (none when it does not exist). */
  list(dir: string): Promise<string[]>;
}

/** A file held open for fsyncs off the event loop (see {@link SyncedFiles}). */
export interface SyncedFile {
  /**
   * Resolves once an fsync of the file that started after this call is done,
   * so every write made before the call is durable. Concurrent callers share
   * one fsync. A failed fsync is `STORAGE`, for this call and every later one.
   */
  sync(): Promise<void>;
  /** Closes the descriptor. */
  close(): void;
}

/**
 * Durable syncs of a file another component writes, run on a thread pool
 * instead of the event loop: the SQLite stores commit with `synchronous =
 * NORMAL` and wait for an fsync of the WAL file before answering.
 */
export interface SyncedFiles {
  /** Opens `path` (which must exist) for syncing. `STORAGE` when it cannot be opened. */
  open(path: string): SyncedFile;
}

/** A native base64url codec (RFC 4648 §5, unpadded). */
export interface Base64urlCodec {
  /** The encoding of `bytes`. */
  encode(bytes: Uint8Array): string;
  /**
   * Decodes `text` into `out` (sized by the caller), leniently: the caller
   * checks that the text is the canonical encoding of what was written.
   * @returns the number of bytes written
   */
  decodeInto(text: string, out: Uint8Array): number;
}

/** What every backend provides. All inputs are validated by the backend. */
export interface Backend {
  /** `node`, `web` (WebCrypto) or `web-noble` (no `crypto.subtle`); `node-async` is node without its fast paths (the test switch). */
  readonly name: string;

  /** Imports a 32-byte AES key once for repeated use. `INVALID_INPUT` on a wrong size. */
  importAesGcmKey(raw: Uint8Array): Promise<AesGcmKey>;
  /**
   * AES-256-GCM encryption with a 12-byte nonce; returns `ciphertext || tag`
   * (16-byte tag). The caller guarantees nonce uniqueness per key.
   */
  aesGcmSeal(key: AesGcmKey, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;
  /**
   * AES-256-GCM decryption of `ciphertext || tag`. Any authentication failure,
   * including a short input, throws `DECRYPT_FAILED`; no plaintext is released.
   */
  aesGcmOpen(key: AesGcmKey, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Promise<Uint8Array>;

  /** SHA-256 or SHA-512 digest. */
  digest(hash: HashName, data: Uint8Array): Uint8Array;
  /** HMAC (RFC 2104). Any key length. */
  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-Extract (RFC 5869 §2.2). An empty salt means `HashLen` zero bytes. */
  hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  /** HKDF-Expand (RFC 5869 §2.3). `length` ≤ 255·HashLen, else `INVALID_INPUT`. */
  hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** Extract-then-expand in one call. */
  hkdf(hash: HashName, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;

  /** The X25519 public key of a 32-byte secret key (RFC 7748). */
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /**
   * X25519 shared secret (RFC 7748 §6.1). An all-zero result (low-order
   * public key) throws `INVALID_INPUT`, as RFC 9180 and RFC 7748 §6.1 require.
   */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;

  // Optional fast paths: only a backend whose AES-GCM is synchronous
  // (`node:crypto`) has them. Same checks and errors as the async members
  // (thrown, not rejected). Callers reach them through `crypto/gcm.ts`.

  /**
   * AES-256-GCM seal into one fresh buffer of `prefix + plaintext + 16`
   * bytes, `ciphertext || tag` at `prefix`. The first `prefix` bytes
   * (0..65536) are uninitialised: the caller must overwrite every one. Why: a
   * format that puts bytes in front (a nonce, a record header) writes them in
   * place instead of copying the whole ciphertext behind them (at 16 MiB
   * that copy was half the cost of a seal), and no promise is created (a
   * visible share at 1 KiB).
   */
  aesGcmSealSync?(key: AesGcmKeyOrBytes, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array | undefined, prefix: number): Uint8Array;
  /**
   * AES-256-GCM open of `ciphertext || tag`, synchronously: opening a sealed
   * record takes two opens, and as awaited calls with their key imports that
   * was four promise hops, about a third of a 1 KiB open.
   */
  aesGcmOpenSync?(key: AesGcmKeyOrBytes, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array;
  /**
   * AES-256-GCM seal returning `[ciphertext, tag]` as two buffers, each the
   * caller's alone (never a view into a shared pool), so a stream emits both
   * without copying the ciphertext to append 16 bytes (about a fifth of a
   * 64 KiB chunk's cost).
   */
  aesGcmSealParts?(key: AesGcmKey, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): [ciphertext: Uint8Array, tag: Uint8Array];

  /**
   * The platform's base64url codec (Node's `Buffer`), which encodes and
   * decodes 1 KiB in 0.2 and 0.5 µs against 4.8 and 3.7 µs for the loops in
   * `bytes.ts`: a verified blob request pays one or the other (issue 18).
   * Reached through `crypto/base64url.ts`, which keeps `bytes.ts`'s
   * strictness. Absent where there is none (browsers).
   */
  readonly base64url?: Base64urlCodec;

  /**
   * Synced files (`node:fs`), where a server store commits to a file
   * database: like private files, a platform service behind the same seam.
   */
  readonly syncedFiles?: SyncedFiles;

  /**
   * Private files, where the platform has a file system (`node:fs`): not a
   * fast path but the one platform-specific thing the client needs besides
   * crypto, so it sits behind the same seam rather than a second one.
   * Absent in browsers, which keep remembered devices in IndexedDB.
   */
  readonly privateFiles?: PrivateFiles;
}
