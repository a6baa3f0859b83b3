/**
 * `Client`: the entry point of the SDK. Registers accounts, logs in, and
 * recovers accounts, against a zerovault server (a URL, or an in-process
 * `fetch` handler), storing records in the server's blob routes or in any
 * `BlobStore`.
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import { ZeroVaultError } from '../../errors.js';
import { ARGON2ID_DEFAULT, assertArgon2idParams } from '../../crypto/ksf.js';
import { loadOnDemand } from '../../crypto/lazy.js';
import { normalizeUserId } from '../../formats/user-id.js';
import { DEFAULT_SUITE } from '../../opaque/suite-names.js';
import { restStore } from '../../store/rest.js';
import type { BlobStore } from '../../store/types.js';
import { TRANSPORT_DEFAULTS } from '../../transport.js';
import { AccountKeys } from './keys.js';
import { keyringStore } from './keyring.js';
import { normalizeBaseUrl, noteSessionExpiry, postJson, signRequest, tokenOriginsOf, transportOptions, type Endpoint, type SigningKey } from '../api.js';
import type * as Auth from './auth.js';
import type { LoginResult, OpaqueSettings } from './auth.js';
import { factorOf, mfaCode, speaksOfMfa, type Factor } from './factor.js';
import { PASSWORD_AMR, credentialCode } from './credentials.js';
import { guardedStore } from '../guarded-store.js';
import { createSession, type Session } from './session.js';
import { assertCanRemember, devicePlaceOf, type DevicePlace } from './device-place.js';
import { deviceCode } from './session-devices.js';
import { parseRecoveryKey } from '../../formats/recovery-key.js';
import { sharingCode } from './session-vaults.js';
import { passkeyCode } from './session-passkeys.js';
import {
  checkCredentials,
  checkRemember,
  checkSignal,
  type ClientOptions,
  type Credentials,
  type PasskeyLoginOptions,
  type RecoverOptions,
  type Remember,
  type ResumeOptions,
} from './client-options.js';

export type { ClientOptions, Credentials, PasskeyLoginOptions, RecoverOptions, RememberOptions, ResumeOptions } from './client-options.js';

/** How the server authenticates a session a remembered device resumed (RFC 8176 "swk"). */
const DEVICE_AMR: readonly string[] = Object.freeze(['swk']);
// A passkey login: a hardware-held key with user verification (RFC 8176); it counts as both factors.
const PASSKEY_AMR: readonly string[] = Object.freeze(['hwk', 'user']);

/**
 * The OPAQUE login and registration steps (`auth.ts`, which itself loads
 * the OPAQUE client): with the first login or registration, not with the
 * page, as the password unlock (`unlock.ts`) is.
 */
function authCode(): Promise<typeof Auth> {
  return loadOnDemand(() => import('./auth.js'));
}

/** The zerovault client. One per app; it holds no secrets between sessions. */
export class Client {
  readonly #endpoint: Endpoint;
  readonly #settings: OpaqueSettings;
  readonly #store: BlobStore | undefined;
  readonly #tokenOrigins: readonly string[];
  readonly #place: DevicePlace;

  /** @throws `INVALID_INPUT` on a malformed option */
  constructor(options: ClientOptions) {
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new ZeroVaultError('INVALID_INPUT', 'fetch must be a function');
    const timeoutMs = options.timeoutMs ?? TRANSPORT_DEFAULTS.timeoutMs;
    if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new ZeroVaultError('INVALID_INPUT', 'timeoutMs must be a positive integer');
    this.#endpoint = { baseUrl: normalizeBaseUrl(options.url), transport: transportOptions(options.fetch, timeoutMs) };
    if (options.ksfRunner !== undefined && typeof options.ksfRunner !== 'function') throw new ZeroVaultError('INVALID_INPUT', 'ksfRunner must be a function');
    this.#settings = { ksf: assertArgon2idParams(options.ksf ?? ARGON2ID_DEFAULT), suite: options.suite ?? DEFAULT_SUITE, ksfRunner: options.ksfRunner };
    this.#store = options.store === undefined ? undefined : guardedStore(options.store);
    this.#tokenOrigins = tokenOriginsOf(this.#endpoint.baseUrl, options.tokenOrigins);
    this.#place = devicePlaceOf(options.deviceDir, options.store);
  }

