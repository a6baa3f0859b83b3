/**
 * X-Wing recipients (draft-connolly-cfrg-xwing-kem): the hybrid KEM of
 * ML-KEM-768 and X25519, used as an HPKE KEM (draft-ietf-hpke-pq: KEM id
 * `0x647a`, `enc` = the X-Wing ciphertext, the KEM shared secret goes
 * straight into the RFC 9180 key schedule).
 *
 * The KEM itself is `crypto/xwing.ts`; this module makes HPKE and the
 * stanzas of suite `0x0002` from it.
 *
 * Loaded on demand with the KEM: ML-KEM and SHA-3 are the larger part of
 * this code and only X-Wing users need them (`header.ts` `import()`s it).
 *
 * X-Wing has no authenticated mode (HPKE's `AuthEncap` has no KEM-only
 * form), so these stanzas are base mode only.
 *
 * @module
 */
import { concat, wipe } from '../crypto/bytes.js';
import { XWING_ESEED_LENGTH, xwingDecap, xwingEncap } from '../crypto/xwing.js';
import type { Backend } from '../crypto/backend.js';
import type { SealEnv } from './env.js';
import { STANZA_INFO, XWING_ENC_LENGTH } from './format.js';
import type { HeaderOpenParams, HeaderSealParams } from './header.js';
import { SenderContext, RecipientContext, createCore } from './context.js';
import { MODE, keySchedule } from './keyschedule.js';
import { createSuite, type HpkeSuite } from './suite.js';

/** IANA HPKE KEM id of X-Wing (MLKEM768-X25519, draft-ietf-hpke-pq). */
export const XWING_KEM_ID = 0x647a;

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
