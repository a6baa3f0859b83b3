/**
 * `zerovault/opaque`: the OPAQUE augmented PAKE (RFC 9807), client and
 * server, as pure functions over bytes with explicit state. No I/O: the
 * caller moves the messages and keeps the states.
 *
 * Flow (every message is a `Uint8Array` in RFC 9807 encoding):
 *
 * ```
 * client                                   server
 * startRegistration ── request ──────────► createRegistrationResponse
 * finishRegistration ◄── response ──────── 
 *                    ── record ──────────► (store record under userId)
 * startLogin ── request (KE1) ───────────► startServerLogin
 * finishLogin ◄── response (KE2) ───────── (keep state)
 *             ── finalization (KE3) ─────► finishServerLogin
 * ```
 *
 * Suites: `ristretto255-SHA512` (default; interoperates with opaque-ke and
 * `@serenity-kit/opaque`) and `P256-SHA256`. KSF: Argon2id, pinned by the
 * client. Errors are `ZeroVaultError`s; check `err.code`: `INVALID_INPUT`,
 * `AUTH_FAILED` (one fixed message for every authentication failure) or
 * `UNSUPPORTED`. See `docs/opaque.md`.
 *
 * @module
 */

/** Client: {@link startRegistration}, {@link finishRegistration}, {@link startLogin}, {@link finishLogin}. */
export {
  finishLogin,
  finishRegistration,
  startLogin,
  startRegistration,
  type ClientFinishOptions,
  type ClientStartOptions,
  type ClientStartResult,
  type FinishLoginOptions,
  type FinishLoginResult,
  type FinishRegistrationResult,
} from './client.js';

/** Server: {@link createServerSetup}, {@link createRegistrationResponse}, {@link startServerLogin}, {@link finishServerLogin}. */
export {
  assertRegistrationRecord,
  createRegistrationResponse,
  createServerSetup,
  finishServerLogin,
  getServerPublicKey,
  startServerLogin,
  type CreateRegistrationResponseOptions,
  type CreateServerSetupOptions,
  type FinishServerLoginOptions,
  type StartServerLoginOptions,
  type StartServerLoginResult,
} from './server.js';

/** Server setup codec and its object form. */
export { decodeServerSetup, encodeServerSetup, type ServerSetup } from './server-state.js';

/** Suites. */
export { DEFAULT_SUITE, SUITE_NAMES, type SuiteName } from './suite.js';

/** Identities and text inputs. */
export { MAX_PASSWORD_BYTES, MAX_USER_ID_BYTES, type Identities, type TextOrBytes } from './inputs.js';

/** KSF profiles and bounds. */
export {
  ARGON2ID_CEILING,
  ARGON2ID_DEFAULT,
  ARGON2ID_FLOOR,
  ARGON2ID_RFC9106_FIRST,
  assertArgon2idParams,
  type Argon2idImplementation,
  type Argon2idParams,
} from '../crypto/ksf.js';

/** Running the KSF elsewhere (the `ksfRunner` option; see `zerovault/ksf-worker`). */
export type { KsfJob, KsfRunner } from '../crypto/ksf-runner.js';
