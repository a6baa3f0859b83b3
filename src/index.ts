/**
 * zerovault: zero-knowledge, end-to-end encrypted storage for web and Node.
 *
 * ```ts
 * const client = new Client({ url: 'https://api.example.com/zv' })
 * const session = await client.register({ userId, password })  // OPAQUE: the password never leaves
 * const notes = await session.vault('notes')
 * await notes.put('note-1', bytes)                              // only ciphertext reaches the server
 * ```
 *
 * This entry runs in browsers, Node and edge runtimes. Errors are
 * `ZeroVaultError`s: branch on `err.code`. The raw sealed-record format and
 * the keyring codecs are in `zerovault/record`.
 *
 * @module
 */
// Every public name is listed: `export type *` would re-export a module's
// values as declarations too, promising names that do not exist at run time.
// `Session` and `Vault` are classes (for `instanceof`) that only a `Client`
// creates.
export { Client, Session, Vault, formatRecoveryKey, parseRecoveryKey } from './client/index.js';
export type {
  AddPasskeyOptions,
  AddedPasskey,
  ChangePasswordOptions,
  ClientOptions,
  Contact,
  Credentials,
  DeviceInfo,
  EnrollTotpOptions,
  LogoutOptions,
  MfaCodeOptions,
  MfaStatus,
  PasskeyFactorOptions,
  PasskeyInfo,
  PasskeyLoginOptions,
  RecoverOptions,
  RecoveryCodesOptions,
  RecoveryKeyOptions,
  RotateRootKeyOptions,
  RemovePasskeyOptions,
  RememberOptions,
  ResumeOptions,
  RevokeDeviceOptions,
  SecondFactorOptions,
  StrictMfaOptions,
  TotpEnrolment,
  AccessReviewEntry,
  FetchFn,
  DocumentPlace,
  DocumentSchema,
  Documents,
  EncryptedField,
  EncryptedRow,
  FieldSpec,
  FieldSpecs,
  IndexKind,
  IndexOptions,
  IndexPlan,
  IndexResult,
  PreviousSchema,
  RowIndexes,
  RevokeOptions,
  RevokeResult,
  Role,
  RotateOptions,
  RotateProgress,
  ShareOptions,
  SharedVaultInfo,
  VaultDeleteOptions,
  VaultMember,
  VaultOptions,
  VaultPutOptions,
  VaultRecord,
  VaultRole,
} from './client/index.js';
/** The security log's entries (`session.securityLog`, docs/security-log.md). */
export type { SecurityLogEntry, SecurityLogOptions, SecurityLogSigner, SecurityLogType } from './client/index.js';
export { memoryStore, restStore } from './store/index.js';
export type {
  BatchBlobStore,
  BlobRecord,
  BlobStore,
  DeleteOptions,
  ListEntry,
  ListOptions,
  ListPage,
  PutManyEntry,
  PutOptions,
  PutResult,
  RestStore,
  RestStoreOptions,
} from './store/index.js';
export { ZeroVaultError, isZeroVaultError, ERROR_CODES } from './errors.js';
export type { ZeroVaultErrorCode, ZeroVaultErrorOptions } from './errors.js';
export { toBase64url, fromBase64url, utf8, fromUtf8 } from './crypto/bytes.js';
/** The `ksfRunner` option's type; `zerovault/ksf-worker` provides one. */
export type { KsfJob, KsfRunner } from './crypto/ksf-runner.js';
