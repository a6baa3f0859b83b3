/**
 * The 3DH authenticated key exchange of OPAQUE (RFC 9807 §6.4): transcript
 * (preamble), key schedule, and the server and client MAC steps.
 *
 * @module
 */
import { authFailed } from '../errors.js';
import { DH_KEY_INFO } from '../crypto/group.js';
import { concat, equal, i2osp, utf8, wipe } from '../crypto/bytes.js';
import type { CleartextCredentials } from './envelope.js';
import { encodeKE2, type KE2 } from './messages.js';
import { expand, extract, hash, mac, type Suite } from './suite.js';

const PREAMBLE_LABEL = utf8('OPAQUEv1-');
const EMPTY = new Uint8Array(0);

/** RFC 9807 §6.4.2.1 Expand-Label with the `"OPAQUE-"` prefix. */
function expandLabel(s: Suite, secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
  const fullLabel = utf8(`OPAQUE-${label}`);
  const info = concat(i2osp(length, 2), i2osp(fullLabel.length, 1), fullLabel, i2osp(context.length, 1), context);
  return expand(s, secret, info, length);
}

/** RFC 9807 §6.4.2.1 Derive-Secret. */
function deriveSecret(s: Suite, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
  return expandLabel(s, secret, label, transcriptHash, s.Nx);
}

/** Inputs to the preamble, in transcript order. */
export interface PreambleInput {
  readonly context: Uint8Array;
  readonly clientIdentity: Uint8Array;
  readonly ke1: Uint8Array;
  readonly serverIdentity: Uint8Array;
  readonly credentialResponse: Uint8Array;
  readonly serverNonce: Uint8Array;
  readonly serverPublicKeyshare: Uint8Array;
}

/** RFC 9807 §6.4.2.1 Preamble. */
export function preamble(p: PreambleInput): Uint8Array {
  return concat(
    PREAMBLE_LABEL,
    i2osp(p.context.length, 2),
    p.context,
    i2osp(p.clientIdentity.length, 2),
    p.clientIdentity,
    p.ke1,
    i2osp(p.serverIdentity.length, 2),
    p.serverIdentity,
    p.credentialResponse,
    p.serverNonce,
    p.serverPublicKeyshare,
  );
}

/** RFC 9807 §6.4.2.2 DeriveKeys: Km2, Km3 and the session key. */
function deriveKeys(s: Suite, ikm: Uint8Array, preambleHash: Uint8Array): { km2: Uint8Array; km3: Uint8Array; sessionKey: Uint8Array } {
  const prk = extract(s, EMPTY, ikm);
  const handshakeSecret = deriveSecret(s, prk, 'HandshakeSecret', preambleHash);
  const sessionKey = deriveSecret(s, prk, 'SessionKey', preambleHash);
  const km2 = deriveSecret(s, handshakeSecret, 'ServerMAC', EMPTY);
  const km3 = deriveSecret(s, handshakeSecret, 'ClientMAC', EMPTY);
  wipe(prk, handshakeSecret);
  return { km2, km3, sessionKey };
}

/** Server output of {@link serverRespond}. */
export interface ServerAkeResult {
  /** The complete KE2 message. */
  readonly ke2: Uint8Array;
  /** ServerAkeState.expected_client_mac. */
  readonly expectedClientMac: Uint8Array;
  /** ServerAkeState.session_key. */
  readonly sessionKey: Uint8Array;
}

/** Server inputs to {@link serverRespond}. */
export interface ServerRespondInput {
  readonly credentials: CleartextCredentials;
  readonly serverPrivateKey: Uint8Array;
  readonly clientPublicKey: Uint8Array;
  readonly ke1: Uint8Array;
  readonly clientPublicKeyshare: Uint8Array;
  readonly credentialResponse: Uint8Array;
  readonly context: Uint8Array;
  readonly serverNonce: Uint8Array;
  readonly serverKeyshareSeed: Uint8Array;
}

