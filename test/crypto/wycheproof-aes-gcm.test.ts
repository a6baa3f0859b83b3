/**
 * Wycheproof AES-GCM (aes_gcm_test.json) on every backend.
 *
 * Our API is AES-256-GCM with 96-bit nonces and 128-bit tags only. In that
 * scope every valid case must seal and open byte for byte and every invalid
 * case must fail with DECRYPT_FAILED. Every other parameter set (128/192-bit
 * keys, other nonce lengths) must be refused with INVALID_INPUT before any
 * crypto, whether Wycheproof calls the case valid or not.
 */
import { expect, test } from 'vitest';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';
import { BACKENDS, asyncCodeOf, codeOf, hex, lazy, makeBackend, prefixedSealOf, report, toHexString } from './backends.js';

const FILE = 'wycheproof/aes_gcm_test.json';

interface GcmTest {
  tcId: number;
  key: string;
  iv: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface GcmGroup {
  keySize: number;
  ivSize: number;
  tagSize: number;
  tests: GcmTest[];
}

// Exact counts for the pinned file: a changed file or a skipped branch shows up here.
const EXPECTED = {
  total: 316,
  inScopeValid: 39,
  inScopeInvalid: 27,
  outOfScopeKeySize: 211,
  outOfScopeNonceSize: 39,
  // Of all the above, the cases Wycheproof marks invalid (in and out of scope).
  invalidRejected: 87,
};

describeVectors('Wycheproof AES-GCM', FILE, () => {
  const vectors = lazy(() => readVectorJson<{ numberOfTests: number; testGroups: GcmGroup[] }>(FILE));

  test('file holds the expected number of cases', () => {
    const { numberOfTests, testGroups } = vectors();
    expect(numberOfTests).toBe(EXPECTED.total);
    expect(testGroups.reduce((n, g) => n + g.tests.length, 0)).toBe(EXPECTED.total);
  });

  for (const [name, create] of BACKENDS) {
    test(`${name}: in scope exact, invalid → DECRYPT_FAILED, out of scope → INVALID_INPUT`, async () => {
      const { testGroups } = vectors();
      const backend = makeBackend(name, create);
      // A backend's synchronous fast paths (node) must give the same bytes and errors as its async members.
      const prefixed = prefixedSealOf(backend);
      const openSync = backend.aesGcmOpenSync?.bind(backend);
      const counts = { inScopeValid: 0, inScopeInvalid: 0, outOfScopeKeySize: 0, outOfScopeNonceSize: 0, invalidRejected: 0 };
      const failures: string[] = [];

      for (const group of testGroups) {
        for (const t of group.tests) {
          const key = hex(t.key);
          const iv = hex(t.iv);
          const aad = hex(t.aad);
          const msg = hex(t.msg);
          const sealed = hex(t.ct + t.tag);
          const id = `tcId ${t.tcId}`;

          if (group.keySize !== 256) {
            counts.outOfScopeKeySize++;
            const code = await asyncCodeOf(() => backend.importAesGcmKey(key));
            if (code !== 'INVALID_INPUT') failures.push(`${id}: ${group.keySize}-bit key import gave ${code}`);
            else if (t.result === 'invalid') counts.invalidRejected++;
            continue;
          }

          const handle = await backend.importAesGcmKey(key);
          if (group.ivSize !== 96 || group.tagSize !== 128) {
            counts.outOfScopeNonceSize++;
            const sealCode = await asyncCodeOf(() => backend.aesGcmSeal(handle, iv, msg, aad));
            const openCode = await asyncCodeOf(() => backend.aesGcmOpen(handle, iv, sealed, aad));
            if (prefixed !== undefined) {
              const code = codeOf(() => prefixed(handle, iv, msg, aad));
              if (code !== 'INVALID_INPUT') failures.push(`${id}: ${group.ivSize}-bit nonce gave prefixed seal ${code}`);
            }
            if (sealCode !== 'INVALID_INPUT' || openCode !== 'INVALID_INPUT') {
              failures.push(`${id}: ${group.ivSize}-bit nonce gave seal ${sealCode}, open ${openCode}`);
            } else if (t.result === 'invalid') counts.invalidRejected++;
            continue;
          }

          const out = await backend.aesGcmSeal(handle, iv, msg, aad);
          if (t.result === 'valid') {
            counts.inScopeValid++;
            if (toHexString(out) !== t.ct + t.tag) failures.push(`${id}: seal mismatch`);
            if (prefixed !== undefined && toHexString(prefixed(handle, iv, msg, aad)) !== t.iv + t.ct + t.tag) {
              failures.push(`${id}: prefixed seal mismatch`);
            }
            const opened = await backend.aesGcmOpen(handle, iv, sealed, aad).catch((err: unknown) => err);
            if (!(opened instanceof Uint8Array) || toHexString(opened) !== t.msg) failures.push(`${id}: open mismatch`);
            if (prefixed !== undefined && toHexString(prefixed(key, iv, msg, aad)) !== t.iv + t.ct + t.tag) failures.push(`${id}: prefixed seal (raw key) mismatch`);
            if (openSync !== undefined) {
              for (const k of [handle, key]) if (toHexString(openSync(k, iv, sealed, aad)) !== t.msg) failures.push(`${id}: sync open mismatch`);
            }
          } else {
            counts.inScopeInvalid++;
            // Seal computes the genuine tag, so it must differ from the modified one.
            if (toHexString(out) === t.ct + t.tag) failures.push(`${id}: seal reproduced an invalid tag`);
            const code = await asyncCodeOf(() => backend.aesGcmOpen(handle, iv, sealed, aad));
            if (openSync !== undefined && codeOf(() => openSync(key, iv, sealed, aad)) !== 'DECRYPT_FAILED') failures.push(`${id}: sync open accepted an invalid case`);
            if (code !== 'DECRYPT_FAILED') failures.push(`${id}: invalid case gave ${code}`);
            else counts.invalidRejected++;
          }
        }
      }

      report('Wycheproof AES-GCM', name, counts);
      expect(failures).toEqual([]);
      const { total: _total, ...expected } = EXPECTED;
      expect(counts).toEqual(expected);
    });
  }
});
