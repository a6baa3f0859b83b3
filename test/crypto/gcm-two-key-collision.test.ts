/**
 * The two-key AES-256-GCM collision (derived/aes256gcm_two_key_collision.json):
 * one (nonce, ciphertext || tag) that authenticates under two different keys,
 * to two different plaintexts.
 *
 * Plain GCM is not key-committing, so every backend must accept it under both
 * keys; this test pins that fact. It is the envelope layer's job to reject it:
 * the sealed-record format derives a key commitment from the DEK and checks
 * it before decrypting (DESIGN.md, "Sealed record v1"), and its own tests
 * must show this vector failing there.
 */
import { expect, test } from 'vitest';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';
import { BACKENDS, hex, lazy, makeBackend, report, toHexString } from './backends.js';

const FILE = 'derived/aes256gcm_two_key_collision.json';

interface Collision {
  key1: string;
  key2: string;
  iv: string;
  aad: string;
  ct: string;
  tag: string;
  pt_under_key1: string;
  pt_under_key2: string;
}

describeVectors('AES-256-GCM two-key collision (GCM is not key-committing)', FILE, () => {
  const vector = lazy(() => readVectorJson<Collision>(FILE));

  test('the vector really is two keys and two plaintexts', () => {
    const v = vector();
    expect(v.key1).not.toBe(v.key2);
    expect(v.pt_under_key1).not.toBe(v.pt_under_key2);
  });

  for (const [name, create] of BACKENDS) {
    test(`${name}: the same ciphertext opens under both keys`, async () => {
      const v = vector();
      const backend = makeBackend(name, create);
      const [iv, aad, sealed] = [hex(v.iv), hex(v.aad), hex(v.ct + v.tag)];
      let opened = 0;
      for (const [key, pt] of [
        [v.key1, v.pt_under_key1],
        [v.key2, v.pt_under_key2],
      ] as const) {
        const handle = await backend.importAesGcmKey(hex(key));
        expect(toHexString(await backend.aesGcmOpen(handle, iv, sealed, aad))).toBe(pt);
        // And sealing that plaintext reproduces the very same bytes.
        expect(toHexString(await backend.aesGcmSeal(handle, iv, hex(pt), aad))).toBe(v.ct + v.tag);
        opened++;
      }
      report('GCM two-key collision', name, { keysAccepting: opened });
      expect(opened).toBe(2);
    });
  }
});
