/**
 * X-Wing recipients (draft-connolly-cfrg-xwing-kem): the hybrid KEM of
 * ML-KEM-768 and X25519, used as an HPKE KEM (draft-ietf-hpke-pq: KEM id
 * `0x647a`, `enc` = the X-Wing ciphertext, the KEM shared secret goes
 * straight into the RFC 9180 key schedule).
 *
 * The draft's construction, written out (§5): ML-KEM-768 from
 * `@noble/post-quantum` (FIPS 203), X25519 from the backend (node:crypto
 * or our noble ladder), SHAKE-256 and SHA3-256 from `@noble/hashes`.
 * `@noble/post-quantum`'s own `ml_kem768_x25519` computes the same (the
 * tests compare), but it drags a second copy of the curve code into every
 * bundle that uses X25519, where this module costs nothing up front.
 *
 * Loaded on demand: ML-KEM and SHA-3 are the larger part of this code and
 * only X-Wing users need them (`header.ts` and `keys.ts` `import()` it).
 *
 * X-Wing has no authenticated mode (HPKE's `AuthEncap` has no KEM-only
 * form), so these stanzas are base mode only.
 *
 * @module
 */
import { getBackend } from '#backend';
import { sha3_256, shake256 } from '@noble/hashes/sha3.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { ZeroVaultError, decryptFailed, isZeroVaultError } from '../errors.js';
import { assertBytes } from '../crypto/assert.js';
import { concat, wipe } from '../crypto/bytes.js';
import type { Backend } from '../crypto/backend.js';
import type { SealEnv } from './env.js';
import { STANZA_INFO, XWING_ENC_LENGTH } from './format.js';
import type { HeaderOpenParams, HeaderSealParams } from './header.js';
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
  const { sharedSecret, enc } = xwingEncap(options.recipientPublicKey, options.eseed, suite.backend);
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
  const sharedSecret = xwingDecap(enc, secretKey, suite.backend);
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

/**
 * The stanzas of suite `0x0002`, one per recipient in order, each
 * `enc || SealBase(pkR, info = STANZA_INFO, aad = prelude, pt = file key)`;
 * one `eseed` per stanza is drawn from `env.random`, in stanza order.
 */
export async function sealStanzas(env: SealEnv, params: HeaderSealParams, prelude: Uint8Array, fileKey: Uint8Array): Promise<Uint8Array[]> {
  const suite = xwingSuite(env.backend);
  const eseeds = params.recipients.map(() => env.random(XWING_ESEED_LENGTH));
  try {
    const sealed = await Promise.all(
      params.recipients.map((recipientPublicKey, i) => xwingSeal(suite, { recipientPublicKey, eseed: eseeds[i] as Uint8Array, info: STANZA_INFO, aad: prelude, plaintext: fileKey })),
    );
    return sealed.map(({ enc, ciphertext }) => concat(enc, ciphertext));
  } finally {
    wipe(...eseeds);
  }
}

/** Opens one stanza of suite `0x0002` with `params.secretKey`; `DECRYPT_FAILED` when it is for someone else. */
export function stanzaOpener(env: SealEnv, params: HeaderOpenParams, prelude: Uint8Array): (stanza: Uint8Array) => Promise<Uint8Array> {
  const suite = xwingSuite(env.backend);
  return (stanza) =>
    xwingOpen(suite, { enc: stanza.subarray(0, XWING_ENC_LENGTH), recipientSecretKey: params.secretKey as Uint8Array, info: STANZA_INFO, aad: prelude, ciphertext: stanza.subarray(XWING_ENC_LENGTH) });
}
