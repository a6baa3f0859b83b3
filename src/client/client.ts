/**
 * `Client`: the entry point of the SDK. Registers accounts, logs in, and
 * recovers accounts, against a zerovault server (a URL, or an in-process
 * `fetch` handler), storing records in the server's blob routes or in any
 * `BlobStore`.
 *
 * @module
 */
import { wipe } from '../crypto/bytes.js';
import type { KsfRunner } from '../crypto/ksf-runner.js';
import { randomBytes } from '../crypto/random.js';
import { addKekVersion, createKeyring } from '../envelope/index.js';
import { ZeroVaultError, decryptFailed, isZeroVaultError } from '../errors.js';
import { ARGON2ID_DEFAULT, assertArgon2idParams, type Argon2idParams } from '../crypto/ksf.js';
import { loadOnDemand } from '../crypto/lazy.js';
import { DEFAULT_SUITE, type SuiteName } from '../opaque/suite-names.js';
import { restStore } from '../store/rest.js';
import type { BlobStore } from '../store/types.js';
import { normalizeBaseUrl, postJson, signRequest, type Endpoint, type FetchFn, type SigningKey } from './api.js';
import { loginCredential, prepareCredential, submitCredential, type Credential, type OpaqueSettings } from './auth.js';
import { parseRecoveryKey } from '../formats/recovery-key.js';
import { PASSWORD_SLOT, RECOVERY_SLOT, Session, addSlotEntry, changePasswordWith, loadKeyring, readMeta, writeKeyring } from './session.js';
import { decodeSlot } from '../formats/slots.js';
import { unwrapRoot, wrapRoot } from './slots.js';

/** Options of {@link Client}. */
export interface ClientOptions {
  /**
   * The server: its base URL (e.g. `https://api.example.com/zv`), or an
   * in-process handler `(request) => Promise<Response>` (then `baseUrl`
   * names the path it is mounted at).
   */
  server: string | URL | FetchFn;
  /** With an in-process `server`: the URL its routes answer under; default `http://localhost`. */
  baseUrl?: string;
  /** Where records go; default: the server's blob routes (`restStore`). Use one store per user. */
  store?: BlobStore;
  /** The `fetch` to reach a URL server with; default the global one. */
  fetch?: FetchFn;
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
}

/** Credentials of {@link Client.register} and {@link Client.login}. */
export interface Credentials {
  userId: string;
  password: string;
}

