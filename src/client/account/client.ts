/**
 * `Client`: the entry point of the SDK. Registers accounts, logs in, and
 * recovers accounts, against a zerovault server (a URL, or an in-process
 * `fetch` handler), storing records in the server's blob routes or in any
 * `BlobStore`.
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import type { KsfRunner } from '../../crypto/ksf-runner.js';
import { randomBytes } from '../../crypto/random.js';
import { ZeroVaultError, decryptFailed, isZeroVaultError } from '../../errors.js';
import { ARGON2ID_DEFAULT, assertArgon2idParams, type Argon2idParams } from '../../crypto/ksf.js';
import { loadOnDemand } from '../../crypto/lazy.js';
import { normalizeUserId } from '../../formats/user-id.js';
import { DEFAULT_SUITE, type SuiteName } from '../../opaque/suite-names.js';
import { restStore } from '../../store/rest.js';
import type { BlobStore } from '../../store/types.js';
import { TRANSPORT_DEFAULTS, type FetchFn } from '../../transport.js';
import { AccountKeys } from './keys.js';
import { keyringStore } from './keyring.js';
import { addSlotEntry, readMeta, readSlot, KEYRING_ID } from './meta.js';
import { normalizeBaseUrl, noteSessionExpiry, postJson, signRequest, tokenOriginsOf, transportOptions, type Endpoint, type SigningKey } from '../api.js';
import { loginCredential, prepareCredential, submitCredential, type Credential, type OpaqueSettings } from './auth.js';
import { changePasswordWith } from './credentials.js';
import { parseRecoveryKey } from '../../formats/recovery-key.js';
import { guardedStore } from '../guarded-store.js';
import { createSession, type Session } from './session.js';
import { unwrapRoot, wrapRoot } from './slots.js';
import { devicePlaceOf, type DevicePlace } from './device-place.js';
import type * as Devices from '../devices/index.js';

/** Options of {@link Client}. */
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

/** Credentials of {@link Client.register} and {@link Client.login}. */
export interface Credentials extends RememberOptions {
  userId: string;
  password: string;
  /** Cancels the call (each request is also bounded by the client's `timeoutMs`). */
  signal?: AbortSignal;
}

/** Options of {@link Client.recover}. */
export interface RecoverOptions extends RememberOptions {
  userId: string;
  /** The recovery key as `createRecoveryKey` showed it. */
  recoveryKey: string;
  newPassword: string;
  signal?: AbortSignal;
}

/** Options of {@link Client.resume}. */
export interface ResumeOptions {
  /** The account to resume; default: the one most recently used on this device and server. */
  userId?: string;
  signal?: AbortSignal;
}

function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (typeof AbortSignal === 'undefined' || !(signal instanceof AbortSignal)) throw new ZeroVaultError('INVALID_INPUT', 'signal must be an AbortSignal');
  return signal;
}

/** What {@link RememberOptions} asks for: `undefined` (do not remember) or the device's name. */
type Remember = { readonly name: string | undefined } | undefined;

/** Validates {@link RememberOptions}. */
function checkRemember(value: RememberOptions): Remember {
  const { rememberDevice, deviceName } = value;
  if (rememberDevice !== undefined && typeof rememberDevice !== 'boolean') throw new ZeroVaultError('INVALID_INPUT', 'rememberDevice must be a boolean');
  // The full check (length in characters, no control characters) is the device code's, before any request.
  if (deviceName !== undefined && typeof deviceName !== 'string') throw new ZeroVaultError('INVALID_INPUT', 'deviceName must be a string');
  return rememberDevice === true ? { name: deviceName } : undefined;
}

