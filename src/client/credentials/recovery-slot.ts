/**
 * The recovery slot (`_zv/recovery-slot`): making v2 entries, opening v1 or
 * v2, and re-sealing v2 to a new root key without the recovery key (the
 * bytes are `formats/recovery-slot.ts`; v1 is `formats/slots.ts`).
 *
 * Replacing a v1 slot by a v2 one cannot keep both in one record (one
 * version byte), so the new v2 entry waits in `recovery-slot-next` until the
 * server holds the new recovery credential, then moves into
 * `recovery-slot`. A crash in between leaves either the old key working
 * (before the server switched) or the new one, found in `-next`.
 *
 * @module
 */
import { getBackend } from '#backend';
import { importKey, open as aeadOpen, seal as aeadSeal } from '../../crypto/aead.js';
import { concat, equal, wipe } from '../../crypto/bytes.js';
import { hmac } from '../../crypto/kdf.js';
import { loadOnDemand } from '../../crypto/lazy.js';
import { ZeroVaultError, decryptFailed, isZeroVaultError } from '../../errors.js';
import { decodeSlot } from '../../formats/slots.js';
import {
  MAX_RECOVERY_ENTRIES,
  RECOVERY_SLOT_INFO,
  RECOVERY_SLOT_VERSION,
  decodeRecoverySlot,
  encodeRecoverySlot,
  recoveryExportKeys,
  recoveryKeysAad,
  recoveryKeysKey,
  recoverySlotAad,
  recoveryTagMessage,
  slotVersionOf,
  type RecoveryEntry,
} from '../../formats/recovery-slot.js';
import type { HpkeSuite } from '../../seal/suite.js';
import type * as HpkeApi from '../../seal/hpke.js';
import type { BlobStore } from '../../store/types.js';
import { META_VAULT, SLOT_IDS } from '../account/meta.js';
import { keyIdOf, unwrapRoot } from '../account/slots.js';
import { retryOnConflict } from '../retry.js';

/** Where a v2 entry waits while a v1 slot is being replaced (module comment). */
export const RECOVERY_NEXT_ID = 'recovery-slot-next';

async function hpke(): Promise<{ api: typeof HpkeApi; suite: HpkeSuite }> {
  const api = await loadOnDemand(() => import('../../seal/hpke.js'));
  const { createSuite } = await loadOnDemand(() => import('../../seal/suite.js'));
  return { api, suite: createSuite() };
}

/** Seals `rootKey` to `publicKey` and tags it; `keys` (pk ‖ macKey) sealed under `rootKey`. */
async function sealEntry(userId: string, kid: Uint8Array, publicKey: Uint8Array, macKey: Uint8Array, rootKey: Uint8Array): Promise<RecoveryEntry> {
  const { api, suite } = await hpke();
  const { enc, ciphertext } = await api.hpkeSeal(suite, { recipientPublicKey: publicKey, info: RECOVERY_SLOT_INFO, aad: recoverySlotAad(userId, kid), plaintext: rootKey });
  const tag = hmac('SHA-256', macKey, recoveryTagMessage(userId, kid, enc, ciphertext));
  const keysKey = recoveryKeysKey(rootKey, userId, kid);
  const secrets = concat(publicKey, macKey);
  try {
    const keys = await aeadSeal(await importKey(keysKey), secrets, recoveryKeysAad(userId, kid));
    return { kid, enc, ciphertext, tag, keys };
  } finally {
    wipe(keysKey, secrets);
  }
}

/** A new v2 entry for a recovery credential's export key. */
export async function makeRecoveryEntry(userId: string, exportKey: Uint8Array, rootKey: Uint8Array): Promise<RecoveryEntry> {
  const { secretKey, macKey } = recoveryExportKeys(exportKey);
  try {
    return await sealEntry(userId, keyIdOf(exportKey), getBackend().x25519PublicKey(secretKey), macKey, rootKey);
  } finally {
    wipe(secretKey, macKey);
  }
}

