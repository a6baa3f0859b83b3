/**
 * Property tests on the formats: key events, grants, membership
 * lists and signed frames round-trip, and every bit flip and truncation of
 * one is rejected with a typed error (or, for a field the parser cannot
 * judge, by the check that authenticates it).
 */
import fc from 'fast-check';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, test } from 'vitest';
import { equal, utf8 } from '../../src/crypto/bytes.js';
import { decodeRecordHeader, sealRecord } from '../../src/envelope/index.js';
import { openGrant, sealGrant } from '../../src/client/sharing/grant.js';
import { decodePins, encodePins } from '../../src/client/sharing/pins.js';
import { signRecord, verifyRecord } from '../../src/client/sharing/record-signature.js';
import { decodeFrame, encodeFrame } from '../../src/formats/frame.js';
import { decodeGrantHeader, type GrantKek } from '../../src/formats/grant.js';
import { GENESIS_PREV, checkKeyEventAppend, createKeyEvent, decodeKeyEvent, verifyKeyLog } from '../../src/formats/key-event.js';
import { decodeMembership, openMembership, signMembership, type Member } from '../../src/formats/membership.js';
import { fingerprintDigits, parseSafetyNumber, safetyNumber } from '../../src/formats/safety-number.js';
import { normalizeUserId } from '../../src/formats/user-id.js';
import { generateKeyPair } from '../../src/seal/index.js';

const userId = fc
  .string({ minLength: 1, maxLength: 30 })
  .filter((s) => {
    try {
      return normalizeUserId(s) === s;
    } catch {
      return false;
    }
  });
const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** Throws a ZeroVaultError (any code): the rejection every corruption must produce. */
async function rejected(run: () => unknown): Promise<boolean> {
  try {
    await run();
    return false;
  } catch (err) {
    return (err as { name?: string }).name === 'ZeroVaultError';
  }
}

function flips(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length * 8; i++) {
    const copy = Uint8Array.from(bytes);
    copy[i >> 3] = (copy[i >> 3] as number) ^ (1 << (i & 7));
    out.push(copy);
  }
  return out;
}

describe('key events', () => {
  test('round trip, and a log of them verifies on client and server', () => {
    fc.assert(
      fc.property(userId, seed, seed, key32, key32, (id, s1, s2, x1, x2) => {
        const e1 = createKeyEvent({ seq: 1, prev: GENESIS_PREV, userId: id, x25519: x1, ed25519: ed25519.getPublicKey(s1), signingKey: s1 });
        const d1 = decodeKeyEvent(e1);
        expect(d1).toMatchObject({ seq: 1, userId: id, x25519: x1 });
        const e2 = createKeyEvent({ seq: 2, prev: d1.hash, userId: id, x25519: x2, ed25519: ed25519.getPublicKey(s2), signingKey: s1 });
        expect(verifyKeyLog(id, [e1, e2]).map((e) => e.seq)).toEqual([1, 2]);
        expect(checkKeyEventAppend(id, [], e1)).toBe(1);
        expect(checkKeyEventAppend(id, [e1], e2)).toBe(2);
      }),
      { numRuns: 30 },
    );
  });

  test('every bit flip and truncation of an event is rejected by client and server', () => {
    const s = ed25519.utils.randomSecretKey();
    const event = createKeyEvent({ seq: 1, prev: GENESIS_PREV, userId: 'alice', x25519: generateKeyPair().publicKey, ed25519: ed25519.getPublicKey(s), signingKey: s });
    for (const bad of [...flips(event), ...Array.from({ length: event.length }, (_, n) => event.subarray(0, n)), Uint8Array.of(...event, 0)]) {
      expect(() => verifyKeyLog('alice', [bad])).toThrow(expect.objectContaining({ code: 'AUTH_FAILED' }));
      expect(() => checkKeyEventAppend('alice', [], bad)).toThrow(expect.objectContaining({ name: 'ZeroVaultError' }));
    }
  });
});

