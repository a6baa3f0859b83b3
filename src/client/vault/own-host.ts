/**
 * The host a session gives a vault of its own (its keyring's KEKs;
 * re-grants to members after a rotation), and the KEK operations on its
 * keyring. The host of a vault another user shared with the session is in
 * `sharing/member-host.ts`, loaded on demand.
 *
 * @module
 */
import { addKekVersion, type Keyring, type KeyringKek } from '../../envelope/keyring.js';
import type { BlobStore } from '../../store/types.js';
import type { AccountKeys } from '../account/keys.js';
import type { OwnedSharing } from '../sharing/owned-sharing.js';
import type { KeyAccess } from '../sharing/context.js';
import type { ManifestStore } from './manifest.js';
import type { VaultHost } from './types.js';

/** KEK operations on the session's keyring; `update` saves a changed keyring (retrying on conflicts). */
export function keyAccess(keyring: () => Keyring, update: (change: (keyring: Keyring) => Keyring) => Promise<void>): KeyAccess {
  return {
    keks: (vault) => keyring().keks.filter((k) => k.id === vault),
    addVersion: async (vault) => {
      let added: KeyringKek | undefined;
      await update((current) => {
        const result = addKekVersion({ keyring: current, id: vault, activate: true });
        added = result.kek;
        return result.keyring;
      });
      return added as KeyringKek;
    },
    dropOld: async (vault) => {
      await update((current) => ({ ...current, keks: current.keks.filter((k) => k.id !== vault || k.active) }));
    },
  };
}

/**
 * The host of one of the session's own vaults. `refreshKeyring` re-reads the
 * keyring when the store holds a newer one: before every write (so a device
 * never seals under a KEK version another device has rotated away or revoked)
 * and when a record names a KEK version this session does not know.
 */
export function ownVaultHost(
  store: BlobStore,
  account: AccountKeys,
  keys: KeyAccess,
  owned: OwnedSharing,
  refreshKeyring: () => Promise<boolean>,
  manifests: ManifestStore,
): VaultHost {
  return {
    keys: account,
    store,
    manifests,
    owner: owned.owner,
    role: () => 'owner',
    keyring: () => account.keyring(),
    refreshKeys: refreshKeyring,
    beforeWrite: async (vault) => {
      await refreshKeyring();
      await owned.expireDue(vault);
    },
    addKekVersion: async (vault) => {
      const kek = await keys.addVersion(vault);
      await owned.afterKeyChange();
      return kek;
    },
    dropOldKeks: async (vault) => {
      await keys.dropOld(vault);
      await owned.afterKeyChange();
    },
    frames: owned.frames,
    sharing: owned,
  };
}
