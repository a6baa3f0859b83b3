/**
 * A session's second factors: the status (`GET /mfa`), TOTP enrolment and
 * confirmation, turning TOTP off, new recovery codes, strict mode. Every
 * option is validated before any request; every reply is parsed strictly
 * (a server cannot make the app show a QR code for one secret and text for
 * another, or a code list of the wrong shape). Loaded with the first call.
 *
 * @module
 */
import { ZeroVaultError, isZeroVaultError } from '../../errors.js';
import { anyCode, checkFactor, recoveryCodesOf, totpCode } from './codes.js';
import type { EnrollTotpOptions, MfaCodeOptions, MfaStatus, StrictMfaOptions, TotpEnrolment } from '../account/types.js';
import type { AccountKeys } from '../account/keys.js';
import { postJson, requestJson, type Endpoint } from '../api.js';
import { fullSession } from './verify.js';
import type { AppendHost } from '../log/host.js';
import { recordEvent } from '../log/append.js';

/** What the MFA calls need of a session. */
export interface MfaHost {
  readonly endpoint: Endpoint;
  /** The session's keys: its signing key works also while it is pending. */
  readonly keys: AccountKeys;
  /** Where `totp_enabled` / `totp_disabled` entries are recorded (docs/security-log.md); none when absent. */
  readonly log?: AppendHost | undefined;
}

/** What enrolment needs beyond {@link MfaHost}: the session's own steps. */
export interface EnrolHost extends MfaHost {
  /** Logs in again first when `currentPassword` is given (a full session older than the re-authentication window), with the factor given. */
  readonly reauthenticate: (options: { currentPassword?: string | undefined; totp?: unknown; recoveryCode?: unknown; signal?: AbortSignal | undefined }) => Promise<void>;
  /** The session is full now (server side), with this `amr`: finish opening it if it was pending. */
  readonly confirmed: (amr: readonly string[]) => Promise<void>;
}

/** What a call that takes a passkey as its fresh factor needs beyond {@link MfaHost}. */
export interface PasskeyFactorHost extends MfaHost {
  /** The session's `amr` now (`hwk` in it: the session verified a passkey, maybe recently enough). */
  readonly amr: () => readonly string[];
  /** Asks the browser for one of the account's passkeys, and moves the session onto the fresh passkey session it gives. */
  readonly passkeyStepUp: (signal: AbortSignal | undefined) => Promise<void>;
}

function invalidResponse(): ZeroVaultError {
  return new ZeroVaultError('NETWORK', 'invalid server response');
}

function options<T extends object>(value: unknown): Partial<T> {
  if (typeof value !== 'object' || value === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const copy: Partial<T> = { ...value };
  return copy;
}

function signalOf(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (typeof AbortSignal === 'undefined' || !(value instanceof AbortSignal)) throw new ZeroVaultError('INVALID_INPUT', 'signal must be an AbortSignal');
  return value;
}

function nonNegative(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalidResponse();
  return value;
}

/** `GET /mfa`, parsed strictly. */
export async function mfaStatus(host: MfaHost): Promise<MfaStatus> {
  const reply = await requestJson(host.endpoint, 'GET', '/mfa', undefined, { key: host.keys.sessionKey() });
  const { totp, strict, recoveryCodesLeft, passkeys } = reply;
  if (typeof totp !== 'boolean' || typeof strict !== 'boolean') throw invalidResponse();
  return { totp, strict, recoveryCodesLeft: nonNegative(recoveryCodesLeft), passkeys: nonNegative(passkeys) };
}

/**
 * The enrolment reply: a base32 secret (at least 80 bits) and an
 * `otpauth://totp/` URI for that same secret with the parameters every
 * authenticator app reads (SHA-1, 6 digits, 30 s; absent means those).
 */
function enrolmentOf(reply: Record<string, unknown>): { secret: string; uri: string } {
  const { secret, uri } = reply;
  if (typeof secret !== 'string' || !/^[A-Z2-7]{16,128}$/.test(secret) || typeof uri !== 'string' || uri.length > 2048) throw invalidResponse();
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalidResponse();
  }
  const q = url.searchParams;
  const is = (name: string, value: string): boolean => q.get(name) === null || q.get(name)?.toUpperCase() === value;
  if (url.protocol !== 'otpauth:' || url.host !== 'totp' || q.get('secret') !== secret || !is('algorithm', 'SHA1') || !is('digits', '6') || !is('period', '30')) {
    throw invalidResponse();
  }
  return { secret, uri };
}

