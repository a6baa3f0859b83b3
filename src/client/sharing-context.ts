/**
 * What the sharing code of a session shares: the sharing routes, the key
 * directory, the pins, and this account's keys.
 *
 * @module
 */
import type { Keyring, KeyringKek } from '../envelope/index.js';
import { ZeroVaultError } from '../errors.js';
import type { BlobStore } from '../store/types.js';
import type { Directory } from './directory.js';
import type { GrantKek } from './grant.js';
import type { PinStore } from './pins.js';
import { accessKey, type AccessPin } from './pins.js';
import type { SharingApi } from './sharing-api.js';

/** A session's sharing state. */
export interface SharingContext {
  readonly api: SharingApi;
  readonly directory: Directory;
  readonly pins: PinStore;
  /** This account's normalized user id. */
  readonly self: string;
  /** This account's own store (where its vaults and `_zv` meta records live). */
  readonly store: BlobStore;
  /** The session's root key (seals pins and members' manifests). */
  readonly rootKey: Uint8Array;
  /** Whether `store` is the server's blob routes (members can only reach vaults there). */
  readonly serverStore: boolean;
  /** The current keyring (identity secret keys, vault KEKs). */
  keyring(): Keyring;
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
