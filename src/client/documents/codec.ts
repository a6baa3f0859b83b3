/**
 * One document in, one row out, and back (`docs/documents.md`): the walk
 * (`walk.ts`) finds the declared fields; encrypted ones are sealed as
 * `zv1.` values (`formats/document-value.ts`), and the document MAC
 * (`formats/document-mac.ts`) covers every encrypted and signed field and
 * the shape around them. Opening checks the MAC over the row as stored
 * before it opens any value.
 *
 * @module
 */
import type { Backend } from '../../crypto/backend.js';
import { utf8, wipe } from '../../crypto/bytes.js';
import { randomBytes } from '../../crypto/random.js';
import type { KeyringKek } from '../../envelope/keyring.js';
import { ZeroVaultError, decryptFailed } from '../../errors.js';
import { canonicalJson } from '../../formats/document-json.js';
import { ENTRY_KIND, deriveMacKey, parseDocumentMac, verifyDocumentMac, writeDocumentMac, type MacEntry } from '../../formats/document-mac.js';
import {
  VALUE_RANDOM_LENGTH,
  deriveValueKey,
  openValue,
  parseJsonPlaintext,
  parseValue,
  sealValueWith,
  type ParsedValue,
} from '../../formats/document-value.js';
import { MAC_FIELD, type CheckedSchema } from './schema.js';
import type { EncryptedRow } from './types.js';
import { walk } from './walk.js';

function invalid(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'doc does not fit the schema (an undeclared field, or a declared object or array holding something else)');
}

/**
 * Encrypts `doc` under `kek` at the schema's current version.
 * @throws `INVALID_INPUT` when `doc` does not fit the schema or holds a value JSON cannot carry
 */
export async function encryptDocument(schema: CheckedSchema, doc: unknown, id: string, kek: KeyringKek, backend: Backend): Promise<EncryptedRow> {
  if (typeof doc === 'object' && doc !== null && Object.prototype.hasOwnProperty.call(doc, MAC_FIELD)) {
    throw new ZeroVaultError('INVALID_INPUT', `doc must not hold the reserved field ${MAC_FIELD}`);
  }
  const tree = schema.current;
  const { out, slots, entries } = walk(tree, doc, invalid);
  const valueKey = deriveValueKey(kek.key, schema.collection, backend);
  const macKey = deriveMacKey(kek.key, schema.collection, backend);
  try {
    const base = { collection: schema.collection, id, schemaVersion: tree.version, kekVersion: kek.version };
    await Promise.all(
      slots.map(async (slot) => {
        if (slot.leaf.kind === 'clear') return slot.set(slot.value);
        const json = canonicalJson(slot.value, `doc.${slot.path}`);
        if (slot.leaf.kind === 'signed') {
          entries.push({ path: slot.path, kind: ENTRY_KIND.signed, bytes: utf8(json) });
          return slot.set(slot.value);
        }
        const sealed = await sealValueWith(valueKey, { ...base, path: slot.path }, utf8(json), randomBytes(VALUE_RANDOM_LENGTH), backend);
        entries.push({ path: slot.path, kind: ENTRY_KIND.encrypted, bytes: utf8(sealed) });
        slot.set(sealed);
      }),
    );
    return Object.assign(out, { [MAC_FIELD]: writeDocumentMac(macKey, base, entries, backend) });
  } finally {
    wipe(valueKey, macKey);
  }
}

/** The KEK versions a row names (`_zv` and every value), without authenticating anything; `undefined` when it does not parse. */
export function kekVersionsOf(schema: CheckedSchema, row: unknown): { schemaVersion: number; versions: Set<number> } | undefined {
  try {
    const mac = parseDocumentMac((row as Record<string, unknown> | null)?.[MAC_FIELD]);
    const tree = schema.versions.get(mac.schemaVersion);
    if (tree === undefined) return undefined;
    const versions = new Set([mac.kekVersion]);
    for (const slot of walk(tree, row, decryptFailed).slots) if (slot.leaf.kind === 'encrypt') versions.add(parseValue(slot.value).kekVersion);
    return { schemaVersion: mac.schemaVersion, versions };
  } catch {
    return undefined;
  }
}

/**
 * Opens a row: its `_zv` names the schema version and the MAC's KEK
 * version; the MAC is checked over the row as stored, then every value is
 * opened in its place.
 * @throws `DECRYPT_FAILED` (one message) on anything that does not check
 */
export async function decryptDocument(schema: CheckedSchema, row: unknown, id: string, kekOf: (version: number) => KeyringKek | undefined, backend: Backend): Promise<Record<string, unknown>> {
  const parsedMac = parseDocumentMac((row as Record<string, unknown> | null)?.[MAC_FIELD]);
  const tree = schema.versions.get(parsedMac.schemaVersion);
  if (tree === undefined) throw decryptFailed();
  const { out, slots, entries } = walk(tree, row, decryptFailed);
  const sealed: { slot: (typeof slots)[number]; parsed: ParsedValue }[] = [];
  const covered: MacEntry[] = [...entries];
  for (const slot of slots) {
    if (slot.leaf.kind === 'clear') {
      slot.set(slot.value);
    } else if (slot.leaf.kind === 'signed') {
      let json: string;
      try {
        json = canonicalJson(slot.value, 'row');
      } catch {
        throw decryptFailed();
      }
      covered.push({ path: slot.path, kind: ENTRY_KIND.signed, bytes: utf8(json) });
      slot.set(JSON.parse(json) as unknown);
    } else {
      const parsed = parseValue(slot.value);
      covered.push({ path: slot.path, kind: ENTRY_KIND.encrypted, bytes: utf8(slot.value as string) });
      sealed.push({ slot, parsed });
    }
  }
  const macKek = kekOf(parsedMac.kekVersion);
  if (macKek === undefined) throw decryptFailed();
  const context = { collection: schema.collection, id, schemaVersion: tree.version };
  const macKey = deriveMacKey(macKek.key, schema.collection, backend);
  try {
    verifyDocumentMac(macKey, { ...context, kekVersion: parsedMac.kekVersion }, covered, parsedMac, backend);
  } finally {
    wipe(macKey);
  }
  const valueKeys = new Map<number, Uint8Array>();
  try {
    for (const { parsed } of sealed) {
      if (valueKeys.has(parsed.kekVersion)) continue;
      const kek = kekOf(parsed.kekVersion);
      if (kek === undefined) throw decryptFailed();
      valueKeys.set(parsed.kekVersion, deriveValueKey(kek.key, schema.collection, backend));
    }
    await Promise.all(
      sealed.map(async ({ slot, parsed }) => {
        const key = valueKeys.get(parsed.kekVersion) as Uint8Array;
        const plaintext = await openValue(key, { ...context, path: slot.path, kekVersion: parsed.kekVersion }, parsed, backend);
        slot.set(parseJsonPlaintext(plaintext));
      }),
    );
  } finally {
    wipe(...valueKeys.values());
  }
  return out;
}
