/**
 * Membership lists against `membership-v1.json`: signing gives the published
 * bytes (whatever order the members come in), decoding and opening give the
 * published values; one negative vector per parse error; each wrong
 * expectation is `AUTH_FAILED`; every truncation and byte flip of a golden
 * list fails to open with a typed error.
 */
import { describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import { decodeMembership, openMembership, signMembership, type Member } from '../../src/formats/membership.js';
import type { Role } from '../../src/formats/grant.js';
import { bytes, checkInvalid, corruptions, readVectors, typedFailure, type InvalidBytes } from './helpers.js';

interface Valid {
  name: string;
  owner: string;
  vault: string;
  epoch: number;
  kekVersion: number;
  members: { userId: string; role: Role; x25519: string; ed25519: string }[];
  signature: string;
  bytes: string;
}
interface Vectors {
  ownerEd25519: { seed: string; publicKey: string };
  valid: Valid[];
  invalid: InvalidBytes[];
  invalidOpen: { name: string; change: { owner?: string; vault?: string; ownerEd25519?: string }; error: 'AUTH_FAILED' }[];
}
const vectors = readVectors<Vectors>('membership-v1.json');
const membersOf = (v: Valid): Member[] => v.members.map((m) => ({ userId: m.userId, role: m.role, x25519: bytes(m.x25519), ed25519: bytes(m.ed25519) }));
const listOf = (v: Valid) => ({ owner: v.owner, vault: v.vault, epoch: v.epoch, kekVersion: v.kekVersion, members: membersOf(v) });
const expected = { owner: 'owner@example.com', vault: 'vault-1', ownerEd25519: bytes(vectors.ownerEd25519.publicKey) };

describe('membership lists (membership-v1.json)', () => {
  test('sign, decode, open', () => {
    const seed = bytes(vectors.ownerEd25519.seed);
    for (const v of vectors.valid) {
      expect(toHex(signMembership(listOf(v), seed)), v.name).toBe(v.bytes);
      expect(toHex(signMembership({ ...listOf(v), members: [...membersOf(v)].reverse() }, seed))).toBe(v.bytes);
      const decoded = decodeMembership(bytes(v.bytes));
      expect(toHex(decoded.signature)).toBe(v.signature);
      expect(openMembership(bytes(v.bytes), { ...expected, owner: v.owner, vault: v.vault })).toEqual(listOf(v));
    }
  });

  test('one negative vector per parse error, and each wrong expectation', async () => {
    await checkInvalid(vectors.invalid, decodeMembership);
    const sample = bytes((vectors.valid[1] as Valid).bytes);
    for (const o of vectors.invalidOpen) {
      const { ownerEd25519, ...ids } = o.change;
      const change = { ...ids, ...(ownerEd25519 === undefined ? {} : { ownerEd25519: bytes(ownerEd25519) }) };
      expect(await typedFailure(() => openMembership(sample, { ...expected, ...change }), o.name)).toBe(o.error);
    }
    const seed = bytes(vectors.ownerEd25519.seed);
    const v = vectors.valid[1] as Valid;
    expect(await typedFailure(() => signMembership({ ...listOf(v), owner: 'Owner@example.com' }, seed))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => signMembership({ ...listOf(v), members: [...membersOf(v), { ...membersOf(v)[0] as Member, userId: v.owner }] }, seed))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => signMembership({ ...listOf(v), members: [...membersOf(v), membersOf(v)[0] as Member] }, seed))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => signMembership({ ...listOf(v), epoch: 0 }, seed))).toBe('INVALID_INPUT');
  });

  test('every truncation and byte flip of a golden list fails to open', async () => {
    const sample = bytes((vectors.valid[1] as Valid).bytes);
    for (const { what, bytes: bad } of corruptions(sample)) {
      expect(await typedFailure(() => openMembership(bad, expected), what)).toBe('AUTH_FAILED');
    }
  });
});
