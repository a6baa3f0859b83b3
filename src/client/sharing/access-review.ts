/**
 * `session.accessReview()`: every vault the account owns or can reach, in
 * one list, for a periodic least-privilege review. Loaded on demand (only
 * the review needs it).
 *
 * Owned vaults list their members as `vault.members()` does (who and which
 * role from the owner-signed membership list; the times are the server's
 * record). Vaults shared with the account come from the server's list of
 * live grants (`GET /shared`): unverified until opened with
 * `session.vault(name, { owner })`, and an expired grant is not listed
 * because the server no longer serves it.
 *
 * @module
 */
import type { SharingContext } from './context.js';
import type { VaultMember, VaultRole } from '../vault/types.js';

/** One vault in {@link accessReview}. */
export interface AccessReviewEntry {
  /** The owner's normalized user id (this account's, for its own vaults). */
  readonly owner: string;
  /** The vault's name. */
  readonly vault: string;
  /** This account's role: `owner`, or the role it was granted. */
  readonly role: VaultRole;
  /** The vault's owner and members (for this account's own vaults only; a member cannot list the others' grants). */
  readonly members?: readonly VaultMember[];
  /** For a vault shared with this account: when the server stops serving it (ms since the epoch); absent: no expiry. */
  readonly expiresAt?: number;
}

/** What the review needs of the session. */
export interface ReviewHost {
  /** Names of the account's own vaults. */
  vaults(): string[];
  /** Opens one of them. */
  vault(name: string): Promise<{ members(): Promise<VaultMember[]> }>;
}

/**
 * Lists the account's own vaults (sorted by name) with their members, then
 * the vaults shared with it (sorted by owner, then name, as the server lists them).
 * @throws `CLOSED`; `NETWORK`; what opening a vault throws (`ROLLBACK`, `AUTH_FAILED`)
 */
export async function accessReview(host: ReviewHost, ctx: SharingContext): Promise<AccessReviewEntry[]> {
  const own: AccessReviewEntry[] = [];
  for (const name of host.vaults()) {
    const members = await (await host.vault(name)).members();
    own.push({ owner: ctx.self, vault: name, role: 'owner', members });
  }
  const shared = (await ctx.api.sharedWithMe()).map(
    (row): AccessReviewEntry => ({ owner: row.owner, vault: row.vault, role: row.role, ...(row.expiresAt === undefined ? {} : { expiresAt: row.expiresAt }) }),
  );
  return [...own, ...shared];
}
