/**
 * OPAQUE over the account routes: registration and login flows for both
 * credentials (password and recovery), as the client runs them.
 *
 * @module
 */
import { toBase64url, wipe } from '../../crypto/bytes.js';
import type { KsfRunner } from '../../crypto/ksf-runner.js';
import { requestMacKey } from '../../crypto/request-mac.js';
import type { Argon2idParams } from '../../crypto/ksf.js';
import { loadOnDemand } from '../../crypto/lazy.js';
import type * as OpaqueClient from '../../opaque/client.js';
import type { SuiteName } from '../../opaque/suite-names.js';
import { bytesField, postJson, stringField, type CallOptions, type Endpoint, type SigningKey } from '../api.js';

/**
 * The OPAQUE client (with the group arithmetic and hash-to-curve under it),
 * imported with the first registration or login rather than with the page:
 * a page can show its login form before that code arrives, and a login
 * waits for Argon2id anyway.
 */
function opaqueClient(): Promise<typeof OpaqueClient> {
  return loadOnDemand(() => import('../../opaque/client.js'));
}

/** Which OPAQUE credential of the account. */
export type Credential = 'password' | 'recovery';

/** OPAQUE settings the client pins (never taken from the server). */
export interface OpaqueSettings {
  readonly ksf: Argon2idParams;
  readonly suite: SuiteName;
  /** Where the KSF runs (e.g. a worker); it is handed `ksf`, never chooses it. */
  readonly ksfRunner?: KsfRunner | undefined;
}

/** A credential registered locally but not yet submitted: its record and export key. */
export interface PreparedCredential {
  readonly record: Uint8Array;
  readonly exportKey: Uint8Array;
}

/** Runs the OPAQUE registration up to the record (the server keeps no state for it). */
export async function prepareCredential(
  endpoint: Endpoint,
  settings: OpaqueSettings,
  userId: string,
  credential: Credential,
  password: string | Uint8Array,
  signal?: AbortSignal,
): Promise<PreparedCredential> {
  const { startRegistration, finishRegistration } = await opaqueClient();
  const start = await startRegistration({ password, suite: settings.suite });
  const extra = credential === 'password' ? {} : { credential };
  const started = await postJson(endpoint, '/register/start', { userId, request: toBase64url(start.request), ...extra }, { signal });
  const finished = await finishRegistration({ state: start.state, response: bytesField(started, 'response'), password, ksf: settings.ksf, ksfRunner: settings.ksfRunner });
  wipe(start.state);
  return { record: finished.record, exportKey: finished.exportKey };
}

/**
 * Uploads a prepared record. Without `key` the server creates the account and
 * refuses to replace one (`CONFLICT`); with a session `key` it replaces the
 * password credential or sets the recovery credential.
 */
export async function submitCredential(endpoint: Endpoint, userId: string, credential: Credential, record: Uint8Array, options: CallOptions = {}): Promise<void> {
  const extra = credential === 'password' ? {} : { credential };
  await postJson(endpoint, '/register/finish', { userId, record: toBase64url(record), ...extra }, options);
}

/**
 * Proves that a password login comes from a remembered device: signs the
 * login's KE1 (`request`) with the device key (`formats/device.ts`,
 * `knownDeviceMessage`). The server then takes the login from the device's
 * own rate-limit bucket, so failures from elsewhere never block it. `null`:
 * no proof after all (the device is no longer remembered here).
 */
export type DeviceProver = (request: Uint8Array) => Promise<{ readonly id: string; readonly signature: Uint8Array } | null>;

/** A finished login: the request-signing key (with the session's expiry), the export key, and the server's reply. */
export interface LoginResult {
  readonly signing: SigningKey;
  readonly exportKey: Uint8Array;
  /**
   * The `login/finish` reply, for what it says of a second factor
   * (`pending`, `factors`, `amr`; read by `client/mfa/`, see `settleLogin`).
   */
  readonly reply: Readonly<Record<string, unknown>>;
}

/**
 * Logs in with a credential; with `device`, a password login also carries
 * the remembered device's proof; `start` adds fields to `login/start` (a
 * second factor given as text, which a strict account checks there).
 * @throws `AUTH_FAILED` for a wrong password or unknown user (one message), `RATE_LIMITED`, `NETWORK`
 */
export async function loginCredential(
  endpoint: Endpoint,
  settings: OpaqueSettings,
  userId: string,
  credential: Credential,
  password: string | Uint8Array,
  signal?: AbortSignal,
  device?: DeviceProver,
  start: Readonly<Record<string, string>> = {},
): Promise<LoginResult> {
  const { startLogin, finishLogin } = await opaqueClient();
  const begun = await startLogin({ password, suite: settings.suite });
  const extra: Record<string, unknown> = credential === 'password' ? { ...start } : { ...start, credential };
  if (device !== undefined && credential === 'password') {
    const proof = await device(begun.request);
    if (proof !== null) extra.device = { id: proof.id, signature: toBase64url(proof.signature) };
  }
  const started = await postJson(endpoint, '/login/start', { userId, request: toBase64url(begun.request), ...extra }, { signal });
  const loginId = stringField(started, 'loginId', /^[A-Za-z0-9_-]{22}$/);
  const finished = await finishLogin({ state: begun.state, response: bytesField(started, 'response'), password, ksf: settings.ksf, ksfRunner: settings.ksfRunner });
  wipe(begun.state);
  let done: Record<string, unknown>;
  let sessionId: string;
  try {
    done = await postJson(endpoint, '/login/finish', { loginId, finalization: toBase64url(finished.finalization) }, { signal });
    sessionId = stringField(done, 'sessionId', /^[A-Za-z0-9_-]{16,64}$/);
  } catch (err) {
    wipe(finished.exportKey, finished.sessionKey);
    throw err;
  }
  const expiresAt = typeof done.expiresAt === 'number' ? done.expiresAt : Number.POSITIVE_INFINITY;
  const macKey = requestMacKey(finished.sessionKey, sessionId);
  wipe(finished.sessionKey);
  return { signing: { sessionId, macKey, expiresAt }, exportKey: finished.exportKey, reply: done };
}