/** RFC 9807 §6.4.4 AuthServerRespond, with explicit randomness. */
export function serverRespond(s: Suite, x: ServerRespondInput): ServerAkeResult {
  const { secretKey: keyshareSecret, publicKey: serverPublicKeyshare } = s.group.deriveKeyPair(x.serverKeyshareSeed, DH_KEY_INFO);
  const transcript = preamble({
    context: x.context,
    clientIdentity: x.credentials.clientIdentity,
    ke1: x.ke1,
    serverIdentity: x.credentials.serverIdentity,
    credentialResponse: x.credentialResponse,
    serverNonce: x.serverNonce,
    serverPublicKeyshare,
  });
  const dh1 = s.group.diffieHellman(keyshareSecret, x.clientPublicKeyshare);
  const dh2 = s.group.diffieHellman(x.serverPrivateKey, x.clientPublicKeyshare);
  const dh3 = s.group.diffieHellman(keyshareSecret, x.clientPublicKey);
  const ikm = concat(dh1, dh2, dh3);
  const transcriptHash = hash(s, transcript);
  const { km2, km3, sessionKey } = deriveKeys(s, ikm, transcriptHash);
  const serverMac = mac(s, km2, transcriptHash);
  const expectedClientMac = mac(s, km3, hash(s, concat(transcript, serverMac)));
  wipe(keyshareSecret, dh1, dh2, dh3, ikm, km2, km3);
  return { ke2: encodeKE2(x.credentialResponse, x.serverNonce, serverPublicKeyshare, serverMac), expectedClientMac, sessionKey };
}

/** Client output of {@link clientFinalize}. */
export interface ClientAkeResult {
  /** KE3: the client MAC. */
  readonly ke3: Uint8Array;
  readonly sessionKey: Uint8Array;
}

/**
 * RFC 9807 §6.4.3 AuthClientFinalize: checks the server MAC in constant time.
 *
 * @throws `AUTH_FAILED` when the server MAC does not match
 */
export function clientFinalize(
  s: Suite,
  credentials: CleartextCredentials,
  clientPrivateKey: Uint8Array,
  clientSecret: Uint8Array,
  ke1: Uint8Array,
  ke2: KE2,
  context: Uint8Array,
): ClientAkeResult {
  const dh1 = s.group.diffieHellman(clientSecret, ke2.serverPublicKeyshare);
  const dh2 = s.group.diffieHellman(clientSecret, credentials.serverPublicKey);
  const dh3 = s.group.diffieHellman(clientPrivateKey, ke2.serverPublicKeyshare);
  const ikm = concat(dh1, dh2, dh3);
  const transcript = preamble({
    context,
    clientIdentity: credentials.clientIdentity,
    ke1,
    serverIdentity: credentials.serverIdentity,
    credentialResponse: ke2.credentialResponse,
    serverNonce: ke2.serverNonce,
    serverPublicKeyshare: ke2.serverPublicKeyshare,
  });
  const transcriptHash = hash(s, transcript);
  const { km2, km3, sessionKey } = deriveKeys(s, ikm, transcriptHash);
  wipe(dh1, dh2, dh3, ikm);
  const expectedServerMac = mac(s, km2, transcriptHash);
  wipe(km2);
  if (!equal(ke2.serverMac, expectedServerMac)) {
    wipe(km3, sessionKey);
    throw authFailed();
  }
  const clientMac = mac(s, km3, hash(s, concat(transcript, expectedServerMac)));
  wipe(km3);
  return { ke3: clientMac, sessionKey };
}

/**
 * RFC 9807 §6.4.4 AuthServerFinalize: the client MAC, compared in constant time.
 *
 * @throws `AUTH_FAILED` when it does not match
 */
export function serverFinish(expectedClientMac: Uint8Array, sessionKey: Uint8Array, clientMac: Uint8Array): Uint8Array {
  if (!equal(clientMac, expectedClientMac)) throw authFailed();
  return Uint8Array.from(sessionKey);
}
