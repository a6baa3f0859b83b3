/**
 * Sharing, owner side: one `OwnedVault` per vault of this account holds its
 * membership list and implements `share`, `revoke` and `members`, and tells
 * the vault's frame policy whether records must be signed.
 *
 * Order of operations (each step is safe to repeat):
 *
 * - **share**: verify the grantee's keys (`directory.ts`); on the vault's
 *   first share, sign every existing record as the owner *before* any grant
 *   exists (so an unsigned record in a shared vault is never genuine); write
 *   the membership list (epoch + 1); seal and store the grant.
 * - **revoke**: delete the grant (the server stops serving the vault to the
 *   user); add a KEK version (the active one from now on); write the
 *   membership list without the user; re-grant every remaining member; then
 *   one pass over the records: re-wrap under the new KEK (eager) and re-sign
 *   as the owner what the revoked writer signed (after checking that
 *   signature), so readers never need a former member's key; finally drop
 *   the old KEK versions and re-grant once more (eager), but only after a
 *   pass finds no record left under an old version (`rewrapThenDrop`).
 * - **expiry**: a grant with `expiresAt` is refused by the server from then
 *   on; before the owner's next write after it ({@link OwnedVault.expireDue})
 *   this client revokes the member through `revoke` (lazy: new writes use a
 *   key the member never had), so an expiry is a revocation in every way a
 *   revocation is recorded. The expiries come from the server's grant list,
 *   fetched with the first write and again at most once a minute.
 *
 * @module
 */
import type { KeyringKek } from '../../envelope/index.js';
import { ZeroVaultError, isZeroVaultError } from '../../errors.js';
import { retryOnConflict } from '../retry.js';
import { sharedFrames, type FramePolicy, type SignerSource } from './frame-policy.js';
import { assertRole } from '../../formats/grant.js';
import { sealGrant } from './grant.js';
import type { GrantRow } from './api.js';
import { openMembership, signMembership, type Member, type Membership } from '../../formats/membership.js';
import { signRecord, verifyRecord } from './record-signature.js';
import { checkEpoch, checkNoMembership, grantKeks, type KeyAccess, type SharingContext } from './context.js';
import { normalizeUserId } from '../../formats/user-id.js';
import type { Frame, FrameSignature } from '../../formats/frame.js';
import { MEMBERS_ID } from '../vault/names.js';
import { recordEvent } from '../log/append.js';
import type { RevokeOptions, RevokeResult, ShareOptions, VaultHandle, VaultMember, VaultSharing } from '../vault/types.js';

/** A record as the store returns it. */
type StoredRecord = { readonly data: Uint8Array; readonly version: number };

/** How long the owner's client trusts its copy of the grants' expiries before fetching them again. */
const EXPIRY_REFRESH_MS = 60_000;

/**
 * `share`'s `expiresAt` as ms since the epoch (`null`: none).
 * @throws `INVALID_INPUT` unless a safe-integer time or a valid `Date` in the future
 */
function expiryOf(value: unknown): number | null {
  if (value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isSafeInteger(ms) || ms <= Date.now()) {
    throw new ZeroVaultError('INVALID_INPUT', 'expiresAt must be a future time (ms since the epoch, or a Date)');
  }
  return ms;
}


/** The sharing state of one vault this account owns. */
export class OwnedVault implements SignerSource, VaultSharing {
  readonly #ctx: SharingContext;
  readonly #keys: KeyAccess;
  /** This account (the owner), normalized. */
  readonly owner: string;
  /** The vault's name. */
  readonly vault: string;
  /** This account, normalized (the same as `owner`). */
  readonly self: string;
  #membership: Membership | null = null;
  #version: number | null = null;
  #signing = false;
  /** The members' expiries as the server last listed them, and when (client clock); `undefined` until first needed. */
  #expiries: Map<string, number> | undefined;
  #expiriesAt = 0;
  #expiring: Promise<void> | undefined;
  /** How the vault frames and checks records, driven by this state (`frame-policy.ts`). */
  readonly frames: FramePolicy = sharedFrames(this);

