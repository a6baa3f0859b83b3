/**
 * Key commitment against the AES-GCM two-key collision.
 *
 * AES-GCM is not key-committing: one (nonce, ciphertext, tag) can
 * authenticate under two keys, with different plaintexts (the outside vector
 * shows it). Against an envelope, the attack is: a malicious sender or store
 * hands two readers one record that opens for each of them, to different
 * contents (e.g. a different message for a moderator and for the recipient).
 *
 * Why v1 stops it: a record's AES key and the commitment its header carries
 * both come from the DEK by HKDF (suite 1: HKDF-SHA-256 with two labels;
 * suite 2: the two halves of one HKDF-Expand-SHA-512), and the commitment is
 * checked in constant time before decryption. For one record to open under
 * two DEKs, the attacker must find DEK1 ≠ DEK2 with equal commitments: a
 * collision of HMAC truncated to 256 bits, which nobody can compute. Both
 * suites are tested. So:
 * 1. The raw vector cannot be replayed: its keys only matter as AES keys, and
 *    our AES keys are HKDF outputs (plus our AAD is never empty).
 * 2. An adaptive attacker who picks DEK1, DEK2, derives both AES keys and
 *    solves a fresh GCM collision for our exact AAD gets a payload that GCM
 *    accepts under both keys (shown below) and still fails: the header has
 *    room for one commitment, and it matches one DEK only.
 * 3. The DEK wrap is plain GCM, so a wrapped DEK could likewise unwrap under
 *    two KEKs to two DEKs; the commitment check after unwrapping rejects all
 *    but one of them, and the wrap AAD even includes the commitment, so the
 *    collision would have to solve for a ciphertext whose own decryption
 *    feeds its AAD.
 */
import { describe, expect, test } from 'vitest';
import type { Backend } from '../../src/crypto/backend.js';
import { fromHex } from '../../src/crypto/bytes.js';
import { LABELS, deriveKey, deriveKeys } from '../../src/crypto/kdf.js';
import { RECORD_SUITES, payloadAad, wrapAad, writeRecord, type AadFields, type RecordSuite } from '../../src/envelope/format.js';
import { encodeId } from '../../src/envelope/inputs.js';
import type { Kek } from '../../src/envelope/kek.js';
import { openRecordWith } from '../../src/envelope/record.js';
import { deriveCommitment, deriveRecordKeys } from '../../src/envelope/record-keys.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';
import { collide, gcmTag } from './gcm-collision.js';
import { BACKENDS, expectCode, pattern, recordKeysByDefinition } from './helpers.js';

interface CollisionVector {
  key1: string;
  key2: string;
  iv: string;
  aad: string;
  ct: string;
  tag: string;
  pt_under_key1: string;
  pt_under_key2: string;
}

const FILE = 'derived/aes256gcm_two_key_collision.json';
const WHERE = { vaultId: 'vault', recordId: 'message', version: 1 } as const;
const identity = { vaultId: encodeId(WHERE.vaultId, 'v', 1024), recordId: encodeId(WHERE.recordId, 'r', 1024), version: 1 };

/** Builds a record by hand: DEK wrapped under `kek`, payload given as `body`. */
async function buildRecord(
  backend: Backend,
  kek: Kek & { key: Uint8Array },
  dek: Uint8Array,
  fields: Omit<AadFields, 'kekIdBytes' | 'kekVersion'>,
  body: Uint8Array,
): Promise<Uint8Array> {
  const all: AadFields = { ...fields, kekIdBytes: encodeId(kek.id, 'id', 255), kekVersion: kek.version };
  const wrapNonce = pattern(12, 40);
  const wrapped = await backend.aesGcmSeal(await backend.importAesGcmKey(kek.key), wrapNonce, dek, wrapAad(identity, all));
  const wrappedDek = new Uint8Array(fields.suite.wrappedDekLength);
  wrappedDek.set(wrapNonce);
  wrappedDek.set(wrapped, 12);
  return writeRecord({ ...all, wrappedDek }, body);
}

/** The suite's payload key, computed from the KDF's definition (not `deriveRecordKeys`). */
const aesKeyOf = (dek: Uint8Array, suite: RecordSuite, backend: Backend): Uint8Array => recordKeysByDefinition(dek, suite, backend).key;

const SUITES = [['suite 1', RECORD_SUITES[1]] as const, ['suite 2', RECORD_SUITES[2]] as const];

