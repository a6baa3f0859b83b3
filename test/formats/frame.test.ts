/**
 * Frames against `frames-v1.json`: encode == bytes, decode == values, the
 * framed record opens (v2: its signature verifies), one negative vector per
 * parse error, and every truncation and byte flip of a golden frame fails
 * with a typed error when read as a vault reads it (parse, check the
 * writer's signature, open).
 */
import { describe, expect, test } from 'vitest';
import { verifyRecord } from '../../src/client/sharing/record-signature.js';
import { toHex, utf8 } from '../../src/crypto/bytes.js';
import { openRecord } from '../../src/envelope/index.js';
import { authFailed } from '../../src/errors.js';
import { FRAME_HEADER_LENGTH, decodeFrame, encodeFrame } from '../../src/formats/frame.js';
import { bytes, checkInvalid, corruptions, readVectors, typedFailure, type InvalidBytes } from './helpers.js';

interface Vectors {
  record: { kek: { id: string; version: number; key: string }; vaultId: string; recordId: string; version: number; plaintext: string; sealed: string };
  signing: { owner: string; vault: string; writer: { userId: string; seed: string; publicKey: string } };
  valid: { name: string; contentVersion: number; signer?: string; signature?: string; bytes: string }[];
  invalid: InvalidBytes[];
}
const vectors = readVectors<Vectors>('frames-v1.json');
const { record, signing } = vectors;

/** Reads a frame as a vault does: parse, check the writer (v2), open. */
async function read(frame: Uint8Array, signed: boolean): Promise<Uint8Array> {
  const parsed = decodeFrame(frame);
  if (signed) {
    const signature = parsed.signature;
    if (signature === undefined || signature.signer !== signing.writer.userId) throw authFailed();
    const input = { owner: signing.owner, vault: signing.vault, recordId: record.recordId, contentVersion: parsed.contentVersion, signer: signature.signer, sealed: parsed.sealed };
    if (!verifyRecord(input, signature.value, bytes(signing.writer.publicKey))) throw authFailed();
  }
  const kek = { ...record.kek, key: bytes(record.kek.key) };
  return openRecord({ kek, vaultId: record.vaultId, recordId: record.recordId, version: parsed.contentVersion, sealed: parsed.sealed });
}

describe('frames (frames-v1.json)', () => {
  test('encode, decode, and the framed record opens', async () => {
    const sealed = bytes(record.sealed);
    for (const v of vectors.valid) {
      const signature = v.signer === undefined || v.signature === undefined ? undefined : { signer: v.signer, value: bytes(v.signature) };
      expect(toHex(encodeFrame(v.contentVersion, sealed, signature)), v.name).toBe(v.bytes);
      const parsed = decodeFrame(bytes(v.bytes));
      expect(parsed.contentVersion).toBe(v.contentVersion);
      expect(toHex(parsed.sealed)).toBe(record.sealed);
      expect(parsed.signature).toEqual(signature);
      expect(toHex(await read(bytes(v.bytes), signature !== undefined))).toBe(record.plaintext);
    }
    expect(FRAME_HEADER_LENGTH).toBe(11);
  });

  test('one negative vector per parse error', async () => {
    await checkInvalid(vectors.invalid, decodeFrame);
  });

  test('the encoder refuses what the decoder refuses', async () => {
    const sealed = utf8('x');
    const value = new Uint8Array(64);
    expect(await typedFailure(() => encodeFrame(0, sealed))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeFrame(2 ** 53, sealed))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeFrame(1, sealed, { signer: 'w', value: new Uint8Array(63) }))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeFrame(1, sealed, { signer: 'Writer', value }))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeFrame(1, sealed, { signer: '', value }))).toBe('INVALID_INPUT');
  });

  test('every truncation and byte flip of a golden frame fails with a typed error', async () => {
    for (const v of vectors.valid) {
      const signed = v.signer !== undefined;
      for (const { what, bytes: bad } of corruptions(bytes(v.bytes))) {
        const code = await typedFailure(() => read(bad, signed), `${v.name}: ${what}`);
        expect(['INVALID_INPUT', 'UNSUPPORTED', 'DECRYPT_FAILED', 'AUTH_FAILED']).toContain(code);
      }
    }
  });
});
