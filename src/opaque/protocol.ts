/**
 * The RFC 9807 protocol functions (§5.2, §6.2, §6.3), deterministic: every
 * random value (blinds, nonces, keyshare seeds) and the KSF are parameters.
 * `client.ts` and `server.ts` draw the randomness and pin the KSF; tests
 * reach these functions through `internal.ts` to replay the RFC vectors.
 *
 * Error policy: a message of the wrong length is `INVALID_INPUT`; anything
 * a client learns from a server response after that (invalid element,
 * reflected OPRF evaluation, envelope tag, server MAC) is `AUTH_FAILED` with
 * the one fixed message.
 *
 * @module
 */
import { ZeroVaultError, authFailed, isZeroVaultError } from '../errors.js';
import { assertBytes } from '../crypto/assert.js';
import { concat, equal, utf8, wipe } from '../crypto/bytes.js';
import { DH_KEY_INFO, OPRF_KEY_INFO } from '../crypto/group.js';
import { clientFinalize, serverRespond, type ServerAkeResult } from './ake.js';
import { cleartextCredentials, maskingKeyOf, recover, store, type IdentityBytes } from './envelope.js';
import {
  decodeKE1,
  decodeKE2,
  decodeRegistrationRequest,
  decodeRegistrationResponse,
  encodeCredentialResponse,
  encodeKE1,
  encodeRecord,
  ke2Length,
  maskedResponseLength,
  type KE2,
  type RegistrationRecord,
} from './messages.js';
import { expand, extract, type Suite } from './suite.js';

/** RFC 9807 §2.3 Stretch: the KSF applied to the OPRF output. Returns a fresh buffer. */
export type Stretch = (oprfOutput: Uint8Array) => Promise<Uint8Array>;

const LABEL_OPRF_KEY = utf8('OprfKey');
const LABEL_PAD = utf8('CredentialResponsePad');
const EMPTY = new Uint8Array(0);

/** Runs `body`, turning any failure into the one `AUTH_FAILED` (no oracle about which check failed). */
function asAuthFailure<T>(body: () => T): T {
  try {
    return body();
  } catch (err) {
    if (isZeroVaultError(err, 'AUTH_FAILED')) throw err;
    throw authFailed();
  }
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new ZeroVaultError('INVALID_INPUT', 'xor operands differ in length');
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (b[i] as number);
  return out;
}

/** The per-user OPRF key (RFC 9807 §5.2.2): `DeriveKeyPair(Expand(oprf_seed, id ‖ "OprfKey", Nok), "OPAQUE-DeriveKeyPair")`. */
export function deriveOprfKey(s: Suite, oprfSeed: Uint8Array, credentialIdentifier: Uint8Array): Uint8Array {
  const seed = expand(s, oprfSeed, concat(credentialIdentifier, LABEL_OPRF_KEY), s.Nok);
  // The secret half of DeriveKeyPair only: the server never uses the OPRF
  // public key, so its base-point multiplication would be wasted work.
  const secretKey = s.group.deriveSecretKey(seed, OPRF_KEY_INFO);
  wipe(seed);
  return secretKey;
}

function evaluate(s: Suite, oprfSeed: Uint8Array, credentialIdentifier: Uint8Array, blinded: Uint8Array): Uint8Array {
  const oprfKey = deriveOprfKey(s, oprfSeed, credentialIdentifier);
  const evaluated = s.group.blindEvaluate(oprfKey, blinded);
  wipe(oprfKey);
  return evaluated;
}

/** `Extract("", oprf_output ‖ Stretch(oprf_output))` (RFC 9807 §5.2.3, §6.3.2.3). */
async function randomizePassword(s: Suite, password: Uint8Array, blind: Uint8Array, evaluated: Uint8Array, stretch: Stretch): Promise<Uint8Array> {
  const oprfOutput = s.group.finalize(password, blind, evaluated);
  const stretched = await stretch(oprfOutput);
  const ikm = concat(oprfOutput, stretched);
  const randomized = extract(s, EMPTY, ikm);
  wipe(oprfOutput, stretched, ikm);
  return randomized;
}

