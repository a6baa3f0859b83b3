import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, test } from 'vitest';
import { i2osp } from '../../src/crypto/bytes.js';
import { SEAL_SUITE, headerLength } from '../../src/envelope/format.js';
import type { Keyring } from '../../src/envelope/keyring.js';
import { createKeyringWith } from '../../src/envelope/keyring-new.js';
import { decodeKeyringWith } from '../../src/envelope/keyring-codec.js';
import { openKeyringWith, sealKeyringWith } from '../../src/envelope/keyring-record.js';
import { drawSealInputs } from '../../src/envelope/record.js';
import {
  KEYRING_RECORD_ID,
  activeKek,
  addKekVersion,
  createKeyring,
  decodeKeyring,
  encodeKeyring,
  openKeyring,
  openRecord,
  decodeRecordHeader,
  sealKeyring,
  sealRecord,
  setActiveKek,
} from '../../src/envelope/index.js';
import { BACKENDS, expectCode, pattern } from './helpers.js';

const ROOT = { id: 'root', version: 1, key: pattern(32, 200) };

function sample(): Keyring {
  let keyring = createKeyring();
  keyring = addKekVersion({ keyring, id: 'vault-b' }).keyring;
  keyring = addKekVersion({ keyring, id: 'vault-a' }).keyring;
  keyring = addKekVersion({ keyring, id: 'vault-a' }).keyring;
  return keyring;
}

