/**
 * The passkey slot: the account's root key, openable with one passkey's
 * WebAuthn PRF output, kept as the meta record `passkey-slot.<slotId>` in the
 * reserved vault `_zv`. The shape is Bitwarden's and Mozilla Accounts': a
 * key pair per credential, its secret key wrapped under a key derived from
 * the PRF output, the root key sealed to its public key. So the root key can
 * be sealed to the slot again *without the authenticator* (a root-key
 * rotation re-seals `enc ‖ ciphertext` to `publicKey`, which the account's
 * passkey registry vouches for), while opening it takes the authenticator.
 * Sealing and opening (AES-GCM, HPKE) are the client's
 * (`client/passkeys/slot.ts`); this module holds the bytes and the
 * derivations. Vectors: `test/vectors/zerovault/passkey-slot-v1.json`.
 *
 *     "ZW" (0x5a 0x57) | 0x01 (version) | 0x01 (suite)
 *       | salt (32) | publicKey (32) | wrappedSecret (12 + 64 + 16) | enc (32) | ciphertext (48) | signature (64)
 *
 * Suite 1, with `userId` the normalized user id and `credentialId` the
 * credential id's base64url text (both UTF-8), `lp(x) = u32(len x) ‖ x`,
 * `header` the 4 bytes above:
 *
 *     slotKey       = HKDF-SHA-256(ikm = prfOutput, salt = salt,
 *                       info = "zerovault/v1/passkey/slot-key" ‖ 0x00 ‖ lp(userId) ‖ lp(credentialId), 32)
 *     wrappedSecret = nonce(12) ‖ AES-256-GCM(slotKey, nonce, secretKey ‖ sealerKey,
 *                       aad = "zerovault/v1/passkey-slot/secret" ‖ 0x00 ‖ lp(userId) ‖ lp(credentialId) ‖ header ‖ salt ‖ publicKey)
 *     enc ‖ ciphertext = HPKE base mode Seal (RFC 9180; DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM)
 *                       (pkR = publicKey, info = "zerovault/v1/passkey-slot",
 *                        aad = "zerovault/v1/passkey-slot" ‖ 0x00 ‖ lp(userId) ‖ lp(credentialId) ‖ header ‖ publicKey,
 *                        plaintext = rootKey)
 *     signature     = Ed25519(sealerSeed, "zerovault/v1/passkey-slot/seal" ‖ 0x00 ‖ lp(userId) ‖ lp(credentialId) ‖ header ‖ publicKey ‖ enc ‖ ciphertext)
 *
 * Why the signature: anyone who knows `publicKey` (the server does) can
 * HPKE-seal a root key of their choosing to it, and a passkey login on a
 * fresh device has nothing else to check the root key against. The sealer
 * key pair is random per slot; its public key `sealerKey` sits inside the
 * wrap (only the PRF output reveals it, and only the authenticator vouches
 * for it), its seed `sealerSeed` in the account's passkey registry, sealed
 * under the root key. So whoever holds the root key can seal a new one into
 * the slot and sign it, without the authenticator (a root-key rotation),
 * and nobody else can make the slot open to another root key.
 *
 * `prfOutput` is the 32-byte `prf.results.first` for the fixed input
 * `PASSKEY_PRF_INPUT` (`formats/passkey.ts`); `salt` is 32 random bytes
 * chosen when the slot is made and kept for its life; `secretKey` a random
 * X25519 secret key and `publicKey` its public key. The AADs bind the slot
 * to its account and credential, so a server moving it elsewhere makes it
 * fail to open; opening also checks `publicKey` is the secret key's and the
 * signature before it opens the root key.
 *
 * A slot is 304 bytes exactly; anything else is refused before any crypto.
 * Compatibility: a reader refuses versions and suites it does not know
 * (`UNSUPPORTED`); a new suite gets a new number, never a new meaning.
 *
 * @module
 */
import { concat, toBase64url, utf8 } from '../crypto/bytes.js';
import { LABELS, deriveKey } from '../crypto/kdf.js';
import { ZeroVaultError } from '../errors.js';
import { labelled, lp } from './codec.js';
import { PRF_OUTPUT_LENGTH, isCredentialId } from './passkey.js';
import { sha256 } from './signature.js';

