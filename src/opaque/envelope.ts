/**
 * Client credential storage and key recovery (RFC 9807 §4): the envelope,
 * the cleartext credentials it authenticates, and the keys derived from the
 * randomized password (masking key, auth key, export key, client key seed).
 *
 * @module
 */
import { authFailed } from '../errors.js';
import { DH_KEY_INFO } from '../crypto/group.js';
import { concat, equal, i2osp, utf8, wipe } from '../crypto/bytes.js';
import { Nn, Nseed, expand, mac, type Suite } from './suite.js';

const LABEL_MASKING_KEY = utf8('MaskingKey');
const LABEL_AUTH_KEY = utf8('AuthKey');
const LABEL_EXPORT_KEY = utf8('ExportKey');
const LABEL_PRIVATE_KEY = utf8('PrivateKey');

/** Optional application identities (RFC 9807 §4, §10.3); absent ones default to the public keys. */
export interface IdentityBytes {
  readonly client?: Uint8Array | undefined;
  readonly server?: Uint8Array | undefined;
}

/** RFC 9807 §4 CleartextCredentials, with the identities already defaulted. */
export interface CleartextCredentials {
  readonly serverPublicKey: Uint8Array;
  readonly serverIdentity: Uint8Array;
  readonly clientIdentity: Uint8Array;
  /** `server_public_key ‖ I2OSP(len, 2) ‖ server_identity ‖ I2OSP(len, 2) ‖ client_identity`. */
  readonly encoded: Uint8Array;
}

/** RFC 9807 §4 CreateCleartextCredentials. */
export function cleartextCredentials(serverPublicKey: Uint8Array, clientPublicKey: Uint8Array, identities: IdentityBytes = {}): CleartextCredentials {
  const serverIdentity = identities.server ?? serverPublicKey;
  const clientIdentity = identities.client ?? clientPublicKey;
  const encoded = concat(serverPublicKey, i2osp(serverIdentity.length, 2), serverIdentity, i2osp(clientIdentity.length, 2), clientIdentity);
  return { serverPublicKey, serverIdentity, clientIdentity, encoded };
}

/** `Expand(randomized_password, "MaskingKey", Nh)` (RFC 9807 §5.2.3, §6.3.2.3). */
export function maskingKeyOf(s: Suite, randomizedPassword: Uint8Array): Uint8Array {
  return expand(s, randomizedPassword, LABEL_MASKING_KEY, s.Nh);
}

interface EnvelopeKeys {
  authKey: Uint8Array;
  exportKey: Uint8Array;
  clientPrivateKey: Uint8Array;
  clientPublicKey: Uint8Array;
}

function envelopeKeys(s: Suite, randomizedPassword: Uint8Array, nonce: Uint8Array): EnvelopeKeys {
  const authKey = expand(s, randomizedPassword, concat(nonce, LABEL_AUTH_KEY), s.Nh);
  const exportKey = expand(s, randomizedPassword, concat(nonce, LABEL_EXPORT_KEY), s.Nh);
  const seed = expand(s, randomizedPassword, concat(nonce, LABEL_PRIVATE_KEY), Nseed);
  const { secretKey, publicKey } = s.group.deriveKeyPair(seed, DH_KEY_INFO);
  wipe(seed);
  return { authKey, exportKey, clientPrivateKey: secretKey, clientPublicKey: publicKey };
}

/** What {@link store} returns. */
export interface Stored {
  readonly envelope: Uint8Array;
  readonly clientPublicKey: Uint8Array;
  readonly maskingKey: Uint8Array;
  readonly exportKey: Uint8Array;
}

/**
 * RFC 9807 §4.1.2 Store: builds the envelope for `randomizedPassword` with
 * the given (random, Nn-byte) nonce. The caller owns and wipes the keys.
 */
export function store(s: Suite, randomizedPassword: Uint8Array, serverPublicKey: Uint8Array, identities: IdentityBytes, envelopeNonce: Uint8Array): Stored {
  const maskingKey = maskingKeyOf(s, randomizedPassword);
  const keys = envelopeKeys(s, randomizedPassword, envelopeNonce);
  const credentials = cleartextCredentials(serverPublicKey, keys.clientPublicKey, identities);
  const authTag = mac(s, keys.authKey, concat(envelopeNonce, credentials.encoded));
  wipe(keys.authKey, keys.clientPrivateKey);
  return { envelope: concat(envelopeNonce, authTag), clientPublicKey: keys.clientPublicKey, maskingKey, exportKey: keys.exportKey };
}

/** What {@link recover} returns. */
export interface Recovered {
  readonly clientPrivateKey: Uint8Array;
  readonly credentials: CleartextCredentials;
  readonly exportKey: Uint8Array;
}

/**
 * RFC 9807 §4.1.3 Recover: re-derives the client key pair and checks the
 * envelope's auth tag in constant time.
 *
 * @throws `AUTH_FAILED` (the one fixed message) when the tag does not match
 */
export function recover(s: Suite, randomizedPassword: Uint8Array, serverPublicKey: Uint8Array, envelope: Uint8Array, identities: IdentityBytes): Recovered {
  const nonce = envelope.subarray(0, Nn);
  const authTag = envelope.subarray(Nn);
  const keys = envelopeKeys(s, randomizedPassword, nonce);
  const credentials = cleartextCredentials(serverPublicKey, keys.clientPublicKey, identities);
  const expectedTag = mac(s, keys.authKey, concat(nonce, credentials.encoded));
  wipe(keys.authKey);
  if (!equal(authTag, expectedTag)) {
    wipe(keys.clientPrivateKey, keys.exportKey);
    throw authFailed();
  }
  return { clientPrivateKey: keys.clientPrivateKey, credentials, exportKey: keys.exportKey };
}