describe('keyring values', () => {
  test('a new keyring has consistent identity key pairs and no KEKs', () => {
    const keyring = createKeyring();
    expect(keyring.keks).toEqual([]);
    expect(ed25519.getPublicKey(keyring.ed25519.secretKey)).toEqual(keyring.ed25519.publicKey);
    for (const [, backend] of BACKENDS) expect(backend.x25519PublicKey(keyring.x25519.secretKey)).toEqual(keyring.x25519.publicKey);
    // Signing works with the pair.
    const sig = ed25519.sign(Uint8Array.of(1, 2, 3), keyring.ed25519.secretKey);
    expect(ed25519.verify(sig, Uint8Array.of(1, 2, 3), keyring.ed25519.publicKey)).toBe(true);
  });

  test('versions count up per id; the first is active, later ones only when asked', () => {
    const keyring = sample();
    expect(keyring.keks.map((k) => [k.id, k.version, k.active])).toEqual([
      ['vault-a', 1, true],
      ['vault-a', 2, false],
      ['vault-b', 1, true],
    ]);
    const { keyring: next, kek } = addKekVersion({ keyring, id: 'vault-a', activate: true });
    expect(kek).toMatchObject({ id: 'vault-a', version: 3, active: true });
    expect(activeKek({ keyring: next, id: 'vault-a' }).version).toBe(3);
    expect(next.keks.filter((k) => k.id === 'vault-a' && k.active)).toHaveLength(1);
    // The input keyring is unchanged.
    expect(activeKek({ keyring, id: 'vault-a' }).version).toBe(1);
  });

  test('setActiveKek switches the active version; unknown ones are NOT_FOUND', () => {
    const keyring = setActiveKek({ keyring: sample(), id: 'vault-a', version: 2 });
    expect(activeKek({ keyring, id: 'vault-a' }).version).toBe(2);
    expect(keyring.keks.find((k) => k.id === 'vault-a' && k.version === 1)?.active).toBe(false);
    expect(() => setActiveKek({ keyring, id: 'vault-a', version: 9 })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => activeKek({ keyring, id: 'nope' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  test('the active KEK seals records that the keyring opens, across rotation', async () => {
    let keyring = sample();
    const where = { vaultId: 'vault-a', recordId: 'x', version: 1 };
    const old = await sealRecord({ kek: activeKek({ keyring, id: 'vault-a' }), ...where, plaintext: pattern(9) });
    keyring = addKekVersion({ keyring, id: 'vault-a', activate: true }).keyring;
    const fresh = await sealRecord({ kek: activeKek({ keyring, id: 'vault-a' }), ...where, plaintext: pattern(9, 1) });
    expect(decodeRecordHeader(fresh).kekVersion).toBe(3);
    expect(await openRecord({ keyring, ...where, sealed: old })).toEqual(pattern(9));
    expect(await openRecord({ keyring, ...where, sealed: fresh })).toEqual(pattern(9, 1));
  });

  test.each([
    ['duplicate id and version', (k: Keyring) => ({ ...k, keks: [...k.keks, k.keks[0]!] })],
    ['two active versions', (k: Keyring) => ({ ...k, keks: k.keks.map((e) => ({ ...e, active: true })) })],
    ['no active version', (k: Keyring) => ({ ...k, keks: k.keks.map((e) => ({ ...e, active: false })) })],
    ['short KEK key', (k: Keyring) => ({ ...k, keks: [{ ...k.keks[0]!, key: new Uint8Array(31) }] })],
    ['empty KEK id', (k: Keyring) => ({ ...k, keks: [{ ...k.keks[0]!, id: '' }] })],
    ['active not a boolean', (k: Keyring) => ({ ...k, keks: [{ ...k.keks[0]!, active: 1 }] })],
    ['short identity key', (k: Keyring) => ({ ...k, x25519: { ...k.x25519, publicKey: new Uint8Array(31) } })],
    ['keks not an array', (k: Keyring) => ({ ...k, keks: {} })],
  ])('malformed keyring (%s) → INVALID_INPUT', (_what, mutate) => {
    const bad = mutate(sample()) as unknown as Keyring;
    expect(() => encodeKeyring(bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => addKekVersion({ keyring: bad, id: 'z' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('keyring encoding', () => {
  test('round trip, canonical regardless of entry order', () => {
    const keyring = sample();
    const bytes = encodeKeyring(keyring);
    expect(bytes.length).toBe(133 + 3 * (1 + 7 + 4 + 1 + 32));
    const decoded = decodeKeyring(bytes);
    expect(decoded).toEqual(keyring);
    expect(encodeKeyring(decoded)).toEqual(bytes);
    expect(encodeKeyring({ ...keyring, keks: [...keyring.keks].reverse() })).toEqual(bytes);
    expect(decodeKeyring(encodeKeyring(createKeyring())).keks).toEqual([]);
  });

  test('every truncation and a trailing byte are INVALID_INPUT', () => {
    const bytes = encodeKeyring(sample());
    for (let n = 0; n < bytes.length; n++) {
      expect(() => decodeKeyring(bytes.slice(0, n)), `length ${n}`).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
    expect(() => decodeKeyring(Uint8Array.from([...bytes, 0]))).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  const patched = (at: number, values: ArrayLike<number>) => {
    const bytes = encodeKeyring(sample());
    bytes.set(values, at);
    return bytes;
  };
  const ENTRY = 133; // first entry: "vault-a" v1
  test.each([
    ['wrong magic', () => patched(0, [0x5a, 0x56]), 'INVALID_INPUT'],
    ['unknown version', () => patched(2, [2]), 'UNSUPPORTED'],
    ['x25519 public key does not match', () => patched(35, [0]), 'INVALID_INPUT'],
    ['ed25519 public key does not match', () => patched(99, [0]), 'INVALID_INPUT'],
    ['count too high', () => patched(131, i2osp(4, 2)), 'INVALID_INPUT'],
    ['count too low', () => patched(131, i2osp(2, 2)), 'INVALID_INPUT'],
    ['empty KEK id', () => patched(ENTRY, [0]), 'INVALID_INPUT'],
    ['KEK id not UTF-8', () => patched(ENTRY + 1, [0xc0]), 'INVALID_INPUT'],
    ['active flag 2', () => patched(ENTRY + 12, [2]), 'INVALID_INPUT'],
    ['entries out of order', () => patched(ENTRY + 8, i2osp(3, 4)), 'INVALID_INPUT'],
    ['two active versions', () => patched(ENTRY + 45 + 12, [1]), 'INVALID_INPUT'],
    ['not bytes', () => 'ZK', 'INVALID_INPUT'],
  ])('%s → %s', (_what, make, code) => {
    expect(() => decodeKeyring(make() as Uint8Array)).toThrow(expect.objectContaining({ code }));
  });
});

describe.each(BACKENDS)('sealed keyring on %s', (_name, backend) => {
  const where = { owner: 'alice', version: 3 };

  test('seal and open under the root key', async () => {
    const keyring = createKeyringWith({ x25519: pattern(32, 7), ed25519: pattern(32, 9) }, backend);
    const withKek = addKekVersion({ keyring, id: 'vault' }).keyring;
    const sealed = await sealKeyringWith({ root: ROOT, ...where, keyring: withKek }, drawSealInputs(), backend);
    expect(decodeRecordHeader(sealed)).toMatchObject({ kekId: 'root', kekVersion: 1 });
    const opened = await openKeyringWith({ root: ROOT, ...where, sealed }, backend);
    expect(opened).toEqual(withKek);
    expect(decodeKeyringWith(encodeKeyring(opened), backend)).toEqual(withKek);
  });

  test('tampering, another owner, another version or another root key → DECRYPT_FAILED', async () => {
    const sealed = await sealKeyringWith({ root: ROOT, ...where, keyring: sample() }, drawSealInputs(), backend);
    // Flips in the ciphertext and tag (the header is covered by parse.test.ts).
    for (let i = headerLength(SEAL_SUITE, 4); i < sealed.length; i += 37) {
      const bad = Uint8Array.from(sealed);
      bad[i]! ^= 0x10;
      await expectCode(openKeyringWith({ root: ROOT, ...where, sealed: bad }, backend), 'DECRYPT_FAILED');
    }
    await expectCode(openKeyringWith({ root: ROOT, owner: 'mallory', version: 3, sealed }, backend), 'DECRYPT_FAILED');
    await expectCode(openKeyringWith({ root: ROOT, owner: 'alice', version: 2, sealed }, backend), 'DECRYPT_FAILED');
    await expectCode(openKeyringWith({ root: { ...ROOT, key: pattern(32, 1) }, ...where, sealed }, backend), 'DECRYPT_FAILED');
  });
});

test('the public sealKeyring/openKeyring wrappers and the record id', async () => {
  const keyring = sample();
  const sealed = await sealKeyring({ root: ROOT, owner: 'bob', version: 1, keyring });
  expect(await openKeyring({ root: ROOT, owner: 'bob', version: 1, sealed })).toEqual(keyring);
  // It is an ordinary record at (owner, KEYRING_RECORD_ID).
  const plain = await openRecord({ kek: ROOT, vaultId: 'bob', recordId: KEYRING_RECORD_ID, version: 1, sealed });
  expect(decodeKeyring(plain)).toEqual(keyring);
});
