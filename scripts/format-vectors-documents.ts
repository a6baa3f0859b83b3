/**
 * Writes test/vectors/zerovault/documents-v1.json: the published vectors of
 * `vault.documents` (`docs/documents.md`): canonical JSON, the value,
 * MAC and index keys of one KEK, sealed values with fixed randomness, one
 * whole row and its MAC input, blind-index tokens, the tokenizer, the
 * planner, and strings that must fail to open. Deterministic: the KEK and
 * each value's `r` are fixed patterns. test/formats/documents.test.ts checks
 * the file against the implementation and against an independent reading
 * of the page.
 *
 * Run: node --import tsx scripts/format-vectors-documents.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackend } from '#backend';
import { deriveIndexKey, indexInputs, normalize, token, words } from '../src/client/documents/blind-index.js';
import { decryptDocument } from '../src/client/documents/codec.js';
import { planIndexes } from '../src/client/documents/planner.js';
import { checkSchema } from '../src/client/documents/schema.js';
import type { DocumentSchema } from '../src/client/documents/types.js';
import { walk } from '../src/client/documents/walk.js';
import { fromUtf8, toHex, utf8 } from '../src/crypto/bytes.js';
import { ZeroVaultError } from '../src/errors.js';
import { canonicalJson } from '../src/formats/document-json.js';
import { ENTRY_KIND, deriveMacKey, macInput, writeDocumentMac, type MacEntry } from '../src/formats/document-mac.js';
import { deriveValueKey, sealValueWith, valueAad } from '../src/formats/document-value.js';
import { codeOf, pattern } from './format-vectors-common.js';

const backend = getBackend();
const KEK = pattern(32, 0x40);
const KEK_VERSION = 3;
const ID = 'todo-42';

const SCHEMA: DocumentSchema = {
  collection: 'todos',
  version: 2,
  expectedRows: 1_000_000,
  fields: {
    title: { encrypt: true, index: 'words' },
    email: { encrypt: true, index: 'exact' },
    name: { encrypt: true, index: 'prefix' },
    notes: { encrypt: true },
    'tags[]': { encrypt: true },
    'address.city': { encrypt: true },
    done: 'signed',
    due: 'clear',
  },
};

const DOC = {
  title: 'Buy MILK, buy bread',
  email: 'Bob@Example.com',
  name: 'Zoë',
  notes: { lines: ['2 litres', null, 3.5, true], 'é': -0 },
  tags: ['home', 'food'],
  address: { city: 'Lyon' },
  done: false,
  due: '2026-12-24',
};

export async function documentVectors(): Promise<object> {
  const checked = checkSchema(SCHEMA);
  const valueKey = deriveValueKey(KEK, SCHEMA.collection, backend);
  const macKey = deriveMacKey(KEK, SCHEMA.collection, backend);
  const { out, slots, entries } = walk(checked.current, DOC, () => new ZeroVaultError('INVALID_INPUT', 'vector doc'));
  const values: object[] = [];
  const covered: MacEntry[] = [...entries];
  let counter = 0;
  for (const slot of slots) {
    if (slot.leaf.kind === 'clear') {
      slot.set(slot.value);
      continue;
    }
    const json = canonicalJson(slot.value, slot.path);
    if (slot.leaf.kind === 'signed') {
      covered.push({ path: slot.path, kind: ENTRY_KIND.signed, bytes: utf8(json) });
      slot.set(slot.value);
      continue;
    }
    const r = pattern(32, 0x80 + 32 * counter++);
    const place = { collection: SCHEMA.collection, id: ID, path: slot.path, schemaVersion: SCHEMA.version, kekVersion: KEK_VERSION };
    const aad = valueAad(place);
    const block = backend.hmac('SHA-512', valueKey, Uint8Array.from([...utf8('zerovault/v1/document/value-keys'), 0, ...r, ...aad]));
    const value = await sealValueWith(valueKey, place, utf8(json), r, backend);
    values.push({ path: slot.path, plaintext: json, r: toHex(r), aad: toHex(aad), key: toHex(block.subarray(0, 32)), commitment: toHex(block.subarray(32)), value });
    covered.push({ path: slot.path, kind: ENTRY_KIND.encrypted, bytes: utf8(value) });
    slot.set(value);
  }
  const context = { collection: SCHEMA.collection, id: ID, schemaVersion: SCHEMA.version, kekVersion: KEK_VERSION };
  const row: Record<string, unknown> = { ...out, _zv: writeDocumentMac(macKey, context, covered, backend) };
  // The row opens to the document: the vectors agree with the codec.
  const opened = await decryptDocument(checked, row, ID, (v) => (v === KEK_VERSION ? { id: 'app', version: v, key: KEK, active: true } : undefined), backend);
  if (canonicalJson(opened, 'opened') !== canonicalJson(DOC, 'doc')) throw new Error('vector row does not open to the document');

  const plans = planIndexes(checked);
  const tokens = plans.map((plan) => {
    const key = deriveIndexKey(KEK, SCHEMA.collection, plan.field, plan.kind, backend);
    const value = (DOC as Record<string, unknown>)[plan.field];
    const inputs = indexInputs(plan.kind, value, plan.field, true);
    return {
      field: plan.field,
      kind: plan.kind,
      bits: plan.bits,
      key: toHex(key),
      value,
      inputs: inputs.map(fromUtf8),
      tokens: inputs.map((input) => token(key, input, plan.bits, backend)),
      full: inputs.map((input) => toHex(backend.hmac('SHA-256', key, input))),
    };
  });

  const tokenizer = ['Buy MILK, buy bread!', 'Straße ΣΊΣΥΦΟΣ', 'ﬁle № ２３ café', 'e\u0301cole — naïve', 'hello_world-42', '   ', 'İstanbul'].map((text) => ({
    text,
    normalized: normalize(text),
    words: words(text),
  }));

  const planner = [64, 1000, 100_000, 1_000_000, 2 ** 32].flatMap((expectedRows) =>
    [1, 2, 3].map((n) => {
      const fields = Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, { encrypt: true, index: 'exact' }]));
      try {
        return { expectedRows, indexes: n, bits: planIndexes(checkSchema({ collection: 'c', version: 1, expectedRows, fields })).map((p) => p.bits) };
      } catch (err) {
        return { expectedRows, indexes: n, error: (err as ZeroVaultError).code };
      }
    }),
  );

  const canonical = [null, true, -0, 1e21, 0.1, 'é\u2028"\\', [1, [2, {}]], { b: 1, a: 2, é: 3, '\u{1f600}': 4, '\uff01': 5 }].map((value) => ({ value, json: canonicalJson(value, 'value') }));

  const title = row.title as string;
  const invalid: { name: string; value: unknown }[] = [
    { name: 'bare string', value: 'Buy MILK, buy bread' },
    { name: 'number', value: 42 },
    { name: 'null', value: null },
    { name: 'wrong prefix', value: `zv2.${title.slice(4)}` },
    { name: 'leading zero in the KEK version', value: title.replace(/^zv1\.3\./, 'zv1.03.') },
    { name: 'unknown KEK version', value: title.replace(/^zv1\.3\./, 'zv1.4.') },
    { name: 'padded base64url', value: `${title}=` },
    { name: 'truncated by one character', value: title.slice(0, -1) },
    { name: 'another field\'s value', value: row.notes },
  ];
  for (const bad of invalid) {
    const code = await codeOf(() => decryptDocument(checked, { ...row, title: bad.value }, ID, (v) => (v === KEK_VERSION ? { id: 'app', version: v, key: KEK, active: true } : undefined), backend));
    if (code !== 'DECRYPT_FAILED') throw new Error(`invalid vector ${bad.name}: ${code ?? 'opened'}`);
  }

  return {
    description: 'vault.documents v1 (docs/documents.md). Hex for bytes; the row is JSON as the app stores it.',
    kek: toHex(KEK),
    kekVersion: KEK_VERSION,
    collection: SCHEMA.collection,
    id: ID,
    schema: SCHEMA,
    valueKey: toHex(valueKey),
    macKey: toHex(macKey),
    document: DOC,
    values,
    macInput: toHex(macInput(context, covered)),
    row,
    tokens,
    tokenizer,
    planner,
    canonicalJson: canonical,
    invalidTitles: invalid,
  };
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'vectors', 'zerovault', 'documents-v1.json');
writeFileSync(out, `${JSON.stringify(await documentVectors(), null, 1)}\n`);
console.log('wrote documents-v1.json');