  private constructor(ctx: SharingContext, keys: KeyAccess, vault: string) {
    this.#ctx = ctx;
    this.#keys = keys;
    this.owner = ctx.self;
    this.self = ctx.self;
    this.vault = vault;
  }

  /**
   * Loads a vault's sharing state (its membership list, if any). `stored`
   * is the list record as the caller just read it from the store (`null`:
   * none, already checked against the pin with `checkNoMembership`);
   * without it the list is read here.
   */
  static async load(ctx: SharingContext, keys: KeyAccess, vault: string, stored?: StoredRecord | null): Promise<OwnedVault> {
    const owned = new OwnedVault(ctx, keys, vault);
    if (stored === undefined) await owned.#reload();
    else if (stored !== null) await owned.#adopt(stored);
    return owned;
  }

  /** Records are checked once a membership list exists. */
  get shared(): boolean {
    return this.#membership !== null;
  }

  /** Writes are signed from the first share on (while it signs the existing records, too). */
  get signing(): boolean {
    return this.#membership !== null || this.#signing;
  }

  /** The owner's Ed25519 seed (signs records and membership lists). */
  signingKey(): Uint8Array {
    return this.#ctx.keyring().ed25519.secretKey;
  }

  /** The Ed25519 key of the owner or of a listed writer; `undefined` for anyone else. */
  writerKey(userId: string): Uint8Array | undefined {
    if (userId === this.owner) return this.#ctx.keyring().ed25519.publicKey;
    return this.#membership?.members.find((m) => m.userId === userId && m.role === 'write')?.ed25519;
  }

  /** Re-reads the membership list; true when its epoch changed. */
  async refresh(): Promise<boolean> {
    const before = this.#membership?.epoch;
    await this.#reload();
    return this.#membership?.epoch !== before;
  }

  /**
   * Re-reads the membership list: it must be signed by this account, and not
   * older than the pinned epoch (a missing list after one was seen is a rollback).
   */
  async #reload(): Promise<void> {
    const stored = await this.#ctx.store.get(this.vault, MEMBERS_ID);
    if (stored === null) {
      await checkNoMembership(this.#ctx, this.owner, this.vault);
      this.#membership = null;
      this.#version = null;
      return;
    }
    await this.#adopt(stored);
  }

