/**
 * Writer signatures on records of shared vaults (the v2 frame, `frame.ts`).
 *
 *     message   = lp(owner) || lp(vault) || lp(recordId) || u64(contentVersion) || lp(signer) || SHA-256(payloadPart)
 *     payloadPart = sealed[0..4] || sealed[9+k+w ..]     (prefix, then payload nonce, commitment, length, ciphertext, tag)
 *
 * with `k` the KEK id length and `w` the suite's wrapped-DEK field length
 * (60 in suite 1, 92 in suite 2): `RecordHeader.payloadOffset`.
 *     signature = Ed25519(writer, "zerovault/v1/record-signature" || 0x00 || message)
 *
 * The signed part leaves out the KEK section and the wrapped DEK
 * (`docs/format.md`), so a key rotation, which re-wraps the DEK, keeps the
 * writer's signature valid. Nothing is lost: the commitment fixes the DEK and
 * the tag fixes the plaintext under it, so whoever re-wraps cannot change
 * what the record says.
 *
 * @module
 */
import { concat, utf8 } from '../crypto/bytes.js';
import { parseRecordHeader } from '../envelope/index.js';
import { lp, u64 } from './codec.js';
import type { FrameSignature } from './frame.js';
import { sha256, sign, verify } from './signature.js';

/** Domain-separation label of record signatures. */
export const RECORD_SIGNATURE_LABEL = 'zerovault/v1/record-signature';
/** What a record signature covers. Ids are normalized user ids. */
export interface RecordSignatureInput {
  readonly owner: string;
  readonly vault: string;
  readonly recordId: string;
  readonly contentVersion: number;
  readonly signer: string;
  /** The sealed record v1. */
  readonly sealed: Uint8Array;
}

function message(input: RecordSignatureInput): Uint8Array {
  const { payloadOffset } = parseRecordHeader(input.sealed); // strict: the offsets are then in range
  const payloadPart = concat(input.sealed.subarray(0, 4), input.sealed.subarray(payloadOffset));
  return concat(
    lp(utf8(input.owner)),
    lp(utf8(input.vault)),
    lp(utf8(input.recordId)),
    u64(input.contentVersion),
    lp(utf8(input.signer)),
    sha256(payloadPart),
  );
}

/** Signs a record as `input.signer` with its Ed25519 seed. */
export function signRecord(input: RecordSignatureInput, secretKey: Uint8Array): FrameSignature {
  return { signer: input.signer, value: sign(secretKey, RECORD_SIGNATURE_LABEL, message(input)) };
}

/** Checks a record signature against the signer's Ed25519 public key; false when it does not verify or the record is malformed. */
export function verifyRecord(input: RecordSignatureInput, signature: Uint8Array, publicKey: Uint8Array): boolean {
  let m: Uint8Array;
  try {
    m = message(input);
  } catch {
    return false;
  }
  return verify(publicKey, signature, RECORD_SIGNATURE_LABEL, m);
}
