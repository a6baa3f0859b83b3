/**
 * The document MAC, carried in a row's reserved `_zv` field
 * (`docs/documents.md`, "The document MAC"):
 * `zv1.` + schema version + `.` + KEK version + `.` + base64url(HMAC-SHA-256).
 *
 * - `macKey = HKDF-SHA-256(KEK, info = "zerovault/v1/document/mac" ‖ 0x00 ‖ lp(collection))`
 * - the MAC covers `"zerovault/v1/document/mac" ‖ 0x00 ‖ lp(collection) ‖
 *   lp(id) ‖ u32(schema version) ‖ u32(KEK version) ‖ u32(n) ‖ entry × n`,
 *   entries sorted by the UTF-8 bytes of their path, each
 *   `lp(path) ‖ u8(kind) ‖ lp(bytes)`: kind 0 absent (no bytes), 1 encrypted
 *   (the value string), 2 signed (its canonical JSON), 3 array (u32 length).
 *
 * Clear fields have no entry: the MAC does not cover them.
 *
 * @module
 */
import type { Backend } from '../crypto/backend.js';
import { concat, equal, fromBase64url, toBase64url, utf8 } from '../crypto/bytes.js';
import { deriveKey } from '../crypto/kdf.js';
import { decryptFailed } from '../errors.js';
import { compareBytes, lp, u32, u8 } from './codec.js';
import { DOCUMENT_PREFIX, parseVersion } from './document-value.js';

/** Label of the MAC key and of the MAC input. */
export const MAC_LABEL = 'zerovault/v1/document/mac';
const MAC_LENGTH = 32;

/** What a MAC entry records about one covered path. */
export const ENTRY_KIND = Object.freeze({ absent: 0, encrypted: 1, signed: 2, array: 3 } as const);

/** One covered path of a document. */
export interface MacEntry {
  readonly path: string;
  readonly kind: (typeof ENTRY_KIND)[keyof typeof ENTRY_KIND];
  readonly bytes: Uint8Array;
}

/** What the MAC binds besides the entries. */
export interface MacContext {
  readonly collection: string;
  readonly id: string;
  readonly schemaVersion: number;
  readonly kekVersion: number;
}

/** The MAC key of a collection under one KEK (raw 32 bytes); the caller wipes it. */
export function deriveMacKey(kek: Uint8Array, collection: string, backend: Backend): Uint8Array {
  return deriveKey({ ikm: kek, label: MAC_LABEL, context: lp(utf8(collection)) }, backend);
}

/** The exact bytes the MAC covers. @throws `DECRYPT_FAILED` when two entries share a path (a malformed walk) */
export function macInput(context: MacContext, entries: readonly MacEntry[]): Uint8Array {
  const encoded = entries.map((e) => ({ path: utf8(e.path), e })).sort((a, b) => compareBytes(a.path, b.path));
  for (let i = 1; i < encoded.length; i++) {
    if (compareBytes((encoded[i - 1] as { path: Uint8Array }).path, (encoded[i] as { path: Uint8Array }).path) === 0) throw decryptFailed();
  }
  return concat(
    utf8(MAC_LABEL),
    Uint8Array.of(0),
    lp(utf8(context.collection)),
    lp(utf8(context.id)),
    u32(context.schemaVersion),
    u32(context.kekVersion),
    u32(encoded.length),
    ...encoded.flatMap(({ path, e }) => [lp(path), u8(e.kind), lp(e.bytes)]),
  );
}

/** The `_zv` string of a document. */
export function writeDocumentMac(macKey: Uint8Array, context: MacContext, entries: readonly MacEntry[], backend: Backend): string {
  const mac = backend.hmac('SHA-256', macKey, macInput(context, entries));
  return `${DOCUMENT_PREFIX}${context.schemaVersion}.${context.kekVersion}.${toBase64url(mac)}`;
}

/** A parsed `_zv` (not yet verified). */
export interface ParsedMac {
  readonly schemaVersion: number;
  readonly kekVersion: number;
  readonly mac: Uint8Array;
}

/** Parses `_zv` strictly. @throws `DECRYPT_FAILED` on anything malformed or missing */
export function parseDocumentMac(value: unknown): ParsedMac {
  if (typeof value !== 'string' || !value.startsWith(DOCUMENT_PREFIX)) throw decryptFailed();
  const parts = value.slice(DOCUMENT_PREFIX.length).split('.');
  if (parts.length !== 3) throw decryptFailed();
  const schemaVersion = parseVersion(parts[0] as string);
  const kekVersion = parseVersion(parts[1] as string);
  let mac: Uint8Array;
  try {
    mac = fromBase64url(parts[2] as string);
  } catch {
    throw decryptFailed();
  }
  if (schemaVersion === undefined || kekVersion === undefined || mac.length !== MAC_LENGTH) throw decryptFailed();
  return { schemaVersion, kekVersion, mac };
}

/** Checks a parsed MAC in constant time. @throws `DECRYPT_FAILED` */
export function verifyDocumentMac(macKey: Uint8Array, context: MacContext, entries: readonly MacEntry[], parsed: ParsedMac, backend: Backend): void {
  const expected = backend.hmac('SHA-256', macKey, macInput(context, entries));
  if (!equal(expected, parsed.mac)) throw decryptFailed();
}
