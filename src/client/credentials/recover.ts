/**
 * The first half of `Client.recover`, loaded with it (after its argument
 * checks): the OPAQUE login with the recovery key, and the unlock that opens the
 * recovery slot (v1 or v2) and sets the new password. `Client` then
 * settles the second factor and opens the session as after any login.
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import type { BlobStore } from '../../store/types.js';
import type { Endpoint } from '../api.js';
import { loginCredential, type LoginResult, type OpaqueSettings } from '../account/auth.js';
import { changePasswordWith } from './replace.js';
import { openRecoverySlot } from './recovery-slot.js';

/** What `Client.recover` hands over, checked. */
export interface RecoveryInput {
  readonly endpoint: Endpoint;
  readonly settings: OpaqueSettings;
  /** The normalized user id. */
  readonly userId: string;
  /** The recovery key's 32 bytes (the caller wipes them). */
  readonly key: Uint8Array;
  readonly newPassword: string;
  /** What a second factor given as text adds to `login/start`. */
  readonly start: Readonly<Record<string, string>>;
  readonly signal: AbortSignal | undefined;
}

/** A recovery login, ready for `Client` to establish. */
export interface RecoveryStarted {
  readonly login: LoginResult;
  /** The root key from the recovery slot, once the new password is set (the caller owns it). */
  readonly unlock: (store: BlobStore, exportKey: Uint8Array) => Promise<Uint8Array>;
}

/**
 * Logs in with the recovery key.
 * @throws as `Client.recover` documents
 */
export async function startRecovery(input: RecoveryInput): Promise<RecoveryStarted> {
  const { endpoint, settings, userId, newPassword, signal } = input;
  const login = await loginCredential(endpoint, settings, userId, 'recovery', input.key, signal, undefined, input.start);
  const { signing } = login;
  const unlock = async (store: BlobStore, exportKey: Uint8Array): Promise<Uint8Array> => {
    const rootKey = await openRecoverySlot(store, userId, exportKey);
    try {
      await changePasswordWith({ endpoint, settings, store, userId, signing, rootKey, signal }, newPassword);
    } catch (err) {
      wipe(rootKey);
      throw err;
    }
    return rootKey;
  };
  return { login, unlock };
}
