/**
 * RFC 9807 wire messages, fixed-length per suite (§5.1, §6.1, §4.1.1):
 *
 * | message | layout |
 * | --- | --- |
 * | RegistrationRequest | `blinded_message[Noe]` |
 * | RegistrationResponse | `evaluated_message[Noe] ‖ server_public_key[Npk]` |
 * | RegistrationRecord | `client_public_key[Npk] ‖ masking_key[Nh] ‖ envelope` |
 * | Envelope | `envelope_nonce[Nn] ‖ auth_tag[Nm]` |
 * | KE1 | `blinded_message[Noe] ‖ client_nonce[Nn] ‖ client_public_keyshare[Npk]` |
 * | KE2 | `evaluated_message[Noe] ‖ masking_nonce[Nn] ‖ masked_response[Npk+Nn+Nm] ‖ server_nonce[Nn] ‖ server_public_keyshare[Npk] ‖ server_mac[Nm]` |
 * | KE3 | `client_mac[Nm]` |
 *
 * Decoders copy their input, check the exact length and validate every
 * group element; any deviation is `INVALID_INPUT`. Callers that must not
 * reveal which check failed map these errors themselves.
 *
 * @module
 */
import { assertBytes } from '../crypto/assert.js';
import { concat } from '../crypto/bytes.js';
import { Nn, type Suite } from './suite.js';

