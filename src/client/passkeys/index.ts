/**
 * Passkeys (issue 15): adding one (a WebAuthn credential with the PRF
 * extension, and a passkey slot when the authenticator has PRF), logging in
 * with it (no password, no Argon2id), passing a password login's second
 * factor (or a second-factor call) with it, listing and removing them. Loaded on
 * demand (with the first passkey call), never with the page.
 *
 * @module
 */
export { passkeyLogin, passkeyStepUp, type PasskeyLoggedIn, type PasskeyLoginInput, type PasswordSource } from './login.js';
export { passkeyFactor } from './factor.js';
export { addPasskey, listPasskeys, removePasskey, type PasskeyHost } from './manage.js';
export { checkAddPasskey, checkPasskeyLogin, checkRemovePasskey } from './checks.js';
export { passkeysBeforeRotation, resealPasskeys } from './rotate.js';
