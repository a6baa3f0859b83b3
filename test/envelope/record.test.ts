import { runInNewContext } from 'node:vm';
import { describe, expect, test, vi } from 'vitest';
import { getBackend } from '#backend';
import { createWebBackend } from '../../src/crypto/backend-web.js';
import { concat } from '../../src/crypto/bytes.js';
import { MAX_RECORD_PLAINTEXT, SEAL_SUITE, headerLength, parseRecord, recordOverhead, writeRecord } from '../../src/envelope/format.js';
import { importKekWith, type Kek } from '../../src/envelope/kek.js';
import { drawSealInputs, openRecordWith, sealRecordWith, type OpenRecordOptions, type SealRecordOptions } from '../../src/envelope/record.js';
import { openRecord, decodeRecordHeader, sealRecord } from '../../src/envelope/index.js';
import { BACKENDS, expectBytes, expectCode, pattern } from './helpers.js';

const KEK: Kek = { id: 'vault-1', version: 1, key: pattern(32, 1) };
const WHERE = { vaultId: 'vault-1', recordId: 'notes/today', version: 7 } as const;

describe.each(BACKENDS)('records on %s', (_name, backend) => {
  const seal = (o: SealRecordOptions) => sealRecordWith(o, drawSealInputs(), backend);
  const open = (o: OpenRecordOptions) => openRecordWith(o, backend);

  test.each([0, 1, 15, 16, 17, 1024, 100_000])('round trip of %i bytes, exact size', async (n) => {
    const plaintext = pattern(n, n);
    const sealed = await seal({ kek: KEK, ...WHERE, plaintext });
    expect(sealed.length).toBe(n + recordOverhead(SEAL_SUITE) + KEK.id.length);
    expectBytes(await open({ kek: KEK, ...WHERE, sealed }), plaintext);
    expect(decodeRecordHeader(sealed)).toEqual({
      formatVersion: 1,
      suite: 2,
      kekId: 'vault-1',
      kekVersion: 1,
      plaintextLength: n,
      payloadOffset: headerLength(SEAL_SUITE, KEK.id.length) - 48,
    });
  });

  test('opens across every backend', async () => {
    const plaintext = pattern(300);
    const sealed = await seal({ kek: KEK, ...WHERE, plaintext });
    for (const [, other] of BACKENDS) {
      expect(await openRecordWith({ kek: KEK, ...WHERE, sealed }, other)).toEqual(plaintext);
    }
  });

  test('a raw KEK from another realm (a vm context, a test environment) works like a local one', async () => {
    const foreign = runInNewContext('new Uint8Array(32)') as Uint8Array;
    expect(foreign instanceof Uint8Array).toBe(false);
    foreign.set(pattern(32, 1));
    const kek = { ...KEK, key: foreign };
    const sealed = await seal({ kek, ...WHERE, plaintext: pattern(40) });
    expect(await open({ kek: KEK, ...WHERE, sealed })).toEqual(pattern(40));
    expect(await open({ kek, ...WHERE, sealed })).toEqual(pattern(40));
  });

  test('imported KEK handles work and match raw keys', async () => {
    const handle = await importKekWith(KEK, backend);
    const sealed = await seal({ kek: handle, ...WHERE, plaintext: pattern(10) });
    expect(await open({ kek: KEK, ...WHERE, sealed })).toEqual(pattern(10));
    expect(await open({ kek: handle, ...WHERE, sealed })).toEqual(pattern(10));
  });

  test('a keyring finds the KEK the header names; a missing one is DECRYPT_FAILED', async () => {
    const v2: Kek = { id: 'vault-1', version: 2, key: pattern(32, 2) };
    const other: Kek = { id: 'vault-2', version: 1, key: pattern(32, 3) };
    const sealed = await seal({ kek: v2, ...WHERE, plaintext: pattern(5) });
    expect(await open({ keyring: { keks: [KEK, other, v2] }, ...WHERE, sealed })).toEqual(pattern(5));
    await expectCode(open({ keyring: { keks: [KEK, other] }, ...WHERE, sealed }), 'DECRYPT_FAILED');
  });

  test('the deterministic seal never wipes the caller\'s inputs (vectors reuse them)', async () => {
    const inputs = drawSealInputs();
    const copy = Uint8Array.from(inputs.dek);
    const sealed = await sealRecordWith({ kek: KEK, ...WHERE, plaintext: pattern(50) }, inputs, backend);
    expect(inputs.dek).toEqual(copy);
    expect(await open({ kek: KEK, ...WHERE, sealed })).toEqual(pattern(50));
  });

  test('two seals of the same input differ (fresh DEK and nonces)', async () => {
    const a = await seal({ kek: KEK, ...WHERE, plaintext: pattern(64) });
    const b = await seal({ kek: KEK, ...WHERE, plaintext: pattern(64) });
    expect(a).not.toEqual(b);
  });

  describe('identity binding: moved, renamed or replayed records fail', () => {
    test.each([
      ['another vault', { vaultId: 'vault-2' }],
      ['another record id', { recordId: 'notes/yesterday' }],
      ['another version (replay)', { version: 8 }],
      ['an older version', { version: 6 }],
      ['ids swapped', { vaultId: 'notes/today', recordId: 'vault-1' }],
    ])('%s → DECRYPT_FAILED', async (_what, change) => {
      const sealed = await seal({ kek: KEK, ...WHERE, plaintext: pattern(20) });
      await expectCode(open({ kek: KEK, ...WHERE, ...change, sealed }), 'DECRYPT_FAILED');
    });
  });

  describe('wrong keys', () => {
    test.each([
      ['same id and version, other key', { ...KEK, key: pattern(32, 9) }],
      ['other version', { ...KEK, version: 2 }],
      ['other id', { ...KEK, id: 'vault-2' }],
    ])('%s → DECRYPT_FAILED', async (_what, kek) => {
      const sealed = await seal({ kek: KEK, ...WHERE, plaintext: pattern(20) });
      await expectCode(open({ kek, ...WHERE, sealed }), 'DECRYPT_FAILED');
    });
  });

  describe('splicing parts between records → DECRYPT_FAILED', () => {
    const splice = (target: Uint8Array, donor: Uint8Array, part: 'wrappedDek' | 'payload'): Uint8Array => {
      const t = parseRecord(target);
      const d = parseRecord(donor);
      if (part === 'wrappedDek') return writeRecord({ ...t, wrappedDek: d.wrappedDek }, t.body);
      return writeRecord({ ...t, nonce: d.nonce, commitment: d.commitment, plaintextLength: d.plaintextLength }, d.body);
    };
    test.each([
      ['another record', { recordId: 'other' }],
      ['another vault', { vaultId: 'vault-2' }],
      ['another version', { version: 8 }],
      ['the same place, a second seal', {}],
    ])('wrapped DEK and payload from %s', async (_what, change) => {
      const target = await seal({ kek: KEK, ...WHERE, plaintext: pattern(20) });
      const donor = await seal({ kek: KEK, ...WHERE, ...change, plaintext: pattern(20, 1) });
      await expectCode(open({ kek: KEK, ...WHERE, sealed: splice(target, donor, 'wrappedDek') }), 'DECRYPT_FAILED');
      await expectCode(open({ kek: KEK, ...WHERE, sealed: splice(target, donor, 'payload') }), 'DECRYPT_FAILED');
    });
  });

  test('a key handle from another backend is INVALID_INPUT', async () => {
    const foreign = backend.name === 'node' ? createWebBackend({ subtle: null }) : getBackend();
    const handle = await importKekWith(KEK, foreign);
    await expectCode(seal({ kek: handle, ...WHERE, plaintext: pattern(1) }), 'INVALID_INPUT');
  });
});