/** Sequential slicer over a private copy of a message. */
class Reader {
  #bytes: Uint8Array;
  #offset = 0;
  constructor(bytes: Uint8Array) {
    this.#bytes = Uint8Array.from(bytes);
  }
  take(length: number): Uint8Array {
    const out = this.#bytes.slice(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }
}

/** Length of an envelope: Nn + Nm. */
export const envelopeLength = (s: Suite): number => Nn + s.Nm;
/** Length of a RegistrationRequest. */
export const registrationRequestLength = (s: Suite): number => s.Noe;
/** Length of a RegistrationResponse. */
export const registrationResponseLength = (s: Suite): number => s.Noe + s.Npk;
/** Length of a RegistrationRecord. */
export const recordLength = (s: Suite): number => s.Npk + s.Nh + envelopeLength(s);
/** Length of KE1. */
export const ke1Length = (s: Suite): number => s.Noe + Nn + s.Npk;
/** Length of the masked part of a CredentialResponse: server_public_key ‖ envelope. */
export const maskedResponseLength = (s: Suite): number => s.Npk + envelopeLength(s);
/** Length of a CredentialResponse (the first part of KE2). */
export const credentialResponseLength = (s: Suite): number => s.Noe + Nn + maskedResponseLength(s);
/** Length of KE2. */
export const ke2Length = (s: Suite): number => credentialResponseLength(s) + Nn + s.Npk + s.Nm;
/** Length of KE3. */
export const ke3Length = (s: Suite): number => s.Nm;

/** RFC 9807 §5.1 RegistrationResponse. */
export interface RegistrationResponse {
  readonly evaluatedMessage: Uint8Array;
  readonly serverPublicKey: Uint8Array;
}

/** RFC 9807 §5.1 RegistrationRecord. */
export interface RegistrationRecord {
  readonly clientPublicKey: Uint8Array;
  readonly maskingKey: Uint8Array;
  readonly envelope: Uint8Array;
}

/** RFC 9807 §6.1 KE1 (CredentialRequest ‖ AuthRequest). */
export interface KE1 {
  readonly blindedMessage: Uint8Array;
  readonly clientNonce: Uint8Array;
  readonly clientPublicKeyshare: Uint8Array;
}

/** RFC 9807 §6.1 KE2 (CredentialResponse ‖ AuthResponse). */
export interface KE2 {
  /** The encoded CredentialResponse, as it enters the preamble. */
  readonly credentialResponse: Uint8Array;
  readonly evaluatedMessage: Uint8Array;
  readonly maskingNonce: Uint8Array;
  readonly maskedResponse: Uint8Array;
  readonly serverNonce: Uint8Array;
  readonly serverPublicKeyshare: Uint8Array;
  readonly serverMac: Uint8Array;
}

/** Decodes a RegistrationRequest: one valid element. */
export function decodeRegistrationRequest(s: Suite, bytes: Uint8Array, name = 'request'): Uint8Array {
  assertBytes(bytes, name, registrationRequestLength(s));
  const blinded = Uint8Array.from(bytes);
  s.group.assertElement(blinded, `${name}.blindedMessage`);
  return blinded;
}

/** Encodes a RegistrationResponse. */
export function encodeRegistrationResponse(r: RegistrationResponse): Uint8Array {
  return concat(r.evaluatedMessage, r.serverPublicKey);
}

/** Decodes a RegistrationResponse, validating both elements. */
export function decodeRegistrationResponse(s: Suite, bytes: Uint8Array, name = 'response'): RegistrationResponse {
  assertBytes(bytes, name, registrationResponseLength(s));
  const r = new Reader(bytes);
  const evaluatedMessage = r.take(s.Noe);
  const serverPublicKey = r.take(s.Npk);
  s.group.assertElement(evaluatedMessage, `${name}.evaluatedMessage`);
  s.group.assertElement(serverPublicKey, `${name}.serverPublicKey`);
  return { evaluatedMessage, serverPublicKey };
}

/** Encodes a RegistrationRecord. */
export function encodeRecord(r: RegistrationRecord): Uint8Array {
  return concat(r.clientPublicKey, r.maskingKey, r.envelope);
}

/** Decodes a RegistrationRecord, validating the client public key. */
export function decodeRecord(s: Suite, bytes: Uint8Array, name = 'record'): RegistrationRecord {
  assertBytes(bytes, name, recordLength(s));
  const r = new Reader(bytes);
  const clientPublicKey = r.take(s.Npk);
  const maskingKey = r.take(s.Nh);
  const envelope = r.take(envelopeLength(s));
  s.group.assertElement(clientPublicKey, `${name}.clientPublicKey`);
  return { clientPublicKey, maskingKey, envelope };
}

/** Encodes KE1. */
export function encodeKE1(m: KE1): Uint8Array {
  return concat(m.blindedMessage, m.clientNonce, m.clientPublicKeyshare);
}

/** Decodes KE1, validating both elements. */
export function decodeKE1(s: Suite, bytes: Uint8Array, name = 'request'): KE1 {
  assertBytes(bytes, name, ke1Length(s));
  const r = new Reader(bytes);
  const blindedMessage = r.take(s.Noe);
  const clientNonce = r.take(Nn);
  const clientPublicKeyshare = r.take(s.Npk);
  s.group.assertElement(blindedMessage, `${name}.blindedMessage`);
  s.group.assertElement(clientPublicKeyshare, `${name}.clientPublicKeyshare`);
  return { blindedMessage, clientNonce, clientPublicKeyshare };
}

/** Encodes a CredentialResponse (RFC 9807 §6.3.1). */
export function encodeCredentialResponse(evaluatedMessage: Uint8Array, maskingNonce: Uint8Array, maskedResponse: Uint8Array): Uint8Array {
  return concat(evaluatedMessage, maskingNonce, maskedResponse);
}

/** Encodes KE2 from its CredentialResponse and AuthResponse fields. */
export function encodeKE2(credentialResponse: Uint8Array, serverNonce: Uint8Array, serverPublicKeyshare: Uint8Array, serverMac: Uint8Array): Uint8Array {
  return concat(credentialResponse, serverNonce, serverPublicKeyshare, serverMac);
}

/** Decodes KE2, validating both elements. */
export function decodeKE2(s: Suite, bytes: Uint8Array, name = 'response'): KE2 {
  assertBytes(bytes, name, ke2Length(s));
  const r = new Reader(bytes);
  const evaluatedMessage = r.take(s.Noe);
  const maskingNonce = r.take(Nn);
  const maskedResponse = r.take(maskedResponseLength(s));
  const serverNonce = r.take(Nn);
  const serverPublicKeyshare = r.take(s.Npk);
  const serverMac = r.take(s.Nm);
  s.group.assertElement(evaluatedMessage, `${name}.evaluatedMessage`);
  s.group.assertElement(serverPublicKeyshare, `${name}.serverPublicKeyshare`);
  const credentialResponse = encodeCredentialResponse(evaluatedMessage, maskingNonce, maskedResponse);
  return { credentialResponse, evaluatedMessage, maskingNonce, maskedResponse, serverNonce, serverPublicKeyshare, serverMac };
}

/** Decodes KE3: the client MAC. */
export function decodeKE3(s: Suite, bytes: Uint8Array, name = 'finalization'): Uint8Array {
  assertBytes(bytes, name, ke3Length(s));
  return Uint8Array.from(bytes);
}
