/**
 * The recovery slot, version 2: the account's root key sealed to a public
 * key, so a root-key rotation can seal the new root key to it *without the
 * recovery key*, while opening it takes the recovery key. Version 1 (an AEAD
 * wrap under a key derived from the recovery credential's export key,
 * `formats/slots.ts`) still opens; it cannot be re-sealed, which is why
 * v2 exists. Sealing and opening (AES-GCM, HPKE, HMAC) are the client's
 * (`client/credentials/recovery-slot.ts`); this module holds the bytes and
 * the derivations. Vectors: `test/vectors/zerovault/recovery-slot-v2.json`.
 *
 *     v2: "ZS" (0x5a 0x53) | 0x02 (version) | 0x01 (suite) | count (u8, 1..4)
 *           | count × ( kid (8) | enc (32) | ciphertext (48) | tag (32) | keys (12 + 64 + 16) )
 *
 * It shares the magic of the v1 unlock slot: both live in the record
 * `recovery-slot`, and the version byte says which one it is. Suite 1, with
 * `E` the recovery credential's OPAQUE export key, `R` the root key,
 * `userId` the normalized user id (UTF-8), `lp(x) = u32(len x) ‖ x`,
 * `header` the 4 bytes above up to the suite:
 *
 *     kid        = HKDF(E, "zerovault/v1/unlock/kid")[0..8]                 (as in v1)
 *     sk         = HKDF(E, "zerovault/v1/unlock/recovery-x25519", 32); pk = X25519(sk, 9)
 *     macKey     = HKDF(E, "zerovault/v1/unlock/recovery-mac", 32)
 *     enc ‖ ciphertext = HPKE base mode Seal (RFC 9180; DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM)
 *                    (pkR = pk, info = "zerovault/v1/recovery-slot",
 *                     aad = "zerovault/v1/recovery-slot" ‖ 0x00 ‖ lp(userId) ‖ header ‖ kid, plaintext = R)
 *     tag        = HMAC-SHA-256(macKey, "zerovault/v1/recovery-slot/tag" ‖ 0x00 ‖ lp(userId) ‖ header ‖ kid ‖ enc ‖ ciphertext)
 *     keysKey    = HKDF(R, "zerovault/v1/unlock/recovery-keys", context = lp(userId) ‖ kid, 32)
 *     keys       = nonce (12) ‖ AES-256-GCM(keysKey, pk ‖ macKey,
 *                    aad = "zerovault/v1/recovery-slot/keys" ‖ 0x00 ‖ lp(userId) ‖ header ‖ kid)
 *
 * `keys` is how the public key is "kept under the root key": whoever holds
 * `R` reads `pk` and `macKey` and can seal a new root key and tag it. The
 * server can neither (it knows neither `R` nor `E`), so it can neither swap
 * `pk` for one of its own before a rotation nor make the slot open to a root
 * key of its choosing: the recovering client checks `tag` (a key only `E`
 * and `R` give) before it opens anything. Entries are distinct by `kid`;
 * more than one exists only for a moment while the recovery key is replaced.
 *
 * Compatibility: a reader refuses versions and suites it does not know
 * (`UNSUPPORTED`); a new suite gets a new number, never a new meaning.
 *
 * @module
 */
import { concat, equal, utf8 } from '../crypto/bytes.js';
import { LABELS, deriveKey } from '../crypto/kdf.js';
import { ZeroVaultError } from '../errors.js';
import { Reader, labelled, lp } from './codec.js';
import { SLOT_KID_LENGTH } from './slots.js';

const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x53;
/** The version byte of a v2 recovery slot (v1 is `formats/slots.ts`). */
export const RECOVERY_SLOT_VERSION = 2;
/** The one suite (module comment). */
export const RECOVERY_SLOT_SUITE = 1;
/** Most entries a v2 recovery slot holds. */
export const MAX_RECOVERY_ENTRIES = 4;
const LABEL = 'zerovault/v1/recovery-slot';
const TAG_LABEL = 'zerovault/v1/recovery-slot/tag';
const KEYS_LABEL = 'zerovault/v1/recovery-slot/keys';
const ENC_LENGTH = 32;
const CIPHERTEXT_LENGTH = 32 + 16;
const TAG_LENGTH = 32;
/** Bytes of `keys`: nonce, `pk ‖ macKey`, tag. */
export const RECOVERY_KEYS_LENGTH = 12 + 64 + 16;
const ENTRY_LENGTH = SLOT_KID_LENGTH + ENC_LENGTH + CIPHERTEXT_LENGTH + TAG_LENGTH + RECOVERY_KEYS_LENGTH;
/** The HPKE `info` of every v2 recovery slot. */
export const RECOVERY_SLOT_INFO: Uint8Array = utf8(LABEL);

/** One entry of a v2 recovery slot. */
export interface RecoveryEntry {
  readonly kid: Uint8Array;
  readonly enc: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
  readonly keys: Uint8Array;
}

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'recovery slot is malformed');
}

function userBytes(userId: string): Uint8Array {
  if (typeof userId !== 'string' || userId.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'userId must be a non-empty string');
  return lp(utf8(userId));
}

