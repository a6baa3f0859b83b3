/** Boundary checks: the right code, the parameter named, the value never printed. */
import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import { assertBytes, assertInteger, assertObject, assertOneOf, assertString, isBytes } from '../../src/crypto/assert.js';
import { isZeroVaultError } from '../../src/errors.js';
import { codeOf } from './backends.js';

/** The error `fn` throws; fails the test when it throws nothing or a foreign error. */
function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    expect(isZeroVaultError(err, 'INVALID_INPUT')).toBe(true);
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('isBytes', () => {
  test('accepts Uint8Array, Buffer, views into a larger buffer, and another realm’s Uint8Array', () => {
    expect(isBytes(new Uint8Array(0))).toBe(true);
    expect(isBytes(Buffer.from('ab'))).toBe(true);
    expect(isBytes(new Uint8Array(8).subarray(2, 4))).toBe(true);
    const foreign: unknown = runInNewContext('new Uint8Array(3)');
    expect(foreign instanceof Uint8Array).toBe(false);
    expect(isBytes(foreign)).toBe(true);
  });

  test('refuses other views and look-alikes', () => {
    for (const value of [
      new Uint8ClampedArray(2),
      new Int8Array(2),
      new Uint16Array(2),
      new DataView(new ArrayBuffer(2)),
      new ArrayBuffer(2),
      [1, 2],
      { length: 2, 0: 1, 1: 2 },
      'ab',
      null,
      undefined,
    ]) {
      expect(isBytes(value)).toBe(false);
    }
  });
});

describe('assertBytes', () => {
  test('type, exact length, one-of lengths, range', () => {
    expect(() => assertBytes(new Uint8Array(32), 'key', 32)).not.toThrow();
    expect(codeOf(() => assertBytes(new Uint8Array(31), 'key', 32))).toBe('INVALID_INPUT');
    expect(() => assertBytes(new Uint8Array(16), 'tag', [16, 32])).not.toThrow();
    expect(codeOf(() => assertBytes(new Uint8Array(24), 'tag', [16, 32]))).toBe('INVALID_INPUT');
    expect(() => assertBytes(new Uint8Array(16), 'ikm', { min: 16 })).not.toThrow();
    expect(codeOf(() => assertBytes(new Uint8Array(15), 'ikm', { min: 16 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertBytes(new Uint8Array(9), 'id', { max: 8 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertBytes('not bytes', 'data'))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertBytes([1, 2], 'data'))).toBe('INVALID_INPUT');
  });

  test('messages name the parameter and never the value', () => {
    const secret = 'hunter2-secret';
    for (const err of [
      errorOf(() => assertBytes(secret, 'password')),
      errorOf(() => assertBytes(new TextEncoder().encode(secret), 'password', 4)),
      errorOf(() => assertString(secret, 'password', 0, 3)),
      errorOf(() => assertInteger(secret, 'password')),
      errorOf(() => assertObject(secret, 'password')),
      errorOf(() => assertOneOf(secret, 'password', ['a', 'b'])),
    ]) {
      expect(err.message).toContain('password');
      expect(err.message).not.toContain('hunter2');
    }
  });
});

describe('assertInteger, assertString, assertObject, assertOneOf', () => {
  test('assertInteger accepts safe integers in range only', () => {
    expect(() => assertInteger(0, 'n')).not.toThrow();
    expect(() => assertInteger(5, 'n', 5, 5)).not.toThrow();
    for (const value of [-1, 1.5, Number.NaN, Infinity, 2 ** 53, '1', 1n, null]) {
      expect(codeOf(() => assertInteger(value, 'n'))).toBe('INVALID_INPUT');
    }
    expect(codeOf(() => assertInteger(11, 'n', 0, 10))).toBe('INVALID_INPUT');
  });

  test('assertString checks type and length', () => {
    expect(() => assertString('', 'name')).not.toThrow();
    expect(codeOf(() => assertString('', 'name', 1))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertString('abcd', 'name', 0, 3))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertString(new String('x'), 'name'))).toBe('INVALID_INPUT');
  });

  test('assertObject refuses null, arrays and primitives', () => {
    expect(() => assertObject({}, 'options')).not.toThrow();
    for (const value of [null, [], 'x', 1, undefined]) {
      expect(codeOf(() => assertObject(value, 'options'))).toBe('INVALID_INPUT');
    }
  });

  test('assertOneOf is strict (no coercion)', () => {
    expect(() => assertOneOf('SHA-256', 'hash', ['SHA-256', 'SHA-512'])).not.toThrow();
    expect(codeOf(() => assertOneOf('sha-256', 'hash', ['SHA-256', 'SHA-512']))).toBe('INVALID_INPUT');
    expect(codeOf(() => assertOneOf('1', 'version', [1, 2]))).toBe('INVALID_INPUT');
  });
});
