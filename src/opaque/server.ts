/**
 * The OPAQUE server (RFC 9807 §5.2.2, §6.2.2, §6.2.4): synchronous, pure
 * functions over bytes. The setup is the server's long-term secret; the
 * login state is a short-lived secret the caller keeps server-side between
 * KE2 and KE3.
 *
 * Unknown users take the fake-record path of RFC 9807 §6.3.2.2: the same
 * computation on a record with the setup's fake client key, a random masking
 * key and a zero envelope, so the response has the same length and the same
 * cost, and nobody without the password can tell it apart.
 *
 * @module
 */
import { assertObject } from '../crypto/assert.js';
import { wipe } from '../crypto/bytes.js';
import { randomBytes } from '../crypto/random.js';
import { serverFinish } from './ake.js';
import { contextBytes, identityBytes, userIdBytes, type Identities, type TextOrBytes } from './inputs.js';
import { decodeKE3, decodeRecord, envelopeLength, type RegistrationRecord } from './messages.js';
import { createRegistrationResponse as createResponse, generateKE2 } from './protocol.js';
import { decodeServerLoginState, encodeServerLoginState, encodeServerSetup, readServerSetup, serverSuite } from './server-state.js';
import { Nn, Nseed, type SuiteName } from './suite.js';

/** Options of {@link createServerSetup}. */
export interface CreateServerSetupOptions {
  /** The suite; default `ristretto255-SHA512`. */
  suite?: SuiteName;
}

/**
 * Creates a server setup (RFC 9807 §3.1): a random `oprf_seed`, the server's
 * AKE key pair, and the public key of the fake record (§6.3.2.2), encoded as
 * documented in `docs/opaque.md`. Create it once and keep it secret:
 * changing it invalidates every registration.
 */
export function createServerSetup(options: CreateServerSetupOptions = {}): Uint8Array {
  assertObject(options, 'options');
  const suite = serverSuite(options.suite);
  const serverPrivateKey = suite.group.randomScalar();
  const fakePrivateKey = suite.group.randomScalar();
  const oprfSeed = randomBytes(suite.Nh);
  const encoded = encodeServerSetup({
    suite: suite.name,
    oprfSeed,
    serverPrivateKey,
    serverPublicKey: suite.group.publicKey(serverPrivateKey),
    fakeClientPublicKey: suite.group.publicKey(fakePrivateKey),
  });
  wipe(serverPrivateKey, fakePrivateKey, oprfSeed);
  return encoded;
}

/** The server's public key (RFC 9807 §3.1 `server_public_key`) from an encoded setup, e.g. to pin it in clients. */
export function getServerPublicKey(setup: Uint8Array): Uint8Array {
  return readServerSetup(setup).setup.serverPublicKey;
}

/** Options of {@link createRegistrationResponse}. */
export interface CreateRegistrationResponseOptions {
  /** The encoded server setup. */
  setup: Uint8Array;
  /** The user's id (the credential identifier): UTF-8 text or bytes, unique per user. */
  userId: TextOrBytes;
  /** The client's RegistrationRequest. */
  request: Uint8Array;
}

/**
 * Answers a registration request (RFC 9807 §5.2.2 CreateRegistrationResponse):
 * evaluates the OPRF under the user's key and attaches the server public key.
 *
 * @throws `INVALID_INPUT` on a malformed setup, user id or request
 */
export function createRegistrationResponse(options: CreateRegistrationResponseOptions): { response: Uint8Array } {
  assertObject(options, 'options');
  const { suite, setup } = readServerSetup(options.setup);
  const credentialIdentifier = userIdBytes(options.userId);
  const response = createResponse(suite, options.request, setup.serverPublicKey, credentialIdentifier, setup.oprfSeed);
  wipe(setup.oprfSeed, setup.serverPrivateKey);
  return { response };
}

/**
 * Checks that `record` is a well-formed RegistrationRecord (RFC 9807 §5.1)
 * for the setup's suite: exact length, and a client public key that is a
 * valid, non-identity group element. A server calls it before storing a
 * record, so a malformed upload cannot lock an account or make its login
 * answers differ from an unknown user's.
 *
 * @throws `INVALID_INPUT` naming `record`
 */