function kidOf(kid: Uint8Array): Uint8Array {
  if (!(kid instanceof Uint8Array) || kid.length !== SLOT_KID_LENGTH) throw new ZeroVaultError('INVALID_INPUT', 'kid must be 8 bytes');
  return kid;
}

/** The clear header of a suite-1 v2 slot (without the count). */
export function recoverySlotHeader(): Uint8Array {
  return Uint8Array.of(MAGIC_0, MAGIC_1, RECOVERY_SLOT_VERSION, RECOVERY_SLOT_SUITE);
}

/** The version byte of a slot record, or `null` when it is no unlock slot at all. */
export function slotVersionOf(bytes: Uint8Array): number | null {
  return bytes.length >= 3 && bytes[0] === MAGIC_0 && bytes[1] === MAGIC_1 ? (bytes[2] as number) : null;
}

/** The X25519 secret key and the HMAC key of a recovery export key (module comment); the caller wipes them. */
export function recoveryExportKeys(exportKey: Uint8Array): { secretKey: Uint8Array; macKey: Uint8Array } {
  return { secretKey: deriveKey({ ikm: exportKey, label: LABELS.recoverySlotX25519 }), macKey: deriveKey({ ikm: exportKey, label: LABELS.recoverySlotMac }) };
}

/** The AES-256-GCM key of an entry's `keys`, under the root key; the caller wipes it. */
export function recoveryKeysKey(rootKey: Uint8Array, userId: string, kid: Uint8Array): Uint8Array {
  return deriveKey({ ikm: rootKey, label: LABELS.recoverySlotKeys, context: concat(userBytes(userId), kidOf(kid)) });
}

/** The HPKE AAD the root key is sealed with. */
export function recoverySlotAad(userId: string, kid: Uint8Array): Uint8Array {
  return labelled(LABEL, userBytes(userId), recoverySlotHeader(), kidOf(kid));
}

/** The AAD of an entry's `keys`. */
export function recoveryKeysAad(userId: string, kid: Uint8Array): Uint8Array {
  return labelled(KEYS_LABEL, userBytes(userId), recoverySlotHeader(), kidOf(kid));
}

/** What `tag` authenticates. */
export function recoveryTagMessage(userId: string, kid: Uint8Array, enc: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  if (enc.length !== ENC_LENGTH || ciphertext.length !== CIPHERTEXT_LENGTH) throw new ZeroVaultError('INVALID_INPUT', 'enc or ciphertext has the wrong size');
  return labelled(TAG_LABEL, userBytes(userId), recoverySlotHeader(), kidOf(kid), enc, ciphertext);
}

function checkEntries(entries: readonly RecoveryEntry[], bad: () => ZeroVaultError): void {
  if (entries.length === 0 || entries.length > MAX_RECOVERY_ENTRIES) throw bad();
  entries.forEach((e, i) => {
    const sizes: [Uint8Array, number][] = [
      [e.kid, SLOT_KID_LENGTH],
      [e.enc, ENC_LENGTH],
      [e.ciphertext, CIPHERTEXT_LENGTH],
      [e.tag, TAG_LENGTH],
      [e.keys, RECOVERY_KEYS_LENGTH],
    ];
    if (sizes.some(([value, length]) => !(value instanceof Uint8Array) || value.length !== length)) throw bad();
    if (entries.slice(0, i).some((other) => equal(other.kid, e.kid))) throw bad();
  });
}

/**
 * Encodes a v2 recovery slot.
 * @throws `INVALID_INPUT` unless 1 to 4 well-formed entries with distinct kids
 */
export function encodeRecoverySlot(entries: readonly RecoveryEntry[]): Uint8Array {
  checkEntries(entries, () => new ZeroVaultError('INVALID_INPUT', 'a recovery slot holds 1 to 4 well-formed entries with distinct kids'));
  return concat(recoverySlotHeader(), Uint8Array.of(entries.length), ...entries.flatMap((e) => [e.kid, e.enc, e.ciphertext, e.tag, e.keys]));
}

/**
 * Decodes a v2 recovery slot strictly (no trailing bytes). The parts are copies.
 * @throws `UNSUPPORTED` for another version or suite; `INVALID_INPUT` when malformed
 */
export function decodeRecoverySlot(bytes: Uint8Array): RecoveryEntry[] {
  if (!(bytes instanceof Uint8Array) || bytes.length < 4 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  if (bytes[2] !== RECOVERY_SLOT_VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown recovery slot version');
  if (bytes[3] !== RECOVERY_SLOT_SUITE) throw new ZeroVaultError('UNSUPPORTED', 'unknown recovery slot suite');
  const reader = new Reader(bytes, malformed);
  reader.bytes(4);
  const count = reader.u8();
  if (count === 0 || count > MAX_RECOVERY_ENTRIES || reader.remaining !== count * ENTRY_LENGTH) throw malformed();
  const entries: RecoveryEntry[] = [];
  for (let i = 0; i < count; i++) {
    entries.push({
      kid: reader.bytes(SLOT_KID_LENGTH),
      enc: reader.bytes(ENC_LENGTH),
      ciphertext: reader.bytes(CIPHERTEXT_LENGTH),
      tag: reader.bytes(TAG_LENGTH),
      keys: reader.bytes(RECOVERY_KEYS_LENGTH),
    });
  }
  reader.end();
  checkEntries(entries, malformed);
  return entries;
}