/**
 * Starts TOTP enrolment (see `Session.enrollTotp`).
 * @throws `INVALID_INPUT`; `AUTH_FAILED` when a full session is not fresh; what the routes throw
 */
export async function enrollTotp(host: EnrolHost, value: unknown): Promise<TotpEnrolment> {
  const o = options<EnrollTotpOptions>(value);
  const signal = signalOf(o.signal);
  const factor = checkFactor(o);
  const { currentPassword } = o;
  if (currentPassword !== undefined && (typeof currentPassword !== 'string' || currentPassword.length === 0)) {
    throw new ZeroVaultError('INVALID_INPUT', 'currentPassword must be a non-empty string');
  }
  // A session pending enrolment comes from a password login that just happened: it is fresh.
  if (host.keys.isActive) await host.reauthenticate({ ...factor, currentPassword, signal });
  const { secret, uri } = enrolmentOf(await postJson(host.endpoint, '/mfa/totp/enroll', {}, { key: host.keys.sessionKey(), signal }));
  const confirm = (code: string): Promise<{ recoveryCodes: string[] }> =>
    host.keys.use(async () => {
      const body = { code: totpCode(code, 'code') };
      const reply = await postJson(host.endpoint, '/mfa/totp/confirm', body, { key: host.keys.sessionKey() });
      const recoveryCodes = recoveryCodesOf(reply);
      await host.confirmed(fullSession(host.keys.sessionKey(), reply));
      await recordEvent(host.log, 'totp_enabled');
      return { recoveryCodes };
    }, true);
  return { secret, uri, confirm };
}

/** Validates `{ code, signal? }`: the code is a TOTP code or a recovery code. */
function codeOptions(value: unknown): { code: { totp: string } | { recoveryCode: string }; signal: AbortSignal | undefined } {
  const o = options<MfaCodeOptions>(value);
  return { signal: signalOf(o.signal), code: anyCode(o.code, 'code') };
}

/** `POST /mfa/totp/disable` (see `Session.disableTotp`). */
export async function disableTotp(host: MfaHost, value: unknown): Promise<void> {
  const { code, signal } = codeOptions(value);
  await postJson(host.endpoint, '/mfa/totp/disable', code, { key: host.keys.sessionKey(), signal });
  await recordEvent(host.log, 'totp_disabled');
}

/**
 * `POST /mfa/recovery-codes` (see `Session.regenerateRecoveryCodes`), with
 * a code, or with `passkey: true`: the server takes `{}` from a session
 * that verified a passkey within its re-authentication window. A session
 * with `hwk` in its `amr` tries that first (the client does not know when
 * the server counts it from); when the server finds it stale (`AUTH_FAILED`),
 * or the session never verified a passkey, the browser asks for one
 * (`passkeyStepUp`) and the call goes out again from the fresh session.
 */
export async function regenerateRecoveryCodes(host: PasskeyFactorHost, value: unknown): Promise<{ recoveryCodes: string[] }> {
  const o = options<{ passkey: unknown; code: unknown; signal: unknown }>(value);
  if (o.passkey === undefined) {
    const { code, signal } = codeOptions(o);
    return { recoveryCodes: recoveryCodesOf(await postJson(host.endpoint, '/mfa/recovery-codes', code, { key: host.keys.sessionKey(), signal })) };
  }
  if (o.passkey !== true) throw new ZeroVaultError('INVALID_INPUT', 'passkey must be true');
  if (o.code !== undefined) throw new ZeroVaultError('INVALID_INPUT', 'pass code or passkey, not both');
  const signal = signalOf(o.signal);
  const regenerate = async (): Promise<{ recoveryCodes: string[] }> => ({
    recoveryCodes: recoveryCodesOf(await postJson(host.endpoint, '/mfa/recovery-codes', {}, { key: host.keys.sessionKey(), signal })),
  });
  if (host.amr().includes('hwk')) {
    try {
      return await regenerate();
    } catch (err) {
      if (!isZeroVaultError(err, 'AUTH_FAILED')) throw err;
    }
  }
  await host.passkeyStepUp(signal);
  return regenerate();
}

/** `POST /mfa/strict` (see `Session.setStrictMfa`). */
export async function setStrictMfa(host: MfaHost, value: unknown): Promise<void> {
  const o = options<StrictMfaOptions>(value);
  if (typeof o.enabled !== 'boolean') throw new ZeroVaultError('INVALID_INPUT', 'enabled must be a boolean');
  const { code, signal } = codeOptions(o);
  await postJson(host.endpoint, '/mfa/strict', { enabled: o.enabled, ...code }, { key: host.keys.sessionKey(), signal });
}
