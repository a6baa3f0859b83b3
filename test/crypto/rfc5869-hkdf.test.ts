/**
 * RFC 5869 Appendix A (SHA-256 cases, with their PRKs) and pyca's 1200-byte
 * HKDF vector, read from the outside text files, on every backend.
 */
import { expect, test } from 'vitest';
import { describeVectors, readVectorText } from '../helpers/vectors.js';
import type { HashName } from '../../src/crypto/backend.js';
import { BACKENDS, hex, lazy, makeBackend, report, toHexString } from './backends.js';

interface TextCase {
  count: string;
  hash: HashName;
  ikm: string;
  salt: string;
  info: string;
  length: number;
  prk?: string;
  okm: string;
}

/** Parses the `KEY = value` blocks (one per `COUNT`) of an RFC/CAVP-style text file. */
function parseCases(text: string): TextCase[] {
  const blocks: Map<string, string>[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
    if (match === null) throw new Error(`unparsed line: ${line}`);
    const [, name, value] = match as unknown as [string, string, string];
    if (name.toUpperCase() === 'COUNT') blocks.push(new Map());
    const block = blocks.at(-1);
    if (block === undefined) throw new Error('value before the first COUNT');
    block.set(name.toUpperCase(), value.trim());
  }
  return blocks.map((b) => {
    const get = (k: string): string => {
      const v = b.get(k);
      if (v === undefined) throw new Error(`missing ${k}`);
      return v;
    };
    const hash = get('HASH');
    if (hash !== 'SHA-256' && hash !== 'SHA-512') throw new Error(`unexpected hash ${hash}`);
    const prk = b.get('PRK');
    return {
      count: get('COUNT'),
      hash,
      ikm: get('IKM'),
      salt: get('SALT'),
      info: get('INFO'),
      length: Number(get('L')),
      ...(prk === undefined ? {} : { prk }),
      okm: get('OKM'),
    };
  });
}

const FILES: readonly { file: string; count: number; withPrk: number }[] = [
  { file: 'rfc5869-hkdf/rfc-5869-HKDF-SHA256.txt', count: 3, withPrk: 3 },
  { file: 'rfc5869-hkdf/hkdf-generated.txt', count: 1, withPrk: 0 },
];

for (const { file, count, withPrk } of FILES) {
  describeVectors(`HKDF text vectors ${file}`, file, () => {
    const cases = lazy(() => parseCases(readVectorText(file)));

    for (const [name, create] of BACKENDS) {
      test(`${name}: PRK and OKM match`, () => {
        const backend = makeBackend(name, create);
        const counts = { okm: 0, prk: 0 };
        for (const c of cases()) {
          const [ikm, salt, info] = [hex(c.ikm), hex(c.salt), hex(c.info)];
          const prk = backend.hkdfExtract(c.hash, salt, ikm);
          if (c.prk !== undefined) {
            expect(toHexString(prk), `COUNT ${c.count} PRK`).toBe(c.prk);
            counts.prk++;
          }
          expect(toHexString(backend.hkdfExpand(c.hash, prk, info, c.length)), `COUNT ${c.count} expand`).toBe(c.okm);
          expect(toHexString(backend.hkdf(c.hash, ikm, salt, info, c.length)), `COUNT ${c.count} hkdf`).toBe(c.okm);
          counts.okm++;
        }
        report(`HKDF ${file}`, name, counts);
        expect(counts).toEqual({ okm: count, prk: withPrk });
      });
    }
  });
}
