/**
 * The account's rare credential flows, loaded on demand (with the first
 * call that needs one, never with the page): password change, recovery
 * key, recovery, and root-key rotation.
 *
 * @module
 */
export { changePasswordWith, createRecoveryKeyWith, loginAgain } from './replace.js';
export { startRecovery, type RecoveryInput, type RecoveryStarted } from './recover.js';
export { rotateRootKeyWith } from './rotate.js';
