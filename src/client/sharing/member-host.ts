/**
 * The host of a vault another user shared with the session: the grant's
 * KEKs, the owner-signed membership list, no owner operations. Loaded on
 * demand, when the session opens such a vault.
 *
 * @module
 */
import { ZeroVaultError } from '../../errors.js';
import { sharedFrames } from './frame-policy.js';
import type { KeyHandle } from '../account/keys.js';
import { MemberVault } from './member-vault.js';
import type { SharingContext } from './context.js';
import type { VaultHost, VaultMember, VaultSharing } from '../vault/types.js';

/** The sharing operations of a vault another user owns: members may list, not change. */
export function memberSharing(members: () => Promise<VaultMember[]>): VaultSharing {
  const refuse = (): never => {
    throw new ZeroVaultError('FORBIDDEN', 'only the owner can rotate, share or revoke a vault');
  };
  return { share: async () => refuse(), revoke: async () => refuse(), members };
}

/** The host of a verified {@link MemberVault}. */
export function sharedVaultHost(member: MemberVault, keys: KeyHandle): VaultHost {
  const refuse = async (): Promise<never> => {
    throw new ZeroVaultError('FORBIDDEN', 'only the owner can rotate, share or revoke a vault');
  };
  return {
    keys,
    store: member.store,
    owner: member.owner,
    role: () => member.role(),
    keyring: () => ({ keks: member.keks() }),
    addKekVersion: refuse,
    dropOldKeks: refuse,
    frames: sharedFrames(member),
    sharing: memberSharing(() => member.members()),
    manifests: member.manifests(),
    refreshKeys: () => member.refreshKeys(),
    beforeWrite: () => member.beforeWrite(),
  };
}

/**
 * Opens `owner`'s vault `vault` as a member (`MemberVault.open` verifies the
 * owner's keys, the grant and the membership list) and returns its host.
 *
 * @throws as `MemberVault.open`: `NOT_FOUND`, `AUTH_FAILED`, `ROLLBACK`
 */
export async function openMemberHost(ctx: SharingContext, owner: string, vault: string): Promise<VaultHost> {
  return sharedVaultHost(await MemberVault.open(ctx, owner, vault), ctx.keys);
}
