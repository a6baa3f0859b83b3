/**
 * The root key a password login opens: from the password slot, or, on an
 * account's very first login, a new one (with the account's keyring and
 * its first slot entry).
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import { randomBytes } from '../../crypto/random.js';
import { ZeroVaultError, isZeroVaultError } from '../../errors.js';
import type { BlobStore } from '../../store/types.js';
import { keyringStore } from './keyring.js';
import { KEYRING_ID, addSlotEntry, readMeta, readSlot } from './meta.js';
import { unwrapRoot, wrapRoot } from './slots.js';

/**
 * The root key for a password login's export key (the caller owns it).
 * @throws `DECRYPT_FAILED` when no slot entry opens; `ROLLBACK` when the store lost the slot but kept the keyring; `CONFLICT` when another device sets the account up
 */
export async function unlockPassword(store: BlobStore, exportKey: Uint8Array): Promise<Uint8Array> {
  const slot = await readSlot(store, 'password');
  if (slot !== null) return unwrapRoot('password', exportKey, slot);
  // No slot: a fresh account, unless a keyring exists (then the store lost the slot).
  if ((await readMeta(store, KEYRING_ID)) !== null) throw new ZeroVaultError('ROLLBACK', 'the unlock slot is missing from the store');
  const rootKey = randomBytes(32);
  try {
    const { createAccountKeyring } = await keyringStore();
    await createAccountKeyring(store, rootKey);
    await addSlotEntry(store, 'password', await wrapRoot('password', exportKey, rootKey));
  } catch (err) {
    wipe(rootKey);
    if (isZeroVaultError(err, 'CONFLICT')) throw new ZeroVaultError('CONFLICT', 'another device is setting up this account; log in again');
    throw err;
  }
  return rootKey;
}
