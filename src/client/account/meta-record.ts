/**
 * Small private records of the account (pins, members' manifests of shared
 * vaults), kept in the reserved vault `_zv` like the keyring: sealed record v1
 * under the root key used as a KEK (`{ id: "root", version: 1 }`), vault id
 * `_zv`, record id = the meta id, version = the frame's content version.
 *
 * While a root-key rotation runs, a record may still be sealed under the
 * previous root key: it then opens through the root-key chain
 * (`root-chain.ts`, loaded only then), and only if the rotation listed its
 * exact bytes.
 *
 * @module
 */
import { openRecord, sealRecord } from '../../envelope/record.js';
import { loadOnDemand } from '../../crypto/lazy.js';
import { wipe } from '../../crypto/bytes.js';
import { isZeroVaultError } from '../../errors.js';
import type { BlobStore } from '../../store/types.js';
import { decodeFrame, encodeFrame } from '../../formats/frame.js';

const META_VAULT = '_zv';
/** The record id of the root-key chain a rotation leaves while it runs (`formats/root-chain.ts`). */
export const ROOT_CHAIN_ID = 'root-prev';
const ROOT_KEK = { id: 'root', version: 1 } as const;

/** A loaded meta record. */
export interface LoadedMeta {
  readonly plaintext: Uint8Array;
  /** The store version (for the next conditional write). */
  readonly version: number;
  /** The content version it was sealed for. */
  readonly cv: number;
}

/**
 * Reads and opens the meta record `id`, or `null` when missing.
 * @throws `DECRYPT_FAILED` when it does not open under the root key
 */
export async function loadMeta(store: BlobStore, rootKey: Uint8Array, id: string): Promise<LoadedMeta | null> {
  const stored = await store.get(META_VAULT, id);
  if (stored === null) return null;
  const { contentVersion, sealed } = decodeFrame(stored.data);
  const open = (key: Uint8Array): Promise<Uint8Array> => openRecord({ kek: { ...ROOT_KEK, key }, vaultId: META_VAULT, recordId: id, version: contentVersion, sealed });
  let plaintext: Uint8Array;
  try {
    plaintext = await open(rootKey);
  } catch (err) {
    if (id === ROOT_CHAIN_ID || !isZeroVaultError(err, 'DECRYPT_FAILED')) throw err;
    plaintext = await openUnderChain(store, rootKey, id, stored.data, open, err);
  }
  return { plaintext, version: stored.version, cv: contentVersion };
}

/**
 * Opens a record through the root-key chain under `rootKey`, as the chain
 * allows (`root-chain.ts`, loaded now); with no chain under `rootKey`, `failure`.
 * @throws `failure`
 */
export async function openUnderChain<T>(store: BlobStore, rootKey: Uint8Array, id: string, bytes: Uint8Array, open: (key: Uint8Array) => Promise<T>, failure: unknown): Promise<T> {
  // A chain sealed under another key is one a rotation left before it committed: none.
  const chain = await loadMeta(store, rootKey, ROOT_CHAIN_ID).catch((err: unknown) => {
    if (isZeroVaultError(err, 'DECRYPT_FAILED')) return null;
    throw err;
  });
  if (chain === null) throw failure;
  try {
    return await (await loadOnDemand(() => import('./root-chain.js'))).openThroughChain(chain.plaintext, id, bytes, open, failure);
  } finally {
    wipe(chain.plaintext);
  }
}

/**
 * Seals and writes the meta record `id` at content version `cv`, only if the
 * store holds `ifVersion` (`null`: must not exist).
 * @returns the new store version
 * @throws `CONFLICT` when another session wrote first
 */
export async function saveMeta(store: BlobStore, rootKey: Uint8Array, id: string, cv: number, plaintext: Uint8Array, ifVersion: number | null): Promise<number> {
  const sealed = await sealRecord({ kek: { ...ROOT_KEK, key: rootKey }, vaultId: META_VAULT, recordId: id, version: cv, plaintext });
  const { version } = await store.put(META_VAULT, id, encodeFrame(cv, sealed), { ifVersion });
  return version;
}
