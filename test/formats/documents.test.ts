/**
 * `vault.documents` against `documents-v1.json` (written by
 * scripts/format-vectors-documents.ts): the implementation recomputes every
 * published value, MAC, token, tokenizer output and plan; and an
 * independent reading of docs/documents.md on `node:crypto` (HKDF, HMAC,
 * AES-256-GCM, written here from the page, not from the source) reproduces
 * the sealed values, the MAC input, the `_zv` MAC and the tokens.
 */
import { createCipheriv, createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { getBackend } from '#backend';
import { deriveIndexKey, indexInputs, normalize, token, words } from '../../src/client/documents/blind-index.js';
import { decryptDocument } from '../../src/client/documents/codec.js';
import { planIndexes } from '../../src/client/documents/planner.js';
import { checkSchema } from '../../src/client/documents/schema.js';
import type { DocumentSchema, IndexKind } from '../../src/client/documents/types.js';
import { fromBase64url, toBase64url, toHex } from '../../src/crypto/bytes.js';
import { canonicalJson } from '../../src/formats/document-json.js';
import { deriveMacKey } from '../../src/formats/document-mac.js';
import { deriveValueKey, sealValueWith, valueAad } from '../../src/formats/document-value.js';
import { bytes, readVectors } from './helpers.js';

interface Vectors {
  kek: string;
  kekVersion: number;
  collection: string;
  id: string;
  schema: DocumentSchema & { version: number };
  valueKey: string;
  macKey: string;
  document: Record<string, unknown>;
  values: { path: string; plaintext: string; r: string; aad: string; key: string; commitment: string; value: string }[];
  macInput: string;
  row: Record<string, unknown> & { _zv: string };
  tokens: { field: string; kind: IndexKind; bits: number; key: string; value: unknown; inputs: string[]; tokens: string[]; full: string[] }[];
  tokenizer: { text: string; normalized: string; words: string[] }[];
  planner: { expectedRows: number; indexes: number; bits?: number[]; error?: string }[];
  canonicalJson: { value: unknown; json: string }[];
  invalidTitles: { name: string; value: unknown }[];
}

const v = readVectors<Vectors>('documents-v1.json');
const backend = getBackend();
const kek = bytes(v.kek);
const kekOf = (version: number) => (version === v.kekVersion ? { id: 'app', version, key: kek, active: true } : undefined);

describe('documents-v1.json against the implementation', () => {
  test('keys, sealed values, the whole row', async () => {
    expect(toHex(deriveValueKey(kek, v.collection, backend))).toBe(v.valueKey);
    expect(toHex(deriveMacKey(kek, v.collection, backend))).toBe(v.macKey);
    for (const value of v.values) {
      const place = { collection: v.collection, id: v.id, path: value.path, schemaVersion: v.schema.version, kekVersion: v.kekVersion };
      expect(toHex(valueAad(place))).toBe(value.aad);
      expect(await sealValueWith(bytes(v.valueKey), place, new TextEncoder().encode(value.plaintext), bytes(value.r), backend)).toBe(value.value);
    }
    const opened = await decryptDocument(checkSchema(v.schema), v.row, v.id, kekOf, backend);
    expect(canonicalJson(opened, 'opened')).toBe(canonicalJson(v.document, 'document'));
  });

  test('tokens, tokenizer, planner, canonical JSON', () => {
    for (const t of v.tokens) {
      const key = deriveIndexKey(kek, v.collection, t.field, t.kind, backend);
      expect(toHex(key)).toBe(t.key);
      const inputs = indexInputs(t.kind, t.value, t.field, true);
      expect(inputs.map((i) => new TextDecoder().decode(i))).toEqual(t.inputs);
      expect(inputs.map((i) => token(key, i, t.bits, backend))).toEqual(t.tokens);
    }
    for (const t of v.tokenizer) {
      expect(normalize(t.text)).toBe(t.normalized);
      expect(words(t.text)).toEqual(t.words);
    }
    for (const p of v.planner) {
      const fields = Object.fromEntries(Array.from({ length: p.indexes }, (_, i) => [`f${i}`, { encrypt: true as const, index: 'exact' as const }]));
      const run = () => planIndexes(checkSchema({ collection: 'c', version: 1, expectedRows: p.expectedRows, fields })).map((x) => x.bits);
      if (p.error === undefined) expect(run()).toEqual(p.bits);
      else expect(run).toThrow(expect.objectContaining({ code: p.error }) as Error);
    }
    for (const c of v.canonicalJson) expect(canonicalJson(c.value, 'value')).toBe(c.json);
  });

  test('invalid values fail with DECRYPT_FAILED', async () => {
    expect(v.invalidTitles.length).toBeGreaterThan(5);
    for (const bad of v.invalidTitles) {
      await expect(decryptDocument(checkSchema(v.schema), { ...v.row, title: bad.value }, v.id, kekOf, backend), bad.name).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    }
  });
});

/** The page's definitions, written again on node:crypto. */
describe('documents-v1.json against an independent reading of docs/documents.md', () => {
  const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const lp = (b: Buffer): Buffer => Buffer.concat([u32(b.length), b]);
  const hkdf = (info: Buffer): Buffer => Buffer.from(hkdfSync('sha256', kek, Buffer.alloc(0), info, 32));
  const labelled = (label: string, ...parts: Buffer[]): Buffer => Buffer.concat([enc(label), Buffer.of(0), ...parts]);

  test('value key, AAD, per-value key and commitment, AES-256-GCM with a zero nonce', () => {
    const valueKey = hkdf(labelled('zerovault/v1/document/value', lp(enc(v.collection))));
    expect(valueKey.toString('hex')).toBe(v.valueKey);
    for (const value of v.values) {
      const aad = labelled('zerovault/v1/document/value', lp(enc(v.collection)), lp(enc(v.id)), lp(enc(value.path)), u32(v.schema.version), u32(v.kekVersion));
      expect(aad.toString('hex')).toBe(value.aad);
      const r = Buffer.from(value.r, 'hex');
      const block = createHmac('sha512', valueKey).update(labelled('zerovault/v1/document/value-keys', r, aad)).digest();
      const cipher = createCipheriv('aes-256-gcm', block.subarray(0, 32), Buffer.alloc(12));
      cipher.setAAD(aad);
      const ct = Buffer.concat([cipher.update(enc(value.plaintext)), cipher.final(), cipher.getAuthTag()]);
      const sealed = Buffer.concat([r, block.subarray(32), ct]);
      expect(`zv1.${v.kekVersion}.${toBase64url(sealed)}`).toBe(value.value);
    }
  });

  test('the MAC input of the row, and _zv', () => {
    const macKey = hkdf(labelled('zerovault/v1/document/mac', lp(enc(v.collection))));
    expect(macKey.toString('hex')).toBe(v.macKey);
    const row = v.row as unknown as Record<string, unknown> & { tags: string[]; address: { city: string } };
    // Covered paths of this schema, sorted by their UTF-8 bytes: kind 1 encrypted, 2 signed, 3 array.
    const entries: [string, number, Buffer][] = [
      ['address.city', 1, enc(row.address.city)],
      ['done', 2, enc(JSON.stringify(row.done))],
      ['email', 1, enc(row.email as string)],
      ['name', 1, enc(row.name as string)],
      ['notes', 1, enc(row.notes as string)],
      ['tags', 3, u32(row.tags.length)],
      ['tags[0]', 1, enc(row.tags[0] as string)],
      ['tags[1]', 1, enc(row.tags[1] as string)],
      ['title', 1, enc(row.title as string)],
    ];
    const input = labelled(
      'zerovault/v1/document/mac',
      lp(enc(v.collection)),
      lp(enc(v.id)),
      u32(v.schema.version),
      u32(v.kekVersion),
      u32(entries.length),
      ...entries.map(([path, kind, body]) => Buffer.concat([lp(enc(path)), Buffer.of(kind), lp(body)])),
    );
    expect(input.toString('hex')).toBe(v.macInput);
    const mac = createHmac('sha256', macKey).update(input).digest();
    expect(v.row._zv).toBe(`zv1.${v.schema.version}.${v.kekVersion}.${toBase64url(mac)}`);
    expect(fromBase64url(v.row._zv.split('.')[3] as string).length).toBe(32);
  });

  test('index keys and truncated tokens', () => {
    const kinds: Record<IndexKind, number> = { exact: 1, prefix: 2, words: 3 };
    for (const t of v.tokens) {
      const key = hkdf(labelled('zerovault/v1/document/index', lp(enc(v.collection)), lp(enc(t.field)), Buffer.of(kinds[t.kind])));
      expect(key.toString('hex')).toBe(t.key);
      t.inputs.forEach((input, i) => {
        const full = createHmac('sha256', key).update(enc(input)).digest();
        expect(full.toString('hex')).toBe(t.full[i]);
        const cut = Buffer.from(full.subarray(0, Math.ceil(t.bits / 8)));
        const spare = cut.length * 8 - t.bits;
        cut[cut.length - 1] = (cut[cut.length - 1] as number) & (0xff << spare) & 0xff;
        expect(toBase64url(cut)).toBe(t.tokens[i]);
      });
    }
  });
});
