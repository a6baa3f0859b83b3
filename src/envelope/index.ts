/**
 * Sealed records: envelope encryption with key commitment and bound identity,
 * and the keyring that holds the keys. Format v1 is specified byte for byte in
 * `docs/format.md`; known-answer vectors are in `test/vectors/zerovault/`.
 *
 * Errors are `ZeroVaultError`s; branch on `err.code`:
 * - `INVALID_INPUT`: a malformed parameter, or a record that is truncated,
 *   has trailing bytes or a bad length (checked before any crypto);
 * - `UNSUPPORTED`: an unknown format version or suite (checked first);
 * - `DECRYPT_FAILED`: anything that does not authenticate, one fixed message.
 *
 * Records hold at most {@link MAX_RECORD_PLAINTEXT} (64 MiB) of plaintext and
 * are processed whole in memory; larger data belongs in `zerovault/seal`
 * streams, with the stream's key stored in a record.
 *
 * @module
 */
import { getBackend } from '#backend';
import { MAX_RECORD_PLAINTEXT as MAX_PLAINTEXT, parseRecordHeader as parseHeader, type RecordHeader } from './format.js';
import { importKekWith, type Kek } from './inputs.js';
import {
  KEYRING_RECORD_ID as KEYRING_ID,
  activeKek as activeKekOf,
  addKekVersion as addVersion,
  createKeyringWith,
  decodeKeyringWith,
  encodeKeyring as encode,
  openKeyringWith,
  sealKeyringWith,
  setActiveKek as setActive,
  type ActiveKekOptions,
  type AddKekVersionOptions,
  type Keyring,
  type KeyringKek,
  type OpenKeyringOptions,
  type SealKeyringOptions,
  type SetActiveKekOptions,
} from './keyring.js';
import {
  openRecordWith,
  rewrapRecordWith,
  sealRecordWith,
  type OpenRecordOptions,
  type RewrapRecordOptions,
  type SealRecordOptions,
} from './record.js';

/** Types of the options and results below; each field is documented where it is declared. */
export type {
  ActiveKekOptions,
  AddKekVersionOptions,
  Kek,
  Keyring,
  KeyringKek,
  OpenKeyringOptions,
  OpenRecordOptions,
  RecordHeader,
  RewrapRecordOptions,
  SealKeyringOptions,
  SealRecordOptions,
  SetActiveKekOptions,
};
/** An identity key pair held by a keyring. */
export type { KeyPair } from './keyring.js';
/** The KEK lookup accepted by `openRecord` (a {@link Keyring} fits it) and a record's place. */
export type { KekSource, RecordLocation } from './record.js';

/** The largest plaintext a record holds: 64 MiB (67,108,864 bytes). Larger data: `zerovault/seal` streams. */
export const MAX_RECORD_PLAINTEXT: number = MAX_PLAINTEXT;

/** The record id under which {@link sealKeyring} stores a keyring (its vault id is the owner). */
export const KEYRING_RECORD_ID: string = KEYRING_ID;

/**
 * Seals `plaintext` as a v1 record: a fresh random DEK encrypts it, `kek`
 * wraps the DEK, and `(vaultId, recordId, version)` is bound into both AADs,
 * so the record opens only at that place and version.
 *
 * @param options.kek - `{ id, version, key }`; `key` is 32 bytes or from {@link importKek}
 * @param options.vaultId - 1..1024 UTF-8 bytes
 * @param options.recordId - 1..1024 UTF-8 bytes
 * @param options.version - the record's store version, a safe non-negative integer
 * @param options.plaintext - 0..{@link MAX_RECORD_PLAINTEXT} bytes; read in place, not copied
 * @returns the sealed record: plaintext length + 165 + KEK id length bytes (suite 2)
 * @throws `INVALID_INPUT` on any malformed option
 */
export function sealRecord(options: SealRecordOptions): Promise<Uint8Array> {
  return sealRecordWith(options);
}

/**
 * Opens a v1 record sealed for exactly this `(vaultId, recordId, version)`.
 * Give either the KEK the header names (see {@link parseRecordHeader}) or a
 * keyring holding it.
 *
 * @returns the plaintext (a new buffer the caller owns)
 * @throws `UNSUPPORTED` for an unknown version or suite; `INVALID_INPUT` for
 *   malformed options or a truncated, over-long or malformed record;
 *   `DECRYPT_FAILED` (one message) when the KEK is not the one named, the
 *   keyring lacks it, or the wrap, commitment or payload fails to authenticate
 *   (tampering, or a record moved to another vault, id or version)
 */
