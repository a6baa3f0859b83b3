/**
 * The account's own meta records in the reserved vault `_zv` of its store:
 * `password-slot` / `recovery-slot` (the root key wrapped per unlock method,
 * `slots.ts`) and the ids of the others; the keyring record itself is read
 * and written by `keyring-store.ts`, loaded with the first login.
 *
 * @module
 */
import { equal } from '../../crypto/bytes.js';
import type { BlobStore } from '../../store/types.js';
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
// Entries kept per slot: the current one and a few in-flight changes (a crash mid-change leaves one more).
const MAX_SLOT_ENTRIES = 4;

/** Reads the meta record `id`, or `null`. */
export async function readMeta(store: BlobStore, id: string): Promise<{ data: Uint8Array; version: number } | null> {
  return store.get(META_VAULT, id);
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
