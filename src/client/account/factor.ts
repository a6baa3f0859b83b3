/**
 * The second factor a login carries (`totp` or `recoveryCode`), validated
 * at the boundary, and the text forms the server compares: a TOTP code is
 * 6 digits (RFC 6238, as authenticator apps show it), a recovery code 16
 * characters of Crockford base32 in groups of 4 (`XXXX-XXXX-XXXX-XXXX`).
 *
 * Kept small and loaded with the page: a login validates its options
 * before any request. What happens once the server says the session is
 * pending is in `client/mfa/`, loaded only then.
 *
 * @module
 */
import { loadOnDemand } from '../../crypto/lazy.js';
import { ZeroVaultError } from '../../errors.js';
import type * as Mfa from '../mfa/index.js';

/** A TOTP code as text, or a function that asks the user for one (called only when the server wants it). */
export type TotpInput = string | (() => Promise<string>);

/** The second factor of a login, as the caller gave it (see `SecondFactorOptions`). */
export interface Factor {
  /** A normalized 6-digit code, or the function that asks for one. */
  readonly totp?: TotpInput | undefined;
  /** A normalized recovery code. */
  readonly recoveryCode?: string | undefined;
}

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
  return compact.match(/.{4}/g)?.join('-') ?? compact;
}

/**
 * Either kind of code, told apart by its shape (6 digits, or a recovery code).
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
 * Validates a login's `totp` / `recoveryCode` (at most one of them).
 * @throws `INVALID_INPUT`
 */
export function checkFactor(value: { totp?: unknown; recoveryCode?: unknown }): Factor {
  const { totp, recoveryCode } = value;
  if (totp !== undefined && recoveryCode !== undefined) throw new ZeroVaultError('INVALID_INPUT', 'give totp or recoveryCode, not both');
  if (typeof totp === 'function') return { totp: totp as () => Promise<string> };
  if (totp !== undefined) return { totp: totpCode(totp, 'totp') };
  if (recoveryCode !== undefined) return { recoveryCode: recoveryCodeText(recoveryCode, 'recoveryCode') };
  return {};
}

/**
 * The fields a code given as text adds to `login/start`, where a strict
 * account checks it (the server ignores them for any other account, and the
 * client sends the same code to `/mfa/verify` after the login). A function
 * is never called here: it asks the user only when the server says so.
 */
export function startFields(factor: Factor): Record<string, string> {
  if (typeof factor.totp === 'string') return { totp: factor.totp };
  if (factor.recoveryCode !== undefined) return { recoveryCode: factor.recoveryCode };
  return {};
}

/** The second-factor code (`client/mfa/`), loaded with the first pending login or MFA call. */
export function mfaCode(): Promise<typeof Mfa> {
  return loadOnDemand(() => import('../mfa/index.js'));
}