  /** The session's store; `signing` is the signing key, borrowed per request (it throws `CLOSED` once the session is). */
  #storeFor(signing: () => SigningKey): BlobStore {
    if (this.#store !== undefined) return this.#store;
    const endpoint = this.#endpoint;
    const send = endpoint.transport.fetch;
    let key: SigningKey | undefined;
    return restStore({
      baseUrl: endpoint.baseUrl,
      // A reply to a signed request names the session's current expiry (it slides while used).
      fetch: async (request) => {
        const response = await (send === undefined ? globalThis.fetch(request) : send(request));
        if (key !== undefined) noteSessionExpiry(key, response.headers);
        return response;
      },
      timeoutMs: endpoint.transport.timeoutMs,
      sign: (request) => signRequest(endpoint, (key = signing()), request),
    });
  }

  /**
   * Creates an account: an OPAQUE registration (the password never leaves
   * this device), then a fresh root key, keyring and unlock slot.
   *
   * With `rememberDevice`, the session also remembers this device (see
   * {@link resume}). On a server with `mfa: 'required'` the session is
   * pending enrolment (`session.mfaPending === 'enroll'`, see {@link login}).
   *
   * @returns a logged-in session
   * @throws `CONFLICT` when the user id is taken; `INVALID_INPUT`; `NETWORK`
   *   (unreachable, timed out, or aborted by `signal`); `UNSUPPORTED` for
   *   `rememberDevice` where devices cannot be kept (Node without `deviceDir`
   *   or an `fsStore`)
   */
  async register(options: Credentials): Promise<Session> {
    const { userId, password, signal, remember } = checkCredentials(options);
    const factor = await factorOf(options);
    await assertCanRemember(this.#place, remember);
    const { prepareCredential, submitCredential } = await authCode();
    const prepared = await prepareCredential(this.#endpoint, this.#settings, userId, 'password', password, signal);
    wipe(prepared.exportKey);
    await submitCredential(this.#endpoint, userId, 'password', prepared.record, { signal });
    return this.#loginWith(userId, password, signal, remember, factor);
  }

  /**
   * Logs in: OPAQUE login, then the root key from the password slot, then
   * the keyring. A first login after `register` sets the account up. The
   * account's public keys are published to the server's key directory (first
   * login) or checked against it (every login).
   *
   * From a device that remembers this account, the login carries the
   * device's proof: the server then counts it against the device's own
   * rate limit, so password guessing from elsewhere never locks the user
   * out here. With `rememberDevice`, the session remembers this device (see
   * {@link resume}); when that fails, the login fails and leaves nothing live.
   * A device is remembered only once the session is full (second factor verified).
   *
   * **Second factor** (`docs/mfa.md`): for an account with TOTP the server
   * leaves the session *pending* after the password; the login then sends
   * `totp` (a code, or the code the `totp` function asks the user for; the
   * function is called only then) or `recoveryCode` to the server, and
   * goes on once it is accepted. A code given as text also travels with the
   * first login message, where a *strict* account checks it: strict
   * accounts need the code as text. With `passkey: true` (browsers) one of
   * the account's passkeys passes the factor when the server offers that:
   * after a code given as text, before a `totp` function; the password
   * still unlocks the vault. On a server with `mfa: 'required'`, an
   * account without a factor gets a session pending enrolment
   * (`session.mfaPending === 'enroll'`): only `enrollTotp`, `addPasskey` and
   * `logout` work until a factor is confirmed.
   *
   * @throws `AUTH_FAILED` (one message) for a wrong password or unknown user,
   *   for a wrong, replayed or spent code, for a strict account without the
   *   right code, or when the server's key directory holds other keys for
   *   this account; `MFA_REQUIRED` when the account needs a second factor
   *   and none was given, or the `totp` function threw (its error is the
   *   `cause`; the pending server session is ended); `CLOSED` when the
   *   pending session expired (5 minutes) before the code arrived;
   *   `RATE_LIMITED` (with `retryAfterMs`); `DECRYPT_FAILED` / `ROLLBACK` when
   *   the store misbehaves; `NETWORK` (unreachable, timed out, or aborted);
   *   `UNSUPPORTED` for `rememberDevice` where devices cannot be kept, or for
   *   `passkey` without WebAuthn (a cancelled passkey prompt is `AUTH_FAILED`);
   *   `CONFLICT` for `rememberDevice` when the account already remembers 32 devices
   */
  async login(options: Credentials): Promise<Session> {
    const { userId, password, signal, remember } = checkCredentials(options);
    const factor = await factorOf(options);
    await assertCanRemember(this.#place, remember);
    return this.#loginWith(userId, password, signal, remember, factor);
  }

  /**
   * Opens a session on a device remembered by an earlier login with
   * `rememberDevice`: no password, no Argon2id. The device proves its key
   * to the server, and the root key comes from the device's unlock slot,
   * sealed to a key only this device holds.
   *
   * @returns the session, or `null` when nothing is remembered (for
   *   `userId`, or at all), or when the server no longer knows the device
   *   (revoked or forgotten elsewhere): then what this device kept is
   *   deleted, and the app asks for the password
   * @throws `RATE_LIMITED` (with `retryAfterMs`); `NETWORK` (nothing is deleted
   *   on either); `DECRYPT_FAILED` when the unlock slot the server returns
   *   does not open to this account's root key (a server swapping keys or
   *   slots: what the device kept stays); `STORAGE` when the device's own
   *   storage fails; `INVALID_INPUT`
   */
  async resume(options: ResumeOptions = {}): Promise<Session | null> {
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    const userId = options.userId === undefined ? undefined : normalizeUserId(options.userId);
    const signal = checkSignal(options.signal);
    if (this.#place.kind === 'none') return null;
    const { resumeDevice } = await deviceCode();
    const resumed = await resumeDevice({ endpoint: this.#endpoint, place: this.#place, userId, signal, storeFor: (signing) => this.#storeFor(() => signing) });
    if (resumed === null) return null;
    const keys = new AccountKeys(resumed.signing);
    const deviceId = await this.#openSession(resumed.userId, keys, resumed.rootKey, { deviceId: resumed.deviceId, remember: undefined, signal });
    // A device was remembered from a full session: it counts as the second factor (never pending).
    return this.#session(resumed.userId, keys, DEVICE_AMR, deviceId, undefined);
  }

  /**
   * Logs in with a passkey (a WebAuthn credential added with
   * `session.addPasskey`; browsers only): the server verifies the assertion
   * and opens a session with `amr: ['hwk', 'user']`. When the passkey has
   * the PRF extension, its output opens the passkey's unlock slot: no
   * password, no Argon2id; the PRF output never leaves this browser.
   * Without PRF (or without a slot) the vault still needs the password:
   * pass `password` (a string, or a function that asks the user; it is
   * called only then).
   *
   * Without `userId` the browser offers every passkey of this site and the
   * one chosen names the account.
   *
   * @throws `UNSUPPORTED` without WebAuthn, or when the passkey cannot unlock
   *   the vault and no `password` was given (the server session is logged
   *   out); `AUTH_FAILED` when the user cancels, the server refuses the
   *   passkey, or the password is wrong; `DECRYPT_FAILED` when the passkey
   *   slot does not open to this account's root key; `RATE_LIMITED` (with
   *   `retryAfterMs`); `NETWORK` (unreachable, timed out, or aborted)
   */
  async loginWithPasskey(options: PasskeyLoginOptions = {}): Promise<Session> {
    // The passkey code (with its argument checks) loads with the first passkey call, not with the page.
    const { checkPasskeyLogin, passkeyLogin } = await passkeyCode();
    const { userId, password, signal } = checkPasskeyLogin(options);
    const done = await passkeyLogin({ endpoint: this.#endpoint, settings: this.#settings, userId, password, signal, storeFor: (signing) => this.#storeFor(() => signing) });
    const keys = new AccountKeys(done.signing);
    const deviceId = await this.#openSession(done.userId, keys, done.rootKey, { deviceId: undefined, remember: undefined, signal });
    return this.#session(done.userId, keys, PASSKEY_AMR, deviceId, undefined, done.passkeyId);
  }

  async #loginWith(userId: string, password: string, signal: AbortSignal | undefined, remember: Remember, factor: Factor): Promise<Session> {
    // A remembered device proves itself on a password login (its own rate-limit bucket). Best
    // effort: when the device code cannot be loaded, the login goes on without the proof.
    const known =
      this.#place.kind !== 'none'
        ? await deviceCode()
            .then((devices) => devices.knownDevice(this.#endpoint, this.#place, userId))
            .catch(() => null)
        : null;
    const login = await (await authCode()).loginCredential(this.#endpoint, this.#settings, userId, 'password', password, signal, known?.prove, factor.start);
    const unlock = async (store: BlobStore, exportKey: Uint8Array): Promise<Uint8Array> => (await loadOnDemand(() => import('./unlock.js'))).unlockPassword(store, exportKey);
    const session = await this.#establish(userId, login, factor, signal, unlock, { deviceId: known?.deviceId, remember });
    // A password login on a remembered device counts as using it ("most recently used" for resume).
    if (known !== null && session.deviceId === known.deviceId) await known.touch();
    return session;
  }

  /**
   * Turns a finished OPAQUE login into a session. A session the server left
   * pending for a second factor (`mfa`) is verified first (or ended, with
   * the error). Then `unlock` gives the root key (it owns it from then on)
   * and the session opens; a session pending enrolment (`enroll`) is handed
   * out pending and does that once its first factor is confirmed. The
   * export key is wiped once `unlock` ran, or when the session closes.
   */
  async #establish(
    userId: string,
    login: LoginResult,
    factor: Factor,
    signal: AbortSignal | undefined,
    unlock: (store: BlobStore, exportKey: Uint8Array) => Promise<Uint8Array>,
    device: { deviceId: string | undefined; remember: Remember; recovered?: boolean },
  ): Promise<Session> {
    const { signing, exportKey } = login;
    let amr = PASSWORD_AMR;
    let enroll = false;
    // Only a reply that speaks of a second factor loads the MFA code (which ends the session on failure).
    if (speaksOfMfa(login.reply)) {
      try {
        ({ amr, enroll } = await (await mfaCode()).settleLogin({ endpoint: this.#endpoint, login, factor, signal, enrollOk: true }));
      } catch (err) {
        wipe(exportKey);
        throw err;
      }
    }
    const keys = new AccountKeys(signing);
    const open = async (): Promise<string | undefined> => {
      let rootKey: Uint8Array;
      try {
        rootKey = await unlock(this.#storeFor(() => signing), exportKey);
      } catch (err) {
        await postJson(this.#endpoint, '/logout', {}, { key: signing }).catch(() => undefined);
        keys.close();
        throw err;
      } finally {
        wipe(exportKey);
      }
      return this.#openSession(userId, keys, rootKey, { ...device, signal });
    };
    if (!enroll) return this.#session(userId, keys, amr, await open(), undefined);
    keys.hold(exportKey);
    return this.#session(userId, keys, amr, undefined, open);
  }

  /** The `Session` of `keys` (active, or pending enrolment with `complete`). */
  #session(
    userId: string,
    keys: AccountKeys,
    amr: readonly string[],
    deviceId: string | undefined,
    complete: (() => Promise<string | undefined>) | undefined,
    passkeyId?: string,
  ): Session {
    return createSession({
      userId,
      endpoint: this.#endpoint,
      store: this.#storeFor(() => keys.signing()),
      settings: this.#settings,
      keys,
      serverStore: this.#store === undefined,
      tokenOrigins: this.#tokenOrigins,
      deviceId,
      place: this.#place,
      amr,
      complete,
      passkeyId,
    });
  }

  /**
   * Loads the keyring with the root key (`keys` owns it from then on),
   * publishes this account's keys, and remembers the device when asked.
   * On any failure the keys are wiped and the server session revoked (best
   * effort), so a half-opened login leaves nothing live.
   * @returns the device the session is bound to
   */
  async #openSession(
    userId: string,
    keys: AccountKeys,
    rootKey: Uint8Array,
    device: { deviceId: string | undefined; remember: Remember; recovered?: boolean; signal: AbortSignal | undefined },
  ): Promise<string | undefined> {
    try {
      try {
        const { loadKeyring } = await keyringStore();
        const loaded = await loadKeyring(this.#storeFor(() => keys.sessionKey()), rootKey);
        if (loaded === null) throw new ZeroVaultError('ROLLBACK', 'the keyring is missing from the store');
        keys.activate(rootKey, loaded);
      } catch (err) {
        wipe(rootKey);
        throw err;
      }
      // The key directory code loads with the first login, not with the page.
      const { publishKeys, recordEvent } = await sharingCode();
      await publishKeys(this.#endpoint, keys.signing(), userId, keys.keyring());
      // The security log (docs/security-log.md) records a recovery, and a device remembered now.
      const log = { endpoint: this.#endpoint, userId, keys };
      if (device.recovered) await recordEvent(log, 'recovery_used');
      if (device.remember === undefined) return device.deviceId;
      const { rememberDevice } = await deviceCode();
      return await rememberDevice(
        {
          ...log,
          place: this.#place,
          store: this.#storeFor(() => keys.signing()),
          signing: () => keys.signing(),
          rootKey: () => keys.rootKey(),
          signal: device.signal,
        },
        { name: device.remember.name, known: device.deviceId },
      );
    } catch (err) {
      // A session closed meanwhile (logged out while pending) has nothing left to revoke.
      if (keys.isOpen) await postJson(this.#endpoint, '/logout', {}, { key: keys.sessionKey() }).catch(() => undefined);
      keys.close();
      throw err;
    }
  }

  /**
   * Recovers an account with its recovery key and sets a new password. No
   * record is re-encrypted; the old password stops working.
   *
   * With `rememberDevice`, the session also remembers this device.
   *
   * An account with a second factor needs it here too (`totp` or
   * `recoveryCode`, as for {@link login}): the recovery key stands in for the
   * password, not for the second factor, so one stolen sheet of paper does
   * not open the account (`docs/mfa.md`). The password changes only once
   * the factor is verified.
   *
   * @returns a logged-in session
   * @throws `INVALID_INPUT` on a mistyped recovery key; `AUTH_FAILED` when it
   *   is not this account's, or for a wrong code; `MFA_REQUIRED` without a
   *   code for an account with a second factor; `UNSUPPORTED` for
   *   `rememberDevice` where devices cannot be kept
   */
  async recover(options: RecoverOptions): Promise<Session> {
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    const { userId, password: newPassword, signal } = checkCredentials({ userId: options.userId, password: options.newPassword, signal: options.signal });
    const factor = await factorOf(options);
    const remember = checkRemember(options);
    await assertCanRemember(this.#place, remember);
    const key = parseRecoveryKey(options.recoveryKey);
    let started;
    try {
      // Rare: the recovery code (login, slot, new password) loads with the first call.
      started = await (await credentialCode()).startRecovery({ endpoint: this.#endpoint, settings: this.#settings, userId, key, newPassword, start: factor.start, signal });
    } finally {
      wipe(key);
    }
    return this.#establish(userId, started.login, factor, signal, started.unlock, { deviceId: undefined, remember, recovered: true });
  }
}
