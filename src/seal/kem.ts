/**
 * DHKEM(X25519, HKDF-SHA256), KEM id `0x0020` (RFC 9180 §4.1, §7.1).
 *
 * Keys are raw 32-byte strings (`SerializePublicKey` and
 * `SerializePrivateKey` are the identity for X25519). The backend's X25519
 * rejects an all-zero shared secret (a low-order peer key) with
 * `INVALID_INPUT`, which is the validation RFC 9180 §7.1.4 requires.
 *
 * Ephemeral keys are passed in, never generated here: the caller (see
 * `hpke.ts`) draws them from the CSPRNG, or derives them from test vector
 * `ikmE`, and wipes them.
 *
 * @module
 */
import type { Backend } from '../crypto/backend.js';
import { concat, i2osp, utf8, wipe } from '../crypto/bytes.js';
import { labeledExpand, labeledExtract } from './labeled.js';

/** IANA KEM id of DHKEM(X25519, HKDF-SHA256). */
export const KEM_ID = 0x0020;
/** `Nsecret`, `Nenc`, `Npk`, `Nsk`: all 32 bytes for X25519. */
export const KEM_KEY_LENGTH = 32;

const SUITE_ID = concat(utf8('KEM'), i2osp(KEM_ID, 2));
const HASH = 'SHA-256';
const EMPTY = new Uint8Array(0);

/** An X25519 key pair, raw bytes. */
export interface KemKeyPair {
  /** 32-byte secret scalar (clamped by X25519 when used). */
  readonly secretKey: Uint8Array;
  /** 32-byte public u-coordinate. */
  readonly publicKey: Uint8Array;
}

/** The result of an encapsulation. */
export interface Encapsulation {
  /** The KEM shared secret (32 bytes); the caller wipes it. */
  readonly sharedSecret: Uint8Array;
  /** The encapsulated key, `enc` (the ephemeral public key). */
  readonly enc: Uint8Array;
}

/**
 * `DeriveKeyPair(ikm)` (RFC 9180 §7.1.3): for X25519 the secret key is
 * `LabeledExpand(LabeledExtract("", "dkp_prk", ikm), "sk", "", 32)`.
 */
export function deriveKeyPair(backend: Backend, ikm: Uint8Array): KemKeyPair {
  const prk = labeledExtract(backend, HASH, SUITE_ID, EMPTY, 'dkp_prk', ikm);
  const secretKey = labeledExpand(backend, HASH, SUITE_ID, prk, 'sk', EMPTY, KEM_KEY_LENGTH);
  wipe(prk);
  return { secretKey, publicKey: backend.x25519PublicKey(secretKey) };
}

/** `ExtractAndExpand(dh, kem_context)` (RFC 9180 §4.1). Wipes `dh`. */
function extractAndExpand(backend: Backend, dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const prk = labeledExtract(backend, HASH, SUITE_ID, EMPTY, 'eae_prk', dh);
  wipe(dh);
  const sharedSecret = labeledExpand(backend, HASH, SUITE_ID, prk, 'shared_secret', kemContext, KEM_KEY_LENGTH);
  wipe(prk);
  return sharedSecret;
}

/**
 * `Encap(pkR)`, or `AuthEncap(pkR, skS)` when `senderSecretKey` is given,
 * with the caller's ephemeral key pair.
 *
 * @throws `INVALID_INPUT` when `recipientPublicKey` is a low-order point
 */
export function encap(
  backend: Backend,
  recipientPublicKey: Uint8Array,
  ephemeral: KemKeyPair,
  senderSecretKey?: Uint8Array,
): Encapsulation {
  const enc = ephemeral.publicKey;
  const dhE = backend.x25519(ephemeral.secretKey, recipientPublicKey);
  if (senderSecretKey === undefined) {
    return { sharedSecret: extractAndExpand(backend, dhE, concat(enc, recipientPublicKey)), enc };
  }
  let dhS: Uint8Array;
  try {
    dhS = backend.x25519(senderSecretKey, recipientPublicKey);
  } catch (err) {
    wipe(dhE);
    throw err;
  }
  const dh = concat(dhE, dhS);
  wipe(dhE, dhS);
  const senderPublicKey = backend.x25519PublicKey(senderSecretKey);
  return { sharedSecret: extractAndExpand(backend, dh, concat(enc, recipientPublicKey, senderPublicKey)), enc };
}

/**
 * `Decap(enc, skR)`, or `AuthDecap(enc, skR, pkS)` when `senderPublicKey`
 * is given. `recipientPublicKey` may be passed when already known, to save
 * a scalar multiplication.
 *
 * @throws `INVALID_INPUT` when `enc` or `senderPublicKey` is a low-order point
 */
export function decap(
  backend: Backend,
  enc: Uint8Array,
  recipientSecretKey: Uint8Array,
  senderPublicKey?: Uint8Array,
  recipientPublicKey: Uint8Array = backend.x25519PublicKey(recipientSecretKey),
): Uint8Array {
  const dhE = backend.x25519(recipientSecretKey, enc);
  if (senderPublicKey === undefined) {
    return extractAndExpand(backend, dhE, concat(enc, recipientPublicKey));
  }
  let dhS: Uint8Array;
  try {
    dhS = backend.x25519(recipientSecretKey, senderPublicKey);
  } catch (err) {
    wipe(dhE);
    throw err;
  }
  const dh = concat(dhE, dhS);
  wipe(dhE, dhS);
  return extractAndExpand(backend, dh, concat(enc, recipientPublicKey, senderPublicKey));
}
