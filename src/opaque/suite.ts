/**
 * OPAQUE-3DH configurations (RFC 9807 §7) and the primitives they bind: the
 * OPRF group, HKDF (Extract/Expand), HMAC and the hash, with the lengths the
 * RFC names (Nh, Npk, Nsk, Nm, Nx, Noe, Nok, Nn, Nseed).
 *
 * ristretto255-SHA512 is always linked. P256-SHA256 lives in
 * `suite-p256.ts` so that a browser client that never uses it does not ship
 * P-256: the async client calls {@link loadSuite} (a dynamic import), the
 * synchronous server registers it statically. {@link getSuite} and
 * {@link suiteById} answer from the suites registered so far.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertOneOf } from '../crypto/assert.js';
import type { HashName } from '../crypto/backend.js';
import { RISTRETTO255, type PrimeOrderGroup } from '../crypto/group.js';
import { digest, hkdfExpand, hkdfExtract, hmac } from '../crypto/kdf.js';
import { loadOnDemand } from '../crypto/lazy.js';
import { DEFAULT_SUITE, SUITE_NAMES, type SuiteName } from './suite-names.js';

export { DEFAULT_SUITE, SUITE_NAMES, type SuiteName } from './suite-names.js';

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

/** Encoding ids of every suite, registered or not: an id outside this table is unknown, not merely unloaded. */
const SUITE_IDS: Readonly<Record<SuiteName, number>> = Object.freeze({ 'ristretto255-SHA512': 1, 'P256-SHA256': 2 });

/** A suite over `group`, with the RFC 9807 lengths derived from it and the hash. Internal. */
export function makeSuite(name: SuiteName, group: PrimeOrderGroup, hash: HashName): Suite {
  const Nh = hash === 'SHA-512' ? 64 : 32;
  return Object.freeze({
    name,
    id: SUITE_IDS[name],
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

// The suites linked so far. Only ever grows, and only with the frozen
// constants of this module and `suite-p256.ts`: it caches which modules are
// loaded, it holds no protocol state.
const registered = new Map<SuiteName, Suite>([['ristretto255-SHA512', makeSuite('ristretto255-SHA512', RISTRETTO255, 'SHA-512')]]);

/** Makes `suite` available to {@link getSuite} and {@link suiteById}. Internal: `suite-p256.ts` calls it. */
export function registerSuite(suite: Suite): void {
  registered.set(suite.name, suite);
}

function loaded(name: SuiteName): Suite {
  const suite = registered.get(name);
  // Unreachable through the public API, which loads a suite before using it.
  if (suite === undefined) throw new ZeroVaultError('UNSUPPORTED', `OPAQUE suite ${name} is not loaded`);
  return suite;
}

/**
 * The suite with this name (default {@link DEFAULT_SUITE}), if it is loaded.
 *
 * @throws `INVALID_INPUT` for an unknown name; `UNSUPPORTED` for a suite not
 *   loaded yet (see {@link loadSuite})
 */
export function getSuite(name: unknown = DEFAULT_SUITE): Suite {
  assertOneOf(name, 'suite', SUITE_NAMES);
  return loaded(name);
}

/**
 * The suite with this encoding id, if it is loaded.
 *
 * @throws `UNSUPPORTED` for an unknown id or a suite not loaded yet
 */
export function suiteById(id: number): Suite {
  return loaded(nameOfId(id));
}

function nameOfId(id: number): SuiteName {
  for (const name of SUITE_NAMES) if (SUITE_IDS[name] === id) return name;
  throw new ZeroVaultError('UNSUPPORTED', 'unknown OPAQUE suite');
}

/**
 * Loads the suite with this name (default {@link DEFAULT_SUITE}) and
 * returns it: P256-SHA256 is imported on first use.
 *
 * @throws `INVALID_INPUT` for an unknown name
 */
export async function loadSuite(name: unknown = DEFAULT_SUITE): Promise<Suite> {
  assertOneOf(name, 'suite', SUITE_NAMES);
  if (!registered.has(name)) (await loadOnDemand(() => import('./suite-p256.js'))).registerP256Suite();
  return loaded(name);
}

/**
 * Loads the suite with this encoding id, if the id is known; an unknown id
 * is left for the strict decoder to reject with its own error.
 */
export async function loadSuiteById(id: number): Promise<void> {
  const name = SUITE_NAMES.find((n) => SUITE_IDS[n] === id);
  if (name !== undefined) await loadSuite(name);
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
