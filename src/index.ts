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
 * `ZeroVaultError`s: branch on `err.code`.
 *
 * @module
 */
export { Client, Session, Vault, formatRecoveryKey, parseRecoveryKey } from './client/index.js';
export type {
  ClientOptions,
  Contact,
  Credentials,
  FetchFn,
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
  VaultRole,
} from './client/index.js';
export { memoryStore, restStore } from './store/index.js';
export type * from './store/types.js';
export type { RestStoreOptions } from './store/rest.js';
export {
  sealRecord,
  openRecord,
  rewrapRecord,
  parseRecordHeader,
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
} from './envelope/index.js';
export type * from './envelope/index.js';
export { ZeroVaultError, isZeroVaultError, ERROR_CODES } from './errors.js';
export type { ZeroVaultErrorCode, ZeroVaultErrorOptions } from './errors.js';
export { toBase64url, fromBase64url, utf8, fromUtf8 } from './crypto/bytes.js';
/** The `ksfRunner` option's type; `zerovault/ksf-worker` provides one. */
export type { KsfJob, KsfRunner } from './crypto/ksf-runner.js';
