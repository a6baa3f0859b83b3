/**
 * Sealed records: envelope encryption with key commitment and bound identity,
 * and the keyring that holds the keys. Format v1 is specified byte for byte in
 * `docs/format.md`; known-answer vectors are in `test/vectors/zerovault/`.
 *
 * Errors are `ZeroVaultError`s; branch on `err.code`:
 * - `INVALID_INPUT`: a malformed parameter (an all-zero key included), or a
 *   record that is truncated, has trailing bytes or a bad length (checked
 *   before any crypto);
 * - `UNSUPPORTED`: an unknown format version or suite (checked first);
 * - `DECRYPT_FAILED`: anything that does not authenticate, one fixed message.
 *
 * Records hold at most {@link MAX_RECORD_PLAINTEXT} (64 MiB) of plaintext and
 * are processed whole in memory; larger data belongs in `zerovault/seal`
 * streams, with the stream's key stored in a record.
 *
 * Only re-exports: each function lives, documented, in the module of its job.
 *
 * @module
 */
export { MAX_RECORD_PLAINTEXT, decodeRecordHeader, type RecordHeader } from './format.js';
export { importKek, type Kek } from './kek.js';
export {
  openRecord,
  rewrapRecord,
  sealRecord,
  type KekSource,
  type OpenRecordOptions,
  type RecordLocation,
  type RewrapRecordOptions,
  type SealRecordOptions,
} from './record.js';
export {
  activeKek,
  addKekVersion,
  setActiveKek,
  type ActiveKekOptions,
  type AddKekVersionOptions,
  type KeyPair,
  type Keyring,
  type KeyringKek,
  type SetActiveKekOptions,
} from './keyring.js';
export { createKeyring } from './keyring-new.js';
export { decodeKeyring, encodeKeyring } from './keyring-codec.js';
export { KEYRING_RECORD_ID, openKeyring, sealKeyring, type OpenKeyringOptions, type SealKeyringOptions } from './keyring-record.js';
