/**
 * TOTP (RFC 6238) and HOTP (RFC 4226) over the `otpauth` library: we never
 * hand-write OTP. Accounts use what every authenticator app reads (SHA-1,
 * 6 digits, 30-second steps, T0 = 0); the functions take the algorithm,
 * digits and period so the RFC test vectors run through this very API.
 *
 * Verification accepts the current step and one step either side (RFC 6238
 * §5.2 allows "at most one time step" of network delay) and reports *which*
 * step matched: the caller stores the last accepted step per account and
 * refuses any step not newer than it, so a code is accepted once only
 * (§5.2: "MUST NOT accept the second attempt of the OTP").
 *
 * @module
 */
import { HOTP, Secret, TOTP } from 'otpauth';
import { ZeroVaultError } from '../errors.js';

/** The HMAC of an OTP (RFC 6238 §1.2 allows SHA-256 and SHA-512 besides SHA-1). */
export type OtpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** What accounts use: SHA-1, 6 digits, 30 s (RFC 6238 defaults; read by every authenticator app). */
export const ACCOUNT_TOTP: { readonly algorithm: OtpAlgorithm; readonly digits: number; readonly period: number } = Object.freeze({ algorithm: 'SHA1', digits: 6, period: 30 });

/** Bytes of a new account secret: 160 bits, the HMAC-SHA-1 output size (RFC 4226 §4 R6 recommends it). */
export const TOTP_SECRET_BYTES = 20;

/** Options shared by the OTP functions. */
export interface OtpParams {
  /** The shared secret (raw bytes, not base32). */
  readonly secret: Uint8Array;
  /** Default `SHA1`. */
  readonly algorithm?: OtpAlgorithm;
  /** Default 6 (RFC 4226 allows 6 to 8; we take 6 to 10 as `otpauth` does not). */
  readonly digits?: number;
}

function params(options: OtpParams): { secret: Secret; algorithm: OtpAlgorithm; digits: number } {
  const algorithm = options.algorithm ?? 'SHA1';
  const digits = options.digits ?? 6;
  if (!(options.secret instanceof Uint8Array) || options.secret.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'secret must be non-empty bytes');
  if (!['SHA1', 'SHA256', 'SHA512'].includes(algorithm)) throw new ZeroVaultError('INVALID_INPUT', 'algorithm must be SHA1, SHA256 or SHA512');
  if (!Number.isSafeInteger(digits) || digits < 6 || digits > 10) throw new ZeroVaultError('INVALID_INPUT', 'digits must be 6 to 10');
  // A copy: otpauth keeps the buffer it is given.
  return { secret: new Secret({ buffer: Uint8Array.from(options.secret).buffer }), algorithm, digits };
}

function period(value: number | undefined): number {
  const p = value ?? 30;
  if (!Number.isSafeInteger(p) || p <= 0) throw new ZeroVaultError('INVALID_INPUT', 'period must be a positive integer');
  return p;
}

/** HOTP(K, C) (RFC 4226 §5.3) as a zero-padded decimal string. */
export function hotp(options: OtpParams & { readonly counter: number }): string {
  if (!Number.isSafeInteger(options.counter) || options.counter < 0) throw new ZeroVaultError('INVALID_INPUT', 'counter must be a non-negative integer');
  return HOTP.generate({ ...params(options), counter: options.counter });
}

/** The TOTP time step of `timestampMs` (RFC 6238 §4.2, T0 = 0): `floor(t / period)`. */
export function totpStep(timestampMs: number, periodSeconds = 30): number {
  return TOTP.counter({ period: period(periodSeconds), timestamp: timestampMs });
}

/** TOTP(K, T) (RFC 6238 §4.2) at `timestampMs`. */
export function totp(options: OtpParams & { readonly timestampMs: number; readonly period?: number }): string {
  return TOTP.generate({ ...params(options), period: period(options.period), timestamp: options.timestampMs });
}

/**
 * Checks `code` against the steps `T - window … T + window` around
 * `timestampMs`, in constant time per step (otpauth compares with a
 * timing-safe equality).
 *
 * @returns the matching step, or `null` (also for a code that is not
 *   exactly `digits` ASCII digits)
 */
export function verifyTotp(options: OtpParams & { readonly code: string; readonly timestampMs: number; readonly period?: number; readonly window?: number }): number | null {
  const p = params(options);
  const seconds = period(options.period);
  const window = options.window ?? 1;
  if (!Number.isSafeInteger(window) || window < 0 || window > 10) throw new ZeroVaultError('INVALID_INPUT', 'window must be 0 to 10');
  if (typeof options.code !== 'string' || options.code.length !== p.digits || !/^[0-9]+$/.test(options.code)) return null;
  const delta = TOTP.validate({ ...p, token: options.code, period: seconds, timestamp: options.timestampMs, window });
  return delta === null ? null : totpStep(options.timestampMs, seconds) + delta;
}

/** A secret as the base32 text (RFC 4648, no padding) an authenticator app takes. */
export function base32Secret(secret: Uint8Array): string {
  return new Secret({ buffer: Uint8Array.from(secret).buffer }).base32;
}

/**
 * The `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`
 * URI of an account secret (the Key Uri Format authenticator apps scan as a QR code).
 */
export function totpUri(options: { readonly secret: Uint8Array; readonly issuer: string; readonly account: string }): string {
  return new TOTP({
    issuer: options.issuer,
    label: options.account,
    secret: new Secret({ buffer: Uint8Array.from(options.secret).buffer }),
    algorithm: ACCOUNT_TOTP.algorithm,
    digits: ACCOUNT_TOTP.digits,
    period: ACCOUNT_TOTP.period,
  }).toString();
}