describe('grants', () => {
  const keks = fc
    .uniqueArray(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 6 })
    .chain((versions) =>
      fc.tuple(fc.constant(versions.sort((a, b) => a - b)), fc.integer({ min: 0, max: versions.length - 1 }), fc.array(key32, { minLength: versions.length, maxLength: versions.length })),
    )
    .map(([versions, active, keys]): GrantKek[] => versions.map((version, i) => ({ version, active: i === active, key: keys[i] as Uint8Array })));

  test('round trip', async () => {
    await fc.assert(
      fc.asyncProperty(userId, userId, fc.constantFrom<'read' | 'write'>('read', 'write'), fc.integer({ min: 1, max: 0xffffffff }), keks, async (owner, grantee, role, epoch, list) => {
        const from = generateKeyPair();
        const to = generateKeyPair();
        const place = { owner, vault: 'v', grantee };
        const grant = await sealGrant({ ...place, role, epoch, keks: list, recipient: to.publicKey, sender: from.secretKey });
        expect(decodeGrantHeader(grant)).toEqual({ role, epoch });
        const opened = await openGrant({ ...place, grant, secretKey: to.secretKey, sender: from.publicKey });
        expect(opened).toEqual({ role, epoch, keks: list });
        // Bound to its place: another vault, grantee or sender does not open it.
        expect(await rejected(() => openGrant({ ...place, vault: 'w', grant, secretKey: to.secretKey, sender: from.publicKey }))).toBe(true);
        expect(await rejected(() => openGrant({ ...place, grantee: `${grantee}x`, grant, secretKey: to.secretKey, sender: from.publicKey }))).toBe(true);
        expect(await rejected(() => openGrant({ ...place, grant, secretKey: to.secretKey, sender: generateKeyPair().publicKey }))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  test('every bit flip and truncation is rejected', async () => {
    const from = generateKeyPair();
    const to = generateKeyPair();
    const place = { owner: 'o', vault: 'v', grantee: 'g' };
    const grant = await sealGrant({ ...place, role: 'read', epoch: 3, keks: [{ version: 1, active: true, key: new Uint8Array(32).fill(7) }], recipient: to.publicKey, sender: from.secretKey });
    const bad = [...flips(grant), ...Array.from({ length: grant.length }, (_, n) => grant.subarray(0, n)), Uint8Array.of(...grant, 0)];
    for (const b of bad) expect(await rejected(() => openGrant({ ...place, grant: b, secretKey: to.secretKey, sender: from.publicKey }))).toBe(true);
  });
});

describe('membership lists', () => {
  const member = fc.record({ userId, role: fc.constantFrom<'read' | 'write'>('read', 'write'), x25519: key32, ed25519: key32 });

  test('round trip, canonical order, and only the owner signs', () => {
    fc.assert(
      fc.property(userId, fc.uniqueArray(member, { selector: (m) => m.userId, maxLength: 5 }), fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), seed, (owner, members, epoch, kekVersion, s) => {
        // The owner is never a member of its own list (the format refuses it).
        fc.pre(members.every((m) => m.userId !== owner));
        const bytes = signMembership({ owner, vault: 'v', epoch, kekVersion, members }, s);
        const opened = openMembership(bytes, { owner, vault: 'v', ownerEd25519: ed25519.getPublicKey(s) });
        const byId = (a: Member, b: Member): number => (Buffer.from(a.userId) < Buffer.from(b.userId) ? -1 : 1);
        expect(opened).toEqual({ owner, vault: 'v', epoch, kekVersion, members: [...members].sort(byId) });
        expect(equal(signMembership({ owner, vault: 'v', epoch, kekVersion, members: [...members].reverse() }, s), bytes)).toBe(true);
        expect(() => openMembership(bytes, { owner, vault: 'w', ownerEd25519: ed25519.getPublicKey(s) })).toThrow(expect.objectContaining({ code: 'AUTH_FAILED' }));
      }),
      { numRuns: 30 },
    );
  });

  test('every bit flip and truncation is rejected', () => {
    const s = ed25519.utils.randomSecretKey();
    const bytes = signMembership({ owner: 'o', vault: 'v', epoch: 2, kekVersion: 1, members: [{ userId: 'm', role: 'write', x25519: new Uint8Array(32), ed25519: new Uint8Array(32).fill(1) }] }, s);
    for (const bad of [...flips(bytes), ...Array.from({ length: bytes.length }, (_, n) => bytes.subarray(0, n))]) {
      expect(() => openMembership(bad, { owner: 'o', vault: 'v', ownerEd25519: ed25519.getPublicKey(s) })).toThrow(expect.objectContaining({ code: 'AUTH_FAILED' }));
    }
    expect(() => decodeMembership(Uint8Array.of(0x5a, 0x41, 0x02))).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  });
});

describe('signed frames', () => {
  test('round trip; a rewritten signature, signer, content version or payload fails', async () => {
    const s = ed25519.utils.randomSecretKey();
    const pub = ed25519.getPublicKey(s);
    const sealed = await sealRecord({ kek: { id: 'v', version: 1, key: new Uint8Array(32).fill(9) }, vaultId: 'v', recordId: 'r', version: 4, plaintext: utf8('hello') });
    const input = { owner: 'o', vault: 'v', recordId: 'r', contentVersion: 4, signer: 'w', sealed };
    const signature = signRecord(input, s);
    const bytes = encodeFrame(4, sealed, signature);
    const parsed = decodeFrame(bytes);
    expect(parsed.signature).toEqual(signature);
    expect(parsed.contentVersion).toBe(4);
    expect(verifyRecord(input, signature.value, pub)).toBe(true);
    const accepted: number[] = [];
    flips(bytes).forEach((bad, bit) => {
      let f;
      try {
        f = decodeFrame(bad);
      } catch {
        return;
      }
      if (f.signature === undefined) return;
      if (verifyRecord({ ...input, contentVersion: f.contentVersion, signer: f.signature.signer, sealed: f.sealed }, f.signature.value, pub)) accepted.push(bit >> 3);
    });
    // Only the KEK section and the wrapped DEK are outside the signature: a re-wrap changes
    // them, and the wrap tag and the commitment guard them (the record then fails to open).
    const start = bytes.length - sealed.length;
    const { payloadOffset } = decodeRecordHeader(sealed);
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.every((at) => at >= start + 4 && at < start + payloadOffset)).toBe(true);
  });
});

describe('pins and safety numbers', () => {
  test('pins round trip', () => {
    fc.assert(
      fc.property(fc.uniqueArray(userId, { maxLength: 4 }), (ids) => {
        const state = {
          contacts: new Map(ids.map((id, i) => [id, { userId: id, seq: i + 1, head: new Uint8Array(32).fill(i), x25519: new Uint8Array(32), ed25519: new Uint8Array(32).fill(1), verified: i % 2 === 0 }])),
          access: new Map(ids.map((id, i) => [`${id}\u0000v`, { owner: id, vault: 'v', membershipEpoch: i, grantEpoch: i + 1 }])),
        };
        expect(decodePins(encodePins(state))).toEqual(state);
      }),
    );
  });

  test('a safety number is symmetric, 60 digits, and changes with any key', () => {
    const a = { userId: 'a', x25519: new Uint8Array(32).fill(1), ed25519: new Uint8Array(32).fill(2) };
    const b = { userId: 'b', x25519: new Uint8Array(32).fill(3), ed25519: new Uint8Array(32).fill(4) };
    const n = safetyNumber(a, b);
    expect(n).toBe(safetyNumber(b, a));
    expect(parseSafetyNumber(n)).toHaveLength(60);
    expect(fingerprintDigits({ ...a, x25519: new Uint8Array(32).fill(5) })).not.toBe(fingerprintDigits(a));
    expect(fingerprintDigits({ ...a, userId: 'c' })).not.toBe(fingerprintDigits(a));
  });
});
