/**
 * The outside-vectors helper itself: a missing file fails under `CI=true` and
 * skips loudly elsewhere, never passing silently. Every check runs against an
 * injected environment and a temporary folder, so neither the real vectors
 * nor `process.env` are touched.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { assertVectorsPresent, checkVectors, describeVectors, hasVector, readVectorJson, vectorsDir, type VectorsOptions } from './vectors.js';

// A vectors folder holding one file, built at collection time because
// describeVectors decides at collection time.
const dir = mkdtempSync(join(tmpdir(), 'zerovault-vectors-'));
mkdirSync(join(dir, 'suite'));
writeFileSync(join(dir, 'suite/present.json'), '{"answer":42}');
const absent = join(dir, 'no-such-folder');

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const at = (folder: string, ci?: string): VectorsOptions => ({ env: { ZEROVAULT_VECTORS: folder, ...(ci === undefined ? {} : { CI: ci }) } });

describe('checkVectors', () => {
  test('a missing file under CI=true is a failure, and the stand-in test throws naming the file', () => {
    const check = checkVectors('suite/missing.json', at(dir, 'true'));
    expect(check).toMatchObject({ outcome: 'fail', missing: ['suite/missing.json'] });
    expect(() => assertVectorsPresent(check)).toThrow(/"suite\/missing\.json" not found \(set ZEROVAULT_VECTORS/);
  });

  test('a missing vectors folder under CI=true is a failure', () => {
    const check = checkVectors('suite/present.json', at(absent, 'true'));
    expect(check).toMatchObject({ outcome: 'fail', missing: ['suite/present.json'] });
    expect(() => assertVectorsPresent(check)).toThrow(/not found/);
    expect(vectorsDir(at(absent, 'true'))).toBeUndefined();
  });

  test('a missing file outside CI is a skip with a reason (CI unset, or anything but "true")', () => {
    for (const ci of [undefined, 'false', '1', '']) {
      const check = checkVectors('suite/missing.json', at(dir, ci));
      expect(check, `CI=${String(ci)}`).toMatchObject({ outcome: 'skip', missing: ['suite/missing.json'] });
      expect(check.outcome !== 'run' && check.reason, `CI=${String(ci)}`).toMatch(/"suite\/missing\.json" not found/);
      expect(() => assertVectorsPresent(check)).not.toThrow();
    }
  });

  test('present files run, under CI and outside it; of several files only the missing ones are named', () => {
    expect(checkVectors('suite/present.json', at(dir, 'true'))).toEqual({ outcome: 'run' });
    expect(checkVectors(['suite/present.json'], at(dir))).toEqual({ outcome: 'run' });
    expect(checkVectors(['suite/present.json', 'suite/missing.json', 'other.txt'], at(dir, 'true'))).toMatchObject({
      outcome: 'fail',
      missing: ['suite/missing.json', 'other.txt'],
    });
  });

  test('without ZEROVAULT_VECTORS the default folder is used', () => {
    expect(hasVector('suite/present.json', { env: {}, defaultDir: dir })).toBe(true);
    expect(checkVectors('suite/present.json', { env: { CI: 'true' }, defaultDir: absent })).toMatchObject({ outcome: 'fail' });
    // ZEROVAULT_VECTORS wins over the default folder.
    expect(hasVector('suite/present.json', { env: { ZEROVAULT_VECTORS: absent }, defaultDir: dir })).toBe(false);
  });
});

describe('describeVectors', () => {
  let missingBodyRan = false;
  let presentBodyRan = false;
  // Outside CI a missing file registers one skipped stand-in (and warns); the
  // body, which may read the file at collection time, is never called.
  describeVectors(
    'probe with a missing file (an expected skip of the helper test)',
    'suite/missing.json',
    () => {
      missingBodyRan = true;
    },
    at(dir),
  );
  describeVectors(
    'probe with a present file',
    'suite/present.json',
    () => {
      presentBodyRan = true;
      const value = readVectorJson<{ answer: number }>('suite/present.json', at(dir));
      test('the body runs and reads the file', () => {
        expect(value.answer).toBe(42);
      });
    },
    at(dir, 'true'),
  );

  test('the body runs only when the vectors are present', () => {
    expect({ missingBodyRan, presentBodyRan }).toEqual({ missingBodyRan: false, presentBodyRan: true });
  });
});
