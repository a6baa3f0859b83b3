/**
 * The root-key chain against `root-chain-v1.json` (encode == bytes, decode ==
 * links, one negative vector per parse error, every corruption typed), and
 * what it is for: while a rotation is unfinished, a meta record opens with
 * an earlier root key only if the chain lists its exact bytes, so a record
 * sealed under a leaked old key after the rotation began is refused.
 */
import { describe, expect, test } from 'vitest';
import { loadMeta, saveMeta } from '../../src/client/account/meta-record.js';
import { toHex } from '../../src/crypto/bytes.js';
import { digest } from '../../src/crypto/kdf.js';
import { randomBytes } from '../../src/crypto/random.js';
import { decodeRootChain, encodeRootChain } from '../../src/formats/root-chain.js';
import { memoryStore } from '../../src/store/memory.js';
import { bytes, checkInvalid, corruptions, readVectors, typedFailure, type InvalidBytes } from './helpers.js';

interface Vectors {
  valid: { name: string; links: { rootKey: string; records: { id: string; digest: string }[] }[]; bytes: string }[];
  invalid: InvalidBytes[];
}
const v = readVectors<Vectors>('root-chain-v1.json');

describe('root-key chain (root-chain-v1.json)', () => {
  test('encode, decode, negative vectors, corruptions', async () => {
    for (const golden of v.valid) {
      const links = golden.links.map((l) => ({ rootKey: bytes(l.rootKey), records: l.records.map((r) => ({ id: r.id, digest: bytes(r.digest) })) }));
      expect(toHex(encodeRootChain(links))).toBe(golden.bytes);
      expect(decodeRootChain(bytes(golden.bytes))).toEqual(links);
      for (const { what, bytes: bad } of corruptions(bytes(golden.bytes))) {
        try {
          expect(toHex(encodeRootChain(decodeRootChain(bad))), what).toBe(toHex(bad));
        } catch {
          expect(['INVALID_INPUT', 'UNSUPPORTED'], what).toContain(await typedFailure(() => decodeRootChain(bad), what));
        }
      }
    }
    await checkInvalid(v.invalid, decodeRootChain);
  });

  test('only the listed bytes open with the earlier key', async () => {
    const store = memoryStore();
    const oldRoot = randomBytes(32);
    const newRoot = randomBytes(32);
    await saveMeta(store, oldRoot, 'pins', 3, new TextEncoder().encode('listed'), null);
    const listed = (await store.get('_zv', 'pins'))?.data as Uint8Array;
    await saveMeta(store, newRoot, 'root-prev', 1, encodeRootChain([{ rootKey: oldRoot, records: [{ id: 'pins', digest: digest('SHA-256', listed) }] }]), null);
    expect(new TextDecoder().decode((await loadMeta(store, newRoot, 'pins'))?.plaintext)).toBe('listed');
    // Whoever holds the old key writes a new version under it: refused, though it opens under that key.
    await saveMeta(store, oldRoot, 'pins', 4, new TextEncoder().encode('forged'), 1);
    await expect(loadMeta(store, newRoot, 'pins')).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    expect(new TextDecoder().decode((await loadMeta(store, oldRoot, 'pins'))?.plaintext)).toBe('forged');
    // A record the chain does not name at all: refused too; and with no chain, nothing opens through it.
    await saveMeta(store, oldRoot, 'manifest.x', 1, new Uint8Array([1]), null);
    await expect(loadMeta(store, newRoot, 'manifest.x')).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    await store.put('_zv', 'pins', listed);
    await store.delete('_zv', 'root-prev');
    await expect(loadMeta(store, newRoot, 'pins')).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });
});
