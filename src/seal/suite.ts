/**
 * HPKE algorithm descriptors (RFC 9180 §7) and the cipher suite object that
 * carries them, with the backend that runs them.
 *
 * The KEM is DHKEM(X25519, HKDF-SHA256) (`kem.ts`) unless `kemId` names
 * X-Wing (`xwing.ts`), whose callers run its KEM themselves. KDFs are
 * HKDF-SHA256 and HKDF-SHA512, both on the backend. AEADs are pluggable
 * through {@link HpkeAead}: this module ships AES-256-GCM (the one the
 * sealed-blob format uses) and the export-only AEAD; anything else (the
 * tests plug in AES-128-GCM and ChaCha20-Poly1305 to run every RFC vector)
 * implements the same three-field interface.
 *
 * @module
 */
import { getBackend } from '#backend';
import { ZeroVaultError } from '../errors.js';
import type { Backend, HashName } from '../crypto/backend.js';
import { concat, i2osp, utf8 } from '../crypto/bytes.js';
import { KEM_ID } from './kem.js';

/** An HPKE KDF (RFC 9180 §7.2): its IANA id, hash, and `Nh`. */
export interface HpkeKdf {
  /** IANA HPKE KDF identifier. */
  readonly id: number;
  /** The hash HKDF runs on. */
  readonly hash: HashName;
  /** `Nh`: the hash output length in bytes. */
  readonly nh: number;
}

/** HKDF-SHA256 (`0x0001`). */
export const HKDF_SHA256: HpkeKdf = Object.freeze({ id: 0x0001, hash: 'SHA-256', nh: 32 });
/** HKDF-SHA512 (`0x0003`). */
export const HKDF_SHA512: HpkeKdf = Object.freeze({ id: 0x0003, hash: 'SHA-512', nh: 64 });

/** An AEAD bound to one key: what an HPKE context seals and opens with. */
export interface AeadCipher {
  /** Returns `ciphertext || tag`. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /** Returns the plaintext; any failure throws `DECRYPT_FAILED`. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array>;
}

/** An HPKE AEAD (RFC 9180 §7.3). */
export interface HpkeAead {
  /** IANA HPKE AEAD identifier. */
  readonly id: number;
  /** `Nk`: key length in bytes (0 for export-only). */
  readonly nk: number;
  /** `Nn`: nonce length in bytes (0 for export-only). */
  readonly nn: number;
  /** `Nt`: tag length in bytes (0 for export-only). */
  readonly nt: number;
  /** Imports `key` once; the returned cipher is used for every message of a context. */
  init(key: Uint8Array, backend: Backend): Promise<AeadCipher>;
}

/** AES-256-GCM (`0x0002`) on the backend's AES-GCM route. */
export const AES_256_GCM: HpkeAead = Object.freeze({
  id: 0x0002,
  nk: 32,
  nn: 12,
  nt: 16,
  async init(key: Uint8Array, backend: Backend): Promise<AeadCipher> {
    const handle = await backend.importAesGcmKey(key);
    return {
      seal: (nonce, aad, plaintext) => backend.aesGcmSeal(handle, nonce, plaintext, aad),
      open: (nonce, aad, ciphertext) => backend.aesGcmOpen(handle, nonce, ciphertext, aad),
    };
  },
});

function exportOnly(): never {
  throw new ZeroVaultError('UNSUPPORTED', 'an export-only HPKE context cannot seal or open');
}

/** The export-only AEAD (`0xFFFF`, RFC 9180 §7.3): contexts can only `export`. */
export const EXPORT_ONLY: HpkeAead = Object.freeze({
  id: 0xffff,
  nk: 0,
  nn: 0,
  nt: 0,
  async init(): Promise<AeadCipher> {
    return { seal: async () => exportOnly(), open: async () => exportOnly() };
  },
});

/** A cipher suite: KDF, AEAD, the backend that runs them, and the HPKE `suite_id`. */
export interface HpkeSuite {
  /** The KDF of the key schedule. */
  readonly kdf: HpkeKdf;
  /** The AEAD of the contexts. */
  readonly aead: HpkeAead;
  /** The platform route for hashes, X25519 and (for AES-GCM) the AEAD. */
  readonly backend: Backend;
  /** `"HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2)` (RFC 9180 §5.1). */
  readonly id: Uint8Array;
}

/** Options for {@link createSuite}. */
export interface CreateSuiteOptions {
  /** IANA KEM id in the `suite_id`; default DHKEM(X25519, HKDF-SHA256). The KEM itself is the caller's (`kem.ts`, `xwing.ts`). */
  kemId?: number;
  /** Default HKDF-SHA256. */
  kdf?: HpkeKdf;
  /** Default AES-256-GCM. */
  aead?: HpkeAead;
  /** Default: the build's backend. */
  backend?: Backend;
}

/**
 * A suite over DHKEM(X25519, HKDF-SHA256), by default with HKDF-SHA256 and
 * AES-256-GCM: the suite of sealed blobs.
 *
 * @throws `UNSUPPORTED` for a KDF other than HKDF-SHA256/SHA512
 */
export function createSuite(options: CreateSuiteOptions = {}): HpkeSuite {
  const { kdf = HKDF_SHA256, aead = AES_256_GCM, backend = getBackend(), kemId = KEM_ID } = options;
  if (kdf.id !== HKDF_SHA256.id && kdf.id !== HKDF_SHA512.id) {
    throw new ZeroVaultError('UNSUPPORTED', 'kdf must be HKDF-SHA256 or HKDF-SHA512');
  }
  const id = concat(utf8('HPKE'), i2osp(kemId, 2), i2osp(kdf.id, 2), i2osp(aead.id, 2));
  return Object.freeze({ kdf, aead, backend, id });
}
