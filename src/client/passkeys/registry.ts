/**
 * The account's passkey registry (`formats/passkey-registry.ts`) as a meta
 * record sealed under the root key, and the passkey slots beside it.
 *
 * @module
 */
import { MAX_PASSKEYS, PASSKEY_REGISTRY_ID, decodePasskeyRegistry, encodePasskeyRegistry, type RegistryPasskey } from '../../formats/passkey-registry.js';
import { passkeySlotId } from '../../formats/passkey-slot.js';
import type { BlobStore } from '../../store/types.js';
import { META_VAULT } from '../account/meta.js';
import { loadMeta, saveMeta } from '../account/meta-record.js';
import { retryOnConflict } from '../retry.js';

/**
 * The registry's passkeys (none when the record is missing).
 * @throws `DECRYPT_FAILED` when it does not open under the root key
 */
export async function readPasskeyRegistry(store: BlobStore, rootKey: Uint8Array): Promise<RegistryPasskey[]> {
  const loaded = await loadMeta(store, rootKey, PASSKEY_REGISTRY_ID);
  return loaded === null ? [] : decodePasskeyRegistry(loaded.plaintext);
}

/** Applies `change` and writes the registry only if nobody wrote in between (retried then); `null` writes nothing. */
async function updateRegistry(store: BlobStore, rootKey: () => Uint8Array, change: (passkeys: RegistryPasskey[]) => RegistryPasskey[] | null): Promise<void> {
  await retryOnConflict(async () => {
    const key = rootKey();
    const loaded = await loadMeta(store, key, PASSKEY_REGISTRY_ID);
    const next = change(loaded === null ? [] : decodePasskeyRegistry(loaded.plaintext));
    if (next === null) return;
    await saveMeta(store, key, PASSKEY_REGISTRY_ID, (loaded?.cv ?? 0) + 1, encodePasskeyRegistry(next), loaded === null ? null : loaded.version);
  });
}

/** Adds a passkey (replacing an entry of the same id), dropping the oldest beyond the limit. */
export async function addToPasskeyRegistry(store: BlobStore, rootKey: () => Uint8Array, passkey: RegistryPasskey): Promise<void> {
  await updateRegistry(store, rootKey, (list) => [...list.filter((p) => p.credentialId !== passkey.credentialId), passkey].slice(-MAX_PASSKEYS));
}

/** Removes a passkey's entry (nothing when it holds none). */
export async function removeFromPasskeyRegistry(store: BlobStore, rootKey: () => Uint8Array, credentialId: string): Promise<void> {
  await updateRegistry(store, rootKey, (list) => (list.some((p) => p.credentialId === credentialId) ? list.filter((p) => p.credentialId !== credentialId) : null));
}

/** Reads a passkey's slot, or `null`. */
export async function readPasskeySlot(store: BlobStore, credentialId: string): Promise<Uint8Array | null> {
  return (await store.get(META_VAULT, passkeySlotId(credentialId)))?.data ?? null;
}

/** Writes a new passkey's slot (replacing a leftover of an earlier attempt with the same credential). */
export async function writePasskeySlot(store: BlobStore, credentialId: string, slot: Uint8Array): Promise<void> {
  await store.put(META_VAULT, passkeySlotId(credentialId), slot);
}

/** Deletes a passkey's slot (nothing when missing). */
export async function deletePasskeySlot(store: BlobStore, credentialId: string): Promise<void> {
  await store.delete(META_VAULT, passkeySlotId(credentialId));
}
