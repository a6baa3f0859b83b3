/**
 * Byte encodings of the server setup and of the protocol states the caller
 * holds between messages: the shared header and the client states here, the
 * server's values in `server-state.ts` (which links every suite, where the
 * client loads P-256 on demand). One layout, documented in `docs/opaque.md`:
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
import { assertBytes, isBytes } from '../crypto/assert.js';
import { concat, equal, utf8, wipe } from '../crypto/bytes.js';
import { ke1Length } from './messages.js';
import type { ClientLoginState } from './protocol.js';
import { loadSuiteById, suiteById, type Suite } from './suite.js';

const MAGIC = utf8('ZVOP');
const VERSION = 1;
const HEADER_LENGTH = MAGIC.length + 3;

/** Kinds of encoded values. */
export const KIND = Object.freeze({ serverSetup: 1, clientRegistration: 2, clientLogin: 3, serverLogin: 4 } as const);
type Kind = (typeof KIND)[keyof typeof KIND];
const KIND_NAMES: Readonly<Record<Kind, string>> = { 1: 'setup', 2: 'state', 3: 'state', 4: 'state' };

/** An `INVALID_INPUT` error with this message. */
export function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

/** The header of an encoded value of this kind and suite. */
export function header(kind: Kind, suite: Suite): Uint8Array {
  return concat(MAGIC, Uint8Array.of(VERSION, kind, suite.id));
}

/** Checks the header and returns the suite and a private copy of the body, whose length must be `bodyLength(suite)`. */
export function open(bytes: unknown, kind: Kind, bodyLength: (s: Suite) => number): { suite: Suite; body: Uint8Array } {
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

/**
 * Loads the suite an encoded value names, so the synchronous decoders can
 * resolve it. Looks only at the suite byte of something shaped like our
 * header; everything else is left to {@link open}, which rejects it with
 * its usual error.
 */
export async function loadSuiteOf(bytes: unknown): Promise<void> {
  if (isBytes(bytes) && bytes.length >= HEADER_LENGTH && equal(bytes.subarray(0, MAGIC.length), MAGIC)) {
    await loadSuiteById(bytes[MAGIC.length + 2] as number);
  }
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
