/**
 * The OPAQUE client (RFC 9807 §5.2, §6.2): registration and login as pure
 * async functions over bytes. The caller holds the state between calls.
 *
 * Every call resolves its suite with `loadSuite`/`loadSuiteOf` first: a
 * suite other than the default (P-256) is imported on first use, so a
 * browser bundle that never uses it does not load it.
 *
 * The KSF profile is the client's alone: it comes from these options (or the
 * default), never from a server message, and it is checked against floors
 * and ceilings, so a server cannot lower it.
 *
 * @module
 */
import { assertObject } from '../crypto/assert.js';
import { wipe } from '../crypto/bytes.js';
import { ARGON2ID_DEFAULT, argon2id, assertArgon2idParams, type Argon2idImplementation, type Argon2idParams } from '../crypto/ksf.js';
import { runKsf, type KsfRunner } from '../crypto/ksf-runner.js';
import { randomBytes } from '../crypto/random.js';
import { ZeroVaultError } from '../errors.js';
import { contextBytes, identityBytes, passwordBytes, type Identities, type TextOrBytes } from './inputs.js';
import { createCredentialRequest, finalizeRegistrationRequest, generateKE1, generateKE3, type Stretch } from './protocol.js';
import {
  decodeClientLoginState,
  decodeClientRegistrationState,
  encodeClientLoginState,
  encodeClientRegistrationState,
  loadSuiteOf,
} from './state.js';
import { Nn, Nseed, loadSuite, type Suite, type SuiteName } from './suite.js';

/** Options of {@link startRegistration} and {@link startLogin}. */
export interface ClientStartOptions {
  /** The password: a string (UTF-8, not normalized) or bytes; 1 to 4096 bytes. */
  password: TextOrBytes;
  /** The suite; default `ristretto255-SHA512`. Must match the server's. */
  suite?: SuiteName;
}

/** Result of {@link startRegistration} and {@link startLogin}. */
export interface ClientStartResult {
  /** Secret client state for the finish call; keep it on the client only. */
  state: Uint8Array;
  /** The message for the server (RegistrationRequest or KE1). */
  request: Uint8Array;
}

/** Options shared by the two finish calls. */
export interface ClientFinishOptions {
  /** The state from the matching start call. */
  state: Uint8Array;
  /** The server's message (RegistrationResponse or KE2). */
  response: Uint8Array;
  /** The same password as in the start call. */
  password: TextOrBytes;
  /** Optional identities; must be the same at registration and login. */
  identities?: Identities;
  /** Argon2id profile; default {@link ARGON2ID_DEFAULT}. Must be the same at registration and login. */
  ksf?: Argon2idParams;
  /** Which Argon2id implementation runs (same output); default `auto` (WASM, else pure JS). */
  ksfImplementation?: Argon2idImplementation;
  /**
   * Where the KSF runs; default: this thread. E.g. `createWorkerKsf(worker).run`
   * from `zerovault/ksf-worker`. It is handed the validated `ksf` profile
   * and must return exactly Nh bytes; it is trusted to compute Argon2id
   * with it (a weaker runner at registration registers a weaker credential).
   */
  ksfRunner?: KsfRunner | undefined;
}

/** Options of {@link finishLogin}. */
export interface FinishLoginOptions extends ClientFinishOptions {
  /** Shared context bound into the handshake (RFC 9807 §6.4.2.1); default empty. Must match the server's. */
  context?: TextOrBytes;
}

/** Result of {@link finishRegistration}. */
export interface FinishRegistrationResult {
  /** The RegistrationRecord to upload to the server. */
  record: Uint8Array;
  /** The export key (Nh bytes): the root of the client's key hierarchy. Never send or store it. */
  exportKey: Uint8Array;
  /** The server's public key, as the server claimed it (registration trusts the channel). */
  serverPublicKey: Uint8Array;
}

/** Result of {@link finishLogin}. */
export interface FinishLoginResult {
  /** KE3, for the server's `finishServerLogin`. */
  finalization: Uint8Array;
  /** The session key (Nx bytes) shared with the server. */
  sessionKey: Uint8Array;
  /** The export key, the same as at registration. */
  exportKey: Uint8Array;
  /** The server's public key, authenticated by the envelope. */
  serverPublicKey: Uint8Array;
}

/** The pinned KSF for a suite: Argon2id with the validated profile and Nh-byte output. */
function pinnedStretch(suite: Suite, options: ClientFinishOptions): Stretch {
  const params = assertArgon2idParams(options.ksf ?? ARGON2ID_DEFAULT);
  const implementation = options.ksfImplementation ?? 'auto';
  const runner = options.ksfRunner;
  if (runner !== undefined) {
    if (typeof runner !== 'function') throw new ZeroVaultError('INVALID_INPUT', 'ksfRunner must be a function');
    return (input) => runKsf(runner, { input, params, outputLength: suite.Nh, implementation });
  }
  return async (input) => (await argon2id(input, params, { outputLength: suite.Nh, implementation })).output;
}

