/**
 * Helpers of the format vector builders (`scripts/gen-format-vectors.ts`):
 * fixed "randomness", byte surgery for invalid vectors, and a check that each
 * invalid vector fails with the code it publishes, so the generator cannot
 * write a vector the implementation disagrees with.
 */
import { concat, toHex } from '../src/crypto/bytes.js';
import type { ZeroVaultErrorCode } from '../src/errors.js';

/** `length` bytes counting up from `start` (readable fixed "randomness"). */
export function pattern(length: number, start: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

/** Lowercase hex. */
export const hex = toHex;

/** A copy of `bytes` with `values` written at `offset`. */
export function patch(bytes: Uint8Array, offset: number, ...values: readonly number[]): Uint8Array {
  const out = Uint8Array.from(bytes);
  out.set(values, offset);
  return out;
}

/** The first `length` bytes. */
export function cut(bytes: Uint8Array, length: number): Uint8Array {
  return bytes.slice(0, length);
}

/** `bytes` with `extra` appended. */
export function append(bytes: Uint8Array, ...extra: readonly number[]): Uint8Array {
  return concat(bytes, Uint8Array.from(extra));
}

/** The code `run` throws with, or `undefined` when it returns. */
export async function codeOf(run: () => unknown): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? `not a ZeroVaultError: ${String(err)}`;
  }
}

/** Throws unless `run` fails with `code` (the generator's own check). */
export async function expectCode(name: string, code: ZeroVaultErrorCode, run: () => unknown): Promise<void> {
  const got = await codeOf(run);
  if (got !== code) throw new Error(`invalid vector "${name}": expected ${code}, got ${got ?? 'success'}`);
}

/** One invalid byte vector as published. */
export interface InvalidBytes {
  readonly name: string;
  readonly bytes: string;
  readonly error: ZeroVaultErrorCode;
}

/** Builds invalid byte vectors, checking each against `decode`. */
export async function invalidBytes(decode: (bytes: Uint8Array) => unknown, cases: readonly [string, Uint8Array, ZeroVaultErrorCode][]): Promise<InvalidBytes[]> {
  const out: InvalidBytes[] = [];
  for (const [name, bytes, error] of cases) {
    await expectCode(name, error, () => decode(bytes));
    out.push({ name, bytes: hex(bytes), error });
  }
  return out;
}