export function assertRegistrationRecord(options: { setup: Uint8Array; record: Uint8Array }): void {
  assertObject(options, 'options');
  const { suite, setup } = readServerSetup(options.setup);
  try {
    const record = decodeRecord(suite, options.record);
    wipe(record.maskingKey);
  } finally {
    wipe(setup.oprfSeed, setup.serverPrivateKey);
  }
}

/** Options of {@link startServerLogin}. */
export interface StartServerLoginOptions {
  /** The encoded server setup. */
  setup: Uint8Array;
  /** The user's id, as at registration. */
  userId: TextOrBytes;
  /** The user's RegistrationRecord, or `null` for an unknown user (fake-record path). */
  record: Uint8Array | null;
  /** The client's KE1. */
  request: Uint8Array;
  /** Optional identities, as at registration. */
  identities?: Identities;
  /** Shared context (RFC 9807 §6.4.2.1); default empty. Must match the client's. */
  context?: TextOrBytes;
}

/** Result of {@link startServerLogin}. */
export interface StartServerLoginResult {
  /** Secret server state for {@link finishServerLogin}; keep it server-side, briefly. */
  state: Uint8Array;
  /** KE2, for the client. */
  response: Uint8Array;
}

/**
 * Answers a login request (RFC 9807 §6.2.2 GenerateKE2). With `record: null`
 * it answers for a user that does not exist, indistinguishably (§6.3.2.2).
 *
 * @throws `INVALID_INPUT` on a malformed setup, user id, record or KE1
 */
export function startServerLogin(options: StartServerLoginOptions): StartServerLoginResult {
  assertObject(options, 'options');
  const { suite, setup } = readServerSetup(options.setup);
  const credentialIdentifier = userIdBytes(options.userId);
  const identities = identityBytes(options.identities);
  const context = contextBytes(options.context);
  // Drawn on both paths, so both cost the same.
  const fakeMaskingKey = randomBytes(suite.Nh);
  let record: RegistrationRecord;
  if (options.record === null) {
    suite.group.assertElement(setup.fakeClientPublicKey, 'setup.fakeClientPublicKey');
    record = { clientPublicKey: setup.fakeClientPublicKey, maskingKey: fakeMaskingKey, envelope: new Uint8Array(envelopeLength(suite)) };
  } else {
    record = decodeRecord(suite, options.record);
  }
  const serverKeyshareSeed = randomBytes(Nseed);
  try {
    const ake = generateKE2(suite, {
      serverPrivateKey: setup.serverPrivateKey,
      serverPublicKey: setup.serverPublicKey,
      oprfSeed: setup.oprfSeed,
      record,
      credentialIdentifier,
      ke1: options.request,
      identities,
      context,
      maskingNonce: randomBytes(Nn),
      serverNonce: randomBytes(Nn),
      serverKeyshareSeed,
    });
    const state = encodeServerLoginState({ suite, expectedClientMac: ake.expectedClientMac, sessionKey: ake.sessionKey });
    wipe(ake.expectedClientMac, ake.sessionKey);
    return { state, response: ake.ke2 };
  } finally {
    wipe(setup.oprfSeed, setup.serverPrivateKey, fakeMaskingKey, record.maskingKey, serverKeyshareSeed);
  }
}

/** Options of {@link finishServerLogin}. */
export interface FinishServerLoginOptions {
  /** The state from {@link startServerLogin}. */
  state: Uint8Array;
  /** The client's KE3. */
  finalization: Uint8Array;
}

/**
 * Completes a login (RFC 9807 §6.2.4 ServerFinish): checks the client MAC
 * in constant time and releases the session key.
 *
 * @throws `INVALID_INPUT` on a malformed state or a KE3 of the wrong length;
 *   `AUTH_FAILED` (one fixed message) when the client MAC does not match
 */
export function finishServerLogin(options: FinishServerLoginOptions): { sessionKey: Uint8Array } {
  assertObject(options, 'options');
  const { suite, expectedClientMac, sessionKey } = decodeServerLoginState(options.state);
  try {
    const clientMac = decodeKE3(suite, options.finalization);
    return { sessionKey: serverFinish(expectedClientMac, sessionKey, clientMac) };
  } finally {
    wipe(expectedClientMac, sessionKey);
  }
}
