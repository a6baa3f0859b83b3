/**
 * Maintenance passes over every record of a vault: re-wrapping DEKs under a
 * new KEK version (rotation, revocation) and replacing record signatures
 * (the first share, adopting a revoked writer's records). Payloads are
 * never re-encrypted.
 *
 * @module
 */
import { decodeRecordHeader } from '../../envelope/format.js';
import { rewrapRecord } from '../../envelope/record.js';
import { ZeroVaultError } from '../../errors.js';
import { decodeFrame, encodeFrame, type Frame } from '../../formats/frame.js';
import { retryOnConflict } from '../retry.js';
import type { VaultCore } from './core.js';
import { MEMBERS_ID } from './names.js';
import type { PassOptions, RotateOptions } from './types.js';
import { recordEvent } from '../log/append.js';

/** Extra passes {@link rewrapThenDrop} makes, looking for writes that raced the first one. */
export const SWEEPS = 8;
const PAGE = 100;

/**
 * Visits every record: re-wraps it under `options.to` and/or replaces its signature.
 * @returns how many records were re-wrapped
 */
export async function pass(core: VaultCore, options: PassOptions): Promise<number> {
  let done = 0;
  let total = 0;
  let after: string | undefined;
  for (;;) {
    const page = await core.host.store.list(core.name, { ...(after === undefined ? {} : { after }), limit: PAGE });
    for (const item of page.items) {
      if (item.id === MEMBERS_ID) continue;
      if (await maintain(core, item.id, options, () => total++)) {
        done++;
        options.onProgress?.({ done, total });
      }
    }
    if (page.next === undefined) return done;
    after = page.next;
  }
}

/** One record of a pass. @returns whether it was re-wrapped */
async function maintain(core: VaultCore, id: string, options: PassOptions, found: () => void): Promise<boolean> {
  const to = options.to;
  // Someone wrote the record meanwhile: look again (it may already be under the new KEK).
  return retryOnConflict(async (attempt) => {
    const stored = await core.host.store.get(core.name, id);
    if (stored === null) return false;
    // A record that does not even parse (junk a writer stored, or a store fault) cannot be
    // re-wrapped or re-signed, and readers reject it anyway: skip it rather than let one
    // bad record stop every rotation and revocation of the vault.
    let parsed: Frame;
    let header: { kekId: string; kekVersion: number };
    try {
      parsed = decodeFrame(stored.data);
      header = decodeRecordHeader(parsed.sealed);
    } catch {
      options.onSkip?.(id);
      return false;
    }
    const { contentVersion, sealed } = parsed;
    const rewrap = to !== undefined && !(header.kekVersion === to.version && header.kekId === to.id);
    const signature = options.resign?.(id, parsed);
    if (!rewrap && signature === undefined) return false;
    if (rewrap && attempt === 0) found();
    let next = sealed;
    if (rewrap) {
      const from = core.host.keyring().keks.find((k) => k.id === header.kekId && k.version === header.kekVersion);
      if (from === undefined) {
        // Names a key this vault never had: not ours to re-wrap (readers cannot open it either).
        options.onSkip?.(id);
        return false;
      }
      next = await rewrapRecord({ sealed, from, to, vaultId: core.name, recordId: id, version: contentVersion });
    }
    const { version } = await core.host.store.put(core.name, id, encodeFrame(contentVersion, next, signature ?? parsed.signature), { ifVersion: stored.version });
    core.moved(id, contentVersion, version);
    return rewrap;
  });
}

/**
 * Re-wraps every record under `options.to`, then drops the vault's other
 * KEK versions, for rotation and revocation alike. Another device may seal
 * under an old version while a pass runs (it re-reads the keyring before
 * each write, so only a write already in flight can): passes repeat until
 * one finds nothing left under an old version, and only then are the old
 * versions dropped, so no acknowledged write becomes unreadable.
 *
 * @returns how many records were re-wrapped
 * @throws `CONFLICT` when writes under old versions keep arriving for
 *   {@link SWEEPS} passes: nothing is dropped, every record still opens, and
 *   the next rotation (or revocation) finishes the job
 */
export async function rewrapThenDrop(core: VaultCore, options: PassOptions): Promise<number> {
  let rewrapped = await pass(core, options);
  const { onProgress: _firstPassOnly, ...again } = options;
  let clean = false;
  for (let sweep = 0; sweep < SWEEPS && !clean; sweep++) {
    const late = await pass(core, again);
    rewrapped += late;
    clean = late === 0;
  }
  if (!clean) throw new ZeroVaultError('CONFLICT', 'records kept arriving under an old key version; nothing was dropped, rotate again');
  // Rows of `vault.documents` live in the app's database: their sweep decides when the old versions go.
  if (options.keepOldKeys !== true) await core.host.dropOldKeks(core.name);
  // Every record is under the new key now: the account's security log records the rotation.
  await recordEvent(core.host.sharing.log, 'vault_rotated', core.name);
  return rewrapped;
}

/**
 * `Vault.rotate` after its checks: adds a KEK version (unless a rotation
 * left one in place), re-wraps every record under it, then drops the old
 * versions (unless `keepOldKeys`).
 */
export async function rotate(core: VaultCore, options: RotateOptions): Promise<{ rewrapped: number; kekVersion: number }> {
  const versions = core.host.keyring().keks.filter((k) => k.id === core.name);
  const active = versions.length > 1 ? core.activeKek() : await core.host.addKekVersion(core.name);
  const { onSkip, onProgress, keepOldKeys } = options;
  return { rewrapped: await rewrapThenDrop(core, { to: active, onSkip, onProgress, keepOldKeys }), kekVersion: active.version };
}
