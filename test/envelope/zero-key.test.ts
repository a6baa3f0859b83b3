/**
 * Defect 1, second half (issue 13): no all-zero key is accepted anywhere.
 * A wiped keyring holds 32-byte zero KEKs; anything sealed under one is
 * readable by everyone. Every boundary that takes a raw key refuses it with
 * `INVALID_INPUT` before any crypto (the backend below records every call);
 * a DEK that unwraps to zeros is `DECRYPT_FAILED` like any forgery, since it
 * comes out of the authentication sequence.
 */
import { describe, expect, test, vi } from 'vitest';
import { getBackend } from '#backend';
import { importKey } from '../../src/crypto/aead.js';
import type { Backend } from '../../src/crypto/backend.js';
import { isZero } from '../../src/crypto/bytes.js';
import {
  addKekVersion,
  createKeyring,
  decodeKeyring,
  encodeKeyring,
  importKek,
  openKeyring,
  openRecord,
  rewrapRecord,
  sealKeyring,
  sealRecord,
  type Keyring,
} from '../../src/envelope/index.js';
import { KEY_LENGTH } from '../../src/envelope/keyring.js';
import { RECORD_SUITES, payloadAad, wrapAad, writeRecord, type AadFields } from '../../src/envelope/format.js';
import { encodeId } from '../../src/envelope/inputs.js';
import { openRecordWith, sealRecordWith } from '../../src/envelope/record.js';
import { deriveRecordKeys } from '../../src/envelope/record-keys.js';
import { BACKENDS, expectCode, pattern } from './helpers.js';

const ZERO = new Uint8Array(32);
const WHERE = { vaultId: 'vault-1', recordId: 'notes/today', version: 7 } as const;
const ZERO_KEK = { id: 'vault-1', version: 1, key: ZERO };
const GOOD_KEK = { id: 'vault-1', version: 1, key: pattern(32, 1) };

/** Every crypto member of the build's backend, spied on: none may run for a refused key. */
function spyOnCrypto(): () => number {
  const backend = getBackend();
  const members = ['importAesGcmKey', 'aesGcmSeal', 'aesGcmOpen', 'aesGcmSealSync', 'aesGcmOpenSync', 'hmac', 'hkdfExtract', 'hkdf'] as const;
  const spies = members.filter((m) => backend[m] !== undefined).map((m) => vi.spyOn(backend as Required<Backend>, m));
  return () => spies.reduce((n, s) => n + s.mock.calls.length, 0);
}

