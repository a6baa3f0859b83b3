/**
 * The options of `Client` and of its login calls, and their validation
 * (at the boundary, before any request).
 *
 * @module
 */
import type { KsfRunner } from '../../crypto/ksf-runner.js';
import type { Argon2idParams } from '../../crypto/ksf.js';
import { ZeroVaultError } from '../../errors.js';
import { normalizeUserId } from '../../formats/user-id.js';
import type { SuiteName } from '../../opaque/suite-names.js';
import type { BlobStore } from '../../store/types.js';
import type { FetchFn } from '../../transport.js';
import type { SecondFactorOptions } from './types.js';

/** Options of `Client`. */
export interface ClientOptions {
  /**
   * The zerovault server's base URL, e.g. `https://api.example.com/zv`. For
   * a server in the same process, the URL its routes answer under, with
   * `fetch: zv.fetch` (e.g. `{ url: 'http://localhost/zv', fetch: zv.fetch }`).
   */
  url: string | URL;
  /** How requests are sent: the server's in-process handler, or a `fetch` of your own; default the global `fetch`. */
  fetch?: FetchFn;
  /** Per-request timeout in ms (request and response body); default 30 000. */
  timeoutMs?: number;
  /** Where records go; default: the server's blob routes (`restStore`). Use one store per user. */
  store?: BlobStore;
  /**
   * The Argon2id profile, pinned by the client: the same at registration and
   * every login, never taken from the server. Default t=3, m=64 MiB, p=4.
   */
  ksf?: Argon2idParams;
  /**
   * Where Argon2id runs; default: this thread. In a browser, pass
   * `createWorkerKsf(worker).run` from `zerovault/ksf-worker` so logins do
   * not freeze the page; it checks the profile again and computes the
   * same Argon2id. A runner of your own is trusted completely: one that
   * computes something weaker registers a weaker credential.
   */
  ksfRunner?: KsfRunner;
  /** The OPAQUE suite; default `ristretto255-SHA512`. */
  suite?: SuiteName;
  /**
   * Origins of the app's own APIs that `session.fetch` may send access
   * tokens and DPoP proofs to, besides the zerovault server's own origin,
   * e.g. `['https://api.example.com']`. Absolute http(s) origins only; a
   * request to any other origin fails with `INVALID_INPUT` before it is sent.
   */
  tokenOrigins?: readonly (string | URL)[];
  /**
   * Node: the folder where remembered devices (`rememberDevice`) are kept,
   * one file per (server, user), mode 0600. Default: the `fsStore` folder
   * when `store` is an `fsStore`. The files hold the device's secret and the
   * key that wraps it (Node has no non-extractable keys that survive a
   * restart): protect the folder like a password file. Browsers keep
   * remembered devices in IndexedDB (`zerovault-devices`) and ignore this.
   */
  deviceDir?: string;
}

/** Whether and how to remember this device at a login (see `docs/guide.md`, "Devices that stay signed in"). */
export interface RememberOptions {
  /**
   * Remember this device: later, `client.resume()` opens a session without
   * the password (and without Argon2id) until the device is revoked or
   * forgotten. Browsers keep the device secret in IndexedDB under a
   * non-extractable key; Node in `deviceDir`. Default `false`.
   */
  rememberDevice?: boolean;
  /**
   * The name the device is listed under (1 to 64 characters). Default: in a
   * browser a short name from the user agent ("Chrome on Linux"), in Node
   * `Node.js on <platform>`. Only used with `rememberDevice`.
   */
  deviceName?: string;
}

/**
 * Credentials of `Client.register` and `Client.login`. For an account with a
 * second factor, `totp` or `recoveryCode` (see `docs/mfa.md`).
 */
export interface Credentials extends RememberOptions, SecondFactorOptions {
  userId: string;
  password: string;
  /** Cancels the call (each request is also bounded by the client's `timeoutMs`). */
  signal?: AbortSignal;
}

/** Options of `Client.recover`; an account with a second factor needs it here too (`totp` or `recoveryCode`). */
export interface RecoverOptions extends RememberOptions, SecondFactorOptions {
  userId: string;
  /** The recovery key as `createRecoveryKey` showed it. */
  recoveryKey: string;
  newPassword: string;
  signal?: AbortSignal;
}

/** Options of `Client.resume`. */
export interface ResumeOptions {
  /** The account to resume; default: the one most recently used on this device and server. */
  userId?: string;
  signal?: AbortSignal;
}

/** Validates an optional `signal`. */
export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (typeof AbortSignal === 'undefined' || !(signal instanceof AbortSignal)) throw new ZeroVaultError('INVALID_INPUT', 'signal must be an AbortSignal');
  return signal;
}

/** What {@link RememberOptions} asks for: `undefined` (do not remember) or the device's name. */
export type Remember = { readonly name: string | undefined } | undefined;

/** Validates {@link RememberOptions}. */
export function checkRemember(value: RememberOptions): Remember {
  const { rememberDevice, deviceName } = value;
  if (rememberDevice !== undefined && typeof rememberDevice !== 'boolean') throw new ZeroVaultError('INVALID_INPUT', 'rememberDevice must be a boolean');
  // The full check (length in characters, no control characters) is the device code's, before any request.
  if (deviceName !== undefined && typeof deviceName !== 'string') throw new ZeroVaultError('INVALID_INPUT', 'deviceName must be a string');
  return rememberDevice === true ? { name: deviceName } : undefined;
}

/** Validates credentials (the second factor is `factorOf`'s); returns the normalized user id. */
export function checkCredentials(value: unknown): { userId: string; password: string; signal: AbortSignal | undefined; remember: Remember } {
  const c = value as Partial<Credentials> | null;
  if (typeof c !== 'object' || c === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const userId = normalizeUserId(c.userId);
  if (typeof c.password !== 'string' || c.password.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'password must be a non-empty string');
  return { userId, password: c.password, signal: checkSignal(c.signal), remember: checkRemember(c) };
}