/** Opens an entry's `keys` with a root key: the public key and the MAC key. @throws `DECRYPT_FAILED` */
async function openKeys(userId: string, entry: RecoveryEntry, rootKey: Uint8Array): Promise<{ publicKey: Uint8Array; macKey: Uint8Array }> {
  const keysKey = recoveryKeysKey(rootKey, userId, entry.kid);
  try {
    const secrets = await aeadOpen(await importKey(keysKey), entry.keys, recoveryKeysAad(userId, entry.kid));
    if (secrets.length !== 64) throw decryptFailed();
    return { publicKey: secrets.slice(0, 32), macKey: secrets.slice(32) };
  } finally {
    wipe(keysKey);
  }
}

/**
 * Opens a v2 entry with the recovery export key: the tag first (only the
 * recovery key's and the root key's holders can make it), then the sealed
 * root key, then `keys` must open under it and name this key pair.
 * @throws `DECRYPT_FAILED` (one error for every check)
 */
async function openEntry(userId: string, entry: RecoveryEntry, exportKey: Uint8Array): Promise<Uint8Array> {
  const { secretKey, macKey } = recoveryExportKeys(exportKey);
  let rootKey: Uint8Array | undefined;
  try {
    const tag = hmac('SHA-256', macKey, recoveryTagMessage(userId, entry.kid, entry.enc, entry.ciphertext));
    if (!equal(tag, entry.tag)) throw decryptFailed();
    const { api, suite } = await hpke();
    rootKey = await api.hpkeOpen(suite, { enc: entry.enc, recipientSecretKey: secretKey, info: RECOVERY_SLOT_INFO, aad: recoverySlotAad(userId, entry.kid), ciphertext: entry.ciphertext });
    if (rootKey.length !== 32) throw decryptFailed();
    const kept = await openKeys(userId, entry, rootKey);
    const publicKey = getBackend().x25519PublicKey(secretKey);
    const ok = equal(kept.publicKey, publicKey) && equal(kept.macKey, macKey);
    wipe(kept.macKey);
    if (!ok) throw decryptFailed();
    return rootKey;
  } catch (err) {
    if (rootKey !== undefined) wipe(rootKey);
    throw isZeroVaultError(err, 'DECRYPT_FAILED') ? err : decryptFailed();
  } finally {
    wipe(secretKey, macKey);
  }
}

/** The v2 entries of a record's bytes; `null` for v1. @throws `DECRYPT_FAILED` when malformed or of an unknown version */
function v2Entries(bytes: Uint8Array): RecoveryEntry[] | null {
  const version = slotVersionOf(bytes);
  try {
    if (version === RECOVERY_SLOT_VERSION) return decodeRecoverySlot(bytes);
    decodeSlot(bytes);
    return null;
  } catch {
    throw decryptFailed();
  }
}

/**
 * The root key from the recovery slot (v1 or v2, and a v2 entry waiting in
 * `recovery-slot-next`), with the recovery credential's export key.
 * @throws `DECRYPT_FAILED` when no slot holds an entry of this key, or it does not open
 */
export async function openRecoverySlot(store: BlobStore, userId: string, exportKey: Uint8Array): Promise<Uint8Array> {
  const kid = keyIdOf(exportKey);
  for (const id of [SLOT_IDS.recovery, RECOVERY_NEXT_ID]) {
    const stored = await store.get(META_VAULT, id);
    if (stored === null) continue;
    const entries = v2Entries(stored.data);
    if (entries === null) {
      const v1 = decodeSlot(stored.data);
      if (v1.some((e) => equal(e.kid, kid))) return unwrapRoot('recovery', exportKey, v1);
      continue;
    }
    const entry = entries.find((e) => equal(e.kid, kid));
    if (entry !== undefined) return openEntry(userId, entry, exportKey);
  }
  throw decryptFailed();
}

/**
 * Adds a new v2 entry (`createRecoveryKey`, before the server switches
 * credentials): beside the v2 entries of `recovery-slot`, or, when that is
 * v1, alone in `recovery-slot-next`.
 * @returns the record it went to
 */
