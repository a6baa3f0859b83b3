/**
 * The option and result types of `Session`.
 *
 * @module
 */
import type { BlobStore } from '../../store/types.js';
import type { Endpoint } from '../api.js';
import type { OpaqueSettings } from './auth.js';
import type { AccountKeys } from './keys.js';
import type { DevicePlace } from './device-place.js';

/** Everything a session is built from. */
export interface SessionInit {
  /** The normalized user id. */
  readonly userId: string;
  readonly endpoint: Endpoint;
  readonly store: BlobStore;
  readonly settings: OpaqueSettings;
  readonly keys: AccountKeys;
  /** Whether `store` is the server's blob routes (sharing needs it). */
  readonly serverStore: boolean;
  /** Origins `session.fetch` may send tokens to: the server's and the client's `tokenOrigins` (`URL.origin` form). */
  readonly tokenOrigins: readonly string[];
  /** The remembered device this session is bound to, if any. */
  readonly deviceId: string | undefined;
  /** Where this client keeps remembered devices. */
  readonly place: DevicePlace;
  /** How the server authenticated the session (RFC 8176). */
  readonly amr: readonly string[];
  /**
   * For a session pending enrolment (`keys` not active yet): opens it once
   * its first factor is confirmed (unlock, keyring, device), returning the
   * device it is bound to. The session is closed when this fails.
   */
  readonly complete?: (() => Promise<string | undefined>) | undefined;
  /** The passkey this session logged in with, if any. */
  readonly passkeyId?: string | undefined;
}

/**
 * A session's state, shared by `Session` and its helper modules
 * (`session-*.ts`). The keys are borrowed through `keys`; `deviceId`, `amr`
 * and `complete` change over the session's life.
 */
export interface SessionState {
  readonly userId: string;
  readonly endpoint: Endpoint;
  readonly store: BlobStore;
  readonly settings: OpaqueSettings;
  readonly keys: AccountKeys;
  readonly serverStore: boolean;
  readonly tokenOrigins: readonly string[];
  readonly place: DevicePlace;
  /** The passkey the server session is bound to; `undefined` after a password re-login (a new server session). */
  passkeyId: string | undefined;
  deviceId: string | undefined;
  amr: readonly string[];
  /** See {@link SessionInit.complete}; `undefined` once used. */
  complete: (() => Promise<string | undefined>) | undefined;
}

/** Options of {@link Session.vault}. */
export interface VaultOptions {
  /** The user who owns the vault, when it is one shared with this account; default this account. */
  owner?: string;
}

/** Options of {@link Session.changePassword}. */
export interface ChangePasswordOptions extends SecondFactorOptions {
  newPassword: string;
  /** Logs in again first, for a session older than the server's re-authentication window. */
  currentPassword?: string;
  /** Cancels the change (a change already submitted to the server stays made). */
  signal?: AbortSignal;
}

/** Options of {@link Session.rotateRootKey}. */
export interface RotateRootKeyOptions extends SecondFactorOptions {
  /** The password: required (a fresh login, and the new password credential is made from it). */
  currentPassword: string;
  /** Cancels the rotation (once the server swapped the password credential, run it again to finish). */
  signal?: AbortSignal;
}

/** Options of {@link Session.createRecoveryKey}. */
export interface RecoveryKeyOptions extends SecondFactorOptions {
  /** Logs in again first, for a session older than the server's re-authentication window. */
  currentPassword?: string;
  signal?: AbortSignal;
}

/** A vault shared with this account, as the server lists it (the role is checked when the vault is opened). */
export interface SharedVaultInfo {
  /** The owner's normalized user id. */
  readonly owner: string;
  /** The vault's name. */
  readonly vault: string;
  /** The role the server says this account has. */
  readonly role: 'read' | 'write';
  /** When the server stops serving it to this account (ms since the epoch); absent: no expiry. */
  readonly expiresAt?: number;
}

/** A device of the account, as {@link Session.devices} lists it. */
export interface DeviceInfo {
  /** The device id (22 characters of base64url). */
  readonly id: string;
  /**
   * The name it was remembered with (`deviceName`): from the account's
   * registry for a verified device (the server cannot rename it), else as
   * the server lists it.
   */
  readonly name: string;
  /** When it was remembered, ms since the epoch (server clock). */
  readonly createdAt: number;
  /** When it last logged in or resumed, ms since the epoch (server clock). */
  readonly lastSeenAt: number;
  /** The address it last logged in from, when the server recorded one. */
  readonly lastAddress: string | null;
  /** Whether this session is bound to it (this browser profile or `deviceDir`). */
  readonly current: boolean;
  /**
   * Whether the account's own device registry (sealed under the root key, so
   * the server cannot write it) holds this device. `false` for a device the
   * server lists but no session of this account remembered: revoke it.
   */
  readonly verified: boolean;
}

/** Options of {@link Session.revokeDevice}. */
export interface RevokeDeviceOptions extends SecondFactorOptions {
  /**
   * Logs in again first: revoking *another* device needs a fresh password
   * login (the server's re-authentication window, 10 minutes by default).
   */
  currentPassword?: string;
  signal?: AbortSignal;
}

/** Options of {@link Session.logout}. */
export interface LogoutOptions {
  /**
   * Also forget this device: delete it on the server, its unlock slot and
   * registry entry, and the material kept on this device, so `resume` finds
   * nothing. Default `false`: the device stays remembered.
   */
  forgetDevice?: boolean;
}

