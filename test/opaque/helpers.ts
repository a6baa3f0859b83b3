/**
 * Shared test helpers for the OPAQUE suites. The identity KSF lives here,
 * in test code only: the RFC 9807 Appendix C vectors use it, production
 * code cannot.
 */
import { expect } from 'vitest';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { isZeroVaultError, type ZeroVaultErrorCode } from '../../src/errors.js';
import type { Stretch } from '../../src/opaque/internal.js';

/** RFC 9807 Appendix C "Identity" KSF: Stretch(x) = x. Test-only. */
export const identityStretch: Stretch = async (input) => Uint8Array.from(input);

/** Hex → bytes. */
export const hex = (text: string): Uint8Array => fromHex(text);

/** Asserts two byte arrays are equal, printing hex on failure. */
export function expectBytes(actual: Uint8Array, expected: Uint8Array | string, label = 'bytes'): void {
  const want = typeof expected === 'string' ? expected : toHex(expected);
  expect(toHex(actual), label).toBe(want);
}

/** Asserts `fn` throws (or rejects with) a ZeroVaultError with `code`. */
export async function expectCode(fn: () => unknown, code: ZeroVaultErrorCode): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeDefined();
  if (!isZeroVaultError(caught, code)) {
    throw new Error(`expected ZeroVaultError ${code}, got ${String(caught)}`);
  }
}

/** Flips one bit of a copy. */
export function flip(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[index] = (out[index] as number) ^ (1 << bit);
  return out;
}
