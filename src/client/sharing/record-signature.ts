/**
 * Writer signatures on records of shared vaults: the message and the
 * signature are `formats/record-signature.ts`; this module cuts the signed
 * part out of a sealed record with the record's own strict header parser.
 *
 *     payloadPart = sealed[0..4] || sealed[payloadOffset ..]
 *
 * with `payloadOffset` from `RecordHeader` (after the KEK id and the suite's
 * wrapped-DEK field: 60 bytes in suite 1, 92 in suite 2).
 *
 * @module
 */
import { concat } from '../../crypto/bytes.js';
import { decodeRecordHeader } from '../../envelope/index.js';
import type { FrameSignature } from '../../formats/frame.js';
import { signRecordFields, verifyRecordFields, type RecordSignatureFields } from '../../formats/record-signature.js';

/** What a record signature covers. Ids are normalized user ids. */
export interface RecordSignatureInput extends Omit<RecordSignatureFields, 'payloadPart'> {
  /** The sealed record v1. */
  readonly sealed: Uint8Array;
}

function fieldsOf(input: RecordSignatureInput): RecordSignatureFields {
  const { payloadOffset } = decodeRecordHeader(input.sealed); // strict: the offsets are then in range
  const payloadPart = concat(input.sealed.subarray(0, 4), input.sealed.subarray(payloadOffset));
  return { owner: input.owner, vault: input.vault, recordId: input.recordId, contentVersion: input.contentVersion, signer: input.signer, payloadPart };
}

/**
 * Signs a record as `input.signer` with its Ed25519 seed.
 * @throws `INVALID_INPUT` / `UNSUPPORTED` when the sealed record is malformed
 */
export function signRecord(input: RecordSignatureInput, secretKey: Uint8Array): FrameSignature {
  return signRecordFields(fieldsOf(input), secretKey);
}

/** Checks a record signature against the signer's Ed25519 public key; false when it does not verify or the record is malformed. */
export function verifyRecord(input: RecordSignatureInput, signature: Uint8Array, publicKey: Uint8Array): boolean {
  let fields: RecordSignatureFields;
  try {
    fields = fieldsOf(input);
  } catch {
    return false;
  }
  return verifyRecordFields(fields, signature, publicKey);
}
