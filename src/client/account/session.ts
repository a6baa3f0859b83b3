/**
 * `Session`: a logged-in user. Opens vaults, reaches the key directory, calls the app's own API (`fetch`),
 * changes the password, creates the recovery key, manages second factors, logs out.
 *
 * The session's secrets belong to one `AccountKeys` value
 * (`keys.ts`); the session, its vaults and the sharing code borrow
 * them through it, so after logout (or once the server says the session is
 * gone) every method of the session and of everything it handed out fails
 * with `CLOSED` before any store call or crypto. The meta records it reads
 * and writes are in `meta.ts`.
 *
 * @module
 */
import { loadOnDemand } from '../../crypto/lazy.js';
import { addKekVersion } from '../../envelope/keyring.js';
import { ZeroVaultError } from '../../errors.js';
import { normalizeUserId } from '../../formats/user-id.js';
import { assertName, type BlobStore } from '../../store/types.js';
import type { AccountKeys } from './keys.js';
import { refreshKeyring, updateKeyring } from './keyring.js';
import { postJson, type Endpoint } from '../api.js';
import type { OpaqueSettings } from './auth.js';
import type {
  ChangePasswordOptions,
  DeviceInfo,
  EnrollTotpOptions,
  LogoutOptions,
  MfaCodeOptions,
  MfaStatus,
  RecoveryKeyOptions,
  RevokeDeviceOptions,
  SessionInit,
  SharedVaultInfo,
  StrictMfaOptions,
  TotpEnrolment,
  VaultOptions,
} from './types.js';
import { mfaCode } from './factor.js';
import type * as Mfa from '../mfa/index.js';
import type { EnrolHost } from '../mfa/index.js';
import type { DevicePlace } from './device-place.js';
import type * as Devices from '../devices/index.js';
import { checkLogout, checkRevoke, deviceCode, deviceProver } from './session-devices.js';
import { changePasswordWith, createRecoveryKeyWith, reauthenticate, type CredentialContext } from './credentials.js';
import type { Contact } from '../sharing/directory.js';
import { metaManifestStore, ownManifestId } from '../vault/manifest.js';
import type { KeyAccess, SharingContext } from '../sharing/context.js';
import { RESERVED_PREFIX } from '../vault/names.js';
import { openVault, type Vault } from '../vault/vault.js';
import { keyAccess, ownVaultHost } from '../vault/own-host.js';
import { once } from '../once.js';
import type { AppFetch } from './app-fetch.js';

export type {
  ChangePasswordOptions,
  DeviceInfo,
  EnrollTotpOptions,
  LogoutOptions,
  MfaCodeOptions,
  MfaStatus,
  RecoveryKeyOptions,
  RevokeDeviceOptions,
  SecondFactorOptions,
  SessionInit,
  SharedVaultInfo,
  StrictMfaOptions,
  TotpEnrolment,
  VaultOptions,
} from './types.js';

let construct: (init: SessionInit) => Session;

/** Builds a session (`Client` only; `Session` has no public constructor). */
export function createSession(init: SessionInit): Session {
  return construct(init);
}

/** A logged-in user. Get one from `client.login()` or `client.register()`. */
export class Session {
  static {
    construct = (init) => new Session(init);
  }

  readonly #endpoint: Endpoint;
  readonly #settings: OpaqueSettings;
  readonly #store: BlobStore;
  readonly #keys: AccountKeys;
  readonly #serverStore: boolean;
  readonly #vaults = new Map<string, Promise<Vault>>();
  readonly #tokenOrigins: readonly string[];
  readonly #place: DevicePlace;
  #deviceId: string | undefined;
  #amr: readonly string[];
  /** Opens a session pending enrolment once its factor is confirmed (`Client`); `undefined` once used. */
  #complete: (() => Promise<string | undefined>) | undefined;
  /** The user id, normalized (Unicode NFC, lower case). */
  readonly userId: string;

  private constructor(init: SessionInit) {
    this.userId = init.userId;
    this.#endpoint = init.endpoint;
    this.#store = init.store;
    this.#settings = init.settings;
    this.#keys = init.keys;
    this.#serverStore = init.serverStore;
    this.#tokenOrigins = init.tokenOrigins;
    this.#place = init.place;
    this.#deviceId = init.deviceId;
    this.#amr = init.amr;
    this.#complete = init.complete;
  }

  /**
   * How the server authenticated this session (RFC 8176): `['pwd']` after a
   * password, `['pwd', 'otp']` with a TOTP or recovery code, `['swk']` when a
   * remembered device resumed it. Tokens for the app's own API carry it.
   */
  get amr(): readonly string[] {
    return this.#amr;
  }

