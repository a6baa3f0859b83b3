/**
 * Replacing a credential of the account (password change, recovery, a new
 * recovery key) without re-encrypting anything: a new OPAQUE registration
 * whose export key wraps the same root key.
 *
 * Order, so a crash at any step leaves a working credential: run the new
 * registration locally; add the new wrap beside the old one; let the server
 * switch records (it revokes the account's other sessions); forget the old
 * wrap (best effort).
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import { loadOnDemand } from '../../crypto/lazy.js';
import { loginCredential, prepareCredential, submitCredential } from '../account/auth.js';
import type { CredentialContext } from '../account/credentials.js';
import type { Factor } from '../account/factor.js';
import { addSlotEntry, pruneSlot } from '../account/meta.js';
import { keyIdOf, wrapRoot } from '../account/slots.js';
import { addRecoveryEntry, makeRecoveryEntry, settleRecoveryEntry } from './recovery-slot.js';

/**
 * The re-login of `reauthenticate` (`account/credentials.ts`, which checked
 * the arguments): a fresh password login with the second factor, whose
 * server session the session's signing key moves to.
 * @returns the new login's `amr`
 */
export async function loginAgain(ctx: CredentialContext, password: string, factor: Factor): Promise<readonly string[]> {
  const fresh = await loginCredential(ctx.endpoint, ctx.settings, ctx.userId, 'password', password, ctx.signal, ctx.device, factor.start);
  wipe(fresh.exportKey);
  let amr: readonly string[] = ['pwd'];
  // A reply that speaks of a second factor (as `speaksOfMfa` reads it) is settled by the MFA code.
  if (fresh.reply.pending !== undefined || fresh.reply.amr !== undefined) {
    const mfa = await loadOnDemand(() => import('../mfa/index.js'));
    ({ amr } = await mfa.settleLogin({ endpoint: ctx.endpoint, login: fresh, factor, signal: ctx.signal, enrollOk: false }));
  }
  const old = ctx.signing.macKey;
  ctx.signing.sessionId = fresh.signing.sessionId;
  ctx.signing.macKey = fresh.signing.macKey;
  ctx.signing.expiresAt = fresh.signing.expiresAt;
  wipe(old);
  return amr;
}

/** Sets a new password (`Session.changePassword`, `Client.recover`). */
export async function changePasswordWith(ctx: CredentialContext, newPassword: string): Promise<void> {
  const prepared = await prepareCredential(ctx.endpoint, ctx.settings, ctx.userId, 'password', newPassword, ctx.signal);
  try {
    await addSlotEntry(ctx.store, 'password', await wrapRoot('password', prepared.exportKey, ctx.rootKey));
    await submitCredential(ctx.endpoint, ctx.userId, 'password', prepared.record, { key: ctx.signing, signal: ctx.signal });
    await pruneSlot(ctx.store, 'password', keyIdOf(prepared.exportKey));
  } finally {
    wipe(prepared.exportKey);
  }
}

/**
 * Creates (or replaces) the recovery key: a random 256-bit key registered
 * as a second OPAQUE credential; its slot entry is v2 (the root key sealed
 * to a key pair derived from its export key, `recovery-slot.ts`), which a
 * root-key rotation can re-seal. A v1 slot is replaced the same crash-safe
 * way (the new entry waits beside it until the server switches).
 * @param key - the new recovery key (32 random bytes; the caller shows it once and wipes it)
 */
export async function createRecoveryKeyWith(ctx: CredentialContext, key: Uint8Array): Promise<void> {
  const prepared = await prepareCredential(ctx.endpoint, ctx.settings, ctx.userId, 'recovery', key, ctx.signal);
  try {
    const entry = await makeRecoveryEntry(ctx.userId, prepared.exportKey, ctx.rootKey);
    const where = await addRecoveryEntry(ctx.store, entry);
    await submitCredential(ctx.endpoint, ctx.userId, 'recovery', prepared.record, { key: ctx.signing, signal: ctx.signal });
    await settleRecoveryEntry(ctx.store, entry, where);
  } finally {
    wipe(prepared.exportKey);
  }
}
