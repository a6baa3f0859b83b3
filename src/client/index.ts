/**
 * The client SDK: `Client` → `Session` → `Vault`.
 *
 * @module
 */
export { Client, type ClientOptions, type Credentials } from './client.js';
export { Session } from './session.js';
export { Vault, type DeleteOptions as VaultDeleteOptions, type PutOptions as VaultPutOptions, type RotateOptions, type RotateProgress } from './vault.js';
export { formatRecoveryKey, parseRecoveryKey } from './recovery-key.js';
export type { FetchFn } from './api.js';
