/**
 * Record signatures against `record-signatures-v1.json`: the message and the
 * signature are the published bytes (through the formats and through the
 * client, which cuts the signed part out of the sealed record), the changed
 * inputs do not verify, and no byte flip of the signature or the signed part
 * does.
 */
import { describe, expect, test } from 'vitest';
import { signRecord, verifyRecord } from '../../src/client/sharing/record-signature.js';
import { toHex } from '../../src/crypto/bytes.js';
import { RECORD_SIGNATURE_LABEL, encodeRecordSignatureMessage, signRecordFields, verifyRecordFields } from '../../src/formats/record-signature.js';
import { bytes, corruptions, readVectors, typedFailure } from './helpers.js';

interface Valid {
  name: string;
  owner: string;
  vault: string;
  recordId: string;
  contentVersion: number;
  signer: string;
  sealed: string;
  payloadPart: string;
  message: string;
  seed: string;
  publicKey: string;
  signature: string;
}
interface Vectors {
  valid: Valid[];
  invalid: { name: string; change: Partial<Omit<Valid, 'name'>> }[];
}
const vectors = readVectors<Vectors>('record-signatures-v1.json');

const fieldsOf = (v: Valid) => ({ owner: v.owner, vault: v.vault, recordId: v.recordId, contentVersion: v.contentVersion, signer: v.signer, payloadPart: bytes(v.payloadPart) });
const inputOf = (v: Valid) => ({ owner: v.owner, vault: v.vault, recordId: v.recordId, contentVersion: v.contentVersion, signer: v.signer, sealed: bytes(v.sealed) });

describe('record signatures (record-signatures-v1.json)', () => {
  test('message and signature', () => {
    expect(RECORD_SIGNATURE_LABEL).toBe('zerovault/v1/record-signature');
    for (const v of vectors.valid) {
      expect(toHex(encodeRecordSignatureMessage(fieldsOf(v)))).toBe(v.message);
      expect(toHex(signRecordFields(fieldsOf(v), bytes(v.seed)).value)).toBe(v.signature);
      const viaClient = signRecord(inputOf(v), bytes(v.seed));
      expect(viaClient.signer).toBe(v.signer);
      expect(toHex(viaClient.value)).toBe(v.signature);
      expect(verifyRecordFields(fieldsOf(v), bytes(v.signature), bytes(v.publicKey))).toBe(true);
      expect(verifyRecord(inputOf(v), bytes(v.signature), bytes(v.publicKey))).toBe(true);
    }
  });

  test('each changed input does not verify', async () => {
    const v = vectors.valid[0] as Valid;
    expect(vectors.invalid.length).toBeGreaterThanOrEqual(7);
    for (const { name, change } of vectors.invalid) {
      const w = { ...v, ...change };
      expect(verifyRecord(inputOf(w), bytes(w.signature), bytes(w.publicKey)), name).toBe(false);
    }
    expect(verifyRecordFields({ ...fieldsOf(v), contentVersion: 0 }, bytes(v.signature), bytes(v.publicKey))).toBe(false);
    expect(await typedFailure(() => encodeRecordSignatureMessage({ ...fieldsOf(v), contentVersion: 0 }))).toBe('INVALID_INPUT');
  });

  test('no truncation or byte flip of the signature or the signed part verifies', () => {
    const v = vectors.valid[0] as Valid;
    for (const { what, bytes: bad } of corruptions(bytes(v.signature))) {
      expect(verifyRecordFields(fieldsOf(v), bad, bytes(v.publicKey)), what).toBe(false);
    }
    for (const { what, bytes: bad } of corruptions(bytes(v.payloadPart))) {
      expect(verifyRecordFields({ ...fieldsOf(v), payloadPart: bad }, bytes(v.signature), bytes(v.publicKey)), what).toBe(false);
    }
  });
});
