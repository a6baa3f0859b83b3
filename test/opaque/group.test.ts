import { describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import { RISTRETTO255, type PrimeOrderGroup } from '../../src/crypto/group.js';
import { P256, groupForOprfSuite } from '../../src/crypto/group-p256.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';
import { expectCode, hex } from './helpers.js';

interface OprfTest {
  name: string;
  batchSize: number;
  data: { Input: string[]; Blind: string[]; BlindedElement: string[]; EvaluationElement: string[]; Output: string[] };
}
interface OprfSuite {
  suite: string;
  modes: { mode: string; common: { Seed: string; KeyInfo: string; skSm: string }; tests: OprfTest[] }[];
}

const FILE = 'rfc9497-oprf/vectors.json';
const SUITES = ['ristretto255-SHA512', 'P256-SHA256'];

describeVectors('RFC 9497 OPRF mode (modeOPRF 0x00)', FILE, () => {
  const all = readVectorJson<OprfSuite[]>(FILE);
  let ran = 0;

  for (const suiteName of SUITES) {
    const suite = all.find((s) => s.suite === suiteName);
    const mode = suite?.modes.find((m) => m.mode === 'OPRF Mode');
    test(`${suiteName}: OPRF mode present with 2 vectors`, () => {
      expect(mode?.tests.length).toBe(2);
    });
    if (mode === undefined) continue;
    const group = groupForOprfSuite(suiteName);

    test(`${suiteName}: DeriveKeyPair(Seed, KeyInfo) = skSm`, () => {
      const { secretKey } = group.deriveKeyPair(hex(mode.common.Seed), hex(mode.common.KeyInfo));
      expect(toHex(secretKey)).toBe(mode.common.skSm);
    });

    for (const t of mode.tests) {
      test(`${suiteName}: ${t.name}`, () => {
        expect(t.batchSize).toBe(1);
        const input = hex(t.data.Input[0]!);
        const { blind, blinded } = group.blind(input, hex(t.data.Blind[0]!));
        expect(toHex(blind)).toBe(t.data.Blind[0]);
        expect(toHex(blinded)).toBe(t.data.BlindedElement[0]);
        const evaluated = group.blindEvaluate(hex(mode.common.skSm), blinded);
        expect(toHex(evaluated)).toBe(t.data.EvaluationElement[0]);
        expect(toHex(group.finalize(input, blind, evaluated))).toBe(t.data.Output[0]);
        ran++;
      });
    }
  }

  test('ran 4 OPRF vectors (2 per suite)', () => {
    expect(ran).toBe(4);
  });
});

describe.each([
  ['ristretto255', RISTRETTO255],
  ['P-256', P256],
] as [string, PrimeOrderGroup][])('%s strict encodings', (_name, group) => {
  test('round trip: random scalar, public key, Diffie-Hellman agreement', () => {
    const a = group.randomScalar();
    const b = group.randomScalar();
    group.assertScalar(a, 'a');
    const A = group.publicKey(a);
    const B = group.publicKey(b);
    expect(toHex(group.diffieHellman(a, B))).toBe(toHex(group.diffieHellman(b, A)));
    const r = group.blind(new Uint8Array([1, 2, 3]));
    expect(r.blinded.length).toBe(group.elementLength);
  });

  test('rejects the identity element', async () => {
    const identity = group.name === 'ristretto255' ? new Uint8Array(32) : new Uint8Array(33);
    await expectCode(() => group.assertElement(identity, 'e'), 'INVALID_INPUT');
  });

  test('rejects wrong lengths and uncompressed points', async () => {
    const A = group.publicKey(group.randomScalar());
    await expectCode(() => group.assertElement(A.subarray(1), 'e'), 'INVALID_INPUT');
    await expectCode(() => group.assertElement(new Uint8Array([...A, 0]), 'e'), 'INVALID_INPUT');
    if (group.name === 'P-256') {
      const { p256 } = await import('@noble/curves/nist.js');
      const uncompressed = p256.Point.fromBytes(A).toBytes(false);
      await expectCode(() => group.assertElement(uncompressed, 'e'), 'INVALID_INPUT');
    }
  });

  test('rejects non-canonical encodings', async () => {
    if (group.name === 'ristretto255') {
      // p = 2^255 - 19 is a non-canonical encoding of 0; p + 2 likewise of 2 (both "even").
      const p = new Uint8Array(32).fill(0xff);
      p[0] = 0xed;
      p[31] = 0x7f;
      await expectCode(() => group.assertElement(p, 'e'), 'INVALID_INPUT');
      // Negative field element (odd s) is rejected by RFC 9496 §4.3.1.
      const odd = new Uint8Array(32);
      odd[0] = 1;
      await expectCode(() => group.assertElement(odd, 'e'), 'INVALID_INPUT');
    } else {
      // x = p (out of range) with a valid prefix.
      const x = hex('02ffffffff00000001000000000000000000000000ffffffffffffffffffffffff');
      await expectCode(() => group.assertElement(x, 'e'), 'INVALID_INPUT');
      await expectCode(() => group.assertElement(hex('04' + '00'.repeat(32)), 'e'), 'INVALID_INPUT');
    }
  });

  test('rejects zero and out-of-range scalars', async () => {
    await expectCode(() => group.assertScalar(new Uint8Array(32), 's'), 'INVALID_INPUT');
    await expectCode(() => group.assertScalar(new Uint8Array(32).fill(0xff), 's'), 'INVALID_INPUT');
    await expectCode(() => group.assertScalar(new Uint8Array(31).fill(1), 's'), 'INVALID_INPUT');
    await expectCode(() => group.blind(new Uint8Array(1), new Uint8Array(32)), 'INVALID_INPUT');
  });

  test('OPRF functions reject invalid elements', async () => {
    const k = group.randomScalar();
    const bad = new Uint8Array(group.elementLength);
    await expectCode(() => group.blindEvaluate(k, bad), 'INVALID_INPUT');
    await expectCode(() => group.finalize(new Uint8Array(1), k, bad), 'INVALID_INPUT');
    await expectCode(() => group.diffieHellman(k, bad), 'INVALID_INPUT');
  });
});

test('unknown OPRF suite is UNSUPPORTED', async () => {
  await expectCode(() => groupForOprfSuite('decaf448-SHAKE256'), 'UNSUPPORTED');
});
