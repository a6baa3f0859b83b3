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
import { randomBytes } from '../../crypto/random.js';
import type { BlobStore } from '../../store/types.js';
import type { Endpoint, SigningKey } from '../api.js';
import { ZeroVaultError } from '../../errors.js';
import { factorOf, mfaCode, speaksOfMfa } from './factor.js';
import { loginCredential, prepareCredential, submitCredential, type DeviceProver, type OpaqueSettings } from './auth.js';
import { addSlotEntry, pruneSlot } from './meta.js';
import { RECOVERY_KEY_LENGTH, formatRecoveryKey } from '../../formats/recovery-key.js';
import { keyIdOf, wrapRoot } from './slots.js';

/** The `amr` of a password login that says nothing else (RFC 8176). */
export const PASSWORD_AMR: readonly string[] = Object.freeze(['pwd']);

/** What replacing a credential needs. */
export interface CredentialContext {
  readonly endpoint: Endpoint;
  readonly settings: OpaqueSettings;
  readonly store: BlobStore;
  /** The normalized user id. */
  readonly userId: string;
  readonly signing: SigningKey;
  readonly rootKey: Uint8Array;
  readonly signal?: AbortSignal | undefined;
  /** The session's remembered device, proven on a re-login so the new server session stays bound to it. */
  readonly device?: DeviceProver | undefined;
}

/**
 * The server replaces a credential only for a fresh login (within its
 * re-authentication window, 10 minutes by default), so a stolen session key
 * cannot take over the account. With `currentPassword` this logs in again
 * and moves the session's signing key to the new server session (the old
 * one is revoked by the change); without it, nothing happens here and a
 * session older than the window gets `AUTH_FAILED` from the server.
 *
 * For an account with a second factor the new login needs it too
 * (`options.totp` / `recoveryCode`, as for `Client.login`): without it the
 * new server session is ended, `MFA_REQUIRED` thrown, and the session keeps
 * its old key.
 * @returns the new login's `amr`, or `undefined` when there was none (no `currentPassword`)
 * @throws `INVALID_INPUT` for an empty password or a malformed code;
 *   `AUTH_FAILED` for a wrong one; `MFA_REQUIRED`; `RATE_LIMITED`
 */
export async function reauthenticate(ctx: CredentialContext, currentPassword: string | undefined, options: { totp?: unknown; recoveryCode?: unknown } = {}): Promise<readonly string[] | undefined> {
  const factor = await factorOf(options);
  if (currentPassword === undefined) return undefined;
  if (typeof currentPassword !== 'string' || currentPassword.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'currentPassword must be a non-empty string');
  const fresh = await loginCredential(ctx.endpoint, ctx.settings, ctx.userId, 'password', currentPassword, ctx.signal, ctx.device, factor.start);
  wipe(fresh.exportKey);
  let amr = PASSWORD_AMR;
  if (speaksOfMfa(fresh.reply)) ({ amr } = await (await mfaCode()).settleLogin({ endpoint: ctx.endpoint, login: fresh, factor, signal: ctx.signal, enrollOk: false }));
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
 * as a second OPAQUE credential that unwraps the root key.
 * @returns the key as text, shown once; nothing readable stores it
 */
export async function createRecoveryKeyWith(ctx: CredentialContext): Promise<string> {
  const key = randomBytes(RECOVERY_KEY_LENGTH);
  try {
    const prepared = await prepareCredential(ctx.endpoint, ctx.settings, ctx.userId, 'recovery', key, ctx.signal);
    try {
      const entry = await wrapRoot('recovery', prepared.exportKey, ctx.rootKey);
      await addSlotEntry(ctx.store, 'recovery', entry);
      await submitCredential(ctx.endpoint, ctx.userId, 'recovery', prepared.record, { key: ctx.signing, signal: ctx.signal });
      await pruneSlot(ctx.store, 'recovery', entry.kid);
    } finally {
      wipe(prepared.exportKey);
    }
    return formatRecoveryKey(key);
  } finally {
    wipe(key);
  }
}
