/**
 * The second step of a login whose session the server left pending
 * (`pending: 'mfa'`): the code the caller gave, or the one its function
 * asks the user for, goes to `POST /mfa/verify`; the session then becomes
 * full and the reply names its `amr` (RFC 8176). Loaded only when a server
 * says a session is pending.
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import { ZeroVaultError } from '../../errors.js';
import type { LoginResult } from '../account/auth.js';
import type { Factor } from '../account/factor.js';
import { postJson, type Endpoint, type SigningKey } from '../api.js';
import { totpCode } from './codes.js';

function invalidResponse(): ZeroVaultError {
  return new ZeroVaultError('NETWORK', 'invalid server response');
}

/** A list of short lower-case names (`amr` values of RFC 8176, factor names), or `undefined` when absent. */
function namesField(body: Readonly<Record<string, unknown>>, name: string): readonly string[] | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length > 8 || !value.every((v) => typeof v === 'string' && /^[a-z][a-z-]{0,23}$/.test(v))) throw invalidResponse();
  return Object.freeze([...(value as string[])]);
}

/** What {@link settleLogin} needs. */
export interface SettleInput {
  readonly endpoint: Endpoint;
  readonly login: LoginResult;
  readonly factor: Factor;
  readonly signal?: AbortSignal | undefined;
  /** Whether a session pending enrolment may be handed out (a login may; a re-authentication may not). */
  readonly enrollOk: boolean;
}

/**
 * Reads what a `login/finish` reply says of the second factor, and passes
 * it when the session is pending (`pending: 'mfa'`). On any error the
 * server session is ended (best effort) and its MAC key wiped: a login that
 * fails leaves nothing live.
 * @returns the session's `amr`, and whether it is pending enrolment
 * @throws as {@link passSecondFactor}; `MFA_REQUIRED` for a session pending
 *   enrolment where none may be; `NETWORK` for a malformed reply
 */
export async function settleLogin(input: SettleInput): Promise<{ amr: readonly string[]; enroll: boolean }> {
  const { signing } = input.login;
  try {
    return await settle(input);
  } catch (err) {
    await postJson(input.endpoint, '/logout', {}, { key: signing }).catch(() => undefined);
    wipe(signing.macKey);
    throw err;
  }
}

async function settle(input: SettleInput): Promise<{ amr: readonly string[]; enroll: boolean }> {
  const { reply, signing } = input.login;
  const { pending } = reply;
  if (pending !== undefined && pending !== 'mfa' && pending !== 'enroll') throw invalidResponse();
  const amr = namesField(reply, 'amr') ?? Object.freeze(['pwd']);
  const factors = namesField(reply, 'factors') ?? [];
  if (pending === 'enroll' && !input.enrollOk) throw mfaRequired();
  if (pending !== 'mfa') return { amr, enroll: pending === 'enroll' };
  return { amr: await passSecondFactor({ endpoint: input.endpoint, signing, factors, factor: input.factor, signal: input.signal }), enroll: false };
}

/** What {@link passSecondFactor} needs. */
export interface VerifyInput {
  readonly endpoint: Endpoint;
  /** The pending session's key; its expiry is updated from the reply. */
  readonly signing: SigningKey;
  /** The factors the server offered (`totp`, `recovery-code`, `passkey`). */
  readonly factors: readonly string[];
  readonly factor: Factor;
  readonly signal?: AbortSignal | undefined;
}

/** The error of a login that needs a second factor and got none. */
export function mfaRequired(cause?: unknown): ZeroVaultError {
  return new ZeroVaultError('MFA_REQUIRED', 'a second factor is required', cause === undefined ? {} : { cause });
}

/**
 * The code to send: a recovery code or a TOTP code as given, else the
 * caller's function asked now (only when the server offers TOTP).
 * @throws `MFA_REQUIRED` when there is none (or the function threw: its
 *   error is the `cause`); `INVALID_INPUT` when the function resolved to
 *   something that is not a 6-digit code
 */
async function codeOf(factor: Factor, factors: readonly string[]): Promise<{ totp: string } | { recoveryCode: string }> {
  if (factor.recoveryCode !== undefined) return { recoveryCode: factor.recoveryCode };
  const { totp } = factor;
  if (typeof totp === 'string') return { totp };
  if (totp === undefined || !factors.includes('totp')) throw mfaRequired();
  let answer: unknown;
  try {
    answer = await totp();
  } catch (err) {
    throw mfaRequired(err);
  }
  return { totp: totpCode(answer, 'totp') };
}

/**
 * Verifies the second factor of a pending session, which then becomes full.
 * @returns the session's `amr`
 * @throws `MFA_REQUIRED` (no code); `AUTH_FAILED` for a wrong, replayed or
 *   spent code (one message); `RATE_LIMITED` with `retryAfterMs`; `CLOSED`
 *   when the pending session expired or was ended; `INVALID_INPUT`; `NETWORK`
 */
export async function passSecondFactor(input: VerifyInput): Promise<readonly string[]> {
  const code = await codeOf(input.factor, input.factors);
  const reply = await postJson(input.endpoint, '/mfa/verify', code, { key: input.signing, signal: input.signal });
  return fullSession(input.signing, reply);
}

/**
 * Reads the reply that makes a session full (`/mfa/verify`, `/mfa/totp/confirm`):
 * its `amr`, and its expiry into `signing`.
 * @throws `NETWORK` for a reply without a valid `amr`
 */
export function fullSession(signing: SigningKey, reply: Record<string, unknown>): readonly string[] {
  const amr = namesField(reply, 'amr');
  if (amr === undefined) throw invalidResponse();
  if (typeof reply.expiresAt === 'number' && Number.isSafeInteger(reply.expiresAt)) signing.expiresAt = reply.expiresAt;
  return amr;
}
