/**
 * Second factors, client side (issue 15): the second step of a pending
 * login, and a session's TOTP, recovery codes and strict mode. Loaded on
 * demand (with the first pending login or MFA call), never with the page.
 *
 * @module
 */
export { checkFactor } from './codes.js';
export { fullSession, mfaRequired, passSecondFactor, settleLogin, type SettleInput, type VerifyInput } from './verify.js';
export { disableTotp, enrollTotp, mfaStatus, regenerateRecoveryCodes, setStrictMfa, type EnrolHost, type MfaHost } from './manage.js';
