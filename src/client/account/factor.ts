/**
 * The second factor a login carries (`totp` or `recoveryCode`), as the
 * account code sees it. Validation and everything that follows a pending
 * login live in `client/mfa/`, loaded only when a login carries a factor or
 * the server asks for one, so a page that never sees MFA never loads it.
 *
 * @module
 */
import { loadOnDemand } from '../../crypto/lazy.js';
import type * as Mfa from '../mfa/index.js';

/** A TOTP code as text, or a function that asks the user for one (called only when the server wants it). */
export type TotpInput = string | (() => Promise<string>);

/** The second factor of a login, validated (see `SecondFactorOptions`). */
export interface Factor {
  /** A normalized 6-digit code, or the function that asks for one. */
  readonly totp?: TotpInput | undefined;
  /** A normalized recovery code. */
  readonly recoveryCode?: string | undefined;
  /**
   * What a code given as text adds to `login/start`, where a strict account
   * checks it (other accounts ignore it there and get it at `/mfa/verify`).
   */
  readonly start: Readonly<Record<string, string>>;
}

const NONE: Factor = Object.freeze({ start: Object.freeze({}) });

/** The second-factor code (`client/mfa/`), loaded with the first login that needs it. */
export function mfaCode(): Promise<typeof Mfa> {
  return loadOnDemand(() => import('../mfa/index.js'));
}

/**
 * Validates a login's `totp` / `recoveryCode`: none costs nothing; either
 * loads the MFA code to check it, before any request to the server.
 * @throws `INVALID_INPUT`
 */
export async function factorOf(options: { totp?: unknown; recoveryCode?: unknown }): Promise<Factor> {
  return options.totp === undefined && options.recoveryCode === undefined ? NONE : (await mfaCode()).checkFactor(options);
}

/** Whether a `login/finish` reply says anything of a second factor (then the MFA code reads it). */
export function speaksOfMfa(reply: Readonly<Record<string, unknown>>): boolean {
  return reply.pending !== undefined || reply.amr !== undefined;
}
