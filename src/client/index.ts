/**
 * The client SDK: `Client` → `Session` → `Vault`, and sharing vaults
 * between users (`docs/sharing.md`).
 *
 * @module
 */
export { Client, type ClientOptions, type Credentials, type RecoverOptions } from './account/client.js';
export { Session, type ChangePasswordOptions, type RecoveryKeyOptions, type SharedVaultInfo, type VaultOptions } from './account/session.js';
export {
  Vault,
  type DeleteOptions as VaultDeleteOptions,
  type PutOptions as VaultPutOptions,
  type RevokeOptions,
  type RevokeResult,
  type RotateOptions,
  type RotateProgress,
  type ShareOptions,
  type VaultMember,
  type VaultRecord,
  type VaultRole,
} from './vault/vault.js';
export type { Contact } from './sharing/directory.js';
export type { Role } from '../formats/grant.js';
export { formatRecoveryKey, parseRecoveryKey } from '../formats/recovery-key.js';
export type { FetchFn } from '../transport.js';