  /**
   * `'enroll'` while the session waits for its first second factor (a
   * server with `mfa: 'required'`): then only {@link enrollTotp},
   * `addPasskey` and {@link logout} work; everything else fails with
   * `MFA_REQUIRED` before any request. `undefined` for a full session.
   */
  get mfaPending(): 'enroll' | undefined {
    return this.#keys.isActive ? undefined : 'enroll';
  }

  /**
   * The remembered device this session belongs to (its id, as
   * {@link devices} lists it), or `undefined` when this device is not
   * remembered for the account. Revoking that device ends this session.
   */
  get deviceId(): string | undefined {
    return this.#deviceId;
  }

  /** When the server expires this session: ms since the epoch by the *server's* clock; slides forward while used. */
  get expiresAt(): number {
    return this.#keys.expiresAt;
  }

  /** Whether the session is still usable (not logged out, and not found closed by the server). */
  get isOpen(): boolean {
    return this.#keys.isOpen;
  }

  /** The session's store (ciphertext only). */
  get store(): BlobStore {
    return this.#store;
  }

  /**
   * The identity public keys of this account (X25519 for receiving shares, Ed25519 for signatures).
   * @throws `CLOSED`
   */
  get publicKeys(): { x25519: Uint8Array; ed25519: Uint8Array } {
    const keyring = this.#keys.keyring();
    return { x25519: keyring.x25519.publicKey.slice(), ed25519: keyring.ed25519.publicKey.slice() };
  }

