/**
 * Making, opening and re-sealing passkey slots (the bytes are
 * `formats/passkey-slot.ts`): a fresh X25519 key pair per credential, its
 * secret key (and the sealer's public key) wrapped under a key derived from
 * the PRF output, the root key sealed to its public key with HPKE
 * (`zerovault/seal`'s, loaded on first use as device slots load it) and
 * signed by the slot's sealer key.
 *
 * @module
 */
import { importKey, open as aeadOpen, seal as aeadSeal } from '../../crypto/aead.js';
import { concat, equal, wipe } from '../../crypto/bytes.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../../crypto/ed25519.js';
import { loadOnDemand } from '../../crypto/lazy.js';
import { randomBytes } from '../../crypto/random.js';
import { getBackend } from '#backend';
import { decryptFailed, isZeroVaultError } from '../../errors.js';
import {
  PASSKEY_SLOT_INFO,
  PASSKEY_SLOT_SALT_LENGTH,
  decodePasskeySlot,
  encodePasskeySlot,
  passkeySealMessage,
  passkeySecretAad,
  passkeySlotAad,
  passkeySlotKey,
  type PasskeySlot,
  type PasskeySlotPlace,
} from '../../formats/passkey-slot.js';
import type { HpkeSuite } from '../../seal/suite.js';
import type * as HpkeApi from '../../seal/hpke.js';

async function hpke(): Promise<{ api: typeof HpkeApi; suite: HpkeSuite }> {
  const api = await loadOnDemand(() => import('../../seal/hpke.js'));
  const { createSuite } = await loadOnDemand(() => import('../../seal/suite.js'));
  return { api, suite: createSuite() };
}

/** Seals the root key to the slot's public key and signs it with the sealer seed. */
async function sealRoot(place: PasskeySlotPlace, publicKey: Uint8Array, sealerSeed: Uint8Array, rootKey: Uint8Array): Promise<{ enc: Uint8Array; ciphertext: Uint8Array; signature: Uint8Array }> {
  const { api, suite } = await hpke();
  const { enc, ciphertext } = await api.hpkeSeal(suite, { recipientPublicKey: publicKey, info: PASSKEY_SLOT_INFO, aad: passkeySlotAad(place, publicKey), plaintext: rootKey });
  return { enc, ciphertext, signature: ed25519Sign(sealerSeed, passkeySealMessage(place, publicKey, enc, ciphertext)) };
}

/** A new slot: its bytes, and the keys the account's passkey registry keeps of it. */
export interface CreatedPasskeySlot {
  readonly slot: Uint8Array;
  /** The slot's X25519 public key. */
  readonly publicKey: Uint8Array;
  /** The Ed25519 seed that signs a root key sealed into the slot (secret: only in the registry, under the root key). */
  readonly sealerSeed: Uint8Array;
}

/** Inputs of {@link createPasskeySlot}. */
export interface CreatePasskeySlotOptions extends PasskeySlotPlace {
  readonly rootKey: Uint8Array;
  /** The 32-byte PRF output of the credential for `PASSKEY_PRF_INPUT`. */
  readonly prfOutput: Uint8Array;
}

/** Makes a new slot for a credential (module comment). The caller keeps `sealerSeed` in the registry and wipes its copy. */
export async function createPasskeySlot(options: CreatePasskeySlotOptions): Promise<CreatedPasskeySlot> {
  const place = { userId: options.userId, credentialId: options.credentialId };
  const salt = randomBytes(PASSKEY_SLOT_SALT_LENGTH);
  const secretKey = randomBytes(32);
  const sealerSeed = randomBytes(32);
  const slotKeyBytes = passkeySlotKey(options.prfOutput, salt, place);
  const secrets = concat(secretKey, ed25519PublicKey(sealerSeed));
  try {
    const publicKey = getBackend().x25519PublicKey(secretKey);
    const slotKey = await importKey(slotKeyBytes);
    const wrappedSecret = await aeadSeal(slotKey, secrets, passkeySecretAad(place, salt, publicKey));
    const sealed = await sealRoot(place, publicKey, sealerSeed, options.rootKey);
    return { slot: encodePasskeySlot({ salt, publicKey, wrappedSecret, ...sealed }), publicKey, sealerSeed };
  } finally {
    wipe(secretKey, slotKeyBytes, secrets);
  }
}

