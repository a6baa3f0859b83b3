/**
 * A store of the app's own, behind the SDK: whatever it throws that is not a
 * `ZeroVaultError` becomes `STORAGE` with the original as `cause`, so callers
 * branch on one set of codes and no foreign message (which may hold paths,
 * SQL or user data) becomes the SDK's.
 *
 * @module
 */
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import type { BlobStore, PutManyEntry } from '../store/types.js';

function wrap(cause: unknown): ZeroVaultError {
  return isZeroVaultError(cause) ? cause : new ZeroVaultError('STORAGE', 'the store failed', { cause });
}

/** `store` with its foreign errors mapped to `STORAGE` (see the module comment). */
export function guardedStore(store: BlobStore): BlobStore {
  if (typeof store !== 'object' || store === null) throw new ZeroVaultError('INVALID_INPUT', 'store must be a BlobStore');
  for (const method of ['get', 'put', 'delete', 'list'] as const) {
    if (typeof store[method] !== 'function') throw new ZeroVaultError('INVALID_INPUT', `store.${method} must be a function`);
  }
  // Plain promise chaining rather than an async wrapper: this sits on every store call.
  const call = <T>(run: () => Promise<T>): Promise<T> => {
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(run());
    } catch (err) {
      return Promise.reject(wrap(err));
    }
    return pending.then(undefined, (err: unknown) => {
      throw wrap(err);
    });
  };
  return {
    get: (vault, id) => call(() => store.get(vault, id)),
    put: (vault, id, data, options) => call(() => store.put(vault, id, data, options)),
    delete: (vault, id, options) => call(() => store.delete(vault, id, options)),
    list: (vault, options) => call(() => store.list(vault, options)),
    ...(store.getMany === undefined ? {} : { getMany: (vault: string, ids: readonly string[]) => call(async () => (await store.getMany?.(vault, ids)) ?? []) }),
    ...(store.putMany === undefined ? {} : { putMany: (vault: string, entries: readonly PutManyEntry[]) => call(async () => (await store.putMany?.(vault, entries)) ?? []) }),
  };
}