describe('input validation (INVALID_INPUT, before any crypto)', () => {
  const ok = { kek: KEK, ...WHERE, plaintext: pattern(4) };
  const bad: ReadonlyArray<readonly [string, unknown]> = [
    ['options not an object', null],
    ['kek missing', { ...ok, kek: undefined }],
    ['kek.id empty', { ...ok, kek: { ...KEK, id: '' } }],
    ['kek.id over 255 UTF-8 bytes', { ...ok, kek: { ...KEK, id: 'é'.repeat(128) } }],
    ['kek.id with a lone surrogate', { ...ok, kek: { ...KEK, id: 'a\ud800' } }],
    ['kek.version negative', { ...ok, kek: { ...KEK, version: -1 } }],
    ['kek.version fractional', { ...ok, kek: { ...KEK, version: 1.5 } }],
    ['kek.version above 2^32-1', { ...ok, kek: { ...KEK, version: 2 ** 32 } }],
    ['kek.key 31 bytes', { ...ok, kek: { ...KEK, key: new Uint8Array(31) } }],
    ['kek.key a number array', { ...ok, kek: { ...KEK, key: Array.from(pattern(32)) } }],
    ['vaultId empty', { ...ok, vaultId: '' }],
    ['vaultId over 1024 UTF-8 bytes', { ...ok, vaultId: '€'.repeat(342) }],
    ['recordId not a string', { ...ok, recordId: 5 }],
    ['recordId with a lone surrogate', { ...ok, recordId: '\udc00x' }],
    ['version negative', { ...ok, version: -1 }],
    ['version fractional', { ...ok, version: 0.5 }],
    ['version above 2^53-1', { ...ok, version: 2 ** 53 }],
    ['version a string', { ...ok, version: '1' }],
    ['plaintext a string', { ...ok, plaintext: 'hello' }],
  ];
  test.each(bad)('seal: %s', async (_what, options) => {
    await expectCode(sealRecord(options as SealRecordOptions), 'INVALID_INPUT');
  });

  test('seal: plaintext above 64 MiB', async () => {
    await expectCode(sealRecord({ ...ok, plaintext: new Uint8Array(MAX_RECORD_PLAINTEXT + 1) }), 'INVALID_INPUT');
  });

  test('open: both kek and keyring, or neither', async () => {
    const sealed = await sealRecord(ok);
    await expectCode(openRecord({ kek: KEK, keyring: { keks: [KEK] }, ...WHERE, sealed } as unknown as OpenRecordOptions), 'INVALID_INPUT');
    await expectCode(openRecord({ ...WHERE, sealed } as unknown as OpenRecordOptions), 'INVALID_INPUT');
    await expectCode(openRecord({ keyring: { keks: 'no' }, ...WHERE, sealed } as unknown as OpenRecordOptions), 'INVALID_INPUT');
    await expectCode(openRecord({ kek: KEK, ...WHERE, version: -1, sealed }), 'INVALID_INPUT');
    await expectCode(openRecord({ kek: KEK, ...WHERE, sealed: Array.from(sealed) } as unknown as OpenRecordOptions), 'INVALID_INPUT');
  });

  test('ids at the limits are accepted: 1024-byte ids, 255-byte KEK id, version 2^53-1', async () => {
    const kek = { ...KEK, id: 'k'.repeat(255), version: 2 ** 32 - 1 };
    const where = { vaultId: '€'.repeat(341) + 'a', recordId: 'r'.repeat(1024), version: Number.MAX_SAFE_INTEGER };
    const sealed = await sealRecord({ kek, ...where, plaintext: pattern(3) });
    expect(sealed.length).toBe(headerLength(SEAL_SUITE, 255) + 3 + 16);
    expect(await openRecord({ kek, ...where, sealed })).toEqual(pattern(3));
  });
});