export function openRecord(options: OpenRecordOptions): Promise<Uint8Array> {
  return openRecordWith(options);
}

/**
 * Re-wraps a record's DEK from one KEK to another without touching the
 * payload: nonce, commitment and `ciphertext || tag` are copied byte for
 * byte, so rotation costs one small unwrap and wrap per record. The DEK is
 * checked against the commitment; the payload tag is not (it is checked
 * when the record is opened, and a re-wrap cannot make a forged payload valid).
 *
 * @param options.from - the KEK the header names
 * @param options.to - the KEK to wrap under (usually the next version of the same id)
 * @returns the re-wrapped record; the same identity opens it under `to` only
 * @throws as {@link openRecord}
 */
export function rewrapRecord(options: RewrapRecordOptions): Promise<Uint8Array> {
  return rewrapRecordWith(options);
}

/**
 * Reads a record's public header without any key: which KEK (id, version)
 * it needs and how long its plaintext is. Parses the whole record strictly.
 *
 * @throws `UNSUPPORTED` for an unknown version or suite; `INVALID_INPUT` for
 *   anything malformed
 */
export function parseRecordHeader(sealed: Uint8Array): RecordHeader {
  return parseHeader(sealed);
}

/**
 * Imports a KEK's raw key once into a backend handle (non-extractable under
 * WebCrypto), so repeated seals and opens skip the import.
 *
 * @returns the same `id` and `version` with `key` as a handle
 * @throws `INVALID_INPUT` on a malformed KEK
 */
export function importKek(kek: Kek): Promise<Kek> {
  return importKekWith(kek, getBackend());
}

/**
 * A new keyring: fresh X25519 and Ed25519 identity key pairs, no KEKs (add
 * them with {@link addKekVersion}).
 */
export function createKeyring(): Keyring {
  return createKeyringWith();
}

/**
 * Adds a KEK version with a fresh random key: version 1 for a new id (then
 * active), else the highest version + 1, active only if `activate` is true
 * (the previous active version then becomes inactive but stays, to open
 * records until they are re-wrapped). Keyrings are values: the input is
 * unchanged, and the result shares its key buffers.
 *
 * @returns `{ keyring, kek }`: the new keyring and the added entry
 * @throws `INVALID_INPUT` on a malformed keyring or id
 */
export function addKekVersion(options: AddKekVersionOptions): { keyring: Keyring; kek: KeyringKek } {
  return addVersion(options);
}

/**
 * Marks `(id, version)` as the active KEK for `id`; the other versions of
 * `id` become inactive.
 *
 * @returns the new keyring (the input is unchanged)
 * @throws `NOT_FOUND` when the keyring lacks that KEK; `INVALID_INPUT` on a malformed keyring
 */
export function setActiveKek(options: SetActiveKekOptions): Keyring {
  return setActive(options);
}

/**
 * The active KEK for `id`: the one to seal new records under.
 *
 * @throws `NOT_FOUND` when the keyring has no KEK with that id
 */
export function activeKek(options: ActiveKekOptions): KeyringKek {
  return activeKekOf(options);
}

/**
 * The canonical encoding of a keyring (`docs/format.md`): entries sorted,
 * one active version per id, so equal keyrings encode to equal bytes. Holds
 * secrets; wipe it when done.
 *
 * @throws `INVALID_INPUT` on a malformed keyring
 */
export function encodeKeyring(keyring: Keyring): Uint8Array {
  return encode(keyring);
}

/**
 * Decodes {@link encodeKeyring}'s output strictly: canonical order, no
 * trailing bytes, public keys matching their secret keys.
 *
 * @returns a keyring whose buffers are new copies
 * @throws `UNSUPPORTED` for an unknown keyring version; `INVALID_INPUT` otherwise
 */
export function decodeKeyring(bytes: Uint8Array): Keyring {
  return decodeKeyringWith(bytes);
}

/**
 * Seals a keyring as a record under the root key: vault id = `owner`, record
 * id = {@link KEYRING_RECORD_ID}, the given store `version`.
 *
 * @throws `INVALID_INPUT` on malformed options
 */
export function sealKeyring(options: SealKeyringOptions): Promise<Uint8Array> {
  return sealKeyringWith(options);
}

/**
 * Opens a keyring sealed by {@link sealKeyring} for the same `owner` and `version`.
 *
 * @throws as {@link openRecord}, and as {@link decodeKeyring}
 */
export function openKeyring(options: OpenKeyringOptions): Promise<Keyring> {
  return openKeyringWith(options);
}
