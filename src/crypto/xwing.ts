/**
 * X-Wing (draft-connolly-cfrg-xwing-kem §5), the hybrid KEM of ML-KEM-768
 * and X25519, written out from the draft: ML-KEM-768 from
 * `@noble/post-quantum` (FIPS 203), X25519 from the backend (node:crypto or
 * our noble ladder), SHAKE-256 and SHA3-256 from `@noble/hashes`.
 * `@noble/post-quantum`'s own `ml_kem768_x25519` computes the same (the
 * tests compare), but it brings a second copy of the curve code into every
 * bundle that also uses X25519; this module is loaded only with X-Wing
 * stanzas (`seal/xwing.ts`).
 *
 * Secret keys are the draft's 32-byte seed; public keys 1216 bytes.
 *
 * @module
 */
import { getBackend } from '#backend';
import { sha3_256, shake256 } from '@noble/hashes/sha3.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { ZeroVaultError, decryptFailed, isZeroVaultError } from '../errors.js';
import { assertBytes } from './assert.js';
import type { Backend } from './backend.js';
import { concat, wipe } from './bytes.js';

/** X-Wing secret keys are 32-byte seeds (the draft's decapsulation key). */
export const XWING_SECRET_KEY_LENGTH = 32;
/** ML-KEM-768 encapsulation key (1184) || X25519 public key (32). */
export const XWING_PUBLIC_KEY_LENGTH = 1216;
/** ML-KEM-768 ciphertext (1088) || X25519 ephemeral public key (32). */
export const XWING_CIPHERTEXT_LENGTH = 1120;
/** Encapsulation randomness: the draft's `eseed` (32 for ML-KEM, 32 for X25519). */
export const XWING_ESEED_LENGTH = 64;

/** `XWingLabel` (§5.3): the ASCII art `\.//^\`. */
const LABEL = Uint8Array.of(0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c);
const ML_KEM_PUBLIC_KEY_LENGTH = 1184;
const ML_KEM_CIPHERTEXT_LENGTH = 1088;

/** `expandDecapsulationKey(sk)` (§5.2): ML-KEM-768 keys from `SHAKE256(sk, 96)[0..64]`, the X25519 secret from the rest. */
function expand(seed: Uint8Array, backend: Backend): { mlkem: { publicKey: Uint8Array; secretKey: Uint8Array }; secretX: Uint8Array; publicX: Uint8Array } {
  const expanded = shake256(seed, { dkLen: 96 });
  const mlkem = ml_kem768.keygen(expanded.subarray(0, 64));
  const secretX = expanded.slice(64, 96);
  wipe(expanded);
  return { mlkem, secretX, publicX: backend.x25519PublicKey(secretX) };
}

/** `Combiner(ss_M, ss_X, ct_X, pk_X)` (§5.3). */
function combine(ssM: Uint8Array, ssX: Uint8Array, ctX: Uint8Array, pkX: Uint8Array): Uint8Array {
  const input = concat(ssM, ssX, ctX, pkX, LABEL);
  try {
    return sha3_256(input);
  } finally {
    wipe(input);
  }
}

/** The X-Wing public key of a 32-byte seed (`GenerateKeyPairDerand`, §5.2). */
export function xwingPublicKey(secretKey: Uint8Array, backend: Backend = getBackend()): Uint8Array {
  assertBytes(secretKey, 'secretKey', XWING_SECRET_KEY_LENGTH);
  const { mlkem, secretX, publicX } = expand(secretKey, backend);
  wipe(mlkem.secretKey, secretX);
  return concat(mlkem.publicKey, publicX);
}

/**
 * `Encapsulate(pk)` with explicit randomness (`EncapsulateDerand`).
 *
 * @throws `INVALID_INPUT` on a malformed public key (ML-KEM's modulus check
 *   or a low-order X25519 part)
 */
export function xwingEncap(publicKey: Uint8Array, eseed: Uint8Array, backend: Backend = getBackend()): { sharedSecret: Uint8Array; enc: Uint8Array } {
  assertBytes(publicKey, 'publicKey', XWING_PUBLIC_KEY_LENGTH);
  assertBytes(eseed, 'eseed', XWING_ESEED_LENGTH);
  const pkM = publicKey.subarray(0, ML_KEM_PUBLIC_KEY_LENGTH);
  const pkX = publicKey.subarray(ML_KEM_PUBLIC_KEY_LENGTH);
  let mlkem: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    // FIPS 203 §7.2's input check (the modulus check) happens inside: a malformed key throws.
    mlkem = ml_kem768.encapsulate(pkM, eseed.subarray(0, 32));
  } catch (cause) {
    throw new ZeroVaultError('INVALID_INPUT', 'publicKey is not a valid X-Wing public key', { cause });
  }
  const ekX = eseed.subarray(32, 64);
  const ctX = backend.x25519PublicKey(ekX);
  let ssX: Uint8Array;
  try {
    ssX = backend.x25519(ekX, pkX);
  } catch (err) {
    wipe(mlkem.sharedSecret);
    throw err;
  }
  const sharedSecret = combine(mlkem.sharedSecret, ssX, ctX, pkX);
  wipe(mlkem.sharedSecret, ssX);
  return { sharedSecret, enc: concat(mlkem.cipherText, ctX) };
}

/**
 * `Decapsulate(ct, sk)`. ML-KEM decapsulation never fails on a well-formed
 * ciphertext (implicit rejection): a stanza for someone else yields a
 * pseudorandom secret, and the AEAD then fails.
 *
 * @throws `DECRYPT_FAILED` when the X25519 part is a low-order point (the
 *   stanza cannot be for anyone)
 */
export function xwingDecap(enc: Uint8Array, secretKey: Uint8Array, backend: Backend = getBackend()): Uint8Array {
  assertBytes(enc, 'enc', XWING_CIPHERTEXT_LENGTH);
  assertBytes(secretKey, 'secretKey', XWING_SECRET_KEY_LENGTH);
  const { mlkem, secretX, publicX } = expand(secretKey, backend);
  const ctX = enc.subarray(ML_KEM_CIPHERTEXT_LENGTH);
  try {
    const ssM = ml_kem768.decapsulate(enc.subarray(0, ML_KEM_CIPHERTEXT_LENGTH), mlkem.secretKey);
    let ssX: Uint8Array;
    try {
      ssX = backend.x25519(secretX, ctX);
    } catch (err) {
      wipe(ssM);
      // A low-order X25519 part: the stanza cannot be for anyone.
      if (isZeroVaultError(err, 'INVALID_INPUT')) throw decryptFailed();
      throw err;
    }
    const sharedSecret = combine(ssM, ssX, ctX, publicX);
    wipe(ssM, ssX);
    return sharedSecret;
  } finally {
    wipe(mlkem.secretKey, secretX);
  }
}
