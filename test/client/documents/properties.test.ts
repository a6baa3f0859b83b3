/**
 * Properties of documents (fast-check): every JSON value an encrypted or
 * signed field holds comes back the same (as canonical JSON: `-0` is `0`),
 * through nested paths and arrays; and the tokenizer's words are
 * normalized, distinct, sorted and free of separators.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { normalize, words } from '../../../src/client/documents/blind-index.js';
import type { Documents } from '../../../src/client/documents/types.js';
import { canonicalJson } from '../../../src/formats/document-json.js';
import { newSession } from './helpers.js';

const SCHEMA = { collection: 'props', version: 1, fields: { a: { encrypt: true }, 'b.c': 'signed', 'd[]': { encrypt: true }, e: 'clear' } } as const;
let docs: Documents<Record<string, unknown>, (typeof SCHEMA)['fields']>;

beforeAll(async () => {
  docs = (await (await newSession()).vault('p')).documents<Record<string, unknown>, typeof SCHEMA>(SCHEMA);
});

describe('documents: properties', () => {
  test('any JSON value round-trips through encrypted, signed and array-element fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.jsonValue(), fc.array(fc.jsonValue(), { maxLength: 4 }), fc.string(), async (a, c, d, id) => {
        fc.pre(id.length > 0 && id.length < 200);
        const doc = { a, b: { c }, d };
        const back = await docs.decrypt(await docs.encrypt(doc, { id }), { id });
        expect(canonicalJson(back, 'back')).toBe(canonicalJson(doc, 'doc'));
      }),
      { numRuns: 60 },
    );
  });

  test('words are normalized, distinct, sorted, and hold only letters, marks and numbers', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const list = words(text);
        expect(new Set(list).size).toBe(list.length);
        expect([...list].sort()).toEqual(list);
        for (const w of list) {
          expect(w.length).toBeGreaterThan(0);
          expect(/^[\p{L}\p{M}\p{N}]+$/u.test(w)).toBe(true);
        }
        // Normalizing twice changes nothing a search relies on: the words stay the same.
        expect(words(normalize(text))).toEqual(list);
      }),
      { numRuns: 300 },
    );
  });
});
