/**
 * The codes of second factors as text, validated at the boundary: a TOTP
 * code is 6 digits (RFC 6238, as authenticator apps show it), a recovery
 * code 16 characters of Crockford base32 in groups of 4
 * (`XXXX-XXXX-XXXX-XXXX`, the form the server compares).
 *
 * @module
 */
import { ZeroVaultError } from '../../errors.js';
import type { Factor } from '../account/factor.js';

/**
 * A TOTP code: 6 digits; spaces (authenticators show "123 456") are dropped.
 * @throws `INVALID_INPUT` naming `name`
 */
export function totpCode(value: unknown, name: string): string {
  const code = typeof value === 'string' ? value.replace(/\s/g, '') : '';
  if (!/^[0-9]{6}$/.test(code)) throw new ZeroVaultError('INVALID_INPUT', `${name} must be a 6-digit code`);
  return code;
}

/**
 * A recovery code in its canonical form `XXXX-XXXX-XXXX-XXXX`: spaces and
 * dashes dropped, upper-cased, `I`/`L` read as `1` and `O` as `0`
 * (Crockford's alphabet is made for codes people copy by hand).
 * @throws `INVALID_INPUT` naming `name`
 */
export function recoveryCodeText(value: unknown, name: string): string {
  const compact = typeof value === 'string' ? value.replace(/[\s-]/g, '').toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0') : '';
  if (!/^[0-9A-HJKMNP-TV-Z]{16}$/.test(compact)) throw new ZeroVaultError('INVALID_INPUT', `${name} must be a recovery code (16 characters)`);
  return (compact.match(/.{4}/g) as string[]).join('-');
}

/**
 * Either kind of code, told apart by its shape (digits, or a recovery code).
 * @throws `INVALID_INPUT` naming `name`
 */
export function anyCode(value: unknown, name: string): { totp: string } | { recoveryCode: string } {
  if (typeof value === 'string' && /^[0-9\s]+$/.test(value)) return { totp: totpCode(value, name) };
  try {
    return { recoveryCode: recoveryCodeText(value, name) };
  } catch {
    throw new ZeroVaultError('INVALID_INPUT', `${name} must be a 6-digit code or a recovery code`);
  }
}

/**
 * Validates a login's `totp` / `recoveryCode` (at most one of them). A
 * code given as text also goes to `login/start` (strict accounts); a
 * function is never called here: it asks the user only when the server says so.
 * @throws `INVALID_INPUT`
 */
export function checkFactor(value: { totp?: unknown; recoveryCode?: unknown }): Factor {
  const { totp, recoveryCode } = value;
  if (totp !== undefined && recoveryCode !== undefined) throw new ZeroVaultError('INVALID_INPUT', 'give totp or recoveryCode, not both');
  if (typeof totp === 'function') return { totp: totp as () => Promise<string>, start: {} };
  if (totp !== undefined) {
    const code = totpCode(totp, 'totp');
    return { totp: code, start: { totp: code } };
  }
  if (recoveryCode === undefined) return { start: {} };
  const code = recoveryCodeText(recoveryCode, 'recoveryCode');
  return { recoveryCode: code, start: { recoveryCode: code } };
}