  /**
   * Opens a vault. Without `owner`: one of this account's vaults, created
   * (its key added to the keyring) on first use. With `owner`: a vault that
   * user shared with this account, after verifying the owner's keys, this
   * account's grant and the owner-signed membership list
   * (`docs/sharing.md`). The same name (and owner) gives the same `Vault`
   * object for the life of the session.
   *
   * @param name - 1..100 of `[A-Za-z0-9._-]`, not starting with `_zv`
   * @throws `CLOSED`; `INVALID_INPUT`; for a shared vault `NOT_FOUND` (not
   *   shared with this account), `AUTH_FAILED` (keys, grant or membership
   *   list do not verify, or the owner's keys changed since accepted), `ROLLBACK`
   */
  async vault(name: string, options: VaultOptions = {}): Promise<Vault> {
    this.#keys.assertOpen();
    assertName(name, 'name');
    if (name.startsWith(RESERVED_PREFIX)) throw new ZeroVaultError('INVALID_INPUT', `name must not start with ${RESERVED_PREFIX}`);
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    const owner = options.owner === undefined ? this.userId : normalizeUserId(options.owner, 'owner');
    const key = owner === this.userId ? name : `${owner}\u0000${name}`;
    let pending = this.#vaults.get(key);
    if (pending === undefined) {
      pending = this.#keys.use(() => (owner === this.userId ? this.#openOwn(name) : this.#openShared(owner, name)));
      pending.catch(() => this.#vaults.delete(key));
      this.#vaults.set(key, pending);
    }
    return pending;
  }

  async #openOwn(name: string): Promise<Vault> {
    if (!this.#keys.keyring().keks.some((k) => k.id === name)) {
      await updateKeyring(this.#store, this.#keys, (keyring) => (keyring.keks.some((k) => k.id === name) ? keyring : addKekVersion({ keyring, id: name }).keyring));
    }
    const keys = this.#keyAccess();
    // The owner-side sharing code loads only for a vault that has a membership list (see owned-sharing.ts).
    const [ctx, { OwnedSharing }] = await Promise.all([this.#sharing(), loadOnDemand(() => import('../sharing/index.js'))]);
    const owned = await OwnedSharing.open(ctx, keys, name);
    const manifests = metaManifestStore(this.#store, () => this.#keys.rootKey(), ownManifestId(name));
    return openVault(ownVaultHost(this.#store, this.#keys, keys, owned, () => refreshKeyring(this.#store, this.#keys), manifests), name);
  }

  async #openShared(owner: string, name: string): Promise<Vault> {
    const [ctx, { openMemberHost }] = await Promise.all([this.#sharing(), loadOnDemand(() => import('../sharing/member-host.js'))]);
    return openVault(await openMemberHost(ctx, owner, name), name);
  }

  /**
   * Names of the vaults this account has keys for (its own; see {@link sharedVaults} for the others).
   * @throws `CLOSED`
   */
  vaults(): string[] {
    return [...new Set(this.#keys.keyring().keks.map((k) => k.id))].sort();
  }

  /**
   * The vaults other users shared with this account, as the server lists
   * them. Open one with `session.vault(vault, { owner })`, which verifies it.
   * @throws `CLOSED`; `NETWORK`
   */
  async sharedVaults(): Promise<SharedVaultInfo[]> {
    return this.#keys.use(async () => (await this.#sharing()).api.sharedWithMe());
  }

  /**
   * What this account knows of another user's keys: fetched from the key
   * directory, verified, and compared with (or, on first use, recorded as)
   * this account's pin. Includes the safety number to compare out of band.
   *
   * @throws `CLOSED`; `NOT_FOUND` when the user has published no keys (and
   *   none were pinned); `AUTH_FAILED` when the key log does not verify or
   *   forks from the pinned one (a swapped key); `ROLLBACK` when it is older
   *   than the pinned one, or missing although pinned
   */
  async contact(userId: string): Promise<Contact> {
    return this.#keys.use(async () => (await this.#sharing()).directory.contact(userId));
  }

  /** The safety number of this account and `userId` (12 groups of 5 digits); see {@link contact}. */
  async safetyNumber(userId: string): Promise<string> {
    return (await this.contact(userId)).safetyNumber;
  }

  /**
   * Marks `userId` verified: `safetyNumber` (as the other user reads it out;
   * spaces ignored) must be the safety number of their current keys. Also
   * the way to accept a user's new keys after they changed.
   *
   * @throws `CLOSED`; `AUTH_FAILED` when the numbers differ; `INVALID_INPUT` when it is not 60 digits
   */
  async verify(userId: string, safetyNumber: string): Promise<void> {
    await this.#keys.use(async () => (await this.#sharing()).directory.verify(userId, safetyNumber));
  }

  /** Accepts `userId`'s current keys without comparing safety numbers (after a key change; not verified). @throws `CLOSED` */
  async trust(userId: string): Promise<void> {
    await this.#keys.use(async () => (await this.#sharing()).directory.trust(userId));
  }

  /**
   * The session's sharing context, built on first use: the key directory,
   * pins and sharing routes load on demand, not with the page.
   */
  readonly #sharing = once(async (): Promise<SharingContext> => {
    const { createSharingContext } = await loadOnDemand(() => import('../sharing/index.js'));
    return createSharingContext({ endpoint: this.#endpoint, keys: this.#keys, self: this.userId, store: this.#store, serverStore: this.#serverStore });
  });

  /** The session's DPoP key and token cache, created at the first `fetch` (with `jose`, loaded then). */
  readonly #appFetch = once(async (): Promise<AppFetch> => {
    const { createAppFetch } = await loadOnDemand(() => import('./app-fetch.js'));
    const requestToken = (proof: string) => postJson(this.#endpoint, '/token', {}, { key: this.#keys.signing(), headers: { dpop: proof } });
    return createAppFetch({ endpoint: this.#endpoint, keys: this.#keys, origins: this.#tokenOrigins, requestToken });
  });

  /**
   * `fetch` for the app's own API: each request carries a short-lived access
   * token bound to this session's device key and a fresh DPoP proof (RFC
   * 9449), which `zerovault/verify` checks. Tokens are fetched and renewed
   * without the app noticing. Only to the zerovault server's origin and the
   * client's `tokenOrigins` (see `docs/guide.md`).
   * @throws `INVALID_INPUT` for any other origin (nothing is sent); `CLOSED`; what `fetch` throws
   */
  async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    return this.#keys.use(async () => (await this.#appFetch()).fetch(input, init));
  }

  #keyAccess(): KeyAccess {
    return keyAccess(() => this.#keys.keyring(), (change) => updateKeyring(this.#store, this.#keys, change));
  }

  #credentials(signal: AbortSignal | undefined): CredentialContext {
    return {
      endpoint: this.#endpoint,
      settings: this.#settings,
      store: this.#store,
      userId: this.userId,
      signing: this.#keys.signing(),
      rootKey: this.#keys.rootKey(),
      signal,
      device: deviceProver(this.#endpoint, this.#place, this.userId, this.#deviceId),
    };
  }

  /** What the device code needs of this session; keys are borrowed (they throw `CLOSED` once it is). */
  #deviceHost(signal: AbortSignal | undefined): Devices.DeviceHost {
    return {
      endpoint: this.#endpoint,
      place: this.#place,
      store: this.#store,
      userId: this.userId,
      signing: () => this.#keys.signing(),
      rootKey: () => this.#keys.rootKey(),
      signal,
    };
  }

  /**
   * The account's remembered devices, as the server lists them, each marked
   * `verified` when the account's own device registry (sealed under the
   * root key) holds it, and `current` for this session's device.
   * @throws `CLOSED`; `NETWORK`; `DECRYPT_FAILED` when the registry does not open
   */
  async devices(): Promise<DeviceInfo[]> {
    return this.#keys.use(async () => (await deviceCode()).listDevices(this.#deviceHost(undefined)));
  }

  /**
   * Revokes a remembered device: the server deletes its credential and ends
   * every session bound to it at once (on every server instance; their next
   * call fails with `CLOSED`), then its unlock slot and registry entry are
   * removed. Its next `resume` returns `null` and deletes what it kept.
   *
   * Revoking *another* device needs a fresh password login: pass
   * `currentPassword` when this session may be older than the server's
   * re-authentication window (10 minutes by default), or when it was
   * resumed from a device. Revoking this session's own device is
   * `logout({ forgetDevice: true })`: it ends this session too.
   *
   * @throws `CLOSED`; `INVALID_INPUT`; `AUTH_FAILED` when not fresh and no
   *   (or a wrong) `currentPassword`; `NOT_FOUND` when the server does not
   *   know the device; `NETWORK`
   */
  async revokeDevice(id: string, options: RevokeDeviceOptions = {}): Promise<void> {
    this.#keys.assertOpen();
    checkRevoke(id, options);
    if (id === this.#deviceId) {
      await this.logout({ forgetDevice: true });
      return;
    }
    await this.#keys.use(async () => {
      await this.#reauthenticate(options);
      await (await deviceCode()).revokeDevice(this.#deviceHost(options.signal), id);
    });
  }

  /**
   * Changes the password: a new OPAQUE registration, and the root key
   * wrapped for the new export key. No record is re-encrypted. Crash-safe:
   * until the server swaps the OPAQUE record the old password works, after
   * it the new one does. Other sessions of the account are revoked.
   *
   * The server accepts this only from a fresh login (10 minutes by default):
   * pass `currentPassword` when the session may be older, and it logs in
   * again first.
   * @throws `CLOSED`; `AUTH_FAILED` when the session is not fresh and no (or a wrong) `currentPassword` is given
   */
  async changePassword(options: ChangePasswordOptions): Promise<void> {
    this.#keys.assertOpen();
    if (typeof options?.newPassword !== 'string' || options.newPassword.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'newPassword must be a non-empty string');
    await this.#keys.use(async () => {
      await this.#reauthenticate(options);
      await changePasswordWith(this.#credentials(options.signal), options.newPassword);
    });
  }

  /**
   * Creates (or replaces) the account's recovery key: a random 256-bit key,
   * registered as a second OPAQUE credential, that unwraps the root key. A
   * failure at any step leaves the old recovery key working.
   *
   * @returns the key as text, to show the user once; it is not stored anywhere readable
   * @throws `CLOSED`; `AUTH_FAILED` as for {@link changePassword}
   */
  async createRecoveryKey(options: RecoveryKeyOptions = {}): Promise<string> {
    this.#keys.assertOpen();
    return this.#keys.use(async () => {
      await this.#reauthenticate(options);
      return createRecoveryKeyWith(this.#credentials(options.signal));
    });
  }

  /** A fresh password login first when `currentPassword` is given (with the second factor the options carry). */
  async #reauthenticate(options: { totp?: unknown; recoveryCode?: unknown; currentPassword?: string | undefined; signal?: AbortSignal | undefined }): Promise<void> {
    this.#amr = (await reauthenticate(this.#credentials(options.signal), options.currentPassword, options)) ?? this.#amr;
  }

  /** Runs an MFA call as an operation of this session (`whilePending`: also while pending enrolment), with the MFA code loaded. */
  #mfa<T>(run: (mfa: typeof Mfa, host: EnrolHost) => Promise<T>, whilePending = false): Promise<T> {
    return this.#keys.use(async () => {
      const host: EnrolHost = {
        endpoint: this.#endpoint,
        keys: this.#keys,
        reauthenticate: (options) => this.#reauthenticate(options),
        confirmed: async (amr) => {
          this.#amr = amr;
          const complete = this.#complete;
          this.#complete = undefined;
          if (complete !== undefined) this.#deviceId = await complete();
        },
      };
      return run(await mfaCode(), host);
    }, whilePending);
  }

  /**
   * The account's second factors: `{ totp, strict, recoveryCodesLeft, passkeys }`.
   * @throws `CLOSED`; `MFA_REQUIRED` while pending; `NETWORK`
   */
  async mfa(): Promise<MfaStatus> {
    return this.#mfa((m, host) => m.mfaStatus(host));
  }

  /**
   * Starts TOTP enrolment: the server makes a secret, shown to the user as
   * `secret` (base32 text) and `uri` (`otpauth://totp/…`, for a QR code);
   * `confirm(code)` with a code the authenticator app then shows turns TOTP
   * on and resolves to ten single-use recovery codes (show them once; they
   * are not the recovery key). A new `enrollTotp` replaces an unconfirmed one.
   *
   * Needs a fresh password login (`currentPassword` for an older session,
   * with `totp` / `recoveryCode` when the account already has a factor),
   * except for a session pending enrolment: its `confirm` also opens it
   * (unlock, keyring, `rememberDevice`); when that fails the session is
   * logged out and `confirm` rejects (TOTP stays on: log in with it).
   * @throws `CLOSED`; `INVALID_INPUT`; `AUTH_FAILED` (not fresh, or a wrong
   *   `currentPassword`); `MFA_REQUIRED` (the re-login needs a factor);
   *   `RATE_LIMITED`; `NETWORK`
   */
  async enrollTotp(options: EnrollTotpOptions = {}): Promise<TotpEnrolment> {
    return this.#mfa((m, host) => m.enrollTotp(host, options), true);
  }

  /**
   * Turns TOTP off (and strict mode with it), with a fresh factor: `code` is
   * a current TOTP code or a recovery code.
   * @throws `CLOSED`; `MFA_REQUIRED` while pending; `INVALID_INPUT`; `AUTH_FAILED` (wrong code); `RATE_LIMITED`
   */
  async disableTotp(options: MfaCodeOptions): Promise<void> {
    return this.#mfa((m, host) => m.disableTotp(host, options));
  }

  /**
   * Ten new recovery codes (the old ones stop working), with a fresh factor
   * (`code`: a TOTP code or a recovery code).
   * @throws as {@link disableTotp}
   */
  async regenerateRecoveryCodes(options: MfaCodeOptions): Promise<{ recoveryCodes: string[] }> {
    return this.#mfa((m, host) => m.regenerateRecoveryCodes(host, options));
  }

  /**
   * Strict mode on or off (`code`: a TOTP code or a recovery code). A strict
   * account's code travels with the first login message and a wrong or
   * missing one fails exactly like a wrong password (`docs/mfa.md`).
   * @throws as {@link disableTotp}
   */
  async setStrictMfa(options: StrictMfaOptions): Promise<void> {
    return this.#mfa((m, host) => m.setStrictMfa(host, options));
  }

  /**
   * Saves every open vault's manifest, revokes the session on the server, and
   * closes it: every later call on the session or on its vaults fails with
   * `CLOSED`, and the keys are wiped as soon as no earlier call still runs.
   * The revocation is sent even when saving a manifest fails (that error is
   * thrown afterwards): a logout must never leave a live server session
   * behind. Logging out twice is a no-op.
   *
   * The device stays remembered (`client.resume()` opens a new session)
   * unless `forgetDevice` is set: then what this device keeps is deleted
   * first, then its unlock slot and registry entry, then its credential on
   * the server; each step runs even when an earlier one failed, and the
   * first failure is thrown after the logout (which is always sent).
   * @throws `INVALID_INPUT`; what saving a manifest or forgetting the device threw
   */
  async logout(options: LogoutOptions = {}): Promise<void> {
    checkLogout(options);
    if (!this.#keys.isOpen) return;
    let flushError: Error | undefined;
    try {
      for (const pending of this.#vaults.values()) {
        const vault = await pending.catch(() => undefined);
        await vault?.flush().catch((err: unknown) => {
          flushError ??= err instanceof Error ? err : new ZeroVaultError('STORAGE', 'saving a manifest failed', { cause: err });
        });
      }
      const deviceId = this.#deviceId;
      if (options.forgetDevice === true && deviceId !== undefined) {
        // Its own device: any session may delete it; the server then ends this session too.
        // Whatever fails here (even loading the device code), the revocation below is still sent.
        try {
          await (await deviceCode()).forgetDevice(this.#deviceHost(undefined), deviceId);
          this.#deviceId = undefined;
        } catch (err) {
          flushError ??= err instanceof Error ? err : new ZeroVaultError('STORAGE', 'forgetting the device failed', { cause: err });
        }
      }
      await postJson(this.#endpoint, '/logout', {}, { key: this.#keys.sessionKey() }).catch((err: unknown) => {
        // A server that no longer has the session has nothing to revoke.
        if (!(err instanceof ZeroVaultError && err.code === 'CLOSED')) throw err;
      });
    } finally {
      this.#keys.close();
      this.#vaults.clear();
    }
    if (flushError !== undefined) throw flushError;
  }
}
