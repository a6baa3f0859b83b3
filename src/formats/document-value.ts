/**
 * Encrypted field values of documents (`docs/documents.md`, "Encrypted
 * values"): `zv1.` + KEK version (decimal) + `.` + base64url(r ‖ c ‖ ct ‖ tag).
 *
 * - `valueKey = HKDF-SHA-256(KEK, info = "zerovault/v1/document/value" ‖ 0x00 ‖ lp(collection))`
 * - `aad = "zerovault/v1/document/value" ‖ 0x00 ‖ lp(collection) ‖ lp(id) ‖ lp(path) ‖ u32(schema version) ‖ u32(KEK version)`
 * - `HMAC-SHA-512(valueKey, "zerovault/v1/document/value-keys" ‖ 0x00 ‖ r ‖ aad)`:
 *   bytes 0–31 are the AES-256-GCM key, 32–63 the commitment `c`
 * - `ct ‖ tag = AES-256-GCM(key, nonce = 12 zero bytes, canonical JSON, aad)`;
 *   the nonce is fixed because each key seals exactly one message (a fresh
 *   32-byte `r` per value).
 *
 * The commitment binds key and context: a value opens under one KEK, in one
 * place, only. Opening checks the text, then the commitment (constant time),
 * then the tag; every failure is the one `DECRYPT_FAILED`, an unknown KEK
 * version included.
 *
 * @module
 */
import { assertBytes } from '../crypto/assert.js';
import type { Backend } from '../crypto/backend.js';
import { concat, equal, fromBase64url, fromUtf8, toBase64url, utf8, wipe } from '../crypto/bytes.js';
import { isPromise, openWith, sealAfter } from '../crypto/gcm.js';
import { deriveKey } from '../crypto/kdf.js';
import { decryptFailed } from '../errors.js';
import { lp, u32 } from './codec.js';

/** The text every encrypted value and document MAC starts with. */
export const DOCUMENT_PREFIX = 'zv1.';
/** Label of the value key and of the value AAD. */
export const VALUE_LABEL = 'zerovault/v1/document/value';
/** Label of the per-value key and commitment. */
export const VALUE_KEYS_LABEL = 'zerovault/v1/document/value-keys';
/** Bytes of `r`, the per-value randomness. */
export const VALUE_RANDOM_LENGTH = 32;
const COMMITMENT_LENGTH = 32;
const TAG_LENGTH = 16;
const ZERO_NONCE = new Uint8Array(12);
/** The largest KEK or schema version (u32). */
export const MAX_DOCUMENT_VERSION = 0xffffffff;
const VALUE_KEYS_INPUT = concat(utf8(VALUE_KEYS_LABEL), Uint8Array.of(0));

/** Where a value lives: everything its AAD binds. */
export interface ValuePlace {
  readonly collection: string;
  readonly id: string;
  /** The concrete field path, array indices included (`items[0].name`). */
  readonly path: string;
  readonly schemaVersion: number;
  readonly kekVersion: number;
}

/** The AAD of a value at `place`. */
export function valueAad(place: ValuePlace): Uint8Array {
  return concat(
    utf8(VALUE_LABEL),
    Uint8Array.of(0),
    lp(utf8(place.collection)),
    lp(utf8(place.id)),
    lp(utf8(place.path)),
    u32(place.schemaVersion),
    u32(place.kekVersion),
  );
}

/** The value key of a collection under one KEK (raw 32 bytes); the caller wipes it. */
export function deriveValueKey(kek: Uint8Array, collection: string, backend: Backend): Uint8Array {
  return deriveKey({ ikm: kek, label: VALUE_LABEL, context: lp(utf8(collection)) }, backend);
}

function valueKeys(valueKey: Uint8Array, r: Uint8Array, aad: Uint8Array, backend: Backend): { key: Uint8Array; commitment: Uint8Array } {
  const block = backend.hmac('SHA-512', valueKey, concat(VALUE_KEYS_INPUT, r, aad));
  return { key: block.subarray(0, 32), commitment: block.slice(32) };
}

