/**
 * What the sharing code of a session shares: the sharing routes, the key
 * directory, the pins, and this account's keys. Loaded on demand (with
 * the first vault or sharing call of a session), like the rest of the
 * sharing code.
 *
 * @module
 */
import type { Keyring, KeyringKek } from '../../envelope/index.js';
import { ZeroVaultError } from '../../errors.js';
import type { BlobStore } from '../../store/types.js';
import type { AccountKeys, KeyHandle } from '../account/keys.js';
import type { Endpoint } from '../api.js';
import { Directory } from './directory.js';
import type { GrantKek } from '../../formats/grant.js';
import { PinStore, accessKey, type AccessPin } from './pins.js';
import { SharingApi } from './api.js';
import type { AppendHost } from '../log/host.js';

/** A session's sharing state. */
export interface SharingContext {
  readonly api: SharingApi;
  readonly directory: Directory;
  readonly pins: PinStore;
  /** This account's normalized user id. */
  readonly self: string;
  /** This account's own store (where its vaults and `_zv` meta records live). */
  readonly store: BlobStore;
  /** The session's root key (seals pins and members' manifests), borrowed: throws `CLOSED` once the session is. */
  rootKey(): Uint8Array;
  /** Whether `store` is the server's blob routes (members can only reach vaults there). */
  readonly serverStore: boolean;
  /** The current keyring (identity secret keys, vault KEKs), borrowed likewise. */
  keyring(): Keyring;
  /** The session's key handle: vaults opened through this context check it before every call. */
  readonly keys: KeyHandle;
  /** Where the owner side records shares and rotations (docs/security-log.md). */
  readonly log: AppendHost;
}

/** What a session builds its sharing context from. */
export interface SharingInit {
  readonly endpoint: Endpoint;
  /** The session's keys (borrowed). */
  readonly keys: AccountKeys;
  /** This account's normalized user id. */
  readonly self: string;
  readonly store: BlobStore;
  readonly serverStore: boolean;
}

/** A session's sharing context: the sharing routes, the pins (sealed under the root key) and the key directory. */
export function createSharingContext(init: SharingInit): SharingContext {
  const { keys } = init;
  const api = new SharingApi(init.endpoint, () => keys.signing());
  const rootKey = (): Uint8Array => keys.rootKey();
  const pins = new PinStore(init.store, rootKey);
  const identity = keys.keyring();
  const directory = new Directory(api, pins, { userId: init.self, x25519: identity.x25519.publicKey, ed25519: identity.ed25519.publicKey });
  const log: AppendHost = { endpoint: init.endpoint, userId: init.self, keys };
  return { api, directory, pins, self: init.self, store: init.store, rootKey, serverStore: init.serverStore, keyring: () => keys.keyring(), keys, log };
}

/** Raw KEK operations on this account's keyring (no re-granting). */
export interface KeyAccess {
  /** The KEK versions of a vault, ascending. */
  keks(vault: string): KeyringKek[];
  addVersion(vault: string): Promise<KeyringKek>;
  dropOld(vault: string): Promise<void>;
}

/** A vault's KEK versions as a grant carries them. */
export function grantKeks(keks: readonly KeyringKek[]): GrantKek[] {
  return keks.map((k) => ({ version: k.version, key: k.key, active: k.active }));
}

/** The access pin of a vault (zero epochs when never seen). */
export async function accessPin(ctx: SharingContext, owner: string, vault: string): Promise<AccessPin> {
  const state = await ctx.pins.state();
  return state.access.get(accessKey(owner, vault)) ?? { owner, vault, membershipEpoch: 0, grantEpoch: 0 };
}

/**
 * The check for one of this account's vaults whose membership list is not
 * in the store: fine for a vault never shared, a rollback for one this
 * account has seen a list of.
 * @throws `ROLLBACK` when a membership epoch is pinned for the vault
 */
export async function checkNoMembership(ctx: SharingContext, owner: string, vault: string): Promise<void> {
  const pin = await accessPin(ctx, owner, vault);
  if (pin.membershipEpoch > 0) throw new ZeroVaultError('ROLLBACK', 'the membership list of a shared vault is missing from the store');
}

/**
 * Checks an epoch against the pin and raises the pin when it grew.
 * @throws `ROLLBACK` when `epoch` is below the pinned one
 */
export async function checkEpoch(ctx: SharingContext, owner: string, vault: string, kind: 'membershipEpoch' | 'grantEpoch', epoch: number): Promise<void> {
  const pin = await accessPin(ctx, owner, vault);
  if (epoch < pin[kind]) throw new ZeroVaultError('ROLLBACK', 'the server served an older membership list or grant than this account has seen');
  if (epoch > pin[kind]) {
    await ctx.pins.update((s) => {
      const current = s.access.get(accessKey(owner, vault)) ?? pin;
      s.access.set(accessKey(owner, vault), { ...current, [kind]: Math.max(epoch, current[kind]) });
    });
  }
}
