/**
 * Wycheproof HKDF-SHA-256 and HKDF-SHA-512 on every backend, through the
 * one-shot `hkdf` and through `hkdfExtract` + `hkdfExpand` (they are separate
 * code paths on the node backend). The invalid cases ask for more than
 * 255·HashLen bytes and must be refused with INVALID_INPUT.
 */
import { expect, test } from 'vitest';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';
import type { HashName } from '../../src/crypto/backend.js';
import { BACKENDS, codeOf, hex, lazy, makeBackend, report, toHexString } from './backends.js';

interface HkdfTest {
  tcId: number;
  ikm: string;
  salt: string;
  info: string;
  size: number;
  okm: string;
  result: 'valid' | 'invalid';
}

const SUITES: readonly { file: string; hash: HashName; valid: number; invalid: number }[] = [
  { file: 'wycheproof/hkdf_sha256_test.json', hash: 'SHA-256', valid: 83, invalid: 3 },
  { file: 'wycheproof/hkdf_sha512_test.json', hash: 'SHA-512', valid: 80, invalid: 3 },
];

for (const suite of SUITES) {
  describeVectors(`Wycheproof HKDF-${suite.hash}`, suite.file, () => {
    const vectors = lazy(() => readVectorJson<{ testGroups: { tests: HkdfTest[] }[] }>(suite.file));

    for (const [name, create] of BACKENDS) {
      test(`${name}: one-shot and extract+expand match; oversize → INVALID_INPUT`, () => {
        const { testGroups } = vectors();
        const backend = makeBackend(name, create);
        const counts = { valid: 0, invalid: 0 };
        const failures: string[] = [];
        for (const group of testGroups) {
          for (const t of group.tests) {
            const [ikm, salt, info] = [hex(t.ikm), hex(t.salt), hex(t.info)];
            if (t.result === 'valid') {
              const oneShot = toHexString(backend.hkdf(suite.hash, ikm, salt, info, t.size));
              const prk = backend.hkdfExtract(suite.hash, salt, ikm);
              const twoStep = toHexString(backend.hkdfExpand(suite.hash, prk, info, t.size));
              if (oneShot === t.okm && twoStep === t.okm) counts.valid++;
              else failures.push(`tcId ${t.tcId}: okm mismatch (one-shot ${oneShot === t.okm}, two-step ${twoStep === t.okm})`);
            } else {
              const prk = backend.hkdfExtract(suite.hash, salt, ikm);
              const a = codeOf(() => backend.hkdf(suite.hash, ikm, salt, info, t.size));
              const b = codeOf(() => backend.hkdfExpand(suite.hash, prk, info, t.size));
              if (a === 'INVALID_INPUT' && b === 'INVALID_INPUT') counts.invalid++;
              else failures.push(`tcId ${t.tcId}: gave ${a} / ${b}`);
            }
          }
        }
        report(`Wycheproof HKDF-${suite.hash}`, name, counts);
        expect(failures).toEqual([]);
        expect(counts).toEqual({ valid: suite.valid, invalid: suite.invalid });
      });
    }
  });
}
