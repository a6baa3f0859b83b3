import { describe, expect, test } from 'vitest';
import { getBackend } from '#backend';
import { SEAL_SUITE, parseRecord } from '../../src/envelope/format.js';
import { randomBytes } from '../../src/crypto/random.js';
import type { Kek } from '../../src/envelope/kek.js';
import { drawSealInputs, openRecordWith, rewrapRecordWith, sealRecordWith, type RewrapRecordOptions } from '../../src/envelope/record.js';
import { decodeRecordHeader, rewrapRecord } from '../../src/envelope/index.js';
import { BACKENDS, expectCode, pattern } from './helpers.js';

const V1: Kek = { id: 'vault', version: 1, key: pattern(32, 1) };
const V2: Kek = { id: 'vault', version: 2, key: pattern(32, 2) };
const WHERE = { vaultId: 'vault', recordId: 'doc', version: 4 } as const;

describe.each(BACKENDS)('rewrapRecord on %s', (_name, backend) => {
  const seal = (plaintext: Uint8Array) => sealRecordWith({ kek: V1, ...WHERE, plaintext }, drawSealInputs(), backend);
  const rewrap = (o: RewrapRecordOptions) => rewrapRecordWith(o, randomBytes(12), backend);

  test('keeps nonce, commitment and payload bytes; only the KEK section changes', async () => {
    const plaintext = pattern(5000, 9);
    const sealed = await seal(plaintext);
    const rewrapped = await rewrap({ sealed, from: V1, to: V2, ...WHERE });
    const before = parseRecord(sealed);
    const after = parseRecord(rewrapped);
    expect(after.body).toEqual(before.body);
    expect(after.nonce).toEqual(before.nonce);
    expect(after.commitment).toEqual(before.commitment);
    expect(after.wrappedDek).not.toEqual(before.wrappedDek);
    expect(rewrapped.length).toBe(sealed.length);
    expect(decodeRecordHeader(rewrapped)).toMatchObject({ kekId: 'vault', kekVersion: 2 });
    // The tail (nonce onwards) is byte-identical.
    const tail = 9 + 'vault'.length + SEAL_SUITE.wrappedDekLength;
    expect(rewrapped.subarray(tail)).toEqual(sealed.subarray(tail));
    expect(await openRecordWith({ kek: V2, ...WHERE, sealed: rewrapped }, backend)).toEqual(plaintext);
  });

  test('a suite-1 record is re-wrapped in suite 1 and still opens', async () => {
    const plaintext = pattern(300, 4);
    const sealed = await sealRecordWith({ kek: V1, ...WHERE, plaintext }, drawSealInputs(1), backend);
    const rewrapped = await rewrap({ sealed, from: V1, to: V2, ...WHERE });
    expect(decodeRecordHeader(rewrapped)).toMatchObject({ suite: 1, kekId: 'vault', kekVersion: 2 });
    expect(parseRecord(rewrapped).body).toEqual(parseRecord(sealed).body);
    expect(await openRecordWith({ kek: V2, ...WHERE, sealed: rewrapped }, backend)).toEqual(plaintext);
  });

  test('the old KEK no longer opens the rewrapped record', async () => {
    const sealed = await seal(pattern(10));
    const rewrapped = await rewrap({ sealed, from: V1, to: V2, ...WHERE });
    await expectCode(openRecordWith({ kek: V1, ...WHERE, sealed: rewrapped }, backend), 'DECRYPT_FAILED');
    // Not even when the old key is presented under the new name.
    await expectCode(openRecordWith({ kek: { ...V1, version: 2 }, ...WHERE, sealed: rewrapped }, backend), 'DECRYPT_FAILED');
  });

  test('to another KEK id and back', async () => {
    const other: Kek = { id: 'elsewhere', version: 9, key: pattern(32, 3) };
    const sealed = await seal(pattern(33));
    const moved = await rewrap({ sealed, from: V1, to: other, ...WHERE });
    const back = await rewrap({ sealed: moved, from: other, to: V1, ...WHERE });
    expect(await openRecordWith({ kek: V1, ...WHERE, sealed: back }, backend)).toEqual(pattern(33));
  });

  test('wrong `from` KEK, or wrong identity → DECRYPT_FAILED', async () => {
    const sealed = await seal(pattern(10));
    await expectCode(rewrap({ sealed, from: V2, to: V1, ...WHERE }), 'DECRYPT_FAILED');
    await expectCode(rewrap({ sealed, from: { ...V1, key: pattern(32, 7) }, to: V2, ...WHERE }), 'DECRYPT_FAILED');
    await expectCode(rewrap({ sealed, from: V1, to: V2, ...WHERE, recordId: 'other' }), 'DECRYPT_FAILED');
    await expectCode(rewrap({ sealed, from: V1, to: V2, ...WHERE, version: 5 }), 'DECRYPT_FAILED');
  });

  test('a re-wrap cannot move a record: the new wrap is bound to the same identity', async () => {
    const sealed = await seal(pattern(10));
    const rewrapped = await rewrap({ sealed, from: V1, to: V2, ...WHERE });
    await expectCode(openRecordWith({ kek: V2, ...WHERE, vaultId: 'vault-b', sealed: rewrapped }, backend), 'DECRYPT_FAILED');
  });

  test('a tampered payload stays tampered: rewrap succeeds, open fails', async () => {
    const sealed = await seal(pattern(10));
    sealed[sealed.length - 20]! ^= 1;
    const rewrapped = await rewrap({ sealed, from: V1, to: V2, ...WHERE });
    await expectCode(openRecordWith({ kek: V2, ...WHERE, sealed: rewrapped }, backend), 'DECRYPT_FAILED');
  });
});

test('rewrapRecord validates its inputs', async () => {
  const sealed = await sealRecordWith({ kek: V1, ...WHERE, plaintext: pattern(1) }, drawSealInputs(), getBackend());
  await expectCode(rewrapRecord({ sealed, from: V1, to: { ...V2, key: new Uint8Array(16) }, ...WHERE }), 'INVALID_INPUT');
  await expectCode(rewrapRecord({ sealed, from: V1, to: V2, ...WHERE, vaultId: '' }), 'INVALID_INPUT');
  await expectCode(rewrapRecord({ sealed: sealed.subarray(1), from: V1, to: V2, ...WHERE }), 'INVALID_INPUT');
});
