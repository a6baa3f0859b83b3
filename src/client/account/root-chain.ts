/**
 * Reading a meta record through the root-key chain (`formats/root-chain.ts`)
 * while a root-key rotation is unfinished: a record opens with an earlier
 * root key only when the chain (opened under the current root key by
 * `meta-record.ts`) lists its id with the SHA-256 of its exact stored
 * bytes. Loaded on demand, only when a record does not open under the
 * current root key.
 *
 * @module
 */
import { equal, wipe } from '../../crypto/bytes.js';
import { digest } from '../../crypto/kdf.js';
import { isZeroVaultError } from '../../errors.js';
import { decodeRootChain } from '../../formats/root-chain.js';

/**
 * Opens the record `id` (stored as `bytes`) with the earlier root key the
 * chain lists it under.
 * @param chain - the chain's plaintext (the caller wipes it)
 * @throws `failure` (the error of the first attempt) when the chain does not list these bytes, or they do not open
 */
export async function openThroughChain<T>(chain: Uint8Array, id: string, bytes: Uint8Array, open: (key: Uint8Array) => Promise<T>, failure: unknown): Promise<T> {
  const links = decodeRootChain(chain);
  const hash = digest('SHA-256', bytes);
  try {
    for (const link of links) {
      if (!link.records.some((r) => r.id === id && equal(r.digest, hash))) continue;
      try {
        return await open(link.rootKey);
      } catch (err) {
        if (!isZeroVaultError(err, 'DECRYPT_FAILED')) throw err;
      }
    }
    throw failure;
  } finally {
    wipe(...links.map((link) => link.rootKey));
  }
}
