/**
 * X-Wing recipients (draft-connolly-cfrg-xwing-kem): the hybrid KEM of
 * ML-KEM-768 and X25519, through `@noble/post-quantum` (which passes the
 * draft's vectors), used as an HPKE KEM (draft-ietf-hpke-pq: KEM id
 * `0x647a`, `enc` = the X-Wing ciphertext, the KEM shared secret goes
 * straight into the RFC 9180 key schedule).
 *
 * Loaded on demand: ML-KEM and SHA-3 are the larger part of this code and
 * only X-Wing users need them (`header.ts` and `keys.ts` `import()` it).
 *
 * X-Wing has no authenticated mode (HPKE's `AuthEncap` has no KEM-only
 * form), so these stanzas are base mode only.
 *
 * @module
 */
import { ml_kem768_x25519 as xwing } from '@noble/post-quantum/hybrid.js';
import { ZeroVaultError, decryptFailed } from '../errors.js';
import { assertBytes } from '../crypto/assert.js';
import { wipe } from '../crypto/bytes.js';
import type { Backend } from '../crypto/backend.js';
import { SenderContext, RecipientContext, createCore } from './context.js';
import { MODE, keySchedule } from './keyschedule.js';
import { createSuite, type HpkeSuite } from './suite.js';

/** IANA HPKE KEM id of X-Wing (MLKEM768-X25519, draft-ietf-hpke-pq). */
export const XWING_KEM_ID = 0x647a;
/** X-Wing secret keys are 32-byte seeds (the draft's decapsulation key). */
export const XWING_SECRET_KEY_LENGTH = 32;
/** ML-KEM-768 encapsulation key (1184) || X25519 public key (32). */
export const XWING_PUBLIC_KEY_LENGTH = 1216;
/** ML-KEM-768 ciphertext (1088) || X25519 ephemeral public key (32). */
export const XWING_CIPHERTEXT_LENGTH = 1120;
/** Encapsulation randomness: the draft's `eseed` (32 for ML-KEM, 32 for X25519). */
export const XWING_ESEED_LENGTH = 64;

/** The X-Wing public key of a 32-byte seed (`GenerateKeyPairDerand`). */
export function xwingPublicKey(secretKey: Uint8Array): Uint8Array {
  assertBytes(secretKey, 'secretKey', XWING_SECRET_KEY_LENGTH);
  const { publicKey, secretKey: copy } = xwing.keygen(secretKey);
  wipe(copy);
  return publicKey;
}

/**
 * `Encapsulate(pk)` with explicit randomness (`EncapsulateDerand`).
 *
 * @throws `INVALID_INPUT` on a malformed public key (ML-KEM's modulus check
 *   or a low-order X25519 part)
 */
export function xwingEncap(publicKey: Uint8Array, eseed: Uint8Array): { sharedSecret: Uint8Array; enc: Uint8Array } {
  assertBytes(publicKey, 'publicKey', XWING_PUBLIC_KEY_LENGTH);
  assertBytes(eseed, 'eseed', XWING_ESEED_LENGTH);
  try {
    const { cipherText, sharedSecret } = xwing.encapsulate(publicKey, eseed);
    return { sharedSecret, enc: cipherText };
  } catch (cause) {
    throw new ZeroVaultError('INVALID_INPUT', 'publicKey is not a valid X-Wing public key', { cause });
  }
}

/**
 * `Decapsulate(ct, sk)`. ML-KEM decapsulation never fails on a well-formed
 * ciphertext (implicit rejection): a stanza for someone else yields a
 * pseudorandom secret, and the AEAD then fails.
 *
 * @throws `DECRYPT_FAILED` when the X25519 part is a low-order point (the
 *   stanza cannot be for anyone)
 */
export function xwingDecap(enc: Uint8Array, secretKey: Uint8Array): Uint8Array {
  assertBytes(enc, 'enc', XWING_CIPHERTEXT_LENGTH);
  assertBytes(secretKey, 'secretKey', XWING_SECRET_KEY_LENGTH);
  try {
    return xwing.decapsulate(enc, secretKey);
  } catch {
    throw decryptFailed();
  }
}

/** The HPKE suite X-Wing / HKDF-SHA256 / AES-256-GCM on `backend`. */
export function xwingSuite(backend: Backend): HpkeSuite {
  return createSuite({ backend, kemId: XWING_KEM_ID });
}

/**
 * Single-shot `SealBase` (RFC 9180 §6.1) over X-Wing: encapsulate, key
 * schedule, one AEAD seal at sequence number 0.
 */
export async function xwingSeal(
  suite: HpkeSuite,
  options: { recipientPublicKey: Uint8Array; eseed: Uint8Array; info: Uint8Array; aad: Uint8Array; plaintext: Uint8Array },
): Promise<{ enc: Uint8Array; ciphertext: Uint8Array }> {
  const { sharedSecret, enc } = xwingEncap(options.recipientPublicKey, options.eseed);
  let context: SenderContext;
  try {
    context = new SenderContext(await createCore(suite, keySchedule(suite, MODE.base, sharedSecret, options.info)));
  } finally {
    wipe(sharedSecret);
  }
  try {
    return { enc, ciphertext: await context.seal(options.plaintext, options.aad) };
  } finally {
    context.destroy();
  }
}

/**
 * The recipient context of `SetupBaseR` (RFC 9180 §5.1.1) over X-Wing; the
 * caller opens, exports and destroys it.
 */
export async function xwingRecipient(suite: HpkeSuite, enc: Uint8Array, secretKey: Uint8Array, info: Uint8Array): Promise<RecipientContext> {
  const sharedSecret = xwingDecap(enc, secretKey);
  try {
    return new RecipientContext(await createCore(suite, keySchedule(suite, MODE.base, sharedSecret, info)));
  } finally {
    wipe(sharedSecret);
  }
}

/**
 * Single-shot `OpenBase` (RFC 9180 §6.1) over X-Wing.
 *
 * @throws `DECRYPT_FAILED` when the stanza is not for `secretKey` or was changed
 */
export async function xwingOpen(
  suite: HpkeSuite,
  options: { enc: Uint8Array; recipientSecretKey: Uint8Array; info: Uint8Array; aad: Uint8Array; ciphertext: Uint8Array },
): Promise<Uint8Array> {
  const context = await xwingRecipient(suite, options.enc, options.recipientSecretKey, options.info);
  try {
    return await context.open(options.ciphertext, options.aad);
  } finally {
    context.destroy();
  }
}
