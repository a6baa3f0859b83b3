/**
 * `zerovault/record`: the raw sealed-record format v1 and the keyring codecs,
 * for code that handles records itself (tools, migrations, a server-side
 * re-wrap). An app that uses `Client` never needs it: the SDK seals and opens
 * records for it. Format v1 is specified byte for byte in `docs/format.md`.
 *
 * ```ts
 * import { sealRecord, openRecord } from 'zerovault/record'
 * const kek = { id: 'notes', version: 1, key }                 // 32 random bytes
 * const sealed = await sealRecord({ kek, vaultId: 'v', recordId: 'r', version: 1, plaintext })
 * const plaintext = await openRecord({ kek, vaultId: 'v', recordId: 'r', version: 1, sealed })
 * ```
 *
 * Runs in browsers, Node and edge runtimes. Errors are `ZeroVaultError`s:
 * branch on `err.code` (`INVALID_INPUT`, `UNSUPPORTED`, `DECRYPT_FAILED`,
 * `NOT_FOUND`).
 *
 * @module
 */
export {
  sealRecord,
  openRecord,
  rewrapRecord,
  // The envelope layer still calls it `decodeRecordHeader`; the public name
  // follows the rule `decode*` for bytes (`parse*` is for text).
  decodeRecordHeader,
  importKek,
  createKeyring,
  addKekVersion,
  setActiveKek,
  activeKek,
  encodeKeyring,
  decodeKeyring,
  sealKeyring,
  openKeyring,
  MAX_RECORD_PLAINTEXT,
  KEYRING_RECORD_ID,
} from './envelope/index.js';
export type {
  ActiveKekOptions,
  AddKekVersionOptions,
  Kek,
  KekSource,
  KeyPair,
  Keyring,
  KeyringKek,
  OpenKeyringOptions,
  OpenRecordOptions,
  RecordHeader,
  RecordLocation,
  RewrapRecordOptions,
  SealKeyringOptions,
  SealRecordOptions,
  SetActiveKekOptions,
} from './envelope/index.js';
/** The suite byte of a record header (`docs/format.md`). */
export type { RecordSuiteId } from './envelope/format.js';
/** A KEK imported by {@link importKek}: a backend handle (a non-extractable `CryptoKey` under WebCrypto). */
export type { AesGcmKey } from './crypto/backend.js';