/**
 * Starts a registration (RFC 9807 §5.2.1 CreateRegistrationRequest): blinds
 * the password.
 *
 * @throws `INVALID_INPUT` on a bad password or suite
 */
export async function startRegistration(options: ClientStartOptions): Promise<ClientStartResult> {
  assertObject(options, 'options');
  const suite = await loadSuite(options.suite);
  const password = passwordBytes(options.password);
  const { blind, request } = createCredentialRequest(suite, password);
  const state = encodeClientRegistrationState({ suite, blind, blinded: request });
  wipe(password, blind);
  return { state, request };
}

/**
 * A registration finish whose KSF is chosen once the state names the
 * suite: the state is decoded once, and its secrets wiped, whatever fails.
 */
async function finishRegistrationFor(options: ClientFinishOptions, stretchFor: (suite: Suite) => Stretch): Promise<FinishRegistrationResult> {
  await loadSuiteOf(options.state);
  const { suite, blind, blinded } = decodeClientRegistrationState(options.state);
  try {
    const stretch = stretchFor(suite);
    const identities = identityBytes(options.identities);
    const password = passwordBytes(options.password);
    try {
      return await finalizeRegistrationRequest(suite, {
        password,
        blind,
        blinded,
        response: options.response,
        identities,
        stretch,
        envelopeNonce: randomBytes(Nn),
      });
    } finally {
      wipe(password);
    }
  } finally {
    wipe(blind);
  }
}

/** {@link finishRegistration} with an explicit KSF. Internal: tests reach it through `internal.ts`. */
export function finishRegistrationWith(options: ClientFinishOptions, stretch: Stretch): Promise<FinishRegistrationResult> {
  return finishRegistrationFor(options, () => stretch);
}

/**
 * Finishes a registration (RFC 9807 §5.2.3 FinalizeRegistrationRequest):
 * runs the KSF, builds the envelope and returns the record to upload.
 *
 * @throws `INVALID_INPUT` on a malformed state, response or option;
 *   `AUTH_FAILED` if the server reflected the blinded element
 */
export async function finishRegistration(options: ClientFinishOptions): Promise<FinishRegistrationResult> {
  assertObject(options, 'options');
  return finishRegistrationFor(options, (suite) => pinnedStretch(suite, options));
}

/**
 * Starts a login (RFC 9807 §6.2.1 GenerateKE1): blinds the password and
 * creates the client's ephemeral key share.
 *
 * @throws `INVALID_INPUT` on a bad password or suite
 */
export async function startLogin(options: ClientStartOptions): Promise<ClientStartResult> {
  assertObject(options, 'options');
  const suite = await loadSuite(options.suite);
  const password = passwordBytes(options.password);
  const seed = randomBytes(Nseed);
  const login = generateKE1(suite, password, undefined, randomBytes(Nn), seed);
  const state = encodeClientLoginState(suite, login);
  wipe(password, seed, login.blind, login.clientSecret);
  return { state, request: login.ke1 };
}

/** A login finish whose KSF is chosen once the state names the suite (see {@link finishRegistrationFor}). */
async function finishLoginFor(options: FinishLoginOptions, stretchFor: (suite: Suite) => Stretch): Promise<FinishLoginResult> {
  await loadSuiteOf(options.state);
  const { suite, state } = decodeClientLoginState(options.state);
  try {
    const stretch = stretchFor(suite);
    const identities = identityBytes(options.identities);
    const context = contextBytes(options.context);
    const password = passwordBytes(options.password);
    try {
      const out = await generateKE3(suite, { password, state, ke2: options.response, identities, context, stretch });
      return { finalization: out.ke3, sessionKey: out.sessionKey, exportKey: out.exportKey, serverPublicKey: out.serverPublicKey };
    } finally {
      wipe(password);
    }
  } finally {
    wipe(state.blind, state.clientSecret);
  }
}

/** {@link finishLogin} with an explicit KSF. Internal: tests reach it through `internal.ts`. */
export function finishLoginWith(options: FinishLoginOptions, stretch: Stretch): Promise<FinishLoginResult> {
  return finishLoginFor(options, () => stretch);
}

/**
 * Finishes a login (RFC 9807 §6.2.3 GenerateKE3): runs the KSF, opens the
 * envelope, authenticates the server and returns KE3 with the keys.
 *
 * @throws `INVALID_INPUT` on a malformed state or option or a response of the
 *   wrong length; `AUTH_FAILED` (one fixed message, whatever the cause) on a
 *   wrong password, a forged or tampered response, or another server's key
 */
export async function finishLogin(options: FinishLoginOptions): Promise<FinishLoginResult> {
  assertObject(options, 'options');
  return finishLoginFor(options, (suite) => pinnedStretch(suite, options));
}
