/**
 * Documents (issue 16): encrypting and decrypting a 5-field document
 * (every field encrypted, canonical JSON, document MAC) and computing its
 * blind-index tokens, against the raw work a hand-written app would do:
 * one AES-256-GCM call per field on `node:crypto` (a fresh random nonce,
 * pre-imported key), and one HMAC-SHA-256 per token with a pre-derived key.
 *
 * Ours runs the documents codec on the build's backend with the KEK's raw
 * bytes, as a `Documents` object does once it holds the vault's keys: per
 * call it derives the value and MAC keys (HKDF), draws 32 random bytes per
 * value, derives a key and commitment per value (one HMAC-SHA-512), seals,
 * and MACs the row. Session checks and the key refresh before a write (a
 * store read) are outside this table.
 *
 * A benchmark, not a test: it fails only when a route does not round-trip.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes as nodeRandomBytes } from 'node:crypto';
import { getBackend } from '#backend';
import { deriveIndexKey, indexInputs, token } from '../src/client/documents/blind-index.js';
import { decryptDocument, encryptDocument } from '../src/client/documents/codec.js';
import { planIndexes } from '../src/client/documents/planner.js';
import { checkSchema } from '../src/client/documents/schema.js';
import { wipe } from '../src/crypto/bytes.js';
import type { KeyringKek } from '../src/envelope/keyring.js';
import { canonicalJson } from '../src/formats/document-json.js';
import { fixed, measure, pairedRatio, rawRoutes, type Route, type Table } from './measure.js';
import type { RunSettings } from './options.js';

const TAG = 16;
const NONCE = 12;

const SCHEMA = checkSchema({
  collection: 'contacts',
  version: 1,
  expectedRows: 1_000_000,
  fields: {
    name: { encrypt: true },
    email: { encrypt: true, index: 'exact' },
    phone: { encrypt: true },
    title: { encrypt: true, index: 'words' },
    notes: { encrypt: true },
  },
});

const DOC = {
  name: 'Ada Lovelace',
  email: 'ada@example.org',
  phone: '+44 20 7946 0958',
  title: 'Follow up on the analytical engine notes',
  notes: { met: '1843-07-10', tags: ['maths', 'engines'], score: 9.5 },
};

interface DocumentCase {
  readonly op: string;
  readonly routes: readonly Route[];
}

async function cases(): Promise<DocumentCase[]> {
  const backend = getBackend();
  const kek: KeyringKek = { id: 'app', version: 1, key: new Uint8Array(nodeRandomBytes(32)), active: true };
  const kekOf = (v: number): KeyringKek | undefined => (v === 1 ? kek : undefined);
  const id = 'contact-0001';
  const fields = Object.values(DOC).map((v) => Buffer.from(JSON.stringify(v)));
  const keyObject = createSecretKey(nodeRandomBytes(32));

  const row = await encryptDocument(SCHEMA, DOC, id, kek, backend);
  const back = await decryptDocument(SCHEMA, row, id, kekOf, backend);
  if (canonicalJson(back, 'back') !== canonicalJson(DOC, 'doc')) throw new Error('documents round trip failed');

  const rawSeal = (): Buffer[] =>
    fields.map((plaintext) => {
      const iv = nodeRandomBytes(NONCE);
      const cipher = createCipheriv('aes-256-gcm', keyObject, iv, { authTagLength: TAG });
      return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    });
  const sealedFields = rawSeal();
  const rawOpen = (): Buffer[] =>
    sealedFields.map((sealed) => {
      const decipher = createDecipheriv('aes-256-gcm', keyObject, sealed.subarray(0, NONCE), { authTagLength: TAG });
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
      const body = decipher.update(sealed.subarray(NONCE, sealed.length - TAG));
      decipher.final();
      return body;
    });
  if (Buffer.compare(Buffer.concat(rawOpen()), Buffer.concat(fields)) !== 0) throw new Error('raw round trip failed');

  // Tokens: what `indexes(doc)` computes (index keys derived per call), against pre-keyed HMACs of the same inputs.
  const plans = planIndexes(SCHEMA);
  const ourTokens = (): string[] =>
    plans.flatMap((plan) => {
      const key = deriveIndexKey(kek.key, SCHEMA.collection, plan.field, plan.kind, backend);
      try {
        return indexInputs(plan.kind, (DOC as Record<string, unknown>)[plan.field], plan.field, true).map((input) => token(key, input, plan.bits, backend));
      } finally {
        wipe(key);
      }
    });
  const inputs = plans.flatMap((plan) => indexInputs(plan.kind, (DOC as Record<string, unknown>)[plan.field], plan.field, true));
  const hmacKey = createSecretKey(nodeRandomBytes(32));
  const rawTokens = (): Buffer[] => inputs.map((input) => createHmac('sha256', hmacKey).update(input).digest());

  return [
    {
      op: `encrypt (5 fields, ${fields.length} GCM calls raw)`,
      routes: [
        { name: 'documents.encrypt (codec)', ours: true, async: true, fn: () => encryptDocument(SCHEMA, DOC, id, kek, backend) },
        { name: 'node:crypto, 1 GCM call per field', ours: false, async: false, fn: rawSeal },
      ],
    },
    {
      op: 'decrypt (5 fields)',
      routes: [
        { name: 'documents.decrypt (codec)', ours: true, async: true, fn: () => decryptDocument(SCHEMA, row, id, kekOf, backend) },
        { name: 'node:crypto, 1 GCM call per field', ours: false, async: false, fn: rawOpen },
      ],
    },
    {
      op: `index tokens (${inputs.length}: 1 exact, ${inputs.length - 1} words)`,
      routes: [
        { name: 'documents.indexes (keys derived per call)', ours: true, async: false, fn: ourTokens },
        { name: 'node:crypto, 1 HMAC-SHA-256 per token', ours: false, async: false, fn: rawTokens },
      ],
    },
  ];
}

/** The `documents` section of `npm run bench`. */
export async function documentsSection(s: RunSettings): Promise<Table> {
  const rows: string[][] = [];
  for (const c of await cases()) {
    const measured = await measure(c.routes, s);
    const raw = rawRoutes(measured);
    for (const m of measured) {
      rows.push([c.op, m.name, fixed(m.opsPerSecond, 0), fixed(m.medianMs * 1000, 1), fixed(m.bestMs * 1000, 1), m.ours ? `${fixed(pairedRatio(m, raw), 2)}×` : '']);
    }
  }
  return {
    title: 'Documents: field-level encryption of a 5-field document and its blind-index tokens vs raw node:crypto calls',
    header: ['op', 'route', 'ops/s', 'median µs', 'best µs', 'ours / raw'],
    rows,
    numeric: [2, 3, 4],
    groupBy: [0],
    notes: ['', 'Ours adds per call: HKDF of the value and MAC keys, 32 random bytes and one HMAC-SHA-512 (key + commitment) per value, canonical JSON, and the document MAC.'],
  };
}
