/**
 * Wycheproof HMAC-SHA-256 and HMAC-SHA-512 on every backend.
 *
 * Half the groups use truncated tags. Our API has no truncated MAC, so for
 * each case we compute the full HMAC and compare its prefix of the group's
 * tag size, with the constant-time `equal` callers must use: valid cases must
 * match, the modified-tag (invalid) cases must not.
 */
import { expect, test } from 'vitest';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';
import { HASH_LENGTH, type HashName } from '../../src/crypto/backend.js';
import { equal } from '../../src/crypto/bytes.js';
import { BACKENDS, hex, lazy, makeBackend, report } from './backends.js';

interface MacTest {
  tcId: number;
  key: string;
  msg: string;
  tag: string;
  result: 'valid' | 'invalid';
}

const SUITES: readonly { file: string; hash: HashName; expected: Record<string, number> }[] = [
  {
    file: 'wycheproof/hmac_sha256_test.json',
    hash: 'SHA-256',
    expected: { validFull: 33, validTruncated: 33, invalidFull: 54, invalidTruncated: 54 },
  },
  {
    file: 'wycheproof/hmac_sha512_test.json',
    hash: 'SHA-512',
    expected: { validFull: 33, validTruncated: 33, invalidFull: 54, invalidTruncated: 54 },
  },
];

for (const suite of SUITES) {
  describeVectors(`Wycheproof HMAC-${suite.hash}`, suite.file, () => {
    const vectors = lazy(() => readVectorJson<{ testGroups: { tagSize: number; tests: MacTest[] }[] }>(suite.file));

    for (const [name, create] of BACKENDS) {
      test(`${name}: valid tags match (full or as a prefix), modified tags do not`, () => {
        const { testGroups } = vectors();
        const backend = makeBackend(name, create);
        const counts = { validFull: 0, validTruncated: 0, invalidFull: 0, invalidTruncated: 0 };
        const failures: string[] = [];
        for (const group of testGroups) {
          const truncated = group.tagSize / 8 < HASH_LENGTH[suite.hash];
          for (const t of group.tests) {
            const full = backend.hmac(suite.hash, hex(t.key), hex(t.msg));
            if (full.length !== HASH_LENGTH[suite.hash]) failures.push(`tcId ${t.tcId}: output length ${full.length}`);
            const matches = equal(full.subarray(0, group.tagSize / 8), hex(t.tag));
            if (matches !== (t.result === 'valid')) {
              failures.push(`tcId ${t.tcId}: ${t.result} case ${matches ? 'matched' : 'did not match'}`);
              continue;
            }
            if (t.result === 'valid') counts[truncated ? 'validTruncated' : 'validFull']++;
            else counts[truncated ? 'invalidTruncated' : 'invalidFull']++;
          }
        }
        report(`Wycheproof HMAC-${suite.hash}`, name, counts);
        expect(failures).toEqual([]);
        expect(counts).toEqual(suite.expected);
      });
    }
  });
}