function checkCredentials(value: unknown): asserts value is Credentials {
  const c = value as Partial<Credentials> | null;
  if (typeof c !== 'object' || c === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  if (typeof c.userId !== 'string' || c.userId.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'userId must be a non-empty string');
  if (typeof c.password !== 'string' || c.password.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'password must be a non-empty string');
}

/** The zerovault client. One per app; it holds no secrets between sessions. */
export class Client {
  readonly #endpoint: Endpoint;
  readonly #settings: OpaqueSettings;
  readonly #store: BlobStore | undefined;

  /** @throws `INVALID_INPUT` on a malformed option */
  constructor(options: ClientOptions) {
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    if (typeof options.server === 'function') {
      this.#endpoint = { baseUrl: normalizeBaseUrl(options.baseUrl ?? 'http://localhost'), fetch: options.server };
    } else {
      const fetchFn = options.fetch ?? ((request: Request) => globalThis.fetch(request));
      this.#endpoint = { baseUrl: normalizeBaseUrl(options.server), fetch: fetchFn };
    }
    if (options.ksfRunner !== undefined && typeof options.ksfRunner !== 'function') throw new ZeroVaultError('INVALID_INPUT', 'ksfRunner must be a function');
    this.#settings = { ksf: assertArgon2idParams(options.ksf ?? ARGON2ID_DEFAULT), suite: options.suite ?? DEFAULT_SUITE, ksfRunner: options.ksfRunner };
    this.#store = options.store;
  }

  #storeFor(signing: SigningKey): BlobStore {
    if (this.#store !== undefined) return this.#store;
    const endpoint = this.#endpoint;
    return restStore({ baseUrl: endpoint.baseUrl, fetch: endpoint.fetch, sign: (request) => signRequest(endpoint, signing, request) });
  }

  /**
   * Creates an account: an OPAQUE registration (the password never leaves
   * this device), then a fresh root key, keyring and unlock slot.
   *
   * @returns a logged-in session
   * @throws `CONFLICT` when the user id is taken; `INVALID_INPUT`; `NETWORK`
   */
  async register(options: Credentials): Promise<Session> {
    checkCredentials(options);
    const prepared = await prepareCredential(this.#endpoint, this.#settings, options.userId, 'password', options.password);
    wipe(prepared.exportKey);
    await submitCredential(this.#endpoint, options.userId, 'password', prepared.record);
    return this.login(options);
  }

  /**
   * Logs in: OPAQUE login, then the root key from the password slot, then
   * the keyring. A first login after `register` sets the account up. The
   * account's public keys are published to the server's key directory (first
   * login) or checked against it (every login).
   *
   * @throws `AUTH_FAILED` (one message) for a wrong password or unknown user,
   *   or when the server's key directory holds other keys for this account;
   *   `RATE_LIMITED`; `DECRYPT_FAILED` / `ROLLBACK` when the store misbehaves
   */
  async login(options: Credentials): Promise<Session> {
    checkCredentials(options);
    return this.#loginWith(options.userId, 'password', options.password);
  }

  async #loginWith(userId: string, credential: Credential, secret: string | Uint8Array): Promise<Session> {
    const { signing, exportKey, expiresAt } = await loginCredential(this.#endpoint, this.#settings, userId, credential, secret);
    const store = this.#storeFor(signing);
    let rootKey: Uint8Array;
    try {
      rootKey = await this.#unlock(store, credential, exportKey);
    } catch (err) {
      await this.#abandon(signing);
      throw err;
    } finally {
      wipe(exportKey);
    }
    return this.#openSession(userId, signing, store, rootKey, expiresAt);
  }

  /**
   * Loads the keyring with the root key, publishes this account's keys, and
   * returns the session. On any failure the keys are wiped and the server
   * session revoked (best effort), so a half-opened login leaves nothing live.
   */
  async #openSession(userId: string, signing: SigningKey, store: BlobStore, rootKey: Uint8Array, expiresAt: number): Promise<Session> {
    try {
      const loaded = await loadKeyring(store, rootKey);
      if (loaded === null) throw new ZeroVaultError('ROLLBACK', 'the keyring is missing from the store');
      // The key directory code loads with the first login, not with the page.
      const { publishKeys } = await loadOnDemand(() => import('./session-sharing.js'));
      await publishKeys(this.#endpoint, signing, userId, loaded.keyring);
      return new Session({
        userId,
        endpoint: this.#endpoint,
        signing,
        store,
        settings: this.#settings,
        rootKey,
        keyring: loaded.keyring,
        keyringVersion: loaded.version,
        keyringCv: loaded.cv,
        expiresAt,
        serverStore: this.#store === undefined,
      });
    } catch (err) {
      wipe(rootKey);
      await this.#abandon(signing);
      throw err;
    }
  }

  /** Revokes a session that will not be handed out (best effort) and wipes its MAC key. */
  async #abandon(signing: SigningKey): Promise<void> {
    await postJson(this.#endpoint, '/logout', {}, signing).catch(() => undefined);
    wipe(signing.macKey);
  }

  /** The root key: from the slot, or, on an account's very first login, a new one. */
  async #unlock(store: BlobStore, credential: Credential, exportKey: Uint8Array): Promise<Uint8Array> {
    const slot = await readMeta(store, credential === 'password' ? PASSWORD_SLOT : RECOVERY_SLOT);
    if (slot !== null) return unwrapRoot(credential, exportKey, decodeSlot(slot.data));
    if (credential === 'recovery') throw decryptFailed();
    // No slot: a fresh account, unless a keyring exists (then the store lost the slot).
    if ((await readMeta(store, 'keyring')) !== null) throw new ZeroVaultError('ROLLBACK', 'the unlock slot is missing from the store');
    const rootKey = randomBytes(32);
    const keyring = addKekVersion({ keyring: createKeyring(), id: 'default' }).keyring;
    await writeKeyring(store, rootKey, keyring, 1, null);
    try {
      await addSlotEntry(store, 'password', await wrapRoot('password', exportKey, rootKey), false);
    } catch (err) {
      if (isZeroVaultError(err, 'CONFLICT')) throw new ZeroVaultError('CONFLICT', 'another device is setting up this account; log in again');
      throw err;
    }
    return rootKey;
  }

  /**
   * Recovers an account with its recovery key and sets a new password. No
   * record is re-encrypted; the old password stops working.
   *
   * @returns a logged-in session
   * @throws `INVALID_INPUT` on a mistyped recovery key; `AUTH_FAILED` when it is not this account's
   */
  async recover(options: { userId: string; recoveryKey: string; newPassword: string }): Promise<Session> {
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    checkCredentials({ userId: options.userId, password: options.newPassword });
    const key = parseRecoveryKey(options.recoveryKey);
    let login: Awaited<ReturnType<typeof loginCredential>>;
    try {
      login = await loginCredential(this.#endpoint, this.#settings, options.userId, 'recovery', key);
    } finally {
      wipe(key);
    }
    const { signing, exportKey, expiresAt } = login;
    const store = this.#storeFor(signing);
    let rootKey: Uint8Array;
    try {
      const slot = await readMeta(store, RECOVERY_SLOT);
      if (slot === null) throw decryptFailed();
      rootKey = await unwrapRoot('recovery', exportKey, decodeSlot(slot.data));
    } catch (err) {
      await this.#abandon(signing);
      throw err;
    } finally {
      wipe(exportKey);
    }
    try {
      await changePasswordWith(this.#endpoint, this.#settings, store, options.userId, signing, rootKey, options.newPassword);
    } catch (err) {
      wipe(rootKey);
      await this.#abandon(signing);
      throw err;
    }
    return this.#openSession(options.userId, signing, store, rootKey, expiresAt);
  }
}
