/**
 * The option and result types of `Session`.
 *
 * @module
 */
import type { BlobStore } from '../../store/types.js';
import type { Endpoint } from '../api.js';
import type { OpaqueSettings } from './auth.js';
import type { AccountKeys } from './keys.js';

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
}

/** Options of {@link Session.vault}. */
export interface VaultOptions {
  /** The user who owns the vault, when it is one shared with this account; default this account. */
  owner?: string;
}

/** Options of {@link Session.changePassword}. */
export interface ChangePasswordOptions {
  newPassword: string;
  /** Logs in again first, for a session older than the server's re-authentication window. */
  currentPassword?: string;
  /** Cancels the change (a change already submitted to the server stays made). */
  signal?: AbortSignal;
}

/** Options of {@link Session.createRecoveryKey}. */
export interface RecoveryKeyOptions {
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
}
