/**
 * The sharing side of one of the session's own vaults, loaded only as far
 * as the vault needs it. Opening a vault reads its membership list record:
 * when there is none (a vault never shared, checked against the pin) the
 * vault frames records as a private vault does and the owner-side sharing
 * code (`owned-vault.ts`: membership lists, grants, record signatures) stays
 * unloaded; when there is one, or on the first `share`, `revoke` or
 * `members`, it is imported and an `OwnedVault` takes over. Either way the
 * vault behaves exactly as an `OwnedVault` loaded at open would.
 *
 * @module
 */
import { loadOnDemand } from '../../crypto/lazy.js';
import { encodeFrame } from '../../formats/frame.js';
import type { FramePolicy } from './frame-policy.js';
import type { OwnedVault } from './owned-vault.js';
import { checkNoMembership, type KeyAccess, type SharingContext } from './context.js';
import { MEMBERS_ID } from '../vault/names.js';
import type { RevokeOptions, RevokeResult, ShareOptions, VaultHandle, VaultMember, VaultSharing } from '../vault/types.js';
import type { AppendHost } from '../log/host.js';

/** An `OwnedVault` with the frame policy it drives. */
interface Loaded {
  readonly owned: OwnedVault;
  readonly frames: FramePolicy;
}

/** The sharing state of one vault this account owns (see the module comment). */
export class OwnedSharing implements VaultSharing {
  readonly #ctx: SharingContext;
  readonly #keys: KeyAccess;
  readonly #vault: string;
  #loaded: Loaded | undefined;
  #loading: Promise<Loaded> | undefined;
  /** This account (the owner), normalized. */
  readonly owner: string;
  /** How the vault frames and checks records: a private vault's policy until an `OwnedVault` is loaded, then its. */
  readonly frames: FramePolicy;

  private constructor(ctx: SharingContext, keys: KeyAccess, vault: string) {
    this.#ctx = ctx;
    this.#keys = keys;
    this.#vault = vault;
    this.owner = ctx.self;
    const loaded = (): Loaded | undefined => this.#loaded;
    // Unloaded means no membership list and no share under way: an OwnedVault in that
    // state neither signs nor checks, so neither does this.
    this.frames = {
      get shared() {
        return loaded()?.frames.shared ?? false;
      },
      frame: (id, cv, sealed) => loaded()?.frames.frame(id, cv, sealed) ?? encodeFrame(cv, sealed),
      check: async (id, parsed) => {
        await loaded()?.frames.check(id, parsed);
      },
    };
  }

  /**
   * Opens the sharing state of `vault`: reads its membership list record,
   * and loads the sharing code only when there is one.
   * @throws `ROLLBACK` when the list is missing although this account has
   *   seen one, or older than the pinned one; `AUTH_FAILED` when it does not verify
   */
  static async open(ctx: SharingContext, keys: KeyAccess, vault: string): Promise<OwnedSharing> {
    const sharing = new OwnedSharing(ctx, keys, vault);
    const stored = await ctx.store.get(vault, MEMBERS_ID);
    if (stored === null) await checkNoMembership(ctx, sharing.owner, vault);
    else await sharing.#load(stored);
    return sharing;
  }

  /** Imports the owner-side sharing code and builds the `OwnedVault` (once; a failed load is retried next time). */
  #load(stored: { readonly data: Uint8Array; readonly version: number } | null): Promise<Loaded> {
    this.#loading ??= (async () => {
      const { OwnedVault } = await loadOnDemand(() => import('./owned-vault.js'));
      const owned = await OwnedVault.load(this.#ctx, this.#keys, this.#vault, stored);
      this.#loaded = { owned, frames: owned.frames };
      return this.#loaded;
    })().catch((err: unknown) => {
      this.#loading = undefined;
      throw err;
    });
    return this.#loading;
  }

  /** The `OwnedVault`, loaded now if need be, in the state the vault was opened in (no list). */
  async #owned(): Promise<OwnedVault> {
    return (this.#loaded ?? (await this.#load(null))).owned;
  }

  /** Called after this account's KEKs of the vault changed (rotation): members follow. Nothing to do for an unshared vault. */
  async afterKeyChange(): Promise<void> {
    await this.#loaded?.owned.afterKeyChange();
  }

  /** Where the security log records this vault's rotations. */
  get log(): AppendHost {
    return this.#ctx.log;
  }

  /** `vault.share`: see `OwnedVault.share`. */
  async share(vault: VaultHandle, options: ShareOptions): Promise<void> {
    await (await this.#owned()).share(vault, options);
  }

  /** `vault.revoke`: see `OwnedVault.revoke`. */
  async revoke(vault: VaultHandle, options: RevokeOptions): Promise<RevokeResult> {
    return (await this.#owned()).revoke(vault, options);
  }

  /** Before a write: revokes members whose access expired (`OwnedVault.expireDue`). Nothing for a vault never shared. */
  async expireDue(vault: VaultHandle): Promise<void> {
    await this.#loaded?.owned.expireDue(vault);
  }

  /** `vault.members`: see `OwnedVault.members`. */
  async members(): Promise<VaultMember[]> {
    return (await this.#owned()).members();
  }
}