describeVectors('two-key GCM collision vs. the committing format', FILE, () => {
  const v = readVectorJson<CollisionVector>(FILE);
  const key1 = fromHex(v.key1);
  const key2 = fromHex(v.key2);
  const iv = fromHex(v.iv);
  const body = fromHex(v.ct + v.tag);

  test('our GHASH model reproduces the vector tag under both keys', () => {
    expect(gcmTag(key1, iv, new Uint8Array(0), fromHex(v.ct))).toEqual(fromHex(v.tag));
    expect(gcmTag(key2, iv, new Uint8Array(0), fromHex(v.ct))).toEqual(fromHex(v.tag));
  });

  describe.each(BACKENDS)('on %s', (_name, backend) => {
    test('raw AES-GCM accepts the vector under both keys (GCM does not commit)', async () => {
      const p1 = await backend.aesGcmOpen(await backend.importAesGcmKey(key1), iv, body);
      const p2 = await backend.aesGcmOpen(await backend.importAesGcmKey(key2), iv, body);
      expect(p1).toEqual(fromHex(v.pt_under_key1));
      expect(p2).toEqual(fromHex(v.pt_under_key2));
    });

    test.each(SUITES)('1. the vector replayed as a %s record (its keys as DEKs) opens under neither', async (_s, suite) => {
      for (const key of [key1, key2]) {
        // Suite 2's DEK is 64 bytes: the vector key followed by itself.
        const dek = suite.dekLength === 32 ? key : new Uint8Array([...key, ...key]);
        const kek = { id: 'k', version: 1, key: pattern(32, key[0]) };
        const sealed = await buildRecord(
          backend,
          kek,
          dek,
          { suite, nonce: iv, commitment: deriveCommitment(dek, suite, backend), plaintextLength: fromHex(v.ct).length },
          body,
        );
        await expectCode(openRecordWith({ kek, ...WHERE, sealed }, backend), 'DECRYPT_FAILED');
      }
    });

    test.each(SUITES)('2. a fresh collision under both derived keys and our AAD (%s) still opens for one reader only', async (_s, suite) => {
      const dek1 = pattern(suite.dekLength, 1);
      const dek2 = pattern(suite.dekLength, 2);
      const kekA = { id: 'shared', version: 1, key: pattern(32, 10) };
      const kekB = { id: 'shared', version: 1, key: pattern(32, 20) };
      const nonce = iv;
      const fields = { suite, nonce, commitment: deriveCommitment(dek1, suite, backend), plaintextLength: 32 };
      const aad = payloadAad(identity, { ...fields, kekIdBytes: new Uint8Array(0), kekVersion: 0 });
      const k1 = aesKeyOf(dek1, suite, backend);
      const k2 = aesKeyOf(dek2, suite, backend);
      const payload = collide(k1, k2, nonce, aad, pattern(16, 77));

      // The attack works at the GCM layer: both derived keys accept the payload.
      expect((await backend.aesGcmOpen(await backend.importAesGcmKey(k1), nonce, payload, aad)).length).toBe(32);
      expect((await backend.aesGcmOpen(await backend.importAesGcmKey(k2), nonce, payload, aad)).length).toBe(32);

      // Reader A: DEK1 under KEK A. Reader B: DEK2 under KEK B. Same payload, same commitment.
      const forA = await buildRecord(backend, kekA, dek1, fields, payload);
      const forB = await buildRecord(backend, kekB, dek2, fields, payload);
      const openedA = await openRecordWith({ kek: kekA, ...WHERE, sealed: forA }, backend);
      expect(openedA.length).toBe(32);
      // B's payload AAD is the one just shown to accept k2 (the KEK section is
      // not in it), so only the commitment stands between B and a second plaintext.
      expect(payloadAad(identity, { ...fields, kekIdBytes: new Uint8Array(0), kekVersion: 0 })).toEqual(aad);
      // B's DEK does not match the commitment: rejected before decryption.
      await expectCode(openRecordWith({ kek: kekB, ...WHERE, sealed: forB }, backend), 'DECRYPT_FAILED');
      // With B's own commitment the AAD changes, and the collision no longer holds.
      const honestB = await buildRecord(backend, kekB, dek2, { ...fields, commitment: deriveCommitment(dek2, suite, backend) }, payload);
      await expectCode(openRecordWith({ kek: kekB, ...WHERE, sealed: honestB }, backend), 'DECRYPT_FAILED');
    });
  });
});

describe.each(BACKENDS)('record key derivation on %s', (_name, backend) => {
  const suite1 = RECORD_SUITES[1];
  test('suite 1: one extract, two expands: equal to two separate HKDF calls with distinct labels', () => {
    const dek = pattern(32, 5);
    const { key, commitment } = deriveRecordKeys(dek, suite1, backend);
    expect(key).toEqual(aesKeyOf(dek, suite1, backend));
    expect(commitment).toEqual(deriveKey({ ikm: dek, label: LABELS.recordCommitment, context: suite1.prefix }, backend));
    expect(key).not.toEqual(commitment);
    expect(deriveKeys({ ikm: dek, labels: [LABELS.recordKey], context: suite1.prefix }, backend)).toEqual([key]);
    expect(() => deriveKeys({ ikm: dek, labels: [] }, backend)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => deriveKeys({ ikm: dek, labels: ['bad label'] }, backend)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  test('suite 2: one HKDF-Expand-SHA-512 block, split into key and commitment', () => {
    const suite2 = RECORD_SUITES[2];
    const dek = pattern(64, 5);
    const { key, commitment } = deriveRecordKeys(dek, suite2, backend);
    const byDefinition = recordKeysByDefinition(dek, suite2, backend);
    expect(key).toEqual(byDefinition.key);
    expect(commitment).toEqual(byDefinition.commitment);
    // The DEK length is the suite's: a suite-1 DEK is refused, not stretched.
    expect(() => deriveRecordKeys(pattern(32, 5), suite2, backend)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => deriveRecordKeys(dek, suite1, backend)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
