/**
 * Sharing, member side: a vault another user shared with this account.
 *
 * Opening it checks, in order: the owner's keys (verified log, pinned,
 * unchanged: `directory.ts`); this account's grant (it must open with the
 * owner's X25519 key for exactly this owner, vault, grantee, role and epoch,
 * the role must be the one the server enforces, and its epoch must not be
 * older than one seen before); the membership list (signed by the owner's
 * Ed25519 key, not older than seen before, listing this account with its
 * own keys). Records are then read through the owner's namespace on the
 * server (`/shared/:owner/blobs/...`) and each must be signed by the owner or
 * a current writer (`frame-policy.ts`).
 *
 * The grant is fetched again before every write (so a write after the owner
 * rotated uses the new KEK) and when a record names a KEK version the
 * member does not have; the membership list when a record's signer is
 * unknown. The member's manifest lives in its own `_zv` records.
 *
 * @module
 */
import { concat, equal, toBase64url, utf8 } from '../../crypto/bytes.js';
import type { KeyringKek } from '../../envelope/index.js';
import { ZeroVaultError, authFailed } from '../../errors.js';
import type { BlobStore } from '../../store/types.js';
import { lp } from '../../formats/codec.js';
import type { AcceptedKeys } from './directory.js';
import type { SignerSource } from './frame-policy.js';
import type { Role } from '../../formats/grant.js';
import { openGrant, type OpenedGrant } from './grant.js';
import { metaManifestStore } from '../vault/manifest.js';
import { openMembership, type Membership } from '../../formats/membership.js';
import { checkEpoch, type SharingContext } from './context.js';
import { sha256 } from '../../formats/signature.js';
import { MEMBERS_ID } from '../vault/names.js';
import type { ManifestStore, VaultMember } from '../vault/types.js';

/** The `_zv` meta id of a member's manifest of `(owner, vault)`. */
export function memberManifestId(owner: string, vault: string): string {
  return `shared.${toBase64url(sha256(concat(lp(utf8(owner)), lp(utf8(vault)))))}`;
}

/** A vault shared with this account. */
export class MemberVault implements SignerSource {
  readonly #ctx: SharingContext;
  readonly #ownerKeys: AcceptedKeys;
  /** The owner, normalized. */
  readonly owner: string;
  /** The vault's name. */
  readonly vault: string;
  /** This account, normalized. */
  readonly self: string;
  /** The owner's namespace, as far as this account's grant reaches. */
  readonly store: BlobStore;
  #grant: OpenedGrant | undefined;
  #grantBytes: Uint8Array | undefined;
  #membership: Membership | undefined;

  private constructor(ctx: SharingContext, ownerKeys: AcceptedKeys, vault: string) {
    this.#ctx = ctx;
    this.#ownerKeys = ownerKeys;
    this.owner = ownerKeys.userId;
    this.vault = vault;
    this.self = ctx.self;
    this.store = ctx.api.sharedStore(this.owner);
  }

  /**
   * Opens a shared vault (see the module comment for the checks).
   * @throws `NOT_FOUND` when it is not shared with this account; `AUTH_FAILED`
   *   when the owner's keys, the grant or the membership list do not verify;
   *   `ROLLBACK` when the server serves an older grant or list than seen before
   */
  static async open(ctx: SharingContext, owner: string, vault: string): Promise<MemberVault> {
    const ownerKeys = await ctx.directory.accepted(owner);
    const member = new MemberVault(ctx, ownerKeys, vault);
    await member.refreshKeys();
    await member.refresh();
    member.role(); // listed, or not a member (any more)
    return member;
  }

  /** Always shared: records are checked. */
  get shared(): boolean {
    return true;
  }

  /** Always: this member signs what it writes. */
  get signing(): boolean {
    return true;
  }

  /** This account's Ed25519 seed (signs its writes). */
  signingKey(): Uint8Array {
    return this.#ctx.keyring().ed25519.secretKey;
  }

