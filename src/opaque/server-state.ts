/**
 * Byte encodings of the server's values (layout in `state.ts` and
 * `docs/opaque.md`): the setup (kind 0x01) and the login state between KE2
 * and KE3 (kind 0x04). The server is synchronous, so this module links every
 * suite: it registers P-256 before it resolves a suite.
 *
 * @module
 */
import { assertBytes, assertObject } from '../crypto/assert.js';
import { concat, equal, wipe } from '../crypto/bytes.js';
import { digest } from '../crypto/kdf.js';
import { KIND, header, invalid, open } from './state.js';
import { DEFAULT_SUITE, getSuite, type Suite, type SuiteName } from './suite.js';
import { registerP256Suite } from './suite-p256.js';

/** The server's long-term configuration (RFC 9807 §3.1), plus the fake record's public key (§6.3.2.2). */
export interface ServerSetup {
  readonly suite: SuiteName;
  /** Nh random bytes; the per-user OPRF keys derive from it. */
  readonly oprfSeed: Uint8Array;
  readonly serverPrivateKey: Uint8Array;
  readonly serverPublicKey: Uint8Array;
  /** Public key of the fake record used for unknown users. */
  readonly fakeClientPublicKey: Uint8Array;
}

/**
 * The suite with this name (default `ristretto255-SHA512`), with every suite linked (the server cannot wait
 * for a dynamic import).
 *
 * @throws `INVALID_INPUT` for an unknown name
 */
export function serverSuite(name: unknown = DEFAULT_SUITE): Suite {
  registerP256Suite();
  return getSuite(name);
}

const setupBodyLength = (s: Suite): number => s.Nh + s.Nsk + 2 * s.Npk;

/** A validated setup with its suite resolved. */
export interface ResolvedSetup {
  readonly suite: Suite;
  readonly setup: ServerSetup;
}

/**
 * Validates a setup object and returns a frozen private copy: known suite,
 * exact lengths, valid scalar and elements, and a public key matching the
 * private key.
 *
 * @throws `INVALID_INPUT` naming the bad field
 */
export function validateServerSetup(setup: ServerSetup): ResolvedSetup {
  assertObject(setup, 'setup');
  const suite = serverSuite(setup.suite);
  const { group } = suite;
  assertBytes(setup.oprfSeed, 'setup.oprfSeed', suite.Nh);
  group.assertScalar(setup.serverPrivateKey, 'setup.serverPrivateKey');
  group.assertElement(setup.serverPublicKey, 'setup.serverPublicKey');
  group.assertElement(setup.fakeClientPublicKey, 'setup.fakeClientPublicKey');
  if (!equal(group.publicKey(setup.serverPrivateKey), setup.serverPublicKey)) {
    throw invalid('setup.serverPublicKey does not match setup.serverPrivateKey');
  }
  return { suite, setup: frozenCopy(suite, setup) };
}

/** A frozen private copy of an already validated setup. */
function frozenCopy(suite: Suite, setup: ServerSetup): ServerSetup {
  return Object.freeze({
    suite: suite.name,
    oprfSeed: Uint8Array.from(setup.oprfSeed),
    serverPrivateKey: Uint8Array.from(setup.serverPrivateKey),
    serverPublicKey: Uint8Array.from(setup.serverPublicKey),
    fakeClientPublicKey: Uint8Array.from(setup.fakeClientPublicKey),
  });
}

/**
 * Encodes a server setup (RFC 9807 §3.1; kind 0x01), validating it first: known suite, exact
 * lengths, a valid private key and matching public key, a valid fake client
 * public key. Lets a server import keys it already has.
 *
 * @throws `INVALID_INPUT` naming the bad field
 */
export function encodeServerSetup(setup: ServerSetup): Uint8Array {
  const { suite, setup: v } = validateServerSetup(setup);
  return concat(header(KIND.serverSetup, suite), v.oprfSeed, v.serverPrivateKey, v.serverPublicKey, v.fakeClientPublicKey);
}

/**
 * Encoded setups that passed {@link validateServerSetup}, by the array that
 * holds them, with a SHA-256 fingerprint of the bytes that were checked. A
 * server hands the same setup to every call; checking it again each time (a
 * base-point multiplication and two element decodings) was about a twentieth
 * of a login. A hit needs the array to still hold those bytes (fingerprints
 * compared in constant time), so the result is exactly what a full check
 * would give. The fingerprint is one-way: it keeps nothing of the secret
 * setup usable; weak keys: no entry outlives its array.
 */
const validatedSetups = new WeakMap<Uint8Array, Uint8Array>();

/** Decodes and validates a server setup (kind 0x01). */
export function readServerSetup(bytes: Uint8Array): ResolvedSetup {
  registerP256Suite();
  const { suite, body } = open(bytes, KIND.serverSetup, setupBodyLength);
  let offset = 0;
  const take = (n: number): Uint8Array => body.slice(offset, (offset += n));
  const setup: ServerSetup = {
    suite: suite.name,
    oprfSeed: take(suite.Nh),
    serverPrivateKey: take(suite.Nsk),
    serverPublicKey: take(suite.Npk),
    fakeClientPublicKey: take(suite.Npk),
  };
  wipe(body);
  try {
    const fingerprint = digest('SHA-256', bytes);
    const known = validatedSetups.get(bytes);
    if (known !== undefined && equal(known, fingerprint)) return { suite, setup: frozenCopy(suite, setup) };
    const resolved = validateServerSetup(setup);
    validatedSetups.set(bytes, fingerprint);
    return resolved;
  } finally {
    wipe(setup.oprfSeed, setup.serverPrivateKey);
  }
}

/**
 * Decodes and validates an encoded server setup (kind 0x01) into its
 * fields (RFC 9807 §3.1 setup plus the §6.3.2.2 fake record key), e.g. to
 * back it up or move it between stores.
 *
 * @throws `INVALID_INPUT` or `UNSUPPORTED` as described in `docs/opaque.md`
 */
export function decodeServerSetup(bytes: Uint8Array): ServerSetup {
  return readServerSetup(bytes).setup;
}

/** Server state between `startServerLogin` and `finishServerLogin` (RFC 9807 §6.4 ServerAkeState). */
export interface ServerLoginState {
  readonly suite: Suite;
  readonly expectedClientMac: Uint8Array;
  readonly sessionKey: Uint8Array;
}

/** Encodes a server login state (kind 0x04). */
export function encodeServerLoginState(state: ServerLoginState): Uint8Array {
  return concat(header(KIND.serverLogin, state.suite), state.expectedClientMac, state.sessionKey);
}

/** Decodes a server login state. */
export function decodeServerLoginState(bytes: Uint8Array): ServerLoginState {
  registerP256Suite();
  const { suite, body } = open(bytes, KIND.serverLogin, (s) => s.Nm + s.Nx);
  const expectedClientMac = body.slice(0, suite.Nm);
  const sessionKey = body.slice(suite.Nm);
  wipe(body);
  return { suite, expectedClientMac, sessionKey };
}