describe('64 MiB records (the maximum)', () => {
  // Copies of the payload in sealRecord: the backend's GCM writes the
  // ciphertext into a new buffer (the node backend then moves it once more
  // into its `ciphertext || tag` buffer, a crypto-layer detail); the envelope
  // itself copies it exactly once, after the header. openRecord copies none:
  // it hands a view of the sealed bytes to the backend. The spy counts
  // TypedArray#set calls that move at least the whole payload.
  const SIZE = MAX_RECORD_PLAINTEXT;

  async function countLargeSets<T>(run: () => Promise<T>): Promise<{ result: T; copies: number }> {
    const spy = vi.spyOn(Uint8Array.prototype, 'set');
    try {
      const result = await run();
      const copies = spy.mock.calls.filter(([source]) => source.length >= SIZE).length;
      return { result, copies };
    } finally {
      spy.mockRestore();
    }
  }

  test.each(BACKENDS.slice(0, 2))('seal and open 64 MiB on %s', async (_name, backend) => {
    const plaintext = pattern(SIZE, 3);
    const t0 = performance.now();
    const { result: sealed, copies: sealCopies } = await countLargeSets(() =>
      sealRecordWith({ kek: KEK, ...WHERE, plaintext }, drawSealInputs(), backend),
    );
    const t1 = performance.now();
    const { result: opened, copies: openCopies } = await countLargeSets(() =>
      openRecordWith({ kek: KEK, ...WHERE, sealed }, backend),
    );
    const t2 = performance.now();
    console.log(`${backend.name}: seal 64 MiB ${(t1 - t0).toFixed(0)} ms (${sealCopies} payload copies), open ${(t2 - t1).toFixed(0)} ms (${openCopies})`);
    expect(sealed.length).toBe(SIZE + recordOverhead(SEAL_SUITE) + KEK.id.length);
    expect(opened.length).toBe(SIZE);
    expect(opened[SIZE - 1]).toBe(plaintext[SIZE - 1]);
    expect(opened.subarray(0, 4096)).toEqual(plaintext.subarray(0, 4096));
    // One envelope copy; the node backend adds one of its own (see above).
    expect(sealCopies).toBeLessThanOrEqual(backend.name === 'node' ? 2 : 1);
    expect(openCopies).toBe(0);
    expect(concat(sealed.subarray(0, 2))).toEqual(Uint8Array.of(0x5a, 0x56));
  });
});
