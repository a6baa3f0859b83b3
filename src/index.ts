/**
 * zerovault: zero-knowledge, end-to-end encrypted storage for web and Node.
 *
 * This entry runs in browsers, Node and edge runtimes.
 *
 * @module
 */
export { ZeroVaultError, isZeroVaultError, ERROR_CODES } from './errors.js';
export type { ZeroVaultErrorCode, ZeroVaultErrorOptions } from './errors.js';
export { toBase64url, fromBase64url, utf8, fromUtf8 } from './crypto/bytes.js';
