/**
 * What the notes page says, in a person's words, when something fails or the
 * session ends. Never an error's own text: that is for developers.
 */
import { isZeroVaultError } from 'zerovault';
import type { SignOutReason } from './account.js';
import { waitText } from './codes.js';

/** Why the page shows the sign-in form again, in the user's words. */
export const SIGNED_OUT: Record<SignOutReason, string> = {
  'signed-out': 'You signed out. This device no longer keeps you signed in: your password is needed next time.',
  'forgot-device': 'You revoked this device: it is signed out and forgotten. Your password is needed next time.',
  'other-tab': 'You signed out in another tab. This device no longer keeps you signed in.',
  revoked: 'This device was revoked from another device. Sign in with your password to use it again.',
  expired: 'Your session expired. Sign in again to continue.',
  unreachable: 'Your session ended, and the server could not be reached to sign you back in. Check your connection, then reload or sign in.',
  'passkey-removed': 'You removed the passkey you signed in with, so that session ended. Sign in with your password or another passkey.',
};

/**
 * A message for the user about `err`, in words; never the error's own text
 * (it is for developers). `signedIn` tells a refused action from a refused sign-in.
 */
export function describeError(err: unknown, signedIn: boolean): string {
  if (!isZeroVaultError(err)) return 'Something went wrong. See the console for details.';
  switch (err.code) {
    case 'AUTH_FAILED':
      return signedIn ? 'The server refused this. Sign in again and retry.' : 'Wrong email or password.';
    case 'CLOSED':
      return 'Your session has ended. Please sign in again.';
    case 'CONFLICT':
      return signedIn ? 'This note was changed elsewhere. The latest version is shown.' : 'An account with this email already exists. Sign in instead.';
    case 'NOT_FOUND':
      return 'It is gone already. The list is up to date now.';
    case 'RATE_LIMITED':
      return `Too many attempts. Wait ${err.retryAfterMs === undefined ? 'a few minutes' : waitText(err.retryAfterMs)} and try again.`;
    case 'MFA_REQUIRED':
      return 'This account needs its second step first. Sign in again.';
    case 'NETWORK':
      return 'Cannot reach the server. Check your connection.';
    case 'INVALID_INPUT':
      return 'That input is not valid.';
    case 'WORKER':
      return 'The page’s background worker stopped. Reload the page and try again.';
    default:
      return `Something went wrong (${err.code}).`;
  }
}
