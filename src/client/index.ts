/**
 * The client SDK: `Client` → `Session` → `Vault`, and sharing vaults
 * between users (`docs/sharing.md`).
 *
 * @module
 */
export { Client, type ClientOptions, type Credentials, type RecoverOptions, type RememberOptions, type ResumeOptions } from './account/client.js';
export {
  Session,
  type ChangePasswordOptions,
  type DeviceInfo,
  type EnrollTotpOptions,
  type LogoutOptions,
  type MfaCodeOptions,
  type MfaStatus,
  type RecoveryKeyOptions,
  type RevokeDeviceOptions,
  type SecondFactorOptions,
  type SharedVaultInfo,
  type StrictMfaOptions,
  type TotpEnrolment,
  type VaultOptions,
} from './account/session.js';
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
export type { Contact } from './sharing/directory.js';
export type { Role } from '../formats/grant.js';
export { formatRecoveryKey, parseRecoveryKey } from '../formats/recovery-key.js';
export type { FetchFn } from '../transport.js';
