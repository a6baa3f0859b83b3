/**
 * Boundary checks. Each names the parameter, never its value, and throws
 * `INVALID_INPUT`. Validate once, where untrusted input enters; inner code
 * may then trust its arguments.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

/** True for a real `Uint8Array` (also across realms, e.g. a Node `Buffer`). */
export function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && value.constructor !== undefined && value.constructor.name === 'Uint8Array')
  );
}

/**
 * Asserts `value` is a `Uint8Array`, optionally of an exact length or one of
 * several lengths, or within `[min, max]`.
 */
export function assertBytes(
  value: unknown,
  name: string,
  length?: number | readonly number[] | { min?: number; max?: number },
): asserts value is Uint8Array {
  if (!isBytes(value)) throw invalid(`${name} must be a Uint8Array`);
  if (length === undefined) return;
  if (typeof length === 'number') {
    if (value.length !== length) throw invalid(`${name} must be ${length} bytes`);
  } else if (Array.isArray(length)) {
    if (!length.includes(value.length)) throw invalid(`${name} must be ${length.join(' or ')} bytes`);
  } else {
    const { min = 0, max = Number.MAX_SAFE_INTEGER } = length as { min?: number; max?: number };
    if (value.length < min || value.length > max) throw invalid(`${name} must be ${min} to ${max} bytes`);
  }
}

/** Asserts `value` is an integer in `[min, max]`. */
export function assertInteger(value: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}`);
  }
}

/** Asserts `value` is a string of `[min, max]` UTF-16 code units. */
export function assertString(value: unknown, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): asserts value is string {
  if (typeof value !== 'string') throw invalid(`${name} must be a string`);
  if (value.length < min || value.length > max) throw invalid(`${name} must be ${min} to ${max} characters`);
}

/** Asserts `value` is a plain object (not null, not an array). */
export function assertObject(value: unknown, name: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${name} must be an object`);
}

/** Asserts `value` is one of `allowed`. */
export function assertOneOf<T extends string | number>(value: unknown, name: string, allowed: readonly T[]): asserts value is T {
  if (!(allowed as readonly unknown[]).includes(value)) throw invalid(`${name} must be one of ${allowed.join(', ')}`);
}
