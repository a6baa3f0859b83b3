/**
 * The meta records a root-key rotation re-seals: every framed record of the
 * reserved vault `_zv` (the keyring, the device and passkey registries,
 * pins, manifests, and whatever a later module keeps there with
 * `meta-record.ts`), found by listing the vault rather than by a list of
 * names, so a new kind of record cannot be forgotten. Unlock slots are not
 * sealed under the root key this way; each has its own re-sealing.
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import { digest } from '../../crypto/kdf.js';
import { openKeyring, openRecord, sealKeyring, sealRecord, type Keyring } from '../../envelope/index.js';
import { isZeroVaultError } from '../../errors.js';
import { decodeFrame, encodeFrame } from '../../formats/frame.js';
import type { BlobStore } from '../../store/types.js';
import { KEYRING_ID, META_VAULT, SLOT_IDS } from '../account/meta.js';
import { ROOT_CHAIN_ID } from '../account/meta-record.js';
import { retryOnConflict } from '../retry.js';
import { RECOVERY_NEXT_ID } from './recovery-slot.js';

const ROOT_KEK = { id: 'root', version: 1 } as const;
// Slots (their own formats and re-sealing) and the chain itself.
const NOT_SEALED = new Set<string>([SLOT_IDS.password, SLOT_IDS.recovery, RECOVERY_NEXT_ID, ROOT_CHAIN_ID]);
const NOT_SEALED_PREFIXES = ['passkey-slot.', 'device-slot.'];

/** A record as the rotation found it: its id and the SHA-256 of its stored bytes. */
export interface ListedRecord {
  readonly id: string;
  readonly digest: Uint8Array;
}

/** Every framed meta record of the account now, with the digest of its bytes (what the chain lists). */
export async function snapshotMeta(store: BlobStore): Promise<ListedRecord[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await store.list(META_VAULT, after === undefined ? { limit: 1000 } : { after, limit: 1000 });
    for (const item of page.items) if (!NOT_SEALED.has(item.id) && !NOT_SEALED_PREFIXES.some((p) => item.id.startsWith(p))) ids.push(item.id);
    after = page.next;
  } while (after !== undefined);
  const found: ListedRecord[] = [];
  for (const id of ids) {
    const stored = await store.get(META_VAULT, id);
    if (stored === null) continue;
    try {
      decodeFrame(stored.data);
    } catch {
      continue;
    }
    found.push({ id, digest: digest('SHA-256', stored.data) });
  }
  return found;
}

/** One record's content, opened: the keyring, or any other record's plaintext. */
type Opened = { readonly keyring: Keyring } | { readonly plaintext: Uint8Array };

async function openWith(id: string, cv: number, sealed: Uint8Array, key: Uint8Array): Promise<Opened> {
  if (id === KEYRING_ID) return { keyring: await openKeyring({ root: { ...ROOT_KEK, key }, owner: META_VAULT, version: cv, sealed }) };
  return { plaintext: await openRecord({ kek: { ...ROOT_KEK, key }, vaultId: META_VAULT, recordId: id, version: cv, sealed }) };
}

async function sealWith(id: string, cv: number, opened: Opened, key: Uint8Array): Promise<Uint8Array> {
  if ('keyring' in opened) return sealKeyring({ root: { ...ROOT_KEK, key }, owner: META_VAULT, version: cv, keyring: opened.keyring });
  return sealRecord({ kek: { ...ROOT_KEK, key }, vaultId: META_VAULT, recordId: id, version: cv, plaintext: opened.plaintext });
}

function wipeOpened(opened: Opened): void {
  if ('plaintext' in opened) wipe(opened.plaintext);
  else wipe(opened.keyring.x25519.secretKey, opened.keyring.ed25519.secretKey, ...opened.keyring.keks.map((k) => k.key));
}

/** What re-sealing one record did; for the keyring, its new state (the session adopts it). */
export type Resealed = { readonly outcome: 'resealed' | 'current' | 'gone' | 'unreadable' } | { readonly outcome: 'keyring'; readonly keyring: Keyring; readonly version: number; readonly cv: number };

/**
 * Re-seals the record `id` under `newRoot` at the next content version,
 * opening it with the first of `oldRoots` that does (conditional write,
 * retried when another session wrote in between). A record that already
 * opens under `newRoot` stays; one that opens under none is left as it is
 * (`unreadable`: never sealed under this account's keys, or written under
 * an old key by someone else).
 */
export async function resealRecord(store: BlobStore, id: string, oldRoots: readonly Uint8Array[], newRoot: Uint8Array): Promise<Resealed> {
  return retryOnConflict(async () => {
    const stored = await store.get(META_VAULT, id);
    if (stored === null) return { outcome: 'gone' };
    const { contentVersion: cv, sealed } = decodeFrame(stored.data);
    try {
      wipeOpened(await openWith(id, cv, sealed, newRoot));
      return { outcome: 'current' };
    } catch (err) {
      if (!isZeroVaultError(err, 'DECRYPT_FAILED')) throw err;
    }
    for (const key of oldRoots) {
      let opened: Opened;
      try {
        opened = await openWith(id, cv, sealed, key);
      } catch (err) {
        if (isZeroVaultError(err, 'DECRYPT_FAILED')) continue;
        throw err;
      }
      let handedOver = false;
      try {
        const resealed = await sealWith(id, cv + 1, opened, newRoot);
        const { version } = await store.put(META_VAULT, id, encodeFrame(cv + 1, resealed), { ifVersion: stored.version });
        if ('keyring' in opened) {
          handedOver = true;
          return { outcome: 'keyring', keyring: opened.keyring, version, cv: cv + 1 };
        }
        return { outcome: 'resealed' };
      } finally {
        if (!handedOver) wipeOpened(opened);
      }
    }
    return { outcome: 'unreadable' };
  });
}