function decode(bytes: Uint8Array): PasskeySlot {
  try {
    return decodePasskeySlot(bytes);
  } catch (err) {
    if (isZeroVaultError(err, 'INVALID_INPUT') || isZeroVaultError(err, 'UNSUPPORTED')) throw decryptFailed();
    throw err;
  }
}

/** Inputs of {@link openPasskeySlot}. */
export interface OpenPasskeySlotOptions extends PasskeySlotPlace {
  readonly slot: Uint8Array;
  readonly prfOutput: Uint8Array;
}

/**
 * Opens a slot to the root key with the credential's PRF output: unwraps
 * the secret key and the sealer key, checks the public key is the secret
 * key's and the sealer signed the sealed root key, then opens it.
 * @throws `DECRYPT_FAILED` for a slot that is malformed, of an unknown
 *   version, of another credential or account, with another public key, or
 *   a root key sealed by anyone but a holder of the sealer seed (one error for all)
 */
export async function openPasskeySlot(options: OpenPasskeySlotOptions): Promise<Uint8Array> {
  const place = { userId: options.userId, credentialId: options.credentialId };
  const slot = decode(options.slot);
  const slotKeyBytes = passkeySlotKey(options.prfOutput, slot.salt, place);
  let secrets: Uint8Array | undefined;
  try {
    secrets = await aeadOpen(await importKey(slotKeyBytes), slot.wrappedSecret, passkeySecretAad(place, slot.salt, slot.publicKey));
    const secretKey = secrets.subarray(0, 32);
    const sealerKey = secrets.subarray(32);
    if (secrets.length !== 64 || !equal(getBackend().x25519PublicKey(secretKey), slot.publicKey)) throw decryptFailed();
    // Anyone knowing the public key could seal a root key to it; only the sealer's signature says it is the account's.
    if (!ed25519Verify(sealerKey, slot.signature, passkeySealMessage(place, slot.publicKey, slot.enc, slot.ciphertext))) throw decryptFailed();
    const { api, suite } = await hpke();
    const recipientSecretKey = Uint8Array.from(secretKey);
    let rootKey: Uint8Array;
    try {
      rootKey = await api.hpkeOpen(suite, { enc: slot.enc, recipientSecretKey, info: PASSKEY_SLOT_INFO, aad: passkeySlotAad(place, slot.publicKey), ciphertext: slot.ciphertext });
    } finally {
      wipe(recipientSecretKey);
    }
    if (rootKey.length !== 32) {
      wipe(rootKey);
      throw decryptFailed();
    }
    return rootKey;
  } finally {
    wipe(slotKeyBytes);
    if (secrets !== undefined) wipe(secrets);
  }
}

/** Inputs of {@link resealPasskeySlot}. */
export interface ResealPasskeySlotOptions extends PasskeySlotPlace {
  readonly slot: Uint8Array;
  /** The new root key. */
  readonly rootKey: Uint8Array;
  /** The slot's public key as the account's passkey registry holds it. */
  readonly publicKey: Uint8Array;
  /** The slot's sealer seed, from the registry. */
  readonly sealerSeed: Uint8Array;
}

/**
 * Seals a new root key into an existing slot without the authenticator:
 * the wrapped secret key stays, `enc ‖ ciphertext` is replaced. This is
 * what a root-key rotation runs for every passkey slot (the SDK has no
 * rotation yet).
 * @throws `DECRYPT_FAILED` when the slot's public key is not the registry's
 */
export async function resealPasskeySlot(options: ResealPasskeySlotOptions): Promise<Uint8Array> {
  const place = { userId: options.userId, credentialId: options.credentialId };
  const slot = decode(options.slot);
  if (!equal(slot.publicKey, options.publicKey)) throw decryptFailed();
  const sealed = await sealRoot(place, slot.publicKey, options.sealerSeed, options.rootKey);
  return encodePasskeySlot({ ...slot, ...sealed });
}
