/**
 * Grants against `grants-v1.json`: header, AAD and KEK list encode to the
 * published bytes; resealing with the recorded randomness gives the
 * published grant, which opens to the published values; one negative vector
 * per parse error (header and KEK list); every truncation and byte flip of a
 * golden grant fails to open with a typed error.
 */
import { describe, expect, test } from 'vitest';
import { openGrant } from '../../src/client/sharing/grant.js';
import { concat, toHex } from '../../src/crypto/bytes.js';
import { getBackend } from '#backend';
import { GRANT_HEADER_LENGTH, decodeGrantHeader, decodeGrantKeks, encodeGrantHeader, encodeGrantKeks, grantAad, roleCode, roleOf, type GrantKek, type Role } from '../../src/formats/grant.js';
import { sealWith } from '../../src/seal/blob.js';
import { bytes, checkInvalid, corruptions, readVectors, typedFailure, type InvalidBytes } from './helpers.js';

interface Valid {
  name: string;
  role: Role;
  epoch: number;
  keks: { version: number; active: boolean; key: string }[];
  header: string;
  aad: string;
  plaintext: string;
  random: string[];
  grant: string;
}
interface Vectors {
  owner: string;
  vault: string;
  grantee: string;
  ownerX25519: { secretKey: string; publicKey: string };
  granteeX25519: { secretKey: string; publicKey: string };
  valid: Valid[];
  invalidHeaders: InvalidBytes[];
  invalidPlaintexts: InvalidBytes[];
}
const vectors = readVectors<Vectors>('grants-v1.json');
const place = { owner: vectors.owner, vault: vectors.vault, grantee: vectors.grantee };
const keksOf = (v: Valid): GrantKek[] => v.keks.map((k) => ({ version: k.version, active: k.active, key: bytes(k.key) }));
const open = (grant: Uint8Array) => openGrant({ ...place, grant, secretKey: bytes(vectors.granteeX25519.secretKey), sender: bytes(vectors.ownerX25519.publicKey) });

describe('grants (grants-v1.json)', () => {
  test('header, AAD, KEK list, and the sealed grant', async () => {
    for (const v of vectors.valid) {
      const header = encodeGrantHeader({ role: v.role, epoch: v.epoch });
      expect(toHex(header), v.name).toBe(v.header);
      expect(header.length).toBe(GRANT_HEADER_LENGTH);
      expect(toHex(grantAad(place, header))).toBe(v.aad);
      expect(toHex(encodeGrantKeks(keksOf(v)))).toBe(v.plaintext);
      expect(decodeGrantKeks(bytes(v.plaintext))).toEqual(keksOf(v));
      expect(decodeGrantHeader(bytes(v.grant))).toEqual({ role: v.role, epoch: v.epoch });
      const random = v.random.map(bytes);
      const env = { backend: getBackend(), random: () => random.shift() as Uint8Array };
      const sealed = await sealWith(env, bytes(v.plaintext), { to: bytes(vectors.granteeX25519.publicKey), senderSecretKey: bytes(vectors.ownerX25519.secretKey), aad: bytes(v.aad) });
      expect(toHex(concat(header, sealed))).toBe(v.grant);
      expect(await open(bytes(v.grant))).toEqual({ role: v.role, epoch: v.epoch, keks: keksOf(v) });
    }
    expect([roleCode('read'), roleCode('write'), roleOf(0), roleOf(3)]).toEqual([1, 2, undefined, undefined]);
  });

  test('one negative vector per parse error', async () => {
    await checkInvalid(vectors.invalidHeaders, decodeGrantHeader);
    await checkInvalid(vectors.invalidPlaintexts, decodeGrantKeks);
    const key = new Uint8Array(32);
    expect(await typedFailure(() => encodeGrantHeader({ role: 'owner' as Role, epoch: 1 }))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeGrantHeader({ role: 'read', epoch: 0 }))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeGrantKeks([]))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeGrantKeks([{ version: 1, active: false, key }]))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => encodeGrantKeks([{ version: 2, active: true, key }, { version: 1, active: false, key }]))).toBe('INVALID_INPUT');
  });

  test('every truncation and byte flip of a golden grant fails to open, with a typed error', async () => {
    const v = vectors.valid[1] as Valid;
    for (const { what, bytes: bad } of corruptions(bytes(v.grant))) {
      expect(['INVALID_INPUT', 'UNSUPPORTED', 'DECRYPT_FAILED']).toContain(await typedFailure(() => open(bad), what));
    }
  });
});