  /** Opens a stored membership list (signed by this account, not older than the pinned epoch) and keeps it. */
  async #adopt(stored: StoredRecord): Promise<void> {
    const list = openMembership(stored.data, { owner: this.owner, vault: this.vault, ownerEd25519: this.#ctx.keyring().ed25519.publicKey });
    await checkEpoch(this.#ctx, this.owner, this.vault, 'membershipEpoch', list.epoch);
    this.#membership = list;
    this.#version = stored.version;
  }

  /** Writes the next epoch of the membership list, re-reading and retrying when another session wrote first. */
  async #mutate(change: (members: readonly Member[]) => Member[]): Promise<Membership> {
    return retryOnConflict(async () => {
      const list: Membership = {
        owner: this.owner,
        vault: this.vault,
        epoch: (this.#membership?.epoch ?? 0) + 1,
        kekVersion: this.#keys.keks(this.vault).find((k) => k.active)?.version ?? 0,
        members: change(this.#membership?.members ?? []),
      };
      const bytes = signMembership(list, this.signingKey());
      this.#version = (await this.#ctx.store.put(this.vault, MEMBERS_ID, bytes, { ifVersion: this.#version })).version;
      this.#membership = list;
      await checkEpoch(this.#ctx, this.owner, this.vault, 'membershipEpoch', list.epoch);
      return list;
    }, { reload: () => this.#reload() });
  }

  /** Seals the vault's current KEK versions to one member and stores the grant (`expiresAt` absent: the server keeps the grant's expiry). */
  async #grant(member: Member, epoch: number, expiresAt?: number | null): Promise<void> {
    const grant = await sealGrant({
      owner: this.owner,
      vault: this.vault,
      grantee: member.userId,
      role: member.role,
      epoch,
      keks: grantKeks(this.#keys.keks(this.vault)),
      recipient: member.x25519,
      sender: this.#ctx.keyring().x25519.secretKey,
    });
    await this.#ctx.api.putGrant(this.vault, member.userId, member.role, grant, expiresAt);
  }

  /** A new epoch for the same members, and fresh grants for all of them (after a KEK change). */
  async #regrant(): Promise<void> {
    const list = await this.#mutate((members) => [...members]);
    await Promise.all(list.members.map((m) => this.#grant(m, list.epoch)));
  }

  /** Called after this account's KEKs of the vault changed (rotation): members follow. */
  async afterKeyChange(): Promise<void> {
    if (this.#membership !== null) await this.#regrant();
  }

  /** The owner's signature for a record. */
  #ownerSignature(id: string, parsed: Frame): FrameSignature {
    const input = { owner: this.owner, vault: this.vault, recordId: id, contentVersion: parsed.contentVersion, signer: this.self, sealed: parsed.sealed };
    return signRecord(input, this.signingKey());
  }

  /** `vault.share` (see the module comment for the steps). */
  async share(vault: VaultHandle, options: ShareOptions): Promise<void> {
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    assertRole(options.role);
    const expiresAt = expiryOf(options.expiresAt);
    const grantee = normalizeUserId(options.userId);
    if (grantee === this.self) throw new ZeroVaultError('INVALID_INPUT', 'userId must be another user');
    if (!this.#ctx.serverStore) throw new ZeroVaultError('UNSUPPORTED', "sharing needs the server's blob store");
    const keys = await this.#ctx.directory.accepted(grantee);
    await this.#reload();
    if (this.#membership === null) {
      this.#signing = true;
      // Before any grant exists: every record present now is this account's own.
      await vault.pass({ resign: (id, parsed) => (parsed.signature === undefined ? this.#ownerSignature(id, parsed) : undefined) });
    }
    const member: Member = { userId: grantee, role: options.role, x25519: keys.x25519, ed25519: keys.ed25519 };
    const before = this.#membership?.members.find((m) => m.userId === grantee);
    const list = await this.#mutate((members) => [...members.filter((m) => m.userId !== grantee), member]);
    await this.#grant(member, list.epoch, expiresAt);
    if (expiresAt === null) this.#expiries?.delete(grantee);
    else this.#expiries?.set(grantee, expiresAt);
    await recordEvent(this.#ctx.log, before === undefined ? 'share_granted' : 'share_changed', JSON.stringify({ vault: this.vault, userId: grantee, role: options.role }));
  }

  /** `vault.revoke` (see the module comment for the steps). */
  async revoke(vault: VaultHandle, options: RevokeOptions): Promise<RevokeResult> {
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    const target = normalizeUserId(options.userId);
    if (options.rewrap !== undefined && options.rewrap !== 'eager' && options.rewrap !== 'lazy') {
      throw new ZeroVaultError('INVALID_INPUT', "rewrap must be 'eager' or 'lazy'");
    }
    const eager = options.rewrap !== 'lazy';
    await this.#reload();
    const removed = this.#membership?.members.find((m) => m.userId === target);
    const deleted = await this.#ctx.api.deleteGrant(this.vault, target);
    this.#expiries?.delete(target);
    if (removed === undefined && !deleted) throw new ZeroVaultError('NOT_FOUND', 'the user is not a member of this vault');
    // Always a new version: every existing version may be in the revoked user's grant
    // (after a lazy revoke or an interrupted rotation several coexist). Repeating this
    // after a crash only adds one more version, which is harmless.
    const kek: KeyringKek = await this.#keys.addVersion(this.vault);
    const list = await this.#mutate((members) => members.filter((m) => m.userId !== target));
    await Promise.all(list.members.map((m) => this.#grant(m, list.epoch)));
    await recordEvent(this.#ctx.log, 'share_revoked', JSON.stringify({ vault: this.vault, userId: target }));
    const adopt =
      removed?.role === 'write'
        ? (id: string, parsed: Frame): FrameSignature | undefined => {
            const signature = parsed.signature;
            if (signature?.signer !== removed.userId) return undefined;
            const input = { owner: this.owner, vault: this.vault, recordId: id, contentVersion: parsed.contentVersion, signer: signature.signer, sealed: parsed.sealed };
            return verifyRecord(input, signature.value, removed.ed25519) ? this.#ownerSignature(id, parsed) : undefined;
          }
        : undefined;
    const resign = adopt === undefined ? {} : { resign: adopt };
    let rewrapped = 0;
    // Eager: the same sweep-until-clean as a rotation; the old versions go (and the
    // members are re-granted without them) only once no record is left under one.
    if (eager) rewrapped = await vault.rewrapThenDrop({ to: kek, ...resign });
    else if (adopt !== undefined) await vault.pass(resign);
    return { rewrapped, kekVersion: kek.version };
  }

  /**
   * The owner and the listed members: who and which role from the
   * owner-signed membership list, the times from the server's grant rows
   * (its record, unverified: `grantedAt`, `expiresAt`, `lastAccessAt`).
   */
  async members(): Promise<VaultMember[]> {
    await this.#reload();
    const listed = this.#membership?.members ?? [];
    const rows = listed.length === 0 ? [] : await this.#ctx.api.grantsOf(this.vault);
    if (listed.length > 0) this.#noteExpiries(rows);
    const byGrantee = new Map(rows.map((r) => [r.grantee, r]));
    const others = listed.map((m): VaultMember => {
      const row = byGrantee.get(m.userId);
      if (row === undefined) return { userId: m.userId, role: m.role };
      const { grantedAt, expiresAt, lastAccessAt } = row;
      return {
        userId: m.userId,
        role: m.role,
        grantedAt,
        ...(expiresAt === undefined ? {} : { expiresAt }),
        ...(lastAccessAt === undefined ? {} : { lastAccessAt }),
      };
    });
    return [{ userId: this.owner, role: 'owner' }, ...others];
  }

  /** Keeps the expiries of the server's grant rows. */
  #noteExpiries(rows: readonly GrantRow[]): void {
    this.#expiries = new Map(rows.flatMap((r) => (r.expiresAt === undefined ? [] : [[r.grantee, r.expiresAt] as const])));
    this.#expiriesAt = Date.now();
  }

  /**
   * Before a write: revokes (lazily, through {@link revoke}) every member
   * whose grant expired, so the write is sealed under a key they never had.
   * The expiries are re-fetched when older than a minute; calls made while
   * one runs wait for it.
   */
  expireDue(vault: VaultHandle): Promise<void> {
    this.#expiring ??= this.#expireDue(vault).finally(() => {
      this.#expiring = undefined;
    });
    return this.#expiring;
  }

  async #expireDue(vault: VaultHandle): Promise<void> {
    if (this.#membership === null) return;
    const now = Date.now();
    if (this.#expiries === undefined || now - this.#expiriesAt >= EXPIRY_REFRESH_MS) this.#noteExpiries(await this.#ctx.api.grantsOf(this.vault));
    for (const [userId, at] of this.#expiries ?? []) {
      if (at > now) continue;
      try {
        await this.revoke(vault, { userId, rewrap: 'lazy' });
      } catch (err) {
        // Another device of the account revoked the member first.
        if (!isZeroVaultError(err, 'NOT_FOUND')) throw err;
      }
      this.#expiries?.delete(userId);
    }
  }
}
