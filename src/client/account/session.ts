/**
 * `Session`: a logged-in user. Opens vaults, reaches the key directory, calls the app's own API (`fetch`),
 * changes the password, creates the recovery key, manages second factors, logs out.
 *
 * The session's secrets belong to one `AccountKeys` value
 * (`keys.ts`); the session, its vaults and the sharing code borrow
 * them through it, so after logout (or once the server says the session is
 * gone) every method of the session and of everything it handed out fails
 * with `CLOSED` before any store call or crypto. The meta records it reads
 * and writes are in `meta.ts`; what its methods do beyond checking and
 * delegating lives beside it, one job each: `session-vaults.ts`,
 * `session-devices.ts`, `session-passkeys.ts`, `session-mfa.ts` (second
 * factors, re-login, opening a session pending enrolment),
 * `session-logout.ts`.
 *
 * @module
 */
import { loadOnDemand } from '../../crypto/lazy.js';
import { ZeroVaultError } from '../../errors.js';
import type { BlobStore } from '../../store/types.js';
import { postJson } from '../api.js';
import type { AddPasskeyOptions, AddedPasskey, ChangePasswordOptions, DeviceInfo, EnrollTotpOptions, LogoutOptions, MfaCodeOptions, MfaStatus, PasskeyInfo, RecoveryKeyOptions } from './types.js';
import type { RecoveryCodesOptions, RemovePasskeyOptions, RevokeDeviceOptions, RotateRootKeyOptions, SessionInit, SessionState, SharedVaultInfo, StrictMfaOptions, TotpEnrolment, VaultOptions } from './types.js';
import { deviceCode, deviceHost } from './session-devices.js';
import { addPasskeyTo, passkeyCode, passkeyHost, passkeyStepUpSession, removePasskeyFrom } from './session-passkeys.js';
import { credentialContext, mfaCall, reauthenticateSession } from './session-mfa.js';
import { sharingCode, vaultOf } from './session-vaults.js';
import { endSession } from './session-logout.js';
import { credentialCode } from './credentials.js';
import { wipe } from '../../crypto/bytes.js';
import { randomBytes } from '../../crypto/random.js';
import { RECOVERY_KEY_LENGTH, formatRecoveryKey } from '../../formats/recovery-key.js';
import type { Contact } from '../sharing/directory.js';
import type { SharingContext } from '../sharing/context.js';
import type { AccessReviewEntry } from '../sharing/access-review.js';
import type { Vault } from '../vault/vault.js';
import { once } from '../once.js';
import type { AppFetch } from './app-fetch.js';
import type { SecurityLogEntry, SecurityLogOptions } from '../log/index.js';

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

  /** Everything the session's helper modules share (`session-*.ts`). */
  readonly #s: SessionState;
  readonly #vaults = new Map<string, Promise<Vault>>();
  /** The user id, normalized (Unicode NFC, lower case). */
  readonly userId: string;

  private constructor(init: SessionInit) {
    this.userId = init.userId;
    const { endpoint, store, settings, keys, serverStore, tokenOrigins, place, deviceId, amr } = init;
    this.#s = { userId: init.userId, endpoint, store, settings, keys, serverStore, tokenOrigins, place, deviceId, amr, complete: init.complete, passkeyId: init.passkeyId };
  }

  /** The passkey this session logged in with (its id, as {@link passkeys} lists it), or `undefined` (also after a `currentPassword` re-login). Removing it ends this session. */
  get passkeyId(): string | undefined {
    return this.#s.passkeyId;
  }

  /**
   * How the server authenticated this session (RFC 8176): `['pwd']` after a
   * password, `['pwd', 'otp']` with a TOTP or recovery code, `['swk']` when a
   * remembered device resumed it, `['hwk', 'user']` after a passkey. Tokens for the app's own API carry it.
   */
  get amr(): readonly string[] {
    return this.#s.amr;
  }

  /**
   * `'enroll'` while the session waits for its first second factor (a
   * server with `mfa: 'required'`): then only {@link enrollTotp},
   * `addPasskey` and {@link logout} work; everything else fails with
   * `MFA_REQUIRED` before any request. `undefined` for a full session.
   */
  get mfaPending(): 'enroll' | undefined {
    return this.#s.keys.isActive ? undefined : 'enroll';
  }

  /**
   * The remembered device this session belongs to (its id, as
   * {@link devices} lists it), or `undefined` when this device is not
   * remembered for the account. Revoking that device ends this session.
   */
  get deviceId(): string | undefined {
    return this.#s.deviceId;
  }

  /** When the server expires this session: ms since the epoch by the *server's* clock; slides forward while used. */
  get expiresAt(): number {
    return this.#s.keys.expiresAt;
  }

  /** Whether the session is still usable (not logged out, and not found closed by the server). */
  get isOpen(): boolean {
    return this.#s.keys.isOpen;
  }

  /** The session's store (ciphertext only). */
  get store(): BlobStore {
    return this.#s.store;
  }

  /**
   * The identity public keys of this account (X25519 for receiving shares, Ed25519 for signatures).
   * @throws `CLOSED`
   */
  get publicKeys(): { x25519: Uint8Array; ed25519: Uint8Array } {
    const keyring = this.#s.keys.keyring();
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
    return vaultOf(this.#s, this.#vaults, this.#sharing, name, options);
  }

  /**
   * Names of the vaults this account has keys for (its own; see {@link sharedVaults} for the others).
   * @throws `CLOSED`
   */
  vaults(): string[] {
    return [...new Set(this.#s.keys.keyring().keks.map((k) => k.id))].sort();
  }

  /**
   * The vaults other users shared with this account, as the server lists
   * them. Open one with `session.vault(vault, { owner })`, which verifies it.
   * @throws `CLOSED`; `NETWORK`
   */
  async sharedVaults(): Promise<SharedVaultInfo[]> {
    return this.#s.keys.use(async () => (await this.#sharing()).api.sharedWithMe());
  }

  /**
   * Every vault this account owns (with its members, as `vault.members()`
   * lists them) or can reach (the server's live grants to it, unverified
   * until opened), for an access review (`docs/sharing.md`).
   * @throws `CLOSED`; `NETWORK`; what opening an own vault throws
   */
  async accessReview(): Promise<AccessReviewEntry[]> {
    return this.#s.keys.use(async () => (await loadOnDemand(() => import('../sharing/access-review.js'))).accessReview(this, await this.#sharing()));
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
    return this.#s.keys.use(async () => (await this.#sharing()).directory.contact(userId));
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
    await this.#s.keys.use(async () => (await this.#sharing()).directory.verify(userId, safetyNumber));
  }

  /** Accepts `userId`'s current keys without comparing safety numbers (after a key change; not verified). @throws `CLOSED` */
  async trust(userId: string): Promise<void> {
    await this.#s.keys.use(async () => (await this.#sharing()).directory.trust(userId));
  }

  /** The session's sharing context, built on first use: the key directory, pins and sharing routes load then, not with the page. */
  readonly #sharing = once(async (): Promise<SharingContext> => {
    const { createSharingContext } = await sharingCode();
    return createSharingContext({ endpoint: this.#s.endpoint, keys: this.#s.keys, self: this.userId, store: this.#s.store, serverStore: this.#s.serverStore });
  });

  /** The session's DPoP key and token cache, created at the first `fetch` (with `jose`, loaded then). */
  readonly #appFetch = once(async (): Promise<AppFetch> => {
    const { createAppFetch } = await loadOnDemand(() => import('./app-fetch.js'));
    const requestToken = (proof: string) => postJson(this.#s.endpoint, '/token', {}, { key: this.#s.keys.signing(), headers: { dpop: proof } });
    return createAppFetch({ endpoint: this.#s.endpoint, keys: this.#s.keys, origins: this.#s.tokenOrigins, requestToken });
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
    return this.#s.keys.use(async () => (await this.#appFetch()).fetch(input, init));
  }

  /**
   * The account's remembered devices, as the server lists them, each marked
   * `verified` when the account's own device registry (sealed under the
   * root key) holds it, and `current` for this session's device.
   * @throws `CLOSED`; `NETWORK`; `DECRYPT_FAILED` when the registry does not open
   */
  async devices(): Promise<DeviceInfo[]> {
    return this.#s.keys.use(async () => (await deviceCode()).listDevices(deviceHost(this.#s, undefined)));
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
   * resumed from a device (with the second factor, as for {@link changePassword}).
   * Revoking this session's own device is `logout({ forgetDevice: true })`.
   * @throws `CLOSED`; `INVALID_INPUT`; `AUTH_FAILED` and `MFA_REQUIRED` as
   *   for {@link changePassword}; `NOT_FOUND` when the server does not know the device; `NETWORK`
   */
  async revokeDevice(id: string, options: RevokeDeviceOptions = {}): Promise<void> {
    this.#s.keys.assertOpen();
    // The argument checks live with the device code (they would only weigh on the page's first bundle).
    const code = await deviceCode();
    const checkRevoke: (id: unknown, options: unknown) => asserts options is RevokeDeviceOptions = code.checkRevoke;
    checkRevoke(id, options);
    if (id === this.#s.deviceId) return this.logout({ forgetDevice: true });
    await this.#s.keys.use(async () => {
      await reauthenticateSession(this.#s, options);
      await code.revokeDevice(deviceHost(this.#s, options.signal), id);
    });
  }

  /**
   * Adds a passkey (browsers; `docs/passkeys.md`): registers a WebAuthn
   * credential with the PRF extension and, when the authenticator has PRF,
   * a passkey unlock slot, so `client.loginWithPasskey()` then opens the
   * vault without the password. Takes a fresh password login, like any new
   * credential: pass `currentPassword` (and the second factor, as for
   * {@link changePassword}) when this session may be older than the server's
   * re-authentication window or did not log in with the password. On a
   * session pending enrolment the passkey is its first factor: the session
   * opens (unlock, keyring, `rememberDevice`), then the slot is written; if
   * opening fails the session is logged out and the passkey stays (login only).
   * When the passkey is the account's first second factor (no TOTP, no
   * recovery code left) the server issues ten recovery codes with it, as
   * TOTP's `confirm` does: show them to the user once, they are the way back
   * in when the passkey is lost.
   * @returns the passkey (`unlocks` says whether it can open the vault), with
   *   `recoveryCodes` when the server issued them
   * @throws `CLOSED`; `INVALID_INPUT`; `UNSUPPORTED` without WebAuthn;
   *   `AUTH_FAILED` and `MFA_REQUIRED` as for {@link changePassword}, or when the user
   *   cancels; `CONFLICT` when the passkey is registered already or the account has 32; `NETWORK`
   */
  async addPasskey(options: AddPasskeyOptions): Promise<AddedPasskey> {
    return addPasskeyTo(this.#s, options);
  }

  /**
   * The account's passkeys, as the server lists them, each marked `verified`
   * when the account's own passkey registry holds it and `unlocks` when it
   * has a passkey slot.
   * @throws `CLOSED`; `NETWORK`; `DECRYPT_FAILED` when the registry does not open
   */
  async passkeys(): Promise<PasskeyInfo[]> {
    return this.#s.keys.use(async () => (await passkeyCode()).listPasskeys(passkeyHost(this.#s, undefined)));
  }

  /**
   * Removes a passkey: its credential (every session that logged in with it
   * ends at once), its unlock slot and its registry entry. Removing another
   * passkey than this session's takes a fresh password login (pass
   * `currentPassword` otherwise, with the second factor as for {@link changePassword});
   * removing this session's own passkey ends this session too (it is then closed).
   * @throws `CLOSED`; `INVALID_INPUT`; `AUTH_FAILED` / `MFA_REQUIRED` as for {@link changePassword}; `NOT_FOUND`; `NETWORK`
   */
  async removePasskey(id: string, options: RemovePasskeyOptions = {}): Promise<void> {
    await removePasskeyFrom(this.#s, id, options);
    if (id === this.#s.passkeyId) this.#s.keys.close();
  }

  /**
   * Changes the password: a new OPAQUE registration, and the root key
   * wrapped for the new export key. No record is re-encrypted. Crash-safe:
   * until the server swaps the OPAQUE record the old password works, after
   * it the new one does. Other sessions of the account are revoked.
   *
   * The server accepts this only from a fresh login (10 minutes by default):
   * pass `currentPassword` when the session may be older, and it logs in
   * again first. An account with a second factor needs it for that login
   * too: `totp`, `recoveryCode` or `passkey: true` (as for `client.login`).
   * @throws `CLOSED`; `AUTH_FAILED` when not fresh and no (or a wrong) `currentPassword`, or a wrong code;
   *   `MFA_REQUIRED` when the re-login needs a factor the options lack (the session stays as it was); `RATE_LIMITED`
   */
  async changePassword(options: ChangePasswordOptions): Promise<void> {
    this.#s.keys.assertOpen();
    if (typeof options?.newPassword !== 'string' || options.newPassword.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'newPassword must be a non-empty string');
    await this.#s.keys.use(async () => {
      await reauthenticateSession(this.#s, options);
      await (await credentialCode()).changePasswordWith(credentialContext(this.#s, options.signal), options.newPassword);
      await (await sharingCode()).recordEvent(this.#s, 'password_changed');
    });
  }

  /**
   * Creates (or replaces) the account's recovery key: a random 256-bit key,
   * registered as a second OPAQUE credential, that unwraps the root key. A
   * failure at any step leaves the old recovery key working.
   *
   * @returns the key as text, to show the user once; it is not stored anywhere readable
   * @throws `CLOSED`; `AUTH_FAILED`, `MFA_REQUIRED` as for {@link changePassword}
   */
  async createRecoveryKey(options: RecoveryKeyOptions = {}): Promise<string> {
    this.#s.keys.assertOpen();
    return this.#s.keys.use(async () => {
      await reauthenticateSession(this.#s, options);
      const key = randomBytes(RECOVERY_KEY_LENGTH);
      try {
        await (await credentialCode()).createRecoveryKeyWith(credentialContext(this.#s, options.signal), key);
        await (await sharingCode()).recordEvent(this.#s, 'recovery_key_set');
        return formatRecoveryKey(key);
      } finally {
        wipe(key);
      }
    });
  }

  /**
   * Rotates the account's root key (`docs/passkeys.md`, "Root-key
   * rotation"): a new random root key; everything sealed under the old one
   * (keyring, registries, pins, manifests) is sealed again, and every
   * unlock slot gets the new one: the password (a new credential for the
   * same password, so every other session of the account ends), the
   * recovery key, every passkey and this device. The account's *other*
   * remembered devices are revoked: they sign in again with the password or
   * a passkey. Vault keys stay (that is `vault.rotate`). Crash-safe: at
   * every step the password opens the account; calling it again finishes
   * an interrupted rotation.
   *
   * Takes a fresh password login with the second factor, as
   * {@link changePassword}: `currentPassword` is required (the new password
   * credential is made from it).
   * @throws `CLOSED`; `INVALID_INPUT`; `AUTH_FAILED` / `MFA_REQUIRED` as for
   *   {@link changePassword}; `UNSUPPORTED` when the recovery key was made
   *   before rotation existed (create a new one first; nothing was changed);
   *   `CONFLICT`; `NETWORK`
   */
  async rotateRootKey(options: RotateRootKeyOptions): Promise<void> {
    this.#s.keys.assertOpen();
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    const { currentPassword } = options;
    if (typeof currentPassword !== 'string' || currentPassword.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'currentPassword must be a non-empty string');
    await this.#s.keys.use(async () => {
      await reauthenticateSession(this.#s, options);
      const [credentials, devices, passkeys] = [await credentialCode(), await deviceCode(), await passkeyCode()];
      await credentials.rotateRootKeyWith({
        session: this.#s,
        password: currentPassword,
        devices: { code: devices, host: deviceHost(this.#s, options.signal) },
        passkeys: { code: passkeys, host: passkeyHost(this.#s, options.signal) },
        signal: options.signal,
      });
    });
  }

  /**
   * The account's second factors: `{ totp, strict, recoveryCodesLeft, passkeys }`.
   * @throws `CLOSED`; `MFA_REQUIRED` while pending; `NETWORK`
   */
  async mfa(): Promise<MfaStatus> {
    return mfaCall(this.#s, (m, host) => m.mfaStatus(host));
  }

  /**
   * Starts TOTP enrolment: the server makes a secret, shown to the user as
   * `secret` (base32 text) and `uri` (`otpauth://totp/…`, for a QR code);
   * `confirm(code)` with a code the authenticator app then shows turns TOTP
   * on and resolves to ten single-use recovery codes (show them once; they
   * are not the recovery key). A new `enrollTotp` replaces an unconfirmed one.
   *
   * Needs a fresh password login (`currentPassword` for an older session,
   * with `totp`, `recoveryCode` or `passkey: true` when the account already has a factor),
   * except for a session pending enrolment: its `confirm` also opens it
   * (unlock, keyring, `rememberDevice`); when that fails the session is
   * logged out and `confirm` rejects (TOTP stays on: log in with it).
   * @throws `CLOSED`; `INVALID_INPUT`; `AUTH_FAILED`, `MFA_REQUIRED` and `RATE_LIMITED` as for {@link changePassword}; `NETWORK`
   */
  async enrollTotp(options: EnrollTotpOptions = {}): Promise<TotpEnrolment> {
    return mfaCall(this.#s, (m, host) => m.enrollTotp(host, options), true);
  }

  /**
   * Turns TOTP off (and strict mode with it), with a fresh factor: `code` is
   * a current TOTP code or a recovery code.
   * @throws `CLOSED`; `MFA_REQUIRED` while pending; `INVALID_INPUT`; `AUTH_FAILED` (wrong code); `RATE_LIMITED`
   */
  async disableTotp(options: MfaCodeOptions): Promise<void> {
    return mfaCall(this.#s, (m, host) => m.disableTotp(host, options));
  }

  /**
   * Ten new recovery codes (the old ones stop working), with a fresh factor:
   * `code` (a TOTP code or a recovery code), or `passkey: true` (browsers),
   * the way for an account whose only factor is a passkey. With `passkey`
   * the session's own passkey assertion counts when the server finds it
   * recent (its re-authentication window); otherwise the browser asks for
   * one of the account's passkeys first, and the session goes on as that
   * passkey's session (`amr` `['hwk', 'user']`, {@link passkeyId} set).
   * @throws as {@link disableTotp}; with `passkey`, also as `client.loginWithPasskey`
   *   (`UNSUPPORTED` without WebAuthn, `AUTH_FAILED` when the user cancels)
   */
  async regenerateRecoveryCodes(options: RecoveryCodesOptions): Promise<{ recoveryCodes: string[] }> {
    return mfaCall(this.#s, (m, host) =>
      m.regenerateRecoveryCodes({ ...host, amr: () => this.#s.amr, passkeyStepUp: (signal) => passkeyStepUpSession(this.#s, signal) }, options),
    );
  }

  /**
   * Strict mode on or off (`code`: a TOTP code or a recovery code). A strict
   * account's code travels with the first login message and a wrong or
   * missing one fails exactly like a wrong password (`docs/mfa.md`).
   * @throws as {@link disableTotp}
   */
  async setStrictMfa(options: StrictMfaOptions): Promise<void> {
    return mfaCall(this.#s, (m, host) => m.setStrictMfa(host, options));
  }

  /**
   * The account's security log (`docs/security-log.md`): what happened to
   * it, as entries this account's devices or the server signed, in order,
   * numbered above `since` (default: all). The log is checked against the
   * head this account pinned last time (on any device), and the pin moves to
   * the new head.
   * @throws `CLOSED`; `INVALID_INPUT`; `ROLLBACK` when the log is truncated,
   *   reordered or forked against the pin; `DECRYPT_FAILED` when an entry's
   *   encoding or signature fails (an edited entry, or one the server made up); `NETWORK`
   */
  async securityLog(options?: SecurityLogOptions): Promise<SecurityLogEntry[]> {
    return this.#s.keys.use(async () => (await sharingCode()).securityLog(this.#s, options));
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
    await endSession(this.#s, this.#vaults, options);
  }
}
