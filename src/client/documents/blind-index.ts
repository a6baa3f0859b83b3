/**
 * Blind-index tokens (`docs/documents.md`, "Blind indexes"): the tokenizer
 * (Unicode NFKC, case-folded, split on anything but letters, marks and
 * digits), the per-index key, and truncated HMAC-SHA-256 tokens.
 *
 * - `indexKey = HKDF-SHA-256(KEK, info = "zerovault/v1/document/index" ‖ 0x00 ‖ lp(collection) ‖ lp(field) ‖ u8(kind))`,
 *   kind 1 exact, 2 prefix, 3 words
 * - `token = base64url(first ⌈bits/8⌉ bytes of HMAC-SHA-256(indexKey, input))`,
 *   the unused low bits of the last byte set to zero
 *
 * @module
 */
import type { Backend } from '../../crypto/backend.js';
import { concat, toBase64url, utf8 } from '../../crypto/bytes.js';
import { deriveKey } from '../../crypto/kdf.js';
import { ZeroVaultError } from '../../errors.js';
import { lp, u8 } from '../../formats/codec.js';
import { canonicalJson } from '../../formats/document-json.js';
import type { IndexKind } from './types.js';

/** Label of every index key. */
export const INDEX_LABEL = 'zerovault/v1/document/index';
const KIND_CODE: Readonly<Record<IndexKind, number>> = { exact: 1, prefix: 2, words: 3 };
/** Prefix tokens cover the first 1..32 characters (code points) of a value. */
export const MAX_PREFIX = 32;
/** A `words` value holds at most this many distinct words. */
export const MAX_WORDS = 4096;
const NOT_WORD = /[^\p{L}\p{M}\p{N}]+/u;

/** NFKC, then case folding as `toUpperCase().toLowerCase()` (so `ß` → `ss`, `ς` → `σ`), then NFKC again. */
export function normalize(text: string): string {
  return text.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}

/** The distinct words of `text`, normalized, in code-unit order. */
export function words(text: string): string[] {
  return [...new Set(normalize(text).split(NOT_WORD).filter((w) => w.length > 0))].sort();
}

function textOf(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ZeroVaultError('INVALID_INPUT', `${field} must be a string for a prefix or words index`);
  return value;
}

/** The normalized prefixes of `text`: 1..32 code points. */
function prefixes(text: string): string[] {
  const chars = [...normalize(text)].slice(0, MAX_PREFIX);
  return chars.map((_, i) => chars.slice(0, i + 1).join(''));
}

/** The HMAC inputs of a value written into an index (`write`) or of a query. */
export function indexInputs(kind: IndexKind, value: unknown, field: string, write: boolean): Uint8Array[] {
  if (kind === 'exact') return [utf8(canonicalJson(typeof value === 'string' ? normalize(value) : value, field))];
  const text = textOf(value, field);
  if (kind === 'prefix') {
    const all = prefixes(text);
    if (write) return all.map(utf8);
    const last = all[all.length - 1];
    if (last === undefined) throw new ZeroVaultError('INVALID_INPUT', `${field} must not be empty for a prefix query`);
    return [utf8(last)];
  }
  const list = words(text);
  if (list.length > MAX_WORDS) throw new ZeroVaultError('INVALID_INPUT', `${field} has more distinct words than an index takes`);
  return list.map(utf8);
}

/** The key of one index under one KEK (raw 32 bytes); the caller wipes it. */
export function deriveIndexKey(kek: Uint8Array, collection: string, field: string, kind: IndexKind, backend: Backend): Uint8Array {
  return deriveKey({ ikm: kek, label: INDEX_LABEL, context: concat(lp(utf8(collection)), lp(utf8(field)), u8(KIND_CODE[kind])) }, backend);
}

/** A token: HMAC-SHA-256 truncated to `bits`. */
export function token(indexKey: Uint8Array, input: Uint8Array, bits: number, backend: Backend): string {
  const full = backend.hmac('SHA-256', indexKey, input);
  const out = full.slice(0, Math.ceil(bits / 8));
  const spare = out.length * 8 - bits;
  if (spare > 0) out[out.length - 1] = (out[out.length - 1] as number) & (0xff << spare) & 0xff;
  return toBase64url(out);
}

/** Whether `value` matches `query` as the index kind matches (false positives filtered after `decrypt`). */
export function matches(kind: IndexKind, value: unknown, query: unknown): boolean {
  try {
    if (kind === 'exact') {
      const norm = (v: unknown): string => canonicalJson(typeof v === 'string' ? normalize(v) : v, 'value');
      return norm(value) === norm(query);
    }
    if (typeof value !== 'string' || typeof query !== 'string') return false;
    if (kind === 'prefix') {
      const q = [...normalize(query)].slice(0, MAX_PREFIX).join('');
      return q.length > 0 && normalize(value).startsWith(q);
    }
    const have = new Set(words(value));
    const want = words(query);
    return want.length > 0 && want.every((w) => have.has(w));
  } catch {
    return false;
  }
}
