/**
 * Byte encodings of the server setup and of the protocol states the caller
 * holds between messages. One layout, documented in `docs/opaque.md`:
 *
 * ```
 * "ZVOP" | version 0x01 | kind | suite id | body
 * ```
 *
 * | kind | value | body |
 * | --- | --- | --- |
 * | 0x01 | server setup | `oprf_seed[Nh] ‖ server_private_key[Nsk] ‖ server_public_key[Npk] ‖ fake_client_public_key[Npk]` |
 * | 0x02 | client registration state | `blind[Nsk] ‖ blinded_message[Noe]` |
 * | 0x03 | client login state | `blind[Nsk] ‖ client_secret[Nsk] ‖ ke1[Noe+Nn+Npk]` |
 * | 0x04 | server login state | `expected_client_mac[Nm] ‖ session_key[Nx]` |
 *
 * Suite ids: 0x01 ristretto255-SHA512, 0x02 P256-SHA256. Decoding is
 * strict: a wrong magic, kind or length is `INVALID_INPUT`, an unknown
 * version or suite `UNSUPPORTED`, all before any other work; scalars and
 * elements are validated, and a setup's public key must match its private key.
 * Every one of these values is secret.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertBytes, assertObject } from '../crypto/assert.js';
import { concat, equal, utf8, wipe } from '../crypto/bytes.js';
import { digest } from '../crypto/kdf.js';
import { ke1Length } from './messages.js';
import type { ClientLoginState } from './protocol.js';
import { getSuite, suiteById, type Suite, type SuiteName } from './suite.js';

const MAGIC = utf8('ZVOP');
const VERSION = 1;
const HEADER_LENGTH = MAGIC.length + 3;

/** Kinds of encoded values. */
export const KIND = Object.freeze({ serverSetup: 1, clientRegistration: 2, clientLogin: 3, serverLogin: 4 } as const);
type Kind = (typeof KIND)[keyof typeof KIND];
const KIND_NAMES: Readonly<Record<Kind, string>> = { 1: 'setup', 2: 'state', 3: 'state', 4: 'state' };

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

function header(kind: Kind, suite: Suite): Uint8Array {
  return concat(MAGIC, Uint8Array.of(VERSION, kind, suite.id));
}

/** Checks the header and returns the suite and a private copy of the body, whose length must be `bodyLength(suite)`. */
function open(bytes: unknown, kind: Kind, bodyLength: (s: Suite) => number): { suite: Suite; body: Uint8Array } {
  const name = KIND_NAMES[kind];
  assertBytes(bytes, name, { min: HEADER_LENGTH });
  if (!equal(bytes.subarray(0, MAGIC.length), MAGIC)) throw invalid(`${name} is not a zerovault OPAQUE value`);
  if (bytes[MAGIC.length] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', `${name} has an unknown version`);
  if (bytes[MAGIC.length + 1] !== kind) throw invalid(`${name} is the wrong kind of OPAQUE value`);
  const suite = suiteById(bytes[MAGIC.length + 2] as number);
  if (bytes.length !== HEADER_LENGTH + bodyLength(suite)) throw invalid(`${name} has the wrong length`);
  // A copy, never a view: Node's Buffer#slice shares memory, and the body is wiped after use.
  return { suite, body: Uint8Array.from(bytes.subarray(HEADER_LENGTH)) };
}

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
  const suite = getSuite(setup.suite);
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

/** Client state between `startRegistration` and `finishRegistration`. */
export interface ClientRegistrationState {
  readonly suite: Suite;
  readonly blind: Uint8Array;
  readonly blinded: Uint8Array;
}

/** Encodes a client registration state (kind 0x02). */
export function encodeClientRegistrationState(state: ClientRegistrationState): Uint8Array {
  return concat(header(KIND.clientRegistration, state.suite), state.blind, state.blinded);
}

/** Decodes a client registration state. */
export function decodeClientRegistrationState(bytes: Uint8Array): ClientRegistrationState {
  const { suite, body } = open(bytes, KIND.clientRegistration, (s) => s.Nsk + s.Noe);
  const blind = body.slice(0, suite.Nsk);
  const blinded = body.slice(suite.Nsk);
  wipe(body);
  suite.group.assertScalar(blind, 'state.blind');
  suite.group.assertElement(blinded, 'state.blinded');
  return { suite, blind, blinded };
}

/** Encodes a client login state (kind 0x03). */
export function encodeClientLoginState(suite: Suite, state: ClientLoginState): Uint8Array {
  return concat(header(KIND.clientLogin, suite), state.blind, state.clientSecret, state.ke1);
}

/** Decodes a client login state. */
export function decodeClientLoginState(bytes: Uint8Array): { suite: Suite; state: ClientLoginState } {
  const { suite, body } = open(bytes, KIND.clientLogin, (s) => 2 * s.Nsk + ke1Length(s));
  const blind = body.slice(0, suite.Nsk);
  const clientSecret = body.slice(suite.Nsk, 2 * suite.Nsk);
  const ke1 = body.slice(2 * suite.Nsk);
  wipe(body);
  suite.group.assertScalar(blind, 'state.blind');
  suite.group.assertScalar(clientSecret, 'state.clientSecret');
  return { suite, state: { blind, clientSecret, ke1 } };
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
  const { suite, body } = open(bytes, KIND.serverLogin, (s) => s.Nm + s.Nx);
  const expectedClientMac = body.slice(0, suite.Nm);
  const sessionKey = body.slice(suite.Nm);
  wipe(body);
  return { suite, expectedClientMac, sessionKey };
}
