/**
 * Logging in with a passkey (`client.loginWithPasskey`), in order:
 *
 * 1. a fresh X25519 ephemeral; `passkey/login/start` answers a nonce and
 *    WebAuthn options whose challenge must be `SHA-256(label ‖ nonce ‖
 *    ephemeral)` (`formats/passkey.ts`): checked, so the assertion below
 *    authenticates this ephemeral;
 * 2. `navigator.credentials.get()` with the PRF extension (the user picks a
 *    passkey; without `userId` any discoverable one of this site);
 * 3. `passkey/login/finish` with the assertion (never the PRF output): the
 *    server's ephemeral and the account; the session key as after a device
 *    login;
 * 4. the root key: from the passkey slot with the PRF output (no password,
 *    no Argon2id); when the passkey has no PRF or no slot, from the password
 *    slot with an OPAQUE login of `password` (that extra server session is
 *    logged out at once; the passkey's session is the one kept).
 *
 * Any failure after step 3 logs the new server session out.
 *
 * @module
 */
import { toBase64url, wipe } from '../../crypto/bytes.js';
import { equal } from '../../crypto/bytes.js';
import { ZeroVaultError, decryptFailed, isZeroVaultError } from '../../errors.js';
import { deviceEphemeral } from '../../formats/device.js';
import { isCredentialId, passkeyLoginChallenge, passkeySessionKey } from '../../formats/passkey.js';
import { normalizeUserId } from '../../formats/user-id.js';
import type { BlobStore } from '../../store/types.js';
import { loginCredential, type OpaqueSettings } from '../account/auth.js';
import { readSlot } from '../account/meta.js';
import { unwrapRoot } from '../account/slots.js';
import { bytesField, postJson, stringField, type Endpoint, type SigningKey } from '../api.js';
import { keyedSession } from '../ephemeral-session.js';
import { readPasskeySlot } from './registry.js';
import { openPasskeySlot } from './slot.js';
import { getAssertion } from './webauthn.js';

const LOGIN_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** The password, or a function that asks for it (called only when the passkey cannot unlock the vault). */
export type PasswordSource = string | (() => Promise<string>);

/** Inputs of {@link passkeyLogin}. */
export interface PasskeyLoginInput {
  readonly endpoint: Endpoint;
  readonly settings: OpaqueSettings;
  /** The normalized user id, when the app knows it. */
  readonly userId: string | undefined;
  readonly password: PasswordSource | undefined;
  readonly signal: AbortSignal | undefined;
  /** The client's store for a session signing with `signing`. */
  readonly storeFor: (signing: SigningKey) => BlobStore;
}

/** A passkey login: what `Client` opens the session with. */
export interface PasskeyLoggedIn {
  readonly userId: string;
  readonly passkeyId: string;
  readonly signing: SigningKey;
  readonly rootKey: Uint8Array;
  /** Whether the root key came from the passkey slot (true) or the password (false). */
  readonly unlockedByPasskey: boolean;
}

/** Steps 1 to 3: the server session, the account, the credential and the PRF output. */
async function ceremony(input: Pick<PasskeyLoginInput, 'endpoint' | 'userId' | 'signal'>): Promise<{ userId: string; passkeyId: string; signing: SigningKey; prfOutput: Uint8Array | null }> {
  const { endpoint, signal } = input;
  const ephemeral = deviceEphemeral();
  try {
    const body = { ...(input.userId === undefined ? {} : { userId: input.userId }), ephemeral: toBase64url(ephemeral.publicKey) };
    const started = await postJson(endpoint, '/passkey/login/start', body, { signal });
    const loginId = stringField(started, 'loginId', LOGIN_ID);
    const nonce = bytesField(started, 'nonce');
    const options = started.options;
    if (nonce.length !== 32 || typeof options !== 'object' || options === null) throw new ZeroVaultError('NETWORK', 'invalid server response');
    const challenge = passkeyLoginChallenge(nonce, ephemeral.publicKey);
    // The server's challenge must commit to our ephemeral, or the assertion would not vouch for the session key.
    if (!equal(bytesField(options as Record<string, unknown>, 'challenge'), challenge)) throw new ZeroVaultError('NETWORK', 'invalid server response');
    const assertion = await getAssertion(options, signal);
    let done: Record<string, unknown>;
    try {
      done = await postJson(endpoint, '/passkey/login/finish', { loginId, response: assertion.response }, { signal });
    } catch (err) {
      if (assertion.prfOutput !== null) wipe(assertion.prfOutput);
      throw err;
    }
    const userId = normalizeUserId(stringField(done, 'userId', /^.+$/su));
    const signing = keyedSession(done, ephemeral.secretKey, (shared, serverEphemeral) => passkeySessionKey({ shared, challenge, clientEphemeral: ephemeral.publicKey, serverEphemeral }));
    const passkeyId = String(assertion.response.id);
    if (!isCredentialId(passkeyId) || (input.userId !== undefined && userId !== input.userId)) throw new ZeroVaultError('NETWORK', 'invalid server response');
    return { userId, passkeyId, signing, prfOutput: assertion.prfOutput };
  } finally {
    wipe(ephemeral.secretKey);
  }
}

