/**
 * The constant-time argument of src/crypto/ristretto-mul.ts, checked: the
 * sequence of field operations (by name, in order) that one scalar
 * multiplication performs is the same for every scalar. The field module is
 * wrapped with a recorder for this file only; values are not recorded, just
 * which operation ran. Together with field25519.ts having no branch or index
 * on a value, this is the whole timing surface the scalar can reach.
 */
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { expect, test, vi } from 'vitest';
import type * as Field from '../../src/crypto/field25519.js';
import { multiplyBaseToBytes, multiplyToBytes } from '../../src/crypto/ristretto-mul.js';

const trace = vi.hoisted((): string[] => []);

vi.mock('../../src/crypto/field25519.js', async (importOriginal) => {
  const real = await importOriginal<typeof Field>();
  function recorded<A extends unknown[], R>(name: string, f: (...args: A) => R): (...args: A) => R {
    return (...args) => {
      trace.push(name);
      return f(...args);
    };
  }
  return {
    ...real,
    add: recorded('add', real.add),
    copy: recorded('copy', real.copy),
    equal: recorded('equal', real.equal),
    isNegative: recorded('isNegative', real.isNegative),
    mul: recorded('mul', real.mul),
    neg: recorded('neg', real.neg),
    select: recorded('select', real.select),
    sqr: recorded('sqr', real.sqr),
    sub: recorded('sub', real.sub),
    toBytes: recorded('toBytes', real.toBytes),
  };
});

const { Fn } = ristretto255.Point;

function traceOf(point: { x: bigint; y: bigint }, k: bigint): string[] {
  trace.length = 0;
  multiplyToBytes(point, Fn.toBytes(k));
  return [...trace];
}

function baseTraceOf(k: bigint): string[] {
  trace.length = 0;
  multiplyBaseToBytes(Fn.toBytes(k));
  return [...trace];
}

test('the field-operation sequence of k·P does not depend on k (nor on P)', () => {
  const point = ristretto255_hasher.hashToCurve(Uint8Array.of(1)).toAffine();
  const reference = traceOf(point, 1n);
  const counts = (ops: readonly string[], name: string): number => ops.filter((op) => op === name).length;
  // 64 windows: 252 doublings (4S + 3M, or 4M with T), 64 additions (7M, 8M for the last),
  // the table (7 additions), then the encoding's fixed exponentiation.
  expect(counts(reference, 'mul')).toBeGreaterThan(1200);
  expect(counts(reference, 'sqr')).toBeGreaterThan(1000);

  const fixed = [2n, 3n, 8n, 16n, Fn.ORDER - 1n, 1n << 252n, (1n << 252n) - 1n, 0x0808080808080808080808080808080808080808080808080808080808080808n];
  for (const k of fixed) expect(traceOf(point, k)).toEqual(reference);
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: Fn.ORDER - 1n }), fc.uint8Array({ minLength: 1, maxLength: 8 }), (k, seed) => {
      expect(traceOf(point, k)).toEqual(reference);
      expect(traceOf(ristretto255_hasher.hashToCurve(seed).toAffine(), k)).toEqual(reference);
    }),
    { numRuns: 20 },
  );
});

test('the field-operation sequence of k·B (fixed table) does not depend on k', () => {
  baseTraceOf(1n); // builds the table (public work) outside the comparison
  const reference = baseTraceOf(1n);
  expect(reference.filter((op) => op === 'mul').length).toBeGreaterThan(500);
  for (const k of [2n, 8n, Fn.ORDER - 1n, 1n << 252n, (1n << 252n) - 1n]) expect(baseTraceOf(k)).toEqual(reference);
  fc.assert(
    fc.property(fc.bigInt({ min: 1n, max: Fn.ORDER - 1n }), (k) => {
      expect(baseTraceOf(k)).toEqual(reference);
    }),
    { numRuns: 30 },
  );
});