const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x57;
const VERSION = 1;
/** The one suite (module comment). */
export const PASSKEY_SLOT_SUITE = 1;
const LABEL = 'zerovault/v1/passkey-slot';
const SECRET_LABEL = 'zerovault/v1/passkey-slot/secret';
const SEAL_LABEL = 'zerovault/v1/passkey-slot/seal';
/** Bytes of the clear header. */
export const PASSKEY_SLOT_HEADER_LENGTH = 4;
/** Bytes of the slot's HKDF salt. */
export const PASSKEY_SLOT_SALT_LENGTH = 32;
const KEY_LENGTH = 32;
/** Bytes of the wrapped secrets: nonce, `secretKey ‖ sealerKey`, tag. */
export const WRAPPED_SECRET_LENGTH = 12 + 64 + 16;
const ENC_LENGTH = 32;
const CIPHERTEXT_LENGTH = 32 + 16;
const SIGNATURE_LENGTH = 64;
/** Bytes of a passkey slot. */
export const PASSKEY_SLOT_LENGTH = PASSKEY_SLOT_HEADER_LENGTH + PASSKEY_SLOT_SALT_LENGTH + KEY_LENGTH + WRAPPED_SECRET_LENGTH + ENC_LENGTH + CIPHERTEXT_LENGTH + SIGNATURE_LENGTH;
/** The HPKE `info` of every passkey slot. */
export const PASSKEY_SLOT_INFO: Uint8Array = utf8(LABEL);
/** Prefix of a passkey slot's meta record id; the slot id follows. */
export const PASSKEY_SLOT_PREFIX = 'passkey-slot.';

/** A passkey slot's parts. */
export interface PasskeySlot {
  /** The HKDF salt of the slot key (32 random bytes). */
  readonly salt: Uint8Array;
  /** The slot's X25519 public key. */
  readonly publicKey: Uint8Array;
  /** `nonce ‖ AES-256-GCM(slotKey, secretKey ‖ sealerKey)` (92 bytes). */
  readonly wrappedSecret: Uint8Array;
  /** The HPKE encapsulated key (32 bytes). */
  readonly enc: Uint8Array;
  /** The sealed root key, `ciphertext ‖ tag` (48 bytes). */
  readonly ciphertext: Uint8Array;
  /** The sealer's Ed25519 signature over the sealed root key (64 bytes). */
  readonly signature: Uint8Array;
}

/** What a passkey slot is bound to. */
export interface PasskeySlotPlace {
  /** The normalized user id. */
  readonly userId: string;
  /** The credential id, base64url. */
  readonly credentialId: string;
}

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

function malformed(): ZeroVaultError {
  return invalid('passkey slot is malformed');
}

function placeBytes(place: PasskeySlotPlace): Uint8Array {
  if (!isCredentialId(place.credentialId)) throw invalid('credentialId must be a credential id');
  if (typeof place.userId !== 'string' || place.userId.length === 0) throw invalid('userId must be a non-empty string');
  return concat(lp(utf8(place.userId)), lp(utf8(place.credentialId)));
}

function exact(value: Uint8Array, length: number, name: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw invalid(`${name} must be ${length} bytes`);
  return value;
}

/**
 * The meta record id of a credential's slot: `passkey-slot.` and the first
 * 16 bytes of SHA-256(utf8 credentialId) in base64url (credential ids may
 * be longer than a record id).
 * @throws `INVALID_INPUT` for a malformed credential id
 */
export function passkeySlotId(credentialId: string): string {
  if (!isCredentialId(credentialId)) throw invalid('credentialId must be a credential id');
  return `${PASSKEY_SLOT_PREFIX}${toBase64url(sha256(utf8(credentialId)).subarray(0, 16))}`;
}

/** The clear header of a suite-1 slot. */
export function passkeySlotHeader(): Uint8Array {
  return Uint8Array.of(MAGIC_0, MAGIC_1, VERSION, PASSKEY_SLOT_SUITE);
}