/** A canonical decimal u32 (no sign, no leading zero), or `undefined`. */
export function parseVersion(text: string): number | undefined {
  if (!/^(0|[1-9][0-9]{0,9})$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_DOCUMENT_VERSION ? n : undefined;
}

/**
 * Seals `plaintext` (canonical JSON bytes) at `place` with explicit
 * randomness `r` (vectors fix it; {@link sealValue} callers draw it).
 * @returns the value string
 */
export async function sealValueWith(valueKey: Uint8Array, place: ValuePlace, plaintext: Uint8Array, r: Uint8Array, backend: Backend): Promise<string> {
  assertBytes(r, 'r', VALUE_RANDOM_LENGTH);
  const aad = valueAad(place);
  const { key, commitment } = valueKeys(valueKey, r, aad, backend);
  const head = VALUE_RANDOM_LENGTH + COMMITMENT_LENGTH;
  try {
    const sealing = sealAfter(backend, key, ZERO_NONCE, plaintext, aad, head);
    const out = isPromise(sealing) ? await sealing : sealing;
    out.set(r, 0);
    out.set(commitment, VALUE_RANDOM_LENGTH);
    return `${DOCUMENT_PREFIX}${place.kekVersion}.${toBase64url(out)}`;
  } finally {
    wipe(key);
  }
}

/** A value string split into its KEK version and sealed bytes (nothing authenticated yet). */
export interface ParsedValue {
  readonly kekVersion: number;
  readonly sealed: Uint8Array;
}

/**
 * Parses a value string strictly (prefix, canonical version, canonical
 * base64url, at least r, c and a tag).
 * @throws `DECRYPT_FAILED` on anything else, a bare (unencrypted) value included
 */
export function parseValue(value: unknown): ParsedValue {
  if (typeof value !== 'string' || !value.startsWith(DOCUMENT_PREFIX)) throw decryptFailed();
  const dot = value.indexOf('.', DOCUMENT_PREFIX.length);
  const kekVersion = dot < 0 ? undefined : parseVersion(value.slice(DOCUMENT_PREFIX.length, dot));
  if (kekVersion === undefined) throw decryptFailed();
  let sealed: Uint8Array;
  try {
    sealed = fromBase64url(value.slice(dot + 1));
  } catch {
    throw decryptFailed();
  }
  if (sealed.length < VALUE_RANDOM_LENGTH + COMMITMENT_LENGTH + TAG_LENGTH) throw decryptFailed();
  return { kekVersion, sealed };
}

/**
 * Opens a parsed value at `place` (whose `kekVersion` must be the value's).
 * @returns the plaintext (canonical JSON bytes)
 * @throws `DECRYPT_FAILED` (one message) on a wrong key, place or byte
 */
export async function openValue(valueKey: Uint8Array, place: ValuePlace, parsed: ParsedValue, backend: Backend): Promise<Uint8Array> {
  if (parsed.kekVersion !== place.kekVersion) throw decryptFailed();
  const aad = valueAad(place);
  const r = parsed.sealed.subarray(0, VALUE_RANDOM_LENGTH);
  const stored = parsed.sealed.subarray(VALUE_RANDOM_LENGTH, VALUE_RANDOM_LENGTH + COMMITMENT_LENGTH);
  const { key, commitment } = valueKeys(valueKey, r, aad, backend);
  try {
    if (!equal(commitment, stored)) throw decryptFailed();
    const opening = openWith(backend, key, ZERO_NONCE, parsed.sealed.subarray(VALUE_RANDOM_LENGTH + COMMITMENT_LENGTH), aad);
    return isPromise(opening) ? await opening : opening;
  } catch {
    throw decryptFailed();
  } finally {
    wipe(key);
  }
}

/** UTF-8 text of opened plaintext, as JSON. @throws `DECRYPT_FAILED` when it is not (only a writer with the key could make it so) */
export function parseJsonPlaintext(plaintext: Uint8Array): unknown {
  try {
    return JSON.parse(fromUtf8(plaintext)) as unknown;
  } catch {
    throw decryptFailed();
  }
}