export async function addRecoveryEntry(store: BlobStore, entry: RecoveryEntry): Promise<string> {
  return retryOnConflict(async () => {
    const stored = await store.get(META_VAULT, SLOT_IDS.recovery);
    const existing = stored === null ? [] : v2Entries(stored.data);
    if (existing === null) {
      await store.put(META_VAULT, RECOVERY_NEXT_ID, encodeRecoverySlot([entry]));
      return RECOVERY_NEXT_ID;
    }
    const entries = [...existing.filter((e) => !equal(e.kid, entry.kid)), entry].slice(-MAX_RECOVERY_ENTRIES);
    await store.put(META_VAULT, SLOT_IDS.recovery, encodeRecoverySlot(entries), { ifVersion: stored === null ? null : stored.version });
    return SLOT_IDS.recovery;
  });
}

/**
 * Once the server holds the new recovery credential: `recovery-slot` keeps
 * only the entry `keep` (moved from `-next` when it waited there), and
 * `-next` goes. Best effort, as `pruneSlot`: a leftover entry opens only
 * with a recovery key the server no longer accepts.
 */
export async function settleRecoveryEntry(store: BlobStore, entry: RecoveryEntry, where: string): Promise<void> {
  try {
    if (where === RECOVERY_NEXT_ID) {
      await store.put(META_VAULT, SLOT_IDS.recovery, encodeRecoverySlot([entry]));
      await store.delete(META_VAULT, RECOVERY_NEXT_ID);
      return;
    }
    const stored = await store.get(META_VAULT, SLOT_IDS.recovery);
    if (stored === null) return;
    const entries = (v2Entries(stored.data) ?? []).filter((e) => equal(e.kid, entry.kid));
    if (entries.length > 0) await store.put(META_VAULT, SLOT_IDS.recovery, encodeRecoverySlot(entries), { ifVersion: stored.version });
  } catch {
    // see above
  }
}

/** What a root-key rotation finds of the recovery slot. */
export type RecoveryState = 'none' | 'v1' | 'v2';

/** Whether the account has a recovery slot, and which version (`-next` counts: it is v2 only). */
export async function recoveryState(store: BlobStore): Promise<RecoveryState> {
  const stored = await store.get(META_VAULT, SLOT_IDS.recovery);
  if (stored === null) return 'none';
  return slotVersionOf(stored.data) === RECOVERY_SLOT_VERSION ? 'v2' : 'v1';
}

/**
 * Re-seals every v2 entry of the recovery records to `newRoot`, reading
 * their keys with whichever of `oldRoots` opens them (an entry already under
 * `newRoot`, from an interrupted rotation, is kept as it is). Conditional
 * writes; a v1 record is left alone (the caller refused it).
 * @throws `DECRYPT_FAILED` when an entry's keys open under none of the keys
 */
export async function resealRecoverySlots(store: BlobStore, userId: string, oldRoots: readonly Uint8Array[], newRoot: Uint8Array): Promise<void> {
  for (const id of [SLOT_IDS.recovery, RECOVERY_NEXT_ID]) {
    await retryOnConflict(async () => {
      const stored = await store.get(META_VAULT, id);
      if (stored === null) return;
      const entries = v2Entries(stored.data);
      if (entries === null) return;
      const next: RecoveryEntry[] = [];
      let changed = false;
      for (const entry of entries) {
        const opened = await firstOpening(userId, entry, [newRoot, ...oldRoots]);
        try {
          if (opened.index === 0) next.push(entry);
          else {
            next.push(await sealEntry(userId, entry.kid, opened.keys.publicKey, opened.keys.macKey, newRoot));
            changed = true;
          }
        } finally {
          wipe(opened.keys.macKey);
        }
      }
      if (changed) await store.put(META_VAULT, id, encodeRecoverySlot(next), { ifVersion: stored.version });
    });
  }
}

async function firstOpening(userId: string, entry: RecoveryEntry, roots: readonly Uint8Array[]): Promise<{ index: number; keys: { publicKey: Uint8Array; macKey: Uint8Array } }> {
  for (const [index, root] of roots.entries()) {
    try {
      return { index, keys: await openKeys(userId, entry, root) };
    } catch (err) {
      if (!isZeroVaultError(err, 'DECRYPT_FAILED')) throw err;
    }
  }
  throw decryptFailed();
}

/** @throws `UNSUPPORTED` naming what to do, for an account whose recovery slot cannot be re-sealed */
export function refuseV1Recovery(): never {
  throw new ZeroVaultError('UNSUPPORTED', 'the recovery key predates root-key rotation: create a new recovery key first (createRecoveryKey)');
}
