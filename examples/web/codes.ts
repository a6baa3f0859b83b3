/**
 * What a person types as a second factor, checked and tidied before it is
 * sent, and what the page says when the server refuses it. The server stays
 * the judge: this only catches typos early and gives them words.
 */
import { isZeroVaultError } from 'zerovault';

/** A second factor typed by the person: a code from the authenticator app, or one recovery code. */
export type SecondFactor = { readonly totp: string } | { readonly recoveryCode: string };

/** A 6-digit code with spaces or dashes taken out (apps show "123 456"), or `null` if it is not one. */
export function totpCode(text: string): string | null {
  const digits = text.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

/** Crockford base32, the alphabet of recovery codes. */
const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]{16}$/;

/**
 * A recovery code as `XXXX-XXXX-XXXX-XXXX` (upper case, any spacing or
 * dashes typed), or `null` if it cannot be one.
 */
export function recoveryCode(text: string): string | null {
  const compact = text.replace(/[\s-]/g, '').toUpperCase();
  if (!CROCKFORD.test(compact)) return null;
  return compact.match(/.{4}/g)?.join('-') ?? null;
}

/** The code field's text as a factor: a 6-digit code or a recovery code; `null` if it is neither. */
export function anyCode(text: string): SecondFactor | null {
  const totp = totpCode(text);
  if (totp !== null) return { totp };
  const recovery = recoveryCode(text);
  return recovery === null ? null : { recoveryCode: recovery };
}

/** "about 3 minutes", "30 seconds": how long to wait, rounded up. */
export function waitText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  const minutes = Math.ceil(seconds / 60);
  return `about ${minutes} minutes`;
}

/**
 * What to tell the person when a code was refused, or `null` when the error
 * is not about the code (the caller's general message applies then).
 */
export function codeRefusal(err: unknown, kind: 'totp' | 'recovery' | 'any'): string | null {
  if (isZeroVaultError(err, 'AUTH_FAILED')) {
    if (kind === 'recovery') return 'That recovery code does not work. Each code works once: try another one from your list.';
    if (kind === 'any') return 'That code does not work. Type the code your app shows now, or an unused recovery code.';
    return 'That code does not work. Type the code your app shows now: it changes every 30 seconds, and each one works once.';
  }
  if (isZeroVaultError(err, 'RATE_LIMITED')) {
    const wait = err.retryAfterMs === undefined ? 'a few minutes' : waitText(err.retryAfterMs);
    return `Too many wrong codes. For your safety, wait ${wait}, then try again.`;
  }
  return null;
}
