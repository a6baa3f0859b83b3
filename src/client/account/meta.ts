/**
 * The account's own meta records in the reserved vault `_zv` of its store:
 * `keyring` (the keyring sealed under the root key, framed with its content
 * version), and `password-slot` / `recovery-slot` (the root key wrapped per
 * unlock method, `slots.ts`).
 *
 * @module
 */
import { equal } from '../../crypto/bytes.js';
import { openKeyring, sealKeyring, type Keyring } from '../../envelope/index.js';
import { ZeroVaultError } from '../../errors.js';
import type { BlobStore } from '../../store/types.js';
import type { KeyringState } from './keys.js';
import { decodeFrame, encodeFrame } from '../../formats/frame.js';
import { retryOnConflict } from '../retry.js';
import { decodeSlot, encodeSlot, type SlotEntry } from '../../formats/slots.js';

/** The reserved vault of meta records. */
export const META_VAULT = '_zv';
/** The record id of the keyring. */
export const KEYRING_ID = 'keyring';
/** The record ids of the unlock slots. */
export const SLOT_IDS = Object.freeze({ password: 'password-slot', recovery: 'recovery-slot' });
/** An unlock slot kind. */
export type SlotKind = keyof typeof SLOT_IDS;
const ROOT_KEK = { id: 'root', version: 1 } as const;
// Entries kept per slot: the current one and a few in-flight changes (a crash mid-change leaves one more).
const MAX_SLOT_ENTRIES = 4;

/** Reads the meta record `id`, or `null`. */
export async function readMeta(store: BlobStore, id: string): Promise<{ data: Uint8Array; version: number } | null> {
  return store.get(META_VAULT, id);
}

/** Loads and opens the keyring with the root key; `null` when the store has none. */
export async function loadKeyring(store: BlobStore, rootKey: Uint8Array): Promise<KeyringState | null> {
  const stored = await readMeta(store, KEYRING_ID);
  if (stored === null) return null;
  const { contentVersion, sealed } = decodeFrame(stored.data);
  const keyring = await openKeyring({ root: { ...ROOT_KEK, key: rootKey }, owner: META_VAULT, version: contentVersion, sealed });
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

/** The entries of a slot record; none when it is missing. */
export async function readSlot(store: BlobStore, kind: SlotKind): Promise<SlotEntry[] | null> {
  const stored = await readMeta(store, SLOT_IDS[kind]);
  return stored === null ? null : decodeSlot(stored.data);
}

/**
 * Adds an entry to a slot record (creating it), keeping the newest
 * {@link MAX_SLOT_ENTRIES}; with `replace`, the entry alone.
 * @throws `CONFLICT` when other devices keep winning the race
 */
export async function addSlotEntry(store: BlobStore, kind: SlotKind, entry: SlotEntry, replace = false): Promise<void> {
  await retryOnConflict(async () => {
    const stored = await readMeta(store, SLOT_IDS[kind]);
    const existing = stored === null || replace ? [] : decodeSlot(stored.data);
    const entries = [...existing.filter((e) => !equal(e.kid, entry.kid)), entry].slice(-MAX_SLOT_ENTRIES);
    await store.put(META_VAULT, SLOT_IDS[kind], encodeSlot(entries), { ifVersion: stored === null ? null : stored.version });
  });
}

/**
 * Keeps only the entry `keep` of a slot. Best effort: a leftover entry only
 * unlocks with an export key the server no longer lets anyone obtain, so a
 * failure here is not worth failing the operation that already succeeded.
 */
export async function pruneSlot(store: BlobStore, kind: SlotKind, keep: Uint8Array): Promise<void> {
  try {
    const stored = await readMeta(store, SLOT_IDS[kind]);
    if (stored === null) return;
    const entries = decodeSlot(stored.data).filter((e) => equal(e.kid, keep));
    if (entries.length > 0) await store.put(META_VAULT, SLOT_IDS[kind], encodeSlot(entries), { ifVersion: stored.version });
  } catch {
    // see above
  }
}
