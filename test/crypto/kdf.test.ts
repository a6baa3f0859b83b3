/** `deriveKey`: label validation and the exact HKDF construction it promises. */
import { describe, expect, test } from 'vitest';
import { LABELS, deriveKey } from '../../src/crypto/kdf.js';
import { concat, utf8 } from '../../src/crypto/bytes.js';
import { BACKENDS, codeOf, makeBackend } from './backends.js';

const ikm = new Uint8Array(32).fill(1);

describe('deriveKey labels', () => {
  test('every label in LABELS is accepted and readable', () => {
    const values = Object.values(LABELS);
    expect(values.length).toBeGreaterThan(0);
    for (const label of values) {
      expect(label).toMatch(/^zerovault\/v1\//);
      expect(deriveKey({ ikm, label }).length).toBe(32);
    }
    expect(new Set(values).size).toBe(values.length);
  });

  test.each([
    ['empty', ''],
    ['no prefix', 'root'],
    ['other product', 'othervault/v1/root'],
    ['missing version', 'zerovault/root'],
    ['version without digits', 'zerovault/v/root'],
    ['capital V', 'zerovault/V1/root'],
    ['missing name', 'zerovault/v1/'],
    ['upper case name', 'zerovault/v1/Root'],
    ['space', 'zerovault/v1/record key'],
    ['trailing newline', 'zerovault/v1/root\n'],
    ['leading space', ' zerovault/v1/root'],
    ['NUL inside', 'zerovault/v1/ro\u0000ot'],
    ['non-ASCII', 'zerovault/v1/röot'],
    ['underscore', 'zerovault/v1/record_key'],
    ['dot', 'zerovault/v1/record.key'],
  ])('rejects a label that is %s', (_what, label) => {
    expect(codeOf(() => deriveKey({ ikm, label }))).toBe('INVALID_INPUT');
  });

  test('rejects a non-string label', () => {
    for (const label of [undefined, null, 1, utf8('zerovault/v1/root')]) {
      expect(codeOf(() => deriveKey({ ikm, label: label as unknown as string }))).toBe('INVALID_INPUT');
    }
  });
});

describe('deriveKey inputs', () => {
  test('ikm must be at least 16 bytes; length 1..255·HashLen', () => {
    expect(codeOf(() => deriveKey({ ikm: new Uint8Array(15), label: LABELS.root }))).toBe('INVALID_INPUT');
    expect(codeOf(() => deriveKey({ ikm, label: LABELS.root, length: 0 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => deriveKey({ ikm, label: LABELS.root, length: 255 * 32 + 1 }))).toBe('INVALID_INPUT');
    expect(deriveKey({ ikm, label: LABELS.root, length: 255 * 32 }).length).toBe(255 * 32);
    expect(deriveKey({ ikm, label: LABELS.root, length: 255 * 64, hash: 'SHA-512' }).length).toBe(255 * 64);
    expect(codeOf(() => deriveKey({ ikm, label: LABELS.root, length: 1.5 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => deriveKey({ ikm, label: LABELS.root, context: 'x' as unknown as Uint8Array }))).toBe('INVALID_INPUT');
  });

  test('is HKDF(ikm, salt, label || 0x00 || context, length) on every backend', () => {
    const context = utf8('vault-1/record-7');
    const salt = Uint8Array.of(5, 6, 7);
    for (const [name, create] of BACKENDS) {
      const backend = makeBackend(name, create);
      const expected = backend.hkdf('SHA-512', ikm, salt, concat(utf8(LABELS.recordKey), Uint8Array.of(0), context), 48);
      expect(deriveKey({ ikm, label: LABELS.recordKey, context, salt, length: 48, hash: 'SHA-512' }, backend)).toEqual(expected);
    }
  });

  test('label and context are separated: moving bytes between them changes the key', () => {
    const a = deriveKey({ ikm, label: 'zerovault/v1/record', context: utf8('key') });
    const b = deriveKey({ ikm, label: 'zerovault/v1/recordkey' });
    const c = deriveKey({ ikm, label: 'zerovault/v1/record' });
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c);
    expect(deriveKey({ ikm, label: LABELS.recordKey })).not.toEqual(deriveKey({ ikm, label: LABELS.recordCommitment }));
  });
});

describe('deriveKey label and options checks (strict)', () => {
  test('labels with empty segments or a trailing slash are refused', () => {
    for (const label of ['zerovault/v1/a//b', 'zerovault/v1/x/', 'zerovault/v1/', 'zerovault/v1']) {
      expect(() => deriveKey({ ikm: new Uint8Array(32), label })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
  test('a missing options object is INVALID_INPUT, not a TypeError', () => {
    expect(() => deriveKey(null as unknown as Parameters<typeof deriveKey>[0])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
