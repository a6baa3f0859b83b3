/**
 * OPAQUE-3DH configurations (RFC 9807 §7) and the primitives they bind: the
 * OPRF group, HKDF (Extract/Expand), HMAC and the hash, with the lengths the
 * RFC names (Nh, Npk, Nsk, Nm, Nx, Noe, Nok, Nn, Nseed).
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertOneOf } from '../crypto/assert.js';
import type { HashName } from '../crypto/backend.js';
import { P256, RISTRETTO255, type PrimeOrderGroup } from '../crypto/group.js';
import { digest, hkdfExpand, hkdfExtract, hmac } from '../crypto/kdf.js';

/** The OPAQUE suites we implement, named by their OPRF (RFC 9807 §7). */
export type SuiteName = 'ristretto255-SHA512' | 'P256-SHA256';

/** Every suite name, default first. */
export const SUITE_NAMES: readonly SuiteName[] = Object.freeze(['ristretto255-SHA512', 'P256-SHA256']);

/** The default suite: interoperates with opaque-ke / `@serenity-kit/opaque`. */
export const DEFAULT_SUITE: SuiteName = 'ristretto255-SHA512';

/** Nonce length (RFC 9807 §2: Nn = 32). */
export const Nn = 32;
/** Seed length (RFC 9807 §2: Nseed = 32). */
export const Nseed = 32;

/** One configuration: OPRF, KDF, MAC, Hash and AKE group (RFC 9807 §7). KSF and context are separate. */
export interface Suite {
  /** Suite name. */
  readonly name: SuiteName;
  /** One-byte id used in our setup and state encodings. */
  readonly id: number;
  /** The OPRF and AKE group (the same one, as §7 recommends). */
  readonly group: PrimeOrderGroup;
  /** Hash for HKDF, HMAC and Hash. */
  readonly hash: HashName;
  /** Hash output length. */
  readonly Nh: number;
  /** MAC output length. */
  readonly Nm: number;
  /** Extract output length. */
  readonly Nx: number;
  /** AKE public key length. */
  readonly Npk: number;
  /** AKE private key length. */
  readonly Nsk: number;
  /** OPRF element length. */
  readonly Noe: number;
  /** OPRF private key length. */
  readonly Nok: number;
}

function makeSuite(name: SuiteName, id: number, group: PrimeOrderGroup, hash: HashName): Suite {
  const Nh = hash === 'SHA-512' ? 64 : 32;
  return Object.freeze({
    name,
    id,
    group,
    hash,
    Nh,
    Nm: Nh,
    Nx: Nh,
    Npk: group.elementLength,
    Nsk: group.scalarLength,
    Noe: group.elementLength,
    Nok: group.scalarLength,
  });
}

const SUITES: Readonly<Record<SuiteName, Suite>> = Object.freeze({
  'ristretto255-SHA512': makeSuite('ristretto255-SHA512', 1, RISTRETTO255, 'SHA-512'),
  'P256-SHA256': makeSuite('P256-SHA256', 2, P256, 'SHA-256'),
});

/**
 * The suite with this name (default {@link DEFAULT_SUITE}).
 *
 * @throws `INVALID_INPUT` for an unknown name
 */
export function getSuite(name: unknown = DEFAULT_SUITE): Suite {
  assertOneOf(name, 'suite', SUITE_NAMES);
  return SUITES[name];
}

/**
 * The suite with this encoding id.
 *
 * @throws `UNSUPPORTED` for an unknown id
 */
export function suiteById(id: number): Suite {
  for (const suite of Object.values(SUITES)) if (suite.id === id) return suite;
  throw new ZeroVaultError('UNSUPPORTED', 'unknown OPAQUE suite');
}

/** RFC 9807 §2.2 Extract(salt, ikm); an empty salt is Nh zero bytes. */
export function extract(suite: Suite, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hkdfExtract(suite.hash, salt, ikm);
}

/** RFC 9807 §2.2 Expand(prk, info, L). */
export function expand(suite: Suite, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return hkdfExpand(suite.hash, prk, info, length);
}

/** RFC 9807 §2.2 MAC(key, msg): HMAC with the suite hash. */
export function mac(suite: Suite, key: Uint8Array, msg: Uint8Array): Uint8Array {
  return hmac(suite.hash, key, msg);
}

/** RFC 9807 §2.3 Hash(msg). */
export function hash(suite: Suite, msg: Uint8Array): Uint8Array {
  return digest(suite.hash, msg);
}