/** A second factor given with a login or a re-authentication: a TOTP code (or a function asking for one), or a recovery code. */
export interface SecondFactorOptions {
  /**
   * A 6-digit code from the authenticator app, or an async function that
   * asks the user for one. The function is called only when the server
   * says the login needs the factor; a code given as text is also sent
   * with the first login message, which a *strict* account needs (there a
   * function cannot work: pass the code as text).
   */
  totp?: string | (() => Promise<string>);
  /** One of the account's recovery codes (`XXXX-XXXX-XXXX-XXXX`), instead of `totp`; each works once. */
  recoveryCode?: string;
  /**
   * Pass the second factor with one of the account's passkeys (browsers;
   * `docs/passkeys.md`): when the server leaves the login pending and
   * offers `passkey`, the browser asks for an assertion (the password still
   * unlocks the vault). A code given as text goes first; a `totp` function
   * is asked only when the server offers no passkey.
   */
  passkey?: boolean;
}

/** Options of {@link Session.enrollTotp}. */
export interface EnrollTotpOptions extends SecondFactorOptions {
  /**
   * Logs in again first: enrolling needs a fresh password login (the
   * server's re-authentication window), except for a session pending
   * enrolment. `totp` / `recoveryCode` go with that login when the account
   * already has a factor.
   */
  currentPassword?: string;
  signal?: AbortSignal;
}

/** A passkey of the account, as {@link Session.passkeys} lists it. */
export interface PasskeyInfo {
  /** The credential id (base64url). */
  readonly id: string;
  /** Its name: the one in the account's passkey registry when it holds the passkey, else the server's. */
  readonly name: string;
  /** When it was added, ms since the epoch (server clock). */
  readonly createdAt: number;
  /** When it last logged in, ms since the epoch (server clock). */
  readonly lastSeenAt: number;
  /** The address it last logged in from, when the server recorded one. */
  readonly lastAddress: string | null;
  /** Whether this session logged in with it. */
  readonly current: boolean;
  /**
   * Whether the account's own passkey registry (sealed under the root key)
   * holds it. A passkey the server lists but the registry does not was not
   * added by this account (or its adding failed half way): remove it.
   */
  readonly verified: boolean;
  /** Whether it unlocks the vault (it has PRF, and a passkey slot); otherwise logging in with it also takes the password. */
  readonly unlocks: boolean;
}

/** Options of {@link Session.addPasskey}; the second factor goes with `currentPassword`'s re-login. */
export interface AddPasskeyOptions extends SecondFactorOptions {
  /** A name to list it under: 1 to 64 characters, no control characters. */
  name: string;
  /** Logs in again first, for a session older than the server's re-authentication window (or not from a password login). */
  currentPassword?: string;
  signal?: AbortSignal;
}

/** A TOTP enrolment in progress (see {@link Session.enrollTotp}). */
export interface TotpEnrolment {
  /** The secret as base32 text, for typing into an authenticator app. */
  readonly secret: string;
  /** An `otpauth://totp/…` URI (SHA-1, 6 digits, 30 s) to show as a QR code. */
  readonly uri: string;
  /**
   * Confirms the enrolment with a code the app now shows; TOTP is on from
   * then on. Resolves to ten single-use recovery codes: show them once.
   * @throws `INVALID_INPUT` (not 6 digits); `AUTH_FAILED` (wrong code); `RATE_LIMITED`; `CLOSED`
   */
  confirm(code: string): Promise<{ recoveryCodes: string[] }>;
}

/** The account's second factors, as {@link Session.mfa} lists them. */
export interface MfaStatus {
  /** Whether TOTP is on (enrolled and confirmed). */
  readonly totp: boolean;
  /** Whether strict mode is on (the code travels with the first login message). */
  readonly strict: boolean;
  /** Recovery codes not used yet. */
  readonly recoveryCodesLeft: number;
  /** Passkeys registered. */
  readonly passkeys: number;
}

/** Options of {@link Session.disableTotp} and {@link Session.regenerateRecoveryCodes}. */
export interface MfaCodeOptions {
  /** A fresh factor: a 6-digit TOTP code or a recovery code. */
  code: string;
  signal?: AbortSignal;
}

/**
 * Options of {@link Session.regenerateRecoveryCodes}: a fresh factor, either
 * a code (as for {@link Session.disableTotp}) or one of the account's
 * passkeys (`docs/mfa.md`, "Recovery codes").
 */
export type RecoveryCodesOptions = MfaCodeOptions | PasskeyFactorOptions;

/** A passkey as the fresh factor of a second-factor call (browsers). */
export interface PasskeyFactorOptions {
  /**
   * The session's own passkey assertion counts when it is recent (a passkey
   * login, or a password login whose second factor was a passkey, within the
   * server's re-authentication window, 10 minutes by default); otherwise the
   * browser asks for one of the account's passkeys first, and the session
   * goes on as that passkey's (its `amr` becomes `['hwk', 'user']`).
   */
  passkey: true;
  code?: undefined;
  signal?: AbortSignal;
}

/** Options of {@link Session.setStrictMfa}. */
export interface StrictMfaOptions extends MfaCodeOptions {
  /** Turn strict mode on or off. */
  enabled: boolean;
}
/**
 * What {@link Session.addPasskey} resolves to: the passkey, and, when it is
 * the account's first second factor (no TOTP, no recovery code left), the
 * ten recovery codes the server issued with it, to show the user once.
 */
export interface AddedPasskey extends PasskeyInfo {
  /** Ten single-use recovery codes (`XXXX-XXXX-XXXX-XXXX`), present only when the server issued them with this passkey. */
  readonly recoveryCodes?: string[];
}

/** Options of {@link Session.removePasskey}; the second factor goes with `currentPassword`'s re-login. */
export interface RemovePasskeyOptions extends SecondFactorOptions {
  /** Logs in again first, to remove a passkey other than this session's, when the session is not a fresh password login. */
  currentPassword?: string;
  signal?: AbortSignal;
}