  /** The Ed25519 key of the owner (from its verified log) or of a writer (from the list); else `undefined`. */
  writerKey(userId: string): Uint8Array | undefined {
    if (userId === this.owner) return this.#ownerKeys.ed25519;
    return this.#membership?.members.find((m) => m.userId === userId && m.role === 'write')?.ed25519;
  }

  /** This account's role, per the owner-signed membership list. */
  role(): Role {
    const me = this.#membership?.members.find((m) => m.userId === this.self);
    if (me === undefined) throw authFailed();
    return me.role;
  }

  /** The KEK versions the grant carries, as keyring entries of the vault. */
  keks(): KeyringKek[] {
    return (this.#grant?.keks ?? []).map((k) => ({ id: this.vault, version: k.version, key: k.key, active: k.active }));
  }

  /** Fetches and opens the grant again; true when it changed. */
  async refreshKeys(): Promise<boolean> {
    const row = await this.#ctx.api.grantFor(this.owner, this.vault);
    if (row === null) throw new ZeroVaultError('NOT_FOUND', 'the vault is not shared with this account');
    if (this.#grantBytes !== undefined && equal(row.grant, this.#grantBytes)) return false;
    let opened: OpenedGrant;
    try {
      opened = await openGrant({
        grant: row.grant,
        owner: this.owner,
        vault: this.vault,
        grantee: this.self,
        secretKey: this.#ctx.keyring().x25519.secretKey,
        sender: this.#ownerKeys.x25519,
      });
    } catch {
      throw authFailed();
    }
    // The server enforces the role of its own row: it must be the one the owner sealed.
    if (opened.role !== row.role) throw authFailed();
    await checkEpoch(this.#ctx, this.owner, this.vault, 'grantEpoch', opened.epoch);
    this.#grant = opened;
    this.#grantBytes = row.grant;
    return true;
  }

  /** Fetches and verifies the membership list again; true when it changed. */
  async refresh(): Promise<boolean> {
    const stored = await this.store.get(this.vault, MEMBERS_ID);
    if (stored === null) throw authFailed();
    const list = openMembership(stored.data, { owner: this.owner, vault: this.vault, ownerEd25519: this.#ownerKeys.ed25519 });
    await checkEpoch(this.#ctx, this.owner, this.vault, 'membershipEpoch', list.epoch);
    const me = list.members.find((m) => m.userId === this.self);
    // The owner must have accepted this account's real keys; anything else means someone swapped them.
    const own = this.#ctx.keyring();
    if (me !== undefined && (!equal(me.ed25519, own.ed25519.publicKey) || !equal(me.x25519, own.x25519.publicKey))) throw authFailed();
    const changed = this.#membership?.epoch !== list.epoch;
    this.#membership = list;
    return changed;
  }

  /**
   * Before a write: the newest grant and membership list, and a grant at
   * least as new as the list's KEK version. A store that serves a grant from
   * before a revocation would otherwise make this member seal under a key
   * the revoked user holds.
   * @throws `ROLLBACK` when the grant is older than the owner-signed list requires
   */
  async beforeWrite(): Promise<void> {
    await this.refreshKeys();
    await this.refresh();
    const active = this.#grant?.keks.find((k) => k.active)?.version ?? -1;
    if (active < (this.#membership?.kekVersion ?? 0)) {
      throw new ZeroVaultError('ROLLBACK', 'the store served a grant older than the vault\'s membership list');
    }
  }

  /** The owner and members, from the verified membership list. */
  async members(): Promise<VaultMember[]> {
    await this.refresh();
    const others = (this.#membership?.members ?? []).map((m): VaultMember => ({ userId: m.userId, role: m.role }));
    return [{ userId: this.owner, role: 'owner' }, ...others];
  }

  /** This member's manifest of the vault, in its own `_zv` records under its root key. */
  manifests(): ManifestStore {
    return metaManifestStore(this.#ctx.store, () => this.#ctx.rootKey(), memberManifestId(this.owner, this.vault));
  }

}