/** Step 4 without PRF: the password slot, through an OPAQUE login that is logged out again. */
async function unlockWithPassword(input: PasskeyLoginInput, userId: string, store: BlobStore): Promise<Uint8Array> {
  if (input.password === undefined) throw new ZeroVaultError('UNSUPPORTED', 'this passkey cannot unlock the vault: the password is needed');
  const password = typeof input.password === 'string' ? input.password : await input.password();
  if (typeof password !== 'string' || password.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'password must be a non-empty string');
  const opaque = await loginCredential(input.endpoint, input.settings, userId, 'password', password, input.signal);
  try {
    const slot = await readSlot(store, 'password');
    if (slot === null) throw decryptFailed();
    return await unwrapRoot('password', opaque.exportKey, slot);
  } finally {
    wipe(opaque.exportKey);
    await postJson(input.endpoint, '/logout', {}, { key: opaque.signing }).catch(() => undefined);
    wipe(opaque.signing.macKey);
  }
}

/**
 * Moves an open session onto a fresh passkey session of its account (steps
 * 1 to 3 only): what a second-factor call that takes a passkey needs when
 * the session's own assertion is missing or stale. `signing` follows the
 * new server session in place (as after a `currentPassword` re-login), and
 * the old server session is logged out. The PRF output, if any, is wiped
 * unused (the session holds the root key already).
 * @param userId - the normalized user id; a passkey of another account is refused
 * @returns the id of the passkey the new server session is bound to
 * @throws as {@link passkeyLogin}; `signing` is untouched then
 */
export async function passkeyStepUp(endpoint: Endpoint, userId: string, signing: SigningKey, signal: AbortSignal | undefined): Promise<string> {
  const fresh = await ceremony({ endpoint, userId, signal });
  if (fresh.prfOutput !== null) wipe(fresh.prfOutput);
  const old = { sessionId: signing.sessionId, macKey: signing.macKey, expiresAt: signing.expiresAt };
  signing.sessionId = fresh.signing.sessionId;
  signing.macKey = fresh.signing.macKey;
  signing.expiresAt = fresh.signing.expiresAt;
  // The old server session is no longer used: end it rather than leave it to expire.
  await postJson(endpoint, '/logout', {}, { key: old }).catch(() => undefined);
  wipe(old.macKey);
  return fresh.passkeyId;
}

/**
 * Logs in with a passkey (module comment).
 * @throws `UNSUPPORTED` without WebAuthn, or when the passkey cannot unlock
 *   the vault and no `password` was given; `AUTH_FAILED` when the user
 *   cancels, the server refuses the assertion, or the password is wrong;
 *   `DECRYPT_FAILED` when the slot does not open; `RATE_LIMITED`; `NETWORK`
 */
export async function passkeyLogin(input: PasskeyLoginInput): Promise<PasskeyLoggedIn> {
  const { userId, passkeyId, signing, prfOutput } = await ceremony(input);
  const store = input.storeFor(signing);
  try {
    const slot = prfOutput === null ? null : await readPasskeySlot(store, passkeyId);
    if (prfOutput !== null && slot !== null) {
      const rootKey = await openPasskeySlot({ userId, credentialId: passkeyId, slot, prfOutput });
      return { userId, passkeyId, signing, rootKey, unlockedByPasskey: true };
    }
    return { userId, passkeyId, signing, rootKey: await unlockWithPassword(input, userId, store), unlockedByPasskey: false };
  } catch (err) {
    await postJson(input.endpoint, '/logout', {}, { key: signing }).catch(() => undefined);
    wipe(signing.macKey);
    if (isZeroVaultError(err, 'CLOSED')) throw new ZeroVaultError('AUTH_FAILED', 'authentication failed', { cause: err });
    throw err;
  } finally {
    if (prfOutput !== null) wipe(prfOutput);
  }
}
