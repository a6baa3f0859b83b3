/**
 * Root-key rotation (`session.rotateRootKey`): a new random root key; every
 * record sealed under the old one re-sealed; every unlock slot given the
 * new one. Order, so that a crash at any step leaves an account that opens
 * with the password and nothing half-made that opens more than before:
 *
 * 1. Read, under the old root key: the recovery slot's version (a v1 slot
 *    cannot be re-sealed: refused here, before any write), the passkey and
 *    device registries, and the list of meta records with the SHA-256 of
 *    each one's bytes.
 * 2. Write the root-key chain `root-prev` (`formats/root-chain.ts`) sealed
 *    under the **new** root key: the old root key and those digests. Nobody
 *    holds the new key yet, so it changes nothing.
 * 3. Register a new password credential (the same password, a new OPAQUE
 *    record, so a new export key) locally and add its slot entry, wrapping
 *    the new root key, beside the old entry.
 * 4. **Commit**: the server swaps the password record (and ends every other
 *    session of the account). Before, the password opens the old root key
 *    and every record opens under it; after, it opens the new one, and a
 *    record not re-sealed yet opens through the chain, only if its bytes
 *    are the listed ones (nothing sealed under the old key later is ever
 *    accepted). The session switches to the new root key; the old password
 *    entry goes (best effort).
 * 5. The other slots: the recovery slot (v2, `recovery-slot.ts`), every
 *    passkey slot (`resealPasskeySlot`), this device's slot and local check
 *    value; the account's other remembered devices are revoked
 *    (`devices/rotate.ts` says why). Until a slot is re-sealed it opens the
 *    old root key, and every record still opens under it, because
 * 6. the records are re-sealed only now, each at its next content version
 *    (conditional writes), the keyring last but like any other; then
 * 7. the chain is deleted.
 *
 * A crash after step 4 leaves the rotation unfinished, not broken: the
 * password opens everything (through the chain); calling `rotateRootKey`
 * again finishes it (a new root key, the unfinished chain carried over).
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import { isZeroVaultError } from '../../errors.js';
import { randomBytes } from '../../crypto/random.js';
import { decodeFrame } from '../../formats/frame.js';
import { MAX_CHAIN_KEYS, decodeRootChain, encodeRootChain, type ChainLink } from '../../formats/root-chain.js';
import { prepareCredential, submitCredential } from '../account/auth.js';
import { ROOT_CHAIN_ID, loadMeta, saveMeta } from '../account/meta-record.js';
import { META_VAULT, addSlotEntry, pruneSlot } from '../account/meta.js';
import type * as Devices from '../devices/index.js';
import type * as Passkeys from '../passkeys/index.js';
import { keyIdOf, wrapRoot } from '../account/slots.js';
import type { SessionState } from '../account/types.js';
import type { BlobStore } from '../../store/types.js';
import { recoveryState, refuseV1Recovery, resealRecoverySlots } from './recovery-slot.js';
import { resealRecord, snapshotMeta, type ListedRecord } from './reseal.js';

/** The links of an unfinished earlier rotation's chain under `rootKey` (none when it is missing, or sealed under another key). */
async function earlierLinks(store: BlobStore, rootKey: Uint8Array): Promise<ChainLink[]> {
  const loaded = await loadMeta(store, rootKey, ROOT_CHAIN_ID).catch((err: unknown) => {
    if (isZeroVaultError(err, 'DECRYPT_FAILED')) return null;
    throw err;
  });
  if (loaded === null) return [];
  try {
    return decodeRootChain(loaded.plaintext);
  } finally {
    wipe(loaded.plaintext);
  }
}

/** Writes the chain under the new root key, over whatever an earlier attempt left. */
async function writeChain(store: BlobStore, newRoot: Uint8Array, links: readonly ChainLink[]): Promise<void> {
  const existing = await store.get(META_VAULT, ROOT_CHAIN_ID);
  let cv = 1;
  if (existing !== null) {
    try {
      cv = decodeFrame(existing.data).contentVersion + 1;
    } catch {
      // Not a frame: overwritten at 1.
    }
  }
  await saveMeta(store, newRoot, ROOT_CHAIN_ID, cv, encodeRootChain(links), existing === null ? null : existing.version);
}

/** What a rotation works with: the session, and the device and passkey code (loaded by the session). */
export interface RotationInput {
  readonly session: SessionState;
  /** The password the session just logged in again with (the server's re-authentication window). */
  readonly password: string;
  readonly devices: { readonly code: typeof Devices; readonly host: Devices.DeviceHost };
  readonly passkeys: { readonly code: typeof Passkeys; readonly host: Passkeys.PasskeyHost };
  readonly signal: AbortSignal | undefined;
}

/**
 * Rotates the session's root key (module comment for the order).
 * @throws `UNSUPPORTED` for a v1 recovery slot (before any write); what the store and server throw
 */
export async function rotateRootKeyWith(input: RotationInput): Promise<void> {
  const { session: s, password, signal, devices, passkeys } = input;
  const { keys, store, userId, endpoint, settings } = s;
  const oldRoot = keys.rootKey().slice();
  const newRoot = randomBytes(32);
  let earlier: ChainLink[] = [];
  let committed = false;
  try {
    // 1. What the rotation needs, read under the old root key; refusals come before any write.
    if ((await recoveryState(store)) === 'v1') refuseV1Recovery();
    earlier = await earlierLinks(store, oldRoot);
    const registeredDevices = await devices.code.devicesBeforeRotation(devices.host);
    const registeredPasskeys = await passkeys.code.passkeysBeforeRotation(passkeys.host);
    const records = await snapshotMeta(store);
    // 2. The chain, under a key nobody holds yet.
    await writeChain(store, newRoot, [{ rootKey: oldRoot, records }, ...earlier].slice(0, MAX_CHAIN_KEYS));
    // 3 and 4. A new password credential wrapping the new root key; the server's swap commits.
    const prepared = await prepareCredential(endpoint, settings, userId, 'password', password, signal);
    try {
      await addSlotEntry(store, 'password', await wrapRoot('password', prepared.exportKey, newRoot));
      await submitCredential(endpoint, userId, 'password', prepared.record, { key: keys.signing(), signal });
      committed = true;
      keys.replaceRoot(newRoot);
      await pruneSlot(store, 'password', keyIdOf(prepared.exportKey));
    } finally {
      wipe(prepared.exportKey);
    }
    // 5. Every other slot gets the new root key while every record still opens under the old one.
    const oldRoots = [oldRoot, ...earlier.map((link) => link.rootKey)];
    await resealRecoverySlots(store, userId, oldRoots, newRoot);
    await passkeys.code.resealPasskeys(passkeys.host, registeredPasskeys);
    await devices.code.rotateDevices(devices.host, registeredDevices, s.deviceId);
    // 6. The records: the ones listed, and any this session wrote meanwhile.
    const ids = new Set([...records, ...(await snapshotMeta(store))].map((r: ListedRecord) => r.id));
    for (const id of ids) {
      const done = await resealRecord(store, id, oldRoots, newRoot);
      if (done.outcome === 'keyring') keys.setKeyring({ keyring: done.keyring, version: done.version, cv: done.cv });
    }
    // 7. Nothing is left under an old root key.
    await store.delete(META_VAULT, ROOT_CHAIN_ID);
  } catch (err) {
    if (!committed) wipe(newRoot);
    throw err;
  } finally {
    wipe(oldRoot, ...earlier.map((link) => link.rootKey));
  }
}
