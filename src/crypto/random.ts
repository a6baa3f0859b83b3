/**
 * Cryptographic randomness from the platform CSPRNG (`crypto.getRandomValues`,
 * present in every runtime we support, Node 20 included). Read lazily so that
 * importing this module never touches a global.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';

/** The largest request `getRandomValues` allows at once. */
const QUOTA = 65536;

/**
 * `length` bytes from the platform CSPRNG.
 *
 * @throws ZeroVaultError `UNSUPPORTED` when the runtime has no CSPRNG
 */
export function randomBytes(length: number): Uint8Array {
  const source = globalThis.crypto;
  if (source === undefined || typeof source.getRandomValues !== 'function') {
    throw new ZeroVaultError('UNSUPPORTED', 'no cryptographically secure random source (crypto.getRandomValues)');
  }
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += QUOTA) {
    source.getRandomValues(out.subarray(offset, Math.min(length, offset + QUOTA)));
  }
  return out;
}