/** RFC 9807 §5.2.1 CreateRegistrationRequest (and §6.3.2.1 CreateCredentialRequest): blinds the password. */
export function createCredentialRequest(s: Suite, password: Uint8Array, blind?: Uint8Array): { blind: Uint8Array; request: Uint8Array } {
  const { blind: r, blinded } = s.group.blind(password, blind);
  return { blind: r, request: blinded };
}

/** RFC 9807 §5.2.2 CreateRegistrationResponse. */
export function createRegistrationResponse(s: Suite, request: Uint8Array, serverPublicKey: Uint8Array, credentialIdentifier: Uint8Array, oprfSeed: Uint8Array): Uint8Array {
  const blinded = decodeRegistrationRequest(s, request);
  return concat(evaluate(s, oprfSeed, credentialIdentifier, blinded), serverPublicKey);
}

/** Inputs to {@link finalizeRegistrationRequest}. */
export interface FinalizeRegistrationInput {
  readonly password: Uint8Array;
  readonly blind: Uint8Array;
  /** The blinded element sent, to detect a server that reflects it. */
  readonly blinded: Uint8Array;
  readonly response: Uint8Array;
  readonly identities: IdentityBytes;
  readonly stretch: Stretch;
  readonly envelopeNonce: Uint8Array;
}

/** Output of {@link finalizeRegistrationRequest}. */
export interface FinalizedRegistration {
  readonly record: Uint8Array;
  readonly exportKey: Uint8Array;
  readonly serverPublicKey: Uint8Array;
}

/**
 * RFC 9807 §5.2.3 FinalizeRegistrationRequest.
 *
 * @throws `INVALID_INPUT` on a malformed response; `AUTH_FAILED` when the
 *   server reflected the blinded element (its OPRF would then be keyless)
 */
export async function finalizeRegistrationRequest(s: Suite, x: FinalizeRegistrationInput): Promise<FinalizedRegistration> {
  const response = decodeRegistrationResponse(s, x.response);
  if (equal(response.evaluatedMessage, x.blinded)) throw authFailed();
  const randomized = await randomizePassword(s, x.password, x.blind, response.evaluatedMessage, x.stretch);
  const stored = store(s, randomized, response.serverPublicKey, x.identities, x.envelopeNonce);
  wipe(randomized);
  const record = encodeRecord({ clientPublicKey: stored.clientPublicKey, maskingKey: stored.maskingKey, envelope: stored.envelope });
  wipe(stored.maskingKey);
  return { record, exportKey: stored.exportKey, serverPublicKey: response.serverPublicKey };
}

/** Client login state before KE2 (RFC 9807 §6.2.1 ClientState, §6.4 ClientAkeState). */
export interface ClientLoginState {
  readonly blind: Uint8Array;
  readonly clientSecret: Uint8Array;
  readonly ke1: Uint8Array;
}

/** RFC 9807 §6.2.1 GenerateKE1 with §6.4.3 AuthClientStart, explicit randomness. */
export function generateKE1(s: Suite, password: Uint8Array, blind: Uint8Array | undefined, clientNonce: Uint8Array, clientKeyshareSeed: Uint8Array): ClientLoginState {
  const request = createCredentialRequest(s, password, blind);
  const { secretKey, publicKey } = s.group.deriveKeyPair(clientKeyshareSeed, DH_KEY_INFO);
  const ke1 = encodeKE1({ blindedMessage: request.request, clientNonce, clientPublicKeyshare: publicKey });
  return { blind: request.blind, clientSecret: secretKey, ke1 };
}

/** Server inputs to {@link generateKE2}. */
export interface GenerateKE2Input {
  readonly serverPrivateKey: Uint8Array;
  readonly serverPublicKey: Uint8Array;
  readonly oprfSeed: Uint8Array;
  /** A real record, or the fake one of RFC 9807 §6.3.2.2. */
  readonly record: RegistrationRecord;
  readonly credentialIdentifier: Uint8Array;
  readonly ke1: Uint8Array;
  readonly identities: IdentityBytes;
  readonly context: Uint8Array;
  readonly maskingNonce: Uint8Array;
  readonly serverNonce: Uint8Array;
  readonly serverKeyshareSeed: Uint8Array;
}

