/**
 * How `postgresServerStore` reads column values: `pg` hands BYTEA as a
 * Buffer, BIGINT as a string, TEXT as a string or null; anything else is a
 * `STORAGE` error, never a silent coercion.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';

/** A BYTEA column, copied out of `pg`'s Buffer. */
export function bytes(value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new ZeroVaultError('STORAGE', 'postgres returned a non-binary value');
  return Uint8Array.from(value);
}

/** BIGINT columns arrive as strings; versions and times are safe integers. */
export function int(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new ZeroVaultError('STORAGE', 'postgres returned a non-integer');
  return n;
}

/** A nullable TEXT column. */
export function textOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new ZeroVaultError('STORAGE', 'postgres returned a non-text value');
  return value;
}
