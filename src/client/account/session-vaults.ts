/**
 * The vault side of `Session`: opening one of the account's own vaults (its
 * key added to the keyring on first use) or one another user shared with it.
 * The sharing code each needs loads with the first such vault.
 *
 * @module
 */
import { loadOnDemand } from '../../crypto/lazy.js';
import { addKekVersion } from '../../envelope/keyring.js';
import { ZeroVaultError } from '../../errors.js';
import { normalizeUserId } from '../../formats/user-id.js';
import { assertName } from '../../store/types.js';
import { RESERVED_PREFIX } from '../vault/names.js';
import type { KeyAccess, SharingContext } from '../sharing/context.js';
import { metaManifestStore, ownManifestId } from '../vault/manifest.js';
import { keyAccess, ownVaultHost } from '../vault/own-host.js';
import { openVault, type Vault } from '../vault/vault.js';
import { refreshKeyring, updateKeyring } from './keyring.js';
import type { SessionState, VaultOptions } from './types.js';
import type * as Sharing from '../sharing/index.js';

/** The sharing code (with the security log), loaded at login and with the first sharing or log call. */
export function sharingCode(): Promise<typeof Sharing> {
  return loadOnDemand(() => import('../sharing/index.js'));
}

function keyAccessOf(s: SessionState): KeyAccess {
  return keyAccess(() => s.keys.keyring(), (change) => updateKeyring(s.store, s.keys, change));
}

/** Opens one of the account's own vaults, adding its key to the keyring on first use. */
export async function openOwnVault(s: SessionState, sharing: () => Promise<SharingContext>, name: string): Promise<Vault> {
  const { store, keys } = s;
  if (!keys.keyring().keks.some((k) => k.id === name)) {
    await updateKeyring(store, keys, (keyring) => (keyring.keks.some((k) => k.id === name) ? keyring : addKekVersion({ keyring, id: name }).keyring));
  }
  const access = keyAccessOf(s);
  // The owner-side sharing code loads only for a vault that has a membership list (see owned-sharing.ts).
  const [ctx, { OwnedSharing }] = await Promise.all([sharing(), sharingCode()]);
  const owned = await OwnedSharing.open(ctx, access, name);
  const manifests = metaManifestStore(store, () => keys.rootKey(), ownManifestId(name));
  return openVault(ownVaultHost(store, keys, access, owned, () => refreshKeyring(store, keys), manifests), name);
}

/** Opens a vault `owner` shared with this account, after the member side verified it (`docs/sharing.md`). */
export async function openSharedVault(sharing: () => Promise<SharingContext>, owner: string, name: string): Promise<Vault> {
  const [ctx, { openMemberHost }] = await Promise.all([sharing(), loadOnDemand(() => import('../sharing/member-host.js'))]);
  return openVault(await openMemberHost(ctx, owner, name), name);
}

/**
 * `Session.vault`: validates the arguments, then opens the vault once per
 * (owner, name) for the life of the session (`vaults` caches the opening;
 * a failed one is forgotten, so a later call tries again).
 * @throws as documented there
 */
export function vaultOf(s: SessionState, vaults: Map<string, Promise<Vault>>, sharing: () => Promise<SharingContext>, name: string, options: VaultOptions): Promise<Vault> {
  s.keys.assertOpen();
  assertName(name, 'name');
  if (name.startsWith(RESERVED_PREFIX)) throw new ZeroVaultError('INVALID_INPUT', `name must not start with ${RESERVED_PREFIX}`);
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const owner = options.owner === undefined ? s.userId : normalizeUserId(options.owner, 'owner');
  const key = owner === s.userId ? name : `${owner}\u0000${name}`;
  let pending = vaults.get(key);
  if (pending === undefined) {
    pending = s.keys.use(() => (owner === s.userId ? openOwnVault(s, sharing, name) : openSharedVault(sharing, owner, name)));
    pending.catch(() => vaults.delete(key));
    vaults.set(key, pending);
  }
  return pending;
}
