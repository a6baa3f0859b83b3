/**
 * Writer signatures on records of shared vaults (carried by the v2 frame,
 * `frame.ts`; vectors: `test/vectors/zerovault/record-signatures-v1.json`).
 *
 *     message     = lp(owner) || lp(vault) || lp(recordId) || u64(contentVersion) || lp(signer) || SHA-256(payloadPart)
 *     signature   = Ed25519(writer, "zerovault/v1/record-signature" || 0x00 || message)
 *
 * `payloadPart` is the signed projection of the sealed record: its first 4
 * bytes, then everything from the payload on (nonce, commitment, length,
 * ciphertext, tag), leaving out the KEK section and the wrapped DEK
 * (`docs/format.md`), so a key rotation, which re-wraps the DEK, keeps the
 * writer's signature valid. Nothing is lost: the commitment fixes the DEK and
 * the tag fixes the plaintext under it, so whoever re-wraps cannot change
 * what the record says. Cutting the projection needs the record's header
 * parser (`envelope/`), so the client does it (`client/record-signature.ts`)
 * and hands the part here.
 *
 * @module
 */
import { concat, utf8 } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { lp, u64 } from './codec.js';
import type { FrameSignature } from './frame.js';
import { sha256, sign, verify } from './signature.js';

/** Domain-separation label of record signatures. */
export const RECORD_SIGNATURE_LABEL = 'zerovault/v1/record-signature';

/** What a record signature covers. Ids are normalized user ids. */
export interface RecordSignatureFields {
  readonly owner: string;
  readonly vault: string;
  readonly recordId: string;
  readonly contentVersion: number;
  readonly signer: string;
  /** The signed projection of the sealed record (see the module comment). */
  readonly payloadPart: Uint8Array;
}

/**
 * Encodes the message a record signature covers (without the label).
 * @throws `INVALID_INPUT` for a content version outside 1..2^53-1
 */
export function encodeRecordSignatureMessage(fields: RecordSignatureFields): Uint8Array {
  if (!Number.isSafeInteger(fields.contentVersion) || fields.contentVersion < 1) throw new ZeroVaultError('INVALID_INPUT', 'content version out of range');
  return concat(
    lp(utf8(fields.owner)),
    lp(utf8(fields.vault)),
    lp(utf8(fields.recordId)),
    u64(fields.contentVersion),
    lp(utf8(fields.signer)),
    sha256(fields.payloadPart),
  );
}

/** Signs a record as `fields.signer` with its Ed25519 seed. */
export function signRecordFields(fields: RecordSignatureFields, secretKey: Uint8Array): FrameSignature {
  return { signer: fields.signer, value: sign(secretKey, RECORD_SIGNATURE_LABEL, encodeRecordSignatureMessage(fields)) };
}

/** Checks a record signature against the signer's Ed25519 public key; false when it does not verify or a field is out of range (never throws). */
export function verifyRecordFields(fields: RecordSignatureFields, signature: Uint8Array, publicKey: Uint8Array): boolean {
  let message: Uint8Array;
  try {
    message = encodeRecordSignatureMessage(fields);
  } catch {
    return false;
  }
  return verify(publicKey, signature, RECORD_SIGNATURE_LABEL, message);
}