/**
 * RFC 9807 §6.2.2 GenerateKE2: §6.3.2.2 CreateCredentialResponse then §6.4.4
 * AuthServerRespond. The same code runs for a fake record.
 *
 * @throws `INVALID_INPUT` on a malformed KE1
 */
export function generateKE2(s: Suite, x: GenerateKE2Input): ServerAkeResult {
  const ke1 = decodeKE1(s, x.ke1);
  const evaluated = evaluate(s, x.oprfSeed, x.credentialIdentifier, ke1.blindedMessage);
  const pad = expand(s, x.record.maskingKey, concat(x.maskingNonce, LABEL_PAD), maskedResponseLength(s));
  const maskedResponse = xor(pad, concat(x.serverPublicKey, x.record.envelope));
  wipe(pad);
  const credentialResponse = encodeCredentialResponse(evaluated, x.maskingNonce, maskedResponse);
  const credentials = cleartextCredentials(x.serverPublicKey, x.record.clientPublicKey, x.identities);
  return serverRespond(s, {
    credentials,
    serverPrivateKey: x.serverPrivateKey,
    clientPublicKey: x.record.clientPublicKey,
    ke1: encodeKE1(ke1),
    clientPublicKeyshare: ke1.clientPublicKeyshare,
    credentialResponse,
    context: x.context,
    serverNonce: x.serverNonce,
    serverKeyshareSeed: x.serverKeyshareSeed,
  });
}

/** Client inputs to {@link generateKE3}. */
export interface GenerateKE3Input {
  readonly password: Uint8Array;
  readonly state: ClientLoginState;
  readonly ke2: Uint8Array;
  readonly identities: IdentityBytes;
  readonly context: Uint8Array;
  readonly stretch: Stretch;
}

/** Output of {@link generateKE3}. */
export interface GeneratedKE3 {
  readonly ke3: Uint8Array;
  readonly sessionKey: Uint8Array;
  readonly exportKey: Uint8Array;
  readonly serverPublicKey: Uint8Array;
}

/**
 * RFC 9807 §6.2.3 GenerateKE3: §6.3.2.3 RecoverCredentials then §6.4.3
 * AuthClientFinalize.
 *
 * @throws `INVALID_INPUT` if KE2 has the wrong length; `AUTH_FAILED` for a
 *   wrong password, a forged or tampered KE2, or a wrong server key
 */
export async function generateKE3(s: Suite, x: GenerateKE3Input): Promise<GeneratedKE3> {
  assertBytes(x.ke2, 'response', ke2Length(s));
  const ke2: KE2 = asAuthFailure(() => decodeKE2(s, x.ke2));
  const blinded = x.state.ke1.subarray(0, s.Noe);
  if (equal(ke2.evaluatedMessage, blinded)) throw authFailed();
  const randomized = await randomizePassword(s, x.password, x.state.blind, ke2.evaluatedMessage, x.stretch);
  try {
    return asAuthFailure(() => {
      const maskingKey = maskingKeyOf(s, randomized);
      const pad = expand(s, maskingKey, concat(ke2.maskingNonce, LABEL_PAD), maskedResponseLength(s));
      const unmasked = xor(pad, ke2.maskedResponse);
      wipe(maskingKey, pad);
      const serverPublicKey = unmasked.slice(0, s.Npk);
      const envelope = unmasked.slice(s.Npk);
      s.group.assertElement(serverPublicKey, 'serverPublicKey');
      const recovered = recover(s, randomized, serverPublicKey, envelope, x.identities);
      try {
        const { ke3, sessionKey } = clientFinalize(s, recovered.credentials, recovered.clientPrivateKey, x.state.clientSecret, x.state.ke1, ke2, x.context);
        return { ke3, sessionKey, exportKey: recovered.exportKey, serverPublicKey };
      } catch (err) {
        wipe(recovered.exportKey);
        throw err;
      } finally {
        wipe(recovered.clientPrivateKey);
      }
    });
  } finally {
    wipe(randomized);
  }
}
