/**
 * Canonical JSON of document values (`docs/documents.md`, "Canonical JSON"):
 * the bytes an encrypted field seals and a signed field's document MAC
 * covers. It is RFC 8785 (JCS) for the values JSON can carry: object members
 * sorted by their UTF-16 code units, no whitespace, strings and numbers as
 * ECMAScript's `JSON.stringify` writes them. A value JSON cannot carry
 * (`undefined`, a function, a bigint, `NaN`, ±Infinity, a cycle, a class
 * instance) is refused rather than silently changed, so what decrypts is
 * what was encrypted.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';

/** A JSON value. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Nesting limit: deeper values are refused (a stack overflow is no error code). */
const MAX_DEPTH = 64;

function refuse(name: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', `${name} must be a JSON value (no undefined, NaN, Infinity, bigint, cycles or class instances)`);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function write(value: unknown, name: string, depth: number): string {
  if (depth > MAX_DEPTH) throw refuse(name);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw refuse(name);
    // -0 is written "0" by JSON.stringify, as JCS requires.
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    return `[${items.map((item) => write(item, name, depth + 1)).join(',')}]`;
  }
  if (typeof value === 'object' && isPlainObject(value)) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${write(record[key], name, depth + 1)}`).join(',')}}`;
  }
  throw refuse(name);
}

/**
 * The canonical JSON text of `value`.
 * @throws `INVALID_INPUT` naming `name` when `value` is not a JSON value
 */
export function canonicalJson(value: unknown, name: string): string {
  return write(value, name, 0);
}
