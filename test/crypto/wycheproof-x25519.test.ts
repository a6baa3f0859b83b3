/**
 * Wycheproof X25519 (x25519_test.json) on every backend.
 *
 * Every case whose shared secret is all zeros (low-order or small public
 * keys) must be refused with INVALID_INPUT, as RFC 7748 §6.1 and RFC 9180
 * require; every other case, valid or "acceptable" (twist points,
 * non-canonical u-coordinates), must produce exactly the expected secret.
 */
import { expect, test } from 'vitest';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';
import { BACKENDS, codeOf, hex, lazy, makeBackend, report, toHexString } from './backends.js';

const FILE = 'wycheproof/x25519_test.json';

interface XdhTest {
  tcId: number;
  public: string;
  private: string;
  shared: string;
  result: 'valid' | 'acceptable' | 'invalid';
  flags: string[];
}

const EXPECTED = { valid: 264, acceptable: 223, zeroSharedRejected: 31 };

describeVectors('Wycheproof X25519', FILE, () => {
  const vectors = lazy(() => readVectorJson<{ numberOfTests: number; testGroups: { tests: XdhTest[] }[] }>(FILE));

  test('file holds 518 cases', () => {
    expect(vectors().numberOfTests).toBe(518);
  });

  for (const [name, create] of BACKENDS) {
    test(`${name}: shared secrets match; all-zero secret → INVALID_INPUT`, () => {
      const { testGroups } = vectors();
      const backend = makeBackend(name, create);
      const counts = { valid: 0, acceptable: 0, zeroSharedRejected: 0 };
      const failures: string[] = [];
      for (const group of testGroups) {
        for (const t of group.tests) {
          const [secretKey, publicKey] = [hex(t.private), hex(t.public)];
          if (/^(00)+$/.test(t.shared)) {
            const code = codeOf(() => backend.x25519(secretKey, publicKey));
            if (code === 'INVALID_INPUT') counts.zeroSharedRejected++;
            else failures.push(`tcId ${t.tcId} (${t.flags.join(',')}): zero secret gave ${code}`);
            continue;
          }
          let shared: string;
          try {
            shared = toHexString(backend.x25519(secretKey, publicKey));
          } catch (err) {
            failures.push(`tcId ${t.tcId} (${t.flags.join(',')}): threw ${String(err)}`);
            continue;
          }
          if (shared !== t.shared) failures.push(`tcId ${t.tcId}: shared secret mismatch`);
          else if (t.result === 'valid') counts.valid++;
          else if (t.result === 'acceptable') counts.acceptable++;
          else failures.push(`tcId ${t.tcId}: invalid case accepted`);
        }
      }
      report('Wycheproof X25519', name, counts);
      expect(failures).toEqual([]);
      expect(counts).toEqual(EXPECTED);
    });
  }
});
