/**
 * The session's keyring kept in step with the store: re-read when another
 * device saved a newer one, saved with a retry when a write races.
 *
 * @module
 */
import type { Keyring } from '../../envelope/index.js';
import { ZeroVaultError } from '../../errors.js';
import type { BlobStore } from '../../store/types.js';
import { retryOnConflict } from '../retry.js';
import type { AccountKeys } from './keys.js';
import { loadOnDemand } from '../../crypto/lazy.js';
import type * as KeyringStore from './keyring-store.js';
import { KEYRING_ID, readMeta } from './meta.js';

/** The keyring record's code (`keyring-store.ts`), loaded with the first login. */
export function keyringStore(): Promise<typeof KeyringStore> {
  return loadOnDemand(() => import('./keyring-store.js'));
}

/**
 * Re-reads the keyring when the store holds a newer one than this session
 * (another device rotated a vault key or added a vault): one small read to
 * compare store versions, and an open only when they differ.
 * @returns whether the keyring changed
 * @throws `CLOSED`; `ROLLBACK` when the store lost the keyring or serves an older one than this session has seen
 */
export async function refreshKeyring(store: BlobStore, keys: AccountKeys): Promise<boolean> {
  const stored = await readMeta(store, KEYRING_ID);
  if (stored === null) throw new ZeroVaultError('ROLLBACK', 'the keyring disappeared from the store');
  const seen = keys.keyringState();
  if (stored.version === seen.version) return false;
  const { reloadKeyring } = await keyringStore();
  keys.setKeyring(await reloadKeyring(store, keys.rootKey(), seen.cv));
  return true;
}

/**
 * Applies `change` to the keyring and saves it at the next content version,
 * re-reading and retrying when another session saved first.
 * @throws `CLOSED`; `CONFLICT` when other devices keep winning; `ROLLBACK`
 */
export async function updateKeyring(store: BlobStore, keys: AccountKeys, change: (keyring: Keyring) => Keyring): Promise<void> {
  const { reloadKeyring, writeKeyring } = await keyringStore();
  await retryOnConflict(
    async () => {
      const seen = keys.keyringState();
      const next = change(seen.keyring);
      const version = await writeKeyring(store, keys.rootKey(), next, seen.cv + 1, seen.version);
      keys.setKeyring({ keyring: next, version, cv: seen.cv + 1 });
    },
    { reload: async () => keys.setKeyring(await reloadKeyring(store, keys.rootKey(), keys.keyringState().cv)) },
  );
}