describe('an all-zero raw key is refused before any crypto (INVALID_INPUT)', () => {
  test('sealing and opening a record with a 32-byte zero KEK', async () => {
    const calls = spyOnCrypto();
    const sealed = await sealRecord({ kek: GOOD_KEK, ...WHERE, plaintext: pattern(40) });
    const before = calls();
    expect(before, 'the spies see the backend').toBeGreaterThan(0);
    await expectCode(sealRecord({ kek: ZERO_KEK, ...WHERE, plaintext: pattern(40) }), 'INVALID_INPUT');
    await expectCode(openRecord({ kek: ZERO_KEK, ...WHERE, sealed }), 'INVALID_INPUT');
    await expectCode(openRecord({ keyring: { keks: [ZERO_KEK] }, ...WHERE, sealed }), 'INVALID_INPUT');
    await expectCode(rewrapRecord({ from: GOOD_KEK, to: { ...ZERO_KEK, version: 2 }, ...WHERE, sealed }), 'INVALID_INPUT');
    await expectCode(rewrapRecord({ from: ZERO_KEK, to: { ...GOOD_KEK, version: 2 }, ...WHERE, sealed }), 'INVALID_INPUT');
    expect(calls() - before, 'crypto calls after the first seal').toBe(0);
    vi.restoreAllMocks();
  });

  test('importKek and aead importKey', async () => {
    await expectCode(importKek(ZERO_KEK), 'INVALID_INPUT');
    await expectCode(() => importKey(new Uint8Array(32)), 'INVALID_INPUT');
  });

  test('a zero byte anywhere is fine; only all zeros is refused', async () => {
    for (const at of [0, 15, 31]) {
      const key = new Uint8Array(32);
      key[at] = 1;
      const sealed = await sealRecord({ kek: { ...ZERO_KEK, key }, ...WHERE, plaintext: pattern(3) });
      expect(await openRecord({ kek: { ...ZERO_KEK, key }, ...WHERE, sealed })).toEqual(pattern(3));
    }
  });

  test('a wiped keyring (as logout left it) is refused wherever it is used', async () => {
    const fresh = addKekVersion({ keyring: createKeyring(), id: 'vault-1' }).keyring;
    const sealed = await sealRecord({ kek: fresh.keks[0]!, ...WHERE, plaintext: pattern(9) });
    const wiped: Keyring = structuredClone(fresh);
    for (const kek of wiped.keks) kek.key.fill(0);
    await expectCode(openRecord({ keyring: wiped, ...WHERE, sealed }), 'INVALID_INPUT');
    await expectCode(sealRecord({ kek: wiped.keks[0]!, ...WHERE, plaintext: pattern(9) }), 'INVALID_INPUT');
    expect(() => encodeKeyring(wiped)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => addKekVersion({ keyring: wiped, id: 'vault-2' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    const noIdentity: Keyring = { ...fresh, x25519: { ...fresh.x25519, secretKey: new Uint8Array(KEY_LENGTH) } };
    expect(() => encodeKeyring(noIdentity)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  test('a keyring encoding holding a zero KEK does not decode', () => {
    const keyring = addKekVersion({ keyring: createKeyring(), id: 'vault-1' }).keyring;
    const bytes = encodeKeyring(keyring);
    bytes.fill(0, bytes.length - 32);
    expect(() => decodeKeyring(bytes)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  test('sealing and opening a keyring under a zero root key', async () => {
    const keyring = createKeyring();
    const root = { id: 'root', version: 1, key: pattern(32, 200) };
    const sealed = await sealKeyring({ root, owner: 'alice', version: 1, keyring });
    await expectCode(sealKeyring({ root: { ...root, key: ZERO }, owner: 'alice', version: 1, keyring }), 'INVALID_INPUT');
    await expectCode(openKeyring({ root: { ...root, key: ZERO }, owner: 'alice', version: 1, sealed }), 'INVALID_INPUT');
  });
});

describe.each(BACKENDS)('a DEK that unwraps to zeros on %s', (_name, backend) => {
  test('is DECRYPT_FAILED, like any other failure after parsing', async () => {
    const identity = { vaultId: encodeId(WHERE.vaultId, 'v', 1024), recordId: encodeId(WHERE.recordId, 'r', 1024), version: WHERE.version };
    for (const suite of [RECORD_SUITES[1], RECORD_SUITES[2]]) {
      // Built by hand with a valid wrap and commitment: only the zero check can refuse it.
      const dek = new Uint8Array(suite.dekLength);
      const { key, commitment } = deriveRecordKeys(dek, suite, backend);
      const fields: AadFields = { suite, kekIdBytes: encodeId(GOOD_KEK.id, 'id', 255), kekVersion: 1, nonce: pattern(12, 3), commitment, plaintextLength: 4 };
      const wrapNonce = pattern(12, 5);
      const wrapped = await backend.aesGcmSeal(await backend.importAesGcmKey(GOOD_KEK.key), wrapNonce, dek, wrapAad(identity, fields));
      const body = await backend.aesGcmSeal(await backend.importAesGcmKey(key), fields.nonce, pattern(4), payloadAad(identity, fields));
      const sealed = writeRecord({ ...fields, wrappedDek: Uint8Array.from([...wrapNonce, ...wrapped]) }, body);
      await expectCode(openRecordWith({ kek: GOOD_KEK, ...WHERE, sealed }, backend), 'DECRYPT_FAILED');
    }
  });

  test('the deterministic core refuses a zero DEK as input', async () => {
    const inputs = { suite: 2 as const, dek: new Uint8Array(64), wrapNonce: pattern(12), nonce: pattern(12, 1) };
    await expectCode(sealRecordWith({ kek: GOOD_KEK, ...WHERE, plaintext: pattern(1) }, inputs, backend), 'INVALID_INPUT');
  });
});

test('isZero reads every byte (no early exit on the first non-zero byte)', () => {
  const reads: number[] = [];
  const bytes = new Uint8Array(32).fill(1);
  const probe = new Proxy(bytes, {
    get(target, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads.push(Number(key));
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  expect(isZero(probe)).toBe(false);
  expect(reads).toEqual(Array.from({ length: 32 }, (_, i) => i));
  expect(isZero(new Uint8Array(32))).toBe(true);
  expect(isZero(new Uint8Array(0))).toBe(true);
});