/** Validates credentials; returns the normalized user id. */
function checkCredentials(value: unknown): { userId: string; password: string; signal: AbortSignal | undefined; remember: Remember } {
  const c = value as Partial<Credentials> | null;
  if (typeof c !== 'object' || c === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const userId = normalizeUserId(c.userId);
  if (typeof c.password !== 'string' || c.password.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'password must be a non-empty string');
  return { userId, password: c.password, signal: checkSignal(c.signal), remember: checkRemember(c) };
}

/** The device code, loaded with the first call that needs it (see `device-place.ts`). */
function deviceCode(): Promise<typeof Devices> {
  return loadOnDemand(() => import('../devices/index.js'));
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
   * {@link resume}).
   *
   * @returns a logged-in session
   * @throws `CONFLICT` when the user id is taken; `INVALID_INPUT`; `NETWORK`
   *   (unreachable, timed out, or aborted by `signal`); `UNSUPPORTED` for
   *   `rememberDevice` where devices cannot be kept (Node without `deviceDir`
   *   or an `fsStore`)
   */
  async register(options: Credentials): Promise<Session> {
    const { userId, password, signal, remember } = checkCredentials(options);
    await this.#assertCanRemember(remember);
    const prepared = await prepareCredential(this.#endpoint, this.#settings, userId, 'password', password, signal);
    wipe(prepared.exportKey);
    await submitCredential(this.#endpoint, userId, 'password', prepared.record, { signal });
    return this.#loginWith(userId, 'password', password, signal, remember);
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
   *
   * @throws `AUTH_FAILED` (one message) for a wrong password or unknown user,
   *   or when the server's key directory holds other keys for this account;
   *   `RATE_LIMITED` (with `retryAfterMs`); `DECRYPT_FAILED` / `ROLLBACK` when
   *   the store misbehaves; `NETWORK` (unreachable, timed out, or aborted);
   *   `UNSUPPORTED` for `rememberDevice` where devices cannot be kept
   */
  async login(options: Credentials): Promise<Session> {
    const { userId, password, signal, remember } = checkCredentials(options);
    await this.#assertCanRemember(remember);
    return this.#loginWith(userId, 'password', password, signal, remember);
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
    return this.#openSession(resumed.userId, resumed.signing, resumed.rootKey, { deviceId: resumed.deviceId, remember: undefined, signal });
  }

  /** @throws `UNSUPPORTED` when `rememberDevice` is asked for where devices cannot be kept; `INVALID_INPUT` for a bad `deviceName` */
  async #assertCanRemember(remember: Remember): Promise<void> {
    if (remember === undefined) return;
    if (this.#place.kind === 'none') throw new ZeroVaultError('UNSUPPORTED', 'rememberDevice needs IndexedDB, or in Node a deviceDir or an fsStore');
    if (remember.name !== undefined) {
      const devices: typeof Devices = await deviceCode();
      try {
        devices.assertDeviceName(remember.name);
      } catch {
        throw new ZeroVaultError('INVALID_INPUT', 'deviceName must be 1 to 64 characters, without control characters');
      }
    }
  }

  async #loginWith(userId: string, credential: Credential, secret: string | Uint8Array, signal: AbortSignal | undefined, remember: Remember): Promise<Session> {
    // A remembered device proves itself on a password login (its own rate-limit bucket).
    const known = credential === 'password' && this.#place.kind !== 'none' ? await (await deviceCode()).knownDevice(this.#endpoint, this.#place, userId) : null;
    const { signing, exportKey } = await loginCredential(this.#endpoint, this.#settings, userId, credential, secret, signal, known?.prove);
    const store = this.#storeFor(() => signing);
    let rootKey: Uint8Array;
    try {
      rootKey = await this.#unlock(store, credential, exportKey);
    } catch (err) {
      await this.#abandon(signing);
      throw err;
    } finally {
      wipe(exportKey);
    }
    return this.#openSession(userId, signing, rootKey, { deviceId: known?.deviceId, remember, signal });
  }

  /**
   * Loads the keyring with the root key, publishes this account's keys, and
   * returns the session; remembers the device when asked. On any failure the
   * keys are wiped and the server session revoked (best effort), so a
   * half-opened login leaves nothing live.
   */
  async #openSession(userId: string, signing: SigningKey, rootKey: Uint8Array, device: { deviceId: string | undefined; remember: Remember; signal: AbortSignal | undefined }): Promise<Session> {
    let keys: AccountKeys | undefined;
    try {
      const { loadKeyring } = await keyringStore();
      const loaded = await loadKeyring(this.#storeFor(() => signing), rootKey);
      if (loaded === null) throw new ZeroVaultError('ROLLBACK', 'the keyring is missing from the store');
      keys = new AccountKeys(rootKey, loaded, signing);
      const owned = keys;
      // The key directory code loads with the first login, not with the page.
      const { publishKeys } = await loadOnDemand(() => import('../sharing/index.js'));
      await publishKeys(this.#endpoint, signing, userId, loaded.keyring);
      const store = this.#storeFor(() => owned.signing());
      let deviceId = device.deviceId;
      if (device.remember !== undefined) {
        const { rememberDevice } = await deviceCode();
        deviceId = await rememberDevice(
          { endpoint: this.#endpoint, place: this.#place, store, userId, signing: () => owned.signing(), rootKey: () => owned.rootKey(), signal: device.signal },
          { name: device.remember.name, known: device.deviceId },
        );
      }
      return createSession({
        userId,
        endpoint: this.#endpoint,
        store,
        settings: this.#settings,
        keys,
        serverStore: this.#store === undefined,
        tokenOrigins: this.#tokenOrigins,
        deviceId,
        place: this.#place,
      });
    } catch (err) {
      await postJson(this.#endpoint, '/logout', {}, { key: signing }).catch(() => undefined);
      if (keys === undefined) wipe(rootKey, signing.macKey);
      else keys.close();
      throw err;
    }
  }

  /** Revokes a session that will not be handed out (best effort) and wipes its MAC key. */
  async #abandon(signing: SigningKey): Promise<void> {
    await postJson(this.#endpoint, '/logout', {}, { key: signing }).catch(() => undefined);
    wipe(signing.macKey);
  }

  /** The root key: from the slot, or, on an account's very first login, a new one. */
  async #unlock(store: BlobStore, credential: Credential, exportKey: Uint8Array): Promise<Uint8Array> {
    const slot = await readSlot(store, credential);
    if (slot !== null) return unwrapRoot(credential, exportKey, slot);
    if (credential === 'recovery') throw decryptFailed();
    // No slot: a fresh account, unless a keyring exists (then the store lost the slot).
    if ((await readMeta(store, KEYRING_ID)) !== null) throw new ZeroVaultError('ROLLBACK', 'the unlock slot is missing from the store');
    const rootKey = randomBytes(32);
    try {
      const { createAccountKeyring } = await keyringStore();
      await createAccountKeyring(store, rootKey);
      await addSlotEntry(store, 'password', await wrapRoot('password', exportKey, rootKey));
    } catch (err) {
      wipe(rootKey);
      if (isZeroVaultError(err, 'CONFLICT')) throw new ZeroVaultError('CONFLICT', 'another device is setting up this account; log in again');
      throw err;
    }
    return rootKey;
  }

  /**
   * Recovers an account with its recovery key and sets a new password. No
   * record is re-encrypted; the old password stops working.
   *
   * With `rememberDevice`, the session also remembers this device.
   *
   * @returns a logged-in session
   * @throws `INVALID_INPUT` on a mistyped recovery key; `AUTH_FAILED` when it
   *   is not this account's; `UNSUPPORTED` for `rememberDevice` where devices cannot be kept
   */
  async recover(options: RecoverOptions): Promise<Session> {
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    const { userId, password: newPassword, signal } = checkCredentials({ userId: options.userId, password: options.newPassword, signal: options.signal });
    const remember = checkRemember(options);
    await this.#assertCanRemember(remember);
    const key = parseRecoveryKey(options.recoveryKey);
    let login: Awaited<ReturnType<typeof loginCredential>>;
    try {
      login = await loginCredential(this.#endpoint, this.#settings, userId, 'recovery', key, signal);
    } finally {
      wipe(key);
    }
    const { signing, exportKey } = login;
    const store = this.#storeFor(() => signing);
    let rootKey: Uint8Array;
    try {
      const slot = await readSlot(store, 'recovery');
      if (slot === null) throw decryptFailed();
      rootKey = await unwrapRoot('recovery', exportKey, slot);
    } catch (err) {
      await this.#abandon(signing);
      throw err;
    } finally {
      wipe(exportKey);
    }
    try {
      await changePasswordWith({ endpoint: this.#endpoint, settings: this.#settings, store, userId, signing, rootKey, signal }, newPassword);
    } catch (err) {
      wipe(rootKey);
      await this.#abandon(signing);
      throw err;
    }
    return this.#openSession(userId, signing, rootKey, { deviceId: undefined, remember, signal });
  }
}
