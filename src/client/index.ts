/**
 * The client SDK: `Client` → `Session` → `Vault`, and sharing vaults
 * between users (`docs/sharing.md`).
 *
 * @module
 */
export { Client, type ClientOptions, type Credentials, type PasskeyLoginOptions, type RecoverOptions, type RememberOptions, type ResumeOptions } from './account/client.js';
export { Session } from './account/session.js';
export type {
  AddPasskeyOptions,
  AddedPasskey,
  ChangePasswordOptions,
  DeviceInfo,
  EnrollTotpOptions,
  LogoutOptions,
  MfaCodeOptions,
  MfaStatus,
  PasskeyFactorOptions,
  PasskeyInfo,
  RecoveryCodesOptions,
  RecoveryKeyOptions,
  RotateRootKeyOptions,
  RemovePasskeyOptions,
  RevokeDeviceOptions,
  SecondFactorOptions,
  SharedVaultInfo,
  StrictMfaOptions,
  TotpEnrolment,
  VaultOptions,
} from './account/types.js';
export { Vault, type VaultRecord } from './vault/vault.js';
export type {
  DeleteOptions as VaultDeleteOptions,
  PutOptions as VaultPutOptions,
  RevokeOptions,
  RevokeResult,
  RotateOptions,
  RotateProgress,
  ShareOptions,
  VaultMember,
  VaultRole,
} from './vault/types.js';
export type {
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
} from './documents/types.js';
export type { Contact } from './sharing/directory.js';
export type { AccessReviewEntry } from './sharing/access-review.js';
export type { Role } from '../formats/grant.js';
export { formatRecoveryKey, parseRecoveryKey } from '../formats/recovery-key.js';
export type { FetchFn } from '../transport.js';
export type { SecurityLogEntry, SecurityLogOptions } from './log/index.js';
export type { LogSigner as SecurityLogSigner, LogType as SecurityLogType } from '../formats/log-entry.js';
