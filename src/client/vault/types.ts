/**
 * The types around `Vault`: its options and results, and the contract with
 * its host (the session): keys, frame policy, manifest storage, sharing.
 *
 * @module
 */
import type { KeyringKek } from '../../envelope/index.js';
import type { KeyHandle } from '../account/keys.js';
import type { BlobStore } from '../../store/types.js';
import type { Frame, FrameSignature } from '../../formats/frame.js';
import type { FramePolicy } from '../sharing/frame-policy.js';
import type { Role } from '../../formats/grant.js';
import type { ManifestStore } from './manifest.js';
import type { AppendHost } from '../log/host.js';

export type { ManifestStore } from './manifest.js';

/** A user's role in a vault. */
export type VaultRole = 'owner' | Role;

/** One member of a vault, as {@link Vault.members} lists it. */
export interface VaultMember {
  /** The normalized user id. */
  readonly userId: string;
  readonly role: VaultRole;
  /** When the member was first granted access (ms since the epoch, the server's record); absent for the owner. */
  readonly grantedAt?: number;
  /** When the server stops serving the vault to the member (ms since the epoch); absent: no expiry. */
  readonly expiresAt?: number;
  /** The member's last use of the vault as the server recorded it (to about a minute); absent when never. */
  readonly lastAccessAt?: number;
}

/** Options of {@link Vault.share}. */
export interface ShareOptions {
  /** Whom to share with. */
  userId: string;
  /** `read`: get and list; `write`: also put and delete. */
  role: Role;
  /**
   * When the access ends (ms since the epoch, or a `Date`; in the future):
   * the server stops serving the vault to the user then, and the owner's
   * client revokes the user (a new key) at its next write after it. Absent:
   * no expiry (sharing again without it lifts one).
   */
  expiresAt?: number | Date;
}

/** Options of {@link Vault.revoke}. */
export interface RevokeOptions {
  /** Whose access to end. */
  userId: string;
  /**
   * `eager` (default): re-wrap every record under the new KEK now and drop the
   * old versions (the resumable rotation). `lazy`: only new writes use the new
   * KEK; old records stay under the old versions (which the revoked user had
   * anyway) until the next `rotate()`.
   */
  rewrap?: 'eager' | 'lazy';
}

/** What {@link Vault.revoke} did. */
export interface RevokeResult {
  /** Records re-wrapped under the new KEK. */
  readonly rewrapped: number;
  /** The new KEK version, which the revoked user never received. */
  readonly kekVersion: number;
}

/** Options of the maintenance pass over every record (rotation, signing, adoption). */
export interface PassOptions {
  /** Re-wrap every record not under this KEK. */
  readonly to?: KeyringKek;
  /** A record's new signature, or `undefined` to keep its frame as it is. */
  readonly resign?: (id: string, parsed: Frame) => FrameSignature | undefined;
  readonly onProgress?: ((progress: RotateProgress) => void) | undefined;
  /** Called for a record the pass skipped: it does not parse, or names a KEK this vault never had. */
  readonly onSkip?: ((id: string) => void) | undefined;
  /** `rewrapThenDrop` only: keep the old KEK versions (rows of `vault.documents` still use them). */
  readonly keepOldKeys?: boolean | undefined;
}

/** What sharing code may do with a vault. */
export interface VaultHandle {
  readonly name: string;
  /** Runs a maintenance pass; returns how many records were re-wrapped. */
  pass(options: PassOptions): Promise<number>;
  /**
   * Re-wraps every record under `options.to` until a pass finds none left
   * under an old version, then drops the old versions (`CONFLICT`, dropping
   * nothing, when writes under them keep arriving).
   */
  rewrapThenDrop(options: PassOptions): Promise<number>;
}

/** Owner operations of a vault (`sharing/owned-vault.ts`); members get one that refuses. */
export interface VaultSharing {
  /** Where this account records what it does to the vault (`vault_rotated`; docs/security-log.md); absent for a member's vault. */
  readonly log?: AppendHost | undefined;
  share(vault: VaultHandle, options: ShareOptions): Promise<void>;
  revoke(vault: VaultHandle, options: RevokeOptions): Promise<RevokeResult>;
  members(): Promise<VaultMember[]>;
}

/** What a vault needs from its session. */
export interface VaultHost {
  /** The session's key handle: checked before every call (`CLOSED` after logout). */
  readonly keys: KeyHandle;
  readonly store: BlobStore;
  /** The normalized id of the vault's owner. */
  readonly owner: string;
  /** This user's role in the vault. */
  role(): VaultRole;
  /** The KEKs of the vault (it changes on rotation). */
  keyring(): { readonly keks: readonly KeyringKek[] };
  /** Adds a KEK version for `vault` and makes it active; returns it. */
  addKekVersion(vault: string): Promise<KeyringKek>;
  /** Drops every KEK version of `vault` except the active one. */
  dropOldKeks(vault: string): Promise<void>;
  /** How records are framed, signed and checked. */
  readonly frames: FramePolicy;
  readonly sharing: VaultSharing;
  /** Where the manifest lives: a private record of the account (`manifest.ts`). */
  readonly manifests: ManifestStore;
  /** Fetches newer KEKs (a member's grant); true when something changed. */
  refreshKeys?(): Promise<boolean>;
  /**
   * Runs before every write (a member refreshes its grant, so it writes under
   * the newest KEK; an owner first revokes members whose access expired).
   */
  beforeWrite?(vault: VaultHandle): Promise<void>;
}

/** Options of {@link Vault.put}. */
export interface PutOptions {
  /** `null`: the record must not exist; a number: it must be at that version; absent: overwrite. */
  ifVersion?: number | null;
}

/** Options of {@link Vault.delete}. */
export interface DeleteOptions {
  /** The record must be at this version. */
  ifVersion?: number;
}

/** Progress of {@link Vault.rotate}. */
export interface RotateProgress {
  /** Records re-wrapped so far (in this call). */
  readonly done: number;
  /** Records found under an older KEK version so far. */
  readonly total: number;
}

/** Options of {@link Vault.rotate}. */
export interface RotateOptions {
  /** Called after each re-wrapped record. */
  onProgress?: (progress: RotateProgress) => void;
  /** Called with the id of each record skipped because it does not parse (a writer stored junk) or names a key this vault never had. */
  onSkip?: (id: string) => void;
  /**
   * `true`: re-wrap every record but keep the old KEK versions, because rows
   * of `vault.documents` in the app's own database still use them. Sweep
   * them with `reencrypt`, then call `documents.dropOldKeys()`.
   */
  keepOldKeys?: boolean;
}