/**
 * The AES-256-GCM key that wraps the slot's secret key (module comment).
 * @throws `INVALID_INPUT` unless `prfOutput` and `salt` are 32 bytes, or for a malformed place
 */
export function passkeySlotKey(prfOutput: Uint8Array, salt: Uint8Array, place: PasskeySlotPlace): Uint8Array {
  exact(prfOutput, PRF_OUTPUT_LENGTH, 'prfOutput');
  exact(salt, PASSKEY_SLOT_SALT_LENGTH, 'salt');
  return deriveKey({ ikm: prfOutput, salt, label: LABELS.passkeySlotKey, context: placeBytes(place), length: 32 });
}

/**
 * The AAD of the wrapped secret key.
 * @throws `INVALID_INPUT` for a malformed input
 */
export function passkeySecretAad(place: PasskeySlotPlace, salt: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return labelled(SECRET_LABEL, placeBytes(place), passkeySlotHeader(), exact(salt, PASSKEY_SLOT_SALT_LENGTH, 'salt'), exact(publicKey, KEY_LENGTH, 'publicKey'));
}

/**
 * The HPKE AAD the root key is sealed with.
 * @throws `INVALID_INPUT` for a malformed input
 */
export function passkeySlotAad(place: PasskeySlotPlace, publicKey: Uint8Array): Uint8Array {
  return labelled(LABEL, placeBytes(place), passkeySlotHeader(), exact(publicKey, KEY_LENGTH, 'publicKey'));
}

/**
 * What the sealer signs: the sealed root key, bound to account, credential, header and public key.
 * @throws `INVALID_INPUT` for a malformed input
 */
export function passkeySealMessage(place: PasskeySlotPlace, publicKey: Uint8Array, enc: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  return labelled(SEAL_LABEL, placeBytes(place), passkeySlotHeader(), exact(publicKey, KEY_LENGTH, 'publicKey'), exact(enc, ENC_LENGTH, 'enc'), exact(ciphertext, CIPHERTEXT_LENGTH, 'ciphertext'));
}

/**
 * Encodes a slot.
 * @throws `INVALID_INPUT` for a part of the wrong size
 */
export function encodePasskeySlot(slot: PasskeySlot): Uint8Array {
  return concat(
    passkeySlotHeader(),
    exact(slot.salt, PASSKEY_SLOT_SALT_LENGTH, 'salt'),
    exact(slot.publicKey, KEY_LENGTH, 'publicKey'),
    exact(slot.wrappedSecret, WRAPPED_SECRET_LENGTH, 'wrappedSecret'),
    exact(slot.enc, ENC_LENGTH, 'enc'),
    exact(slot.ciphertext, CIPHERTEXT_LENGTH, 'ciphertext'),
    exact(slot.signature, SIGNATURE_LENGTH, 'signature'),
  );
}

/**
 * Decodes a slot strictly (no crypto). The parts are copies.
 * @throws `UNSUPPORTED` for an unknown version or suite; `INVALID_INPUT` when malformed
 */
export function decodePasskeySlot(bytes: Uint8Array): PasskeySlot {
  if (!(bytes instanceof Uint8Array) || bytes.length < 4 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  if (bytes[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown passkey slot version');
  if (bytes[3] !== PASSKEY_SLOT_SUITE) throw new ZeroVaultError('UNSUPPORTED', 'unknown passkey slot suite');
  if (bytes.length !== PASSKEY_SLOT_LENGTH) throw malformed();
  let at = PASSKEY_SLOT_HEADER_LENGTH;
  const take = (n: number): Uint8Array => bytes.slice(at, (at += n));
  return {
    salt: take(PASSKEY_SLOT_SALT_LENGTH),
    publicKey: take(KEY_LENGTH),
    wrappedSecret: take(WRAPPED_SECRET_LENGTH),
    enc: take(ENC_LENGTH),
    ciphertext: take(CIPHERTEXT_LENGTH),
    signature: take(SIGNATURE_LENGTH),
  };
}
