/**
 * The keyring record (`_zv/keyring`): the keyring sealed under the root key,
 * framed with its content version.
 *
 * Loaded on demand, with the first login (as the OPAQUE client is): opening
 * or creating a keyring derives Ed25519 public keys, and the curve code that
 * needs stays out of the bundle a page loads up front.
 *
 * @module
 */
import { addKekVersion, createKeyring, openKeyring, sealKeyring, type Keyring } from '../../envelope/index.js';
import { ZeroVaultError, isZeroVaultError } from '../../errors.js';
import { openUnderChain } from './meta-record.js';
import { decodeFrame, encodeFrame } from '../../formats/frame.js';
import type { BlobStore } from '../../store/types.js';
import type { KeyringState } from './keys.js';
import { KEYRING_ID, META_VAULT, readMeta } from './meta.js';

const ROOT_KEK = { id: 'root', version: 1 } as const;
/** The vault every new account starts with. */
const FIRST_VAULT = 'default';

/** Loads and opens the keyring with the root key; `null` when the store has none. */
export async function loadKeyring(store: BlobStore, rootKey: Uint8Array): Promise<KeyringState | null> {
  const stored = await readMeta(store, KEYRING_ID);
  if (stored === null) return null;
  const { contentVersion, sealed } = decodeFrame(stored.data);
  const open = (key: Uint8Array): Promise<Keyring> => openKeyring({ root: { ...ROOT_KEK, key }, owner: META_VAULT, version: contentVersion, sealed });
  let keyring: Keyring;
  try {
    keyring = await open(rootKey);
  } catch (err) {
    // Mid-rotation: the keyring may still be sealed under the previous root key (`root-chain.ts`).
    if (!isZeroVaultError(err, 'DECRYPT_FAILED')) throw err;
    keyring = await openUnderChain(store, rootKey, KEYRING_ID, stored.data, open, err);
  }
  return { keyring, version: stored.version, cv: contentVersion };
}

/**
 * Loads the keyring and checks it against what this session has seen.
 * @throws `ROLLBACK` when the store lost it or serves an older content version than `seenCv`
 */
export async function reloadKeyring(store: BlobStore, rootKey: Uint8Array, seenCv: number): Promise<KeyringState> {
  const fresh = await loadKeyring(store, rootKey);
  if (fresh === null) throw new ZeroVaultError('ROLLBACK', 'the keyring disappeared from the store');
  if (fresh.cv < seenCv) throw new ZeroVaultError('ROLLBACK', 'the store served an older keyring');
  return fresh;
}

/**
 * Seals and writes a keyring at content version `cv`, conditionally on the store version.
 * @returns the new store version
 * @throws `CONFLICT` when the store holds another version
 */
export async function writeKeyring(store: BlobStore, rootKey: Uint8Array, keyring: Keyring, cv: number, ifVersion: number | null): Promise<number> {
  const sealed = await sealKeyring({ root: { ...ROOT_KEK, key: rootKey }, owner: META_VAULT, version: cv, keyring });
  const { version } = await store.put(META_VAULT, KEYRING_ID, encodeFrame(cv, sealed), { ifVersion });
  return version;
}

/**
 * Creates a new account's keyring (identity keys and the first vault's KEK)
 * and stores it at content version 1, only if no keyring exists.
 * @throws `CONFLICT` when another device created one first
 */
export async function createAccountKeyring(store: BlobStore, rootKey: Uint8Array): Promise<void> {
  const keyring = addKekVersion({ keyring: createKeyring(), id: FIRST_VAULT }).keyring;
  await writeKeyring(store, rootKey, keyring, 1, null);
}
