/**
 * NIST CAVP GCMVS, AES-256 with 96-bit IVs (cavp_gcm256_iv96.json), on every
 * backend: encryption and decryption, including the FAIL cases.
 *
 * Only 128-bit tags are in scope. For the shorter tag lengths our API has no
 * way to produce or accept a truncated tag: `ct || shortTag` must be refused
 * with DECRYPT_FAILED (the last 16 bytes are not a valid tag). On encryption
 * we still check that our full tag starts with NIST's truncated one, which
 * proves the computation for those cases too.
 */
import { expect, test } from 'vitest';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';
import type { Backend } from '../../src/crypto/backend.js';
import { BACKENDS, asyncCodeOf, hex, lazy, makeBackend, prefixedSealOf, report, toHexString } from './backends.js';

const FILE = 'nist-cavp/gcm/cavp_gcm256_iv96.json';

interface CavpTest {
  count: number;
  result: 'valid' | 'invalid';
  key: string;
  iv: string;
  pt?: string;
  aad: string;
  ct: string;
  tag: string;
}
interface CavpGroup {
  keyLen: number;
  ivLen: number;
  ptLen: number;
  aadLen: number;
  tagLen: number;
  tests: CavpTest[];
}

// Exact counts for the pinned file (2625 encrypt + 2625 decrypt cases).
const EXPECTED = {
  encryptFullTag: 375,
  encryptShortTagPrefixMatches: 2250,
  encryptShortTagRejected: 2250,
  decryptFullTagValid: 184,
  decryptFullTagFail: 191,
  decryptShortTagRejected: 2250,
  decryptShortTagPrefixMatches: 1124,
};

describeVectors('NIST CAVP AES-256-GCM (96-bit IV)', FILE, () => {
  const vectors = lazy(() => readVectorJson<{ encrypt: CavpGroup[]; decrypt: CavpGroup[] }>(FILE));

  test('file holds 2625 encrypt and 2625 decrypt cases, all AES-256 with 96-bit IVs', () => {
    const data = vectors();
    for (const dir of [data.encrypt, data.decrypt]) {
      expect(dir.reduce((n, g) => n + g.tests.length, 0)).toBe(2625);
      expect(dir.every((g) => g.keyLen === 256 && g.ivLen === 96)).toBe(true);
    }
  });

  for (const [name, create] of BACKENDS) {
    test(`${name}: encrypt and decrypt, 128-bit tags exact, shorter tags refused`, async () => {
      const data = vectors();
      const backend: Backend = makeBackend(name, create);
      const prefixed = prefixedSealOf(backend);
      const counts = {
        encryptFullTag: 0,
        encryptShortTagPrefixMatches: 0,
        encryptShortTagRejected: 0,
        decryptFullTagValid: 0,
        decryptFullTagFail: 0,
        decryptShortTagRejected: 0,
        decryptShortTagPrefixMatches: 0,
      };
      const failures: string[] = [];

      for (const group of data.encrypt) {
        for (const t of group.tests) {
          const id = `encrypt tagLen ${group.tagLen} ptLen ${group.ptLen} aadLen ${group.aadLen} count ${t.count}`;
          const key = await backend.importAesGcmKey(hex(t.key));
          const out = toHexString(await backend.aesGcmSeal(key, hex(t.iv), hex(t.pt ?? ''), hex(t.aad)));
          if (group.tagLen === 128) {
            if (out === t.ct + t.tag) counts.encryptFullTag++;
            else failures.push(`${id}: seal mismatch`);
            if (prefixed !== undefined && toHexString(prefixed(key, hex(t.iv), hex(t.pt ?? ''), hex(t.aad))) !== t.iv + t.ct + t.tag) {
              failures.push(`${id}: prefixed seal mismatch`);
            }
            continue;
          }
          if (out.startsWith(t.ct + t.tag)) counts.encryptShortTagPrefixMatches++;
          else failures.push(`${id}: ciphertext or tag prefix mismatch`);
          const code = await asyncCodeOf(() => backend.aesGcmOpen(key, hex(t.iv), hex(t.ct + t.tag), hex(t.aad)));
          if (code === 'DECRYPT_FAILED') counts.encryptShortTagRejected++;
          else failures.push(`${id}: truncated tag gave ${code}`);
        }
      }

      for (const group of data.decrypt) {
        for (const t of group.tests) {
          const id = `decrypt tagLen ${group.tagLen} ptLen ${group.ptLen} aadLen ${group.aadLen} count ${t.count}`;
          const key = await backend.importAesGcmKey(hex(t.key));
          const iv = hex(t.iv);
          const aad = hex(t.aad);
          const sealed = hex(t.ct + t.tag);
          if (group.tagLen === 128 && t.result === 'valid') {
            const opened = await backend.aesGcmOpen(key, iv, sealed, aad).catch((err: unknown) => err);
            if (opened instanceof Uint8Array && toHexString(opened) === t.pt) counts.decryptFullTagValid++;
            else failures.push(`${id}: open mismatch`);
            continue;
          }
          const code = await asyncCodeOf(() => backend.aesGcmOpen(key, iv, sealed, aad));
          if (code !== 'DECRYPT_FAILED') {
            failures.push(`${id}: ${t.result} case gave ${code}`);
            continue;
          }
          if (group.tagLen === 128) {
            counts.decryptFullTagFail++;
            continue;
          }
          counts.decryptShortTagRejected++;
          // A NIST-valid truncated case: our full tag over its plaintext must start with NIST's tag.
          if (t.result === 'valid' && t.pt !== undefined) {
            const resealed = toHexString(await backend.aesGcmSeal(key, iv, hex(t.pt), aad));
            if (resealed.startsWith(t.ct + t.tag)) counts.decryptShortTagPrefixMatches++;
            else failures.push(`${id}: full tag does not extend the truncated one`);
          }
        }
      }

      report('NIST CAVP GCM-256', name, counts);
      expect(failures).toEqual([]);
      expect(counts).toEqual(EXPECTED);
    });
  }
});
