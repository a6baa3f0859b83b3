/**
 * Code loaded on demand. Parts of the SDK a page rarely needs (P-256, the
 * sharing code, the pure-JS fallbacks) or needs only later (the OPAQUE
 * client) are imported with `import()`, which bundlers split into separate
 * files. Fetching such a file can fail: the device went offline, or a deploy
 * replaced the old chunks. Callers branch on `err.code`, so that failure is
 * `NETWORK`, with the runtime's error as `cause`, not a bare `TypeError`.
 *
 * @module
 */
import { ZeroVaultError, isZeroVaultError } from '../errors.js';

/**
 * Runs `load` (an `import()` of a module of ours or of a dependency) and
 * returns the module.
 *
 * @throws `NETWORK` when the module cannot be loaded; a `ZeroVaultError`
 *   from the module's own initialisation as it is
 */
export async function loadOnDemand<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    if (isZeroVaultError(cause)) throw cause;
    throw new ZeroVaultError('NETWORK', 'a part of zerovault could not be loaded', { cause });
  }
}
