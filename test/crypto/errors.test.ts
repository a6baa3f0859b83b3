/** ZeroVaultError and the `code` contract that works across package copies. */
import { describe, expect, test } from 'vitest';
import {
  AUTH_FAILED_MESSAGE,
  DECRYPT_FAILED_MESSAGE,
  ERROR_CODES,
  ZeroVaultError,
  authFailed,
  decryptFailed,
  isZeroVaultError,
  type ZeroVaultErrorCode,
} from '../../src/errors.js';

/** What a second copy of the package (ESM next to CJS, or two versions) would define. */
class ForeignZeroVaultError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ZeroVaultError';
    this.code = code;
  }
}

describe('ZeroVaultError', () => {
  test('carries code, name and message; cause only when given', () => {
    const err = new ZeroVaultError('NOT_FOUND', 'record not found');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ZeroVaultError');
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe('record not found');
    expect('cause' in err).toBe(false);
    const cause = new Error('disk');
    expect(new ZeroVaultError('STORAGE', 'write failed', { cause }).cause).toBe(cause);
  });

  test('every listed code is accepted by the guard', () => {
    expect(ERROR_CODES).toHaveLength(14);
    for (const code of ERROR_CODES) expect(isZeroVaultError(new ZeroVaultError(code, 'x'), code)).toBe(true);
  });

  test('decryptFailed and authFailed: one fixed message, no cause (no oracle)', () => {
    const a = decryptFailed();
    const b = decryptFailed();
    expect(a).not.toBe(b);
    expect([a.code, a.message, 'cause' in a]).toEqual(['DECRYPT_FAILED', DECRYPT_FAILED_MESSAGE, false]);
    const c = authFailed();
    expect([c.code, c.message, 'cause' in c]).toEqual(['AUTH_FAILED', AUTH_FAILED_MESSAGE, false]);
  });
});

describe('isZeroVaultError', () => {
  test('recognises an error from another copy of the class', () => {
    const err: unknown = new ForeignZeroVaultError('CONFLICT', 'stale version');
    expect(err instanceof ZeroVaultError).toBe(false);
    expect(isZeroVaultError(err)).toBe(true);
    expect(isZeroVaultError(err, 'CONFLICT')).toBe(true);
    expect(isZeroVaultError(err, 'NOT_FOUND')).toBe(false);
  });

  test('recognises a structurally copied error (spread, or JSON across a boundary)', () => {
    const original = new ZeroVaultError('RATE_LIMITED', 'too many attempts');
    const spread: unknown = { ...original };
    expect(isZeroVaultError(spread, 'RATE_LIMITED')).toBe(true);
    const json: unknown = JSON.parse(JSON.stringify({ name: original.name, code: original.code, message: original.message }));
    expect(isZeroVaultError(json, 'RATE_LIMITED')).toBe(true);
  });

  test('structuredClone drops the name and code of custom errors, so the copy is not recognised', () => {
    // Documented platform behaviour: errors sent through postMessage must carry `code` explicitly.
    const cloned: unknown = structuredClone(new ZeroVaultError('NETWORK', 'offline'));
    expect(isZeroVaultError(cloned)).toBe(false);
  });

  test('refuses look-alikes', () => {
    const cases: unknown[] = [
      null,
      undefined,
      'ZeroVaultError',
      42,
      new Error('plain'),
      { name: 'ZeroVaultError' },
      { name: 'ZeroVaultError', code: 'NOT_A_CODE' },
      { name: 'ZeroVaultError', code: 7 },
      { name: 'Error', code: 'NOT_FOUND' },
      Object.assign(new Error('x'), { code: 'NOT_FOUND' }),
    ];
    for (const value of cases) expect(isZeroVaultError(value)).toBe(false);
  });

  test('the code filter narrows', () => {
    const err: unknown = new ZeroVaultError('UNSUPPORTED', 'unknown suite');
    const code: ZeroVaultErrorCode = 'UNSUPPORTED';
    if (!isZeroVaultError(err, code)) throw new Error('guard failed');
    expect(err.code).toBe(code);
  });
});
