/**
 * Small private records of the account (pins, members' manifests of shared
 * vaults), kept in the reserved vault `_zv` like the keyring: sealed record v1
 * under the root key used as a KEK (`{ id: "root", version: 1 }`), vault id
 * `_zv`, record id = the meta id, version = the frame's content version.
 *
 * @module
 */
import { openRecord, sealRecord } from '../../envelope/record.js';
import type { BlobStore } from '../../store/types.js';
import { decodeFrame, encodeFrame } from '../../formats/frame.js';

const META_VAULT = '_zv';
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
  const plaintext = await openRecord({ kek: { ...ROOT_KEK, key: rootKey }, vaultId: META_VAULT, recordId: id, version: contentVersion, sealed });
  return { plaintext, version: stored.version, cv: contentVersion };
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
