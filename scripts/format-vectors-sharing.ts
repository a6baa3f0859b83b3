/**
 * Vector builders of the sharing formats: key events, grants, membership
 * lists and safety numbers (`scripts/gen-format-vectors.ts` writes them).
 */
import { openGrant } from '../src/client/sharing/grant.js';
import { createNodeBackend } from '../src/crypto/backend-node.js';
import { concat, fromHex, utf8 } from '../src/crypto/bytes.js';
import { ed25519PublicKey, ed25519Sign } from '../src/crypto/ed25519.js';
import { labelled, str8, u16, u32, u8 } from '../src/formats/codec.js';
import { decodeGrantHeader, decodeGrantKeks, encodeGrantHeader, encodeGrantKeks, grantAad, type GrantKek } from '../src/formats/grant.js';
import { GENESIS_PREV, KEY_EVENT_LABEL, checkKeyEventAppend, createKeyEvent, decodeKeyEvent, verifyKeyLog } from '../src/formats/key-event.js';
import { decodeMembership, openMembership, signMembership, type Membership } from '../src/formats/membership.js';
import { fingerprintDigits, parseSafetyNumber, safetyNumber } from '../src/formats/safety-number.js';
import { sealWith } from '../src/seal/blob.js';
import type { ZeroVaultErrorCode } from '../src/errors.js';
import { append, codeOf, cut, expectCode, hex, invalidBytes, patch, pattern } from './format-vectors-common.js';

const backend = createNodeBackend();

function keyPair(seed: number): { seed: Uint8Array; ed25519: Uint8Array; x25519: Uint8Array; x25519Secret: Uint8Array } {
  const s = pattern(32, seed);
  const x = pattern(32, seed + 0x40);
  return { seed: s, ed25519: ed25519PublicKey(s), x25519: backend.x25519PublicKey(x), x25519Secret: x };
}

/** A key event signed over raw fields, bypassing the encoder's checks (for invalid logs). */
function rawEvent(fields: { seq: number; prev: Uint8Array; userId: string; x25519: Uint8Array; ed25519: Uint8Array }, signingKey: Uint8Array): Uint8Array {
  const body = concat(Uint8Array.of(0x5a, 0x44, 0x01), u32(fields.seq), fields.prev, str8(fields.userId, 'userId'), fields.x25519, fields.ed25519);
  return concat(body, ed25519Sign(signingKey, labelled(KEY_EVENT_LABEL, body)));
}

/** key-events-v1.json */
export async function keyEventVectors(): Promise<object> {
  const userId = 'alice@example.com';
  const keys = [keyPair(0x01), keyPair(0x21), keyPair(0x41)] as const;
  const events: Uint8Array[] = [];
  const valid = [];
  for (const [i, own] of keys.entries()) {
    const prev = i === 0 ? GENESIS_PREV : decodeKeyEvent(events[i - 1] as Uint8Array).hash;
    const signer = keys[Math.max(0, i - 1)] as (typeof keys)[number];
    const bytes = createKeyEvent({ seq: i + 1, prev, userId, x25519: own.x25519, ed25519: own.ed25519, signingKey: signer.seed });
    events.push(bytes);
    const e = decodeKeyEvent(bytes);
    valid.push({ name: `event ${i + 1}`, seq: e.seq, prev: hex(e.prev), userId, x25519: hex(e.x25519), ed25519: hex(e.ed25519), signingSeed: hex(signer.seed), signature: hex(e.signature), bytes: hex(bytes), hash: hex(e.hash) });
  }
  verifyKeyLog(userId, events);
  const [e1, e2, e3] = events as [Uint8Array, Uint8Array, Uint8Array];
  const h1 = decodeKeyEvent(e1).hash;
  const invalid = await invalidBytes(decodeKeyEvent, [
    ['empty', new Uint8Array(0), 'INVALID_INPUT'],
    ['wrong magic', patch(e1, 1, 0x45), 'INVALID_INPUT'],
    ['unknown version 2', patch(e1, 2, 0x02), 'UNSUPPORTED'],
    ['seq 0', patch(e1, 3, 0, 0, 0, 0), 'INVALID_INPUT'],
    ['prev truncated', cut(e1, 20), 'INVALID_INPUT'],
    ['user id length 0', concat(cut(e1, 39), u8(0), e1.subarray(40 + 17)), 'INVALID_INPUT'],
    ['user id not UTF-8', patch(e1, 40, 0xff), 'INVALID_INPUT'],
    ['user id not normalized', patch(e1, 40, 0x41), 'INVALID_INPUT'],
    ['signature truncated', cut(e1, e1.length - 1), 'INVALID_INPUT'],
    ['trailing byte', append(e1, 0), 'INVALID_INPUT'],
  ]);
  // Well-formed events that do not form a valid log.
  const k = keys;
  const badPoint = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xed : i === 31 ? 0x7f : 0xff)); // y = p: not canonical
  const logCases: [string, Uint8Array[]][] = [
    ['empty log', []],
    ['does not start at seq 1', [e2]],
    ['a gap (1, 3)', [e1, e3]],
    ['the same event twice', [e1, e1]],
    ['prev is not the hash of the previous event', [e1, rawEvent({ seq: 2, prev: GENESIS_PREV, userId, x25519: k[1].x25519, ed25519: k[1].ed25519 }, k[0].seed)]],
    ['another user', [e1, rawEvent({ seq: 2, prev: h1, userId: 'bob@example.com', x25519: k[1].x25519, ed25519: k[1].ed25519 }, k[0].seed)]],
    ['signed by its own new key, not the previous one', [e1, rawEvent({ seq: 2, prev: h1, userId, x25519: k[1].x25519, ed25519: k[1].ed25519 }, k[1].seed)]],
    ['first event not self-signed', [rawEvent({ seq: 1, prev: GENESIS_PREV, userId, x25519: k[0].x25519, ed25519: k[0].ed25519 }, k[1].seed)]],
    ['an Ed25519 key that is not a canonical point (signed by the previous key)', [e1, rawEvent({ seq: 2, prev: h1, userId, x25519: k[1].x25519, ed25519: badPoint }, k[0].seed)]],
    ['signature changed', [patch(e1, e1.length - 1, (e1.at(-1) as number) ^ 1)]],
  ];
  const logs = [];
  for (const [name, log] of logCases) {
    await expectCode(name, 'AUTH_FAILED', () => verifyKeyLog(userId, log));
    const last = log[log.length - 1];
    const appendError = last === undefined ? null : ((await codeOf(() => checkKeyEventAppend(userId, log.slice(0, -1), last))) as ZeroVaultErrorCode | undefined);
    if (appendError === undefined) throw new Error(`log case ${name}: the append rule accepts it`);
    logs.push({ name, userId, events: log.map(hex), error: 'AUTH_FAILED', appendError });
  }
  return {
    description:
      'zerovault key events: "ZD" | 0x01 | seq (u32, ≥ 1) | prev (32) | u8 len | userId (normalized) | x25519 (32) | ed25519 (32) | Ed25519 signature over "zerovault/v1/key-event" || 0x00 || every byte before it, by the event\'s own key for seq 1 and the previous event\'s key after. "valid" is one log; "invalid" fail to decode; "logs" decode but are not valid logs (verifyKeyLog: AUTH_FAILED; the server\'s append rule, for the last event after the others: appendError).',
    generator: 'scripts/gen-format-vectors.ts',
    valid,
    invalid,
    logs,
  };
}

/** grants-v1.json */
export async function grantVectors(): Promise<object> {
  const owner = keyPair(0x31);
  const grantee = keyPair(0x51);
  const samples: { name: string; role: 'read' | 'write'; epoch: number; keks: GrantKek[] }[] = [
    { name: 'write, two KEK versions, the newer active', role: 'write', epoch: 7, keks: [{ version: 1, active: false, key: pattern(32, 0x00) }, { version: 2, active: true, key: pattern(32, 0x20) }] },
    { name: 'read, one KEK version', role: 'read', epoch: 1, keks: [{ version: 0, active: true, key: pattern(32, 0x40) }] },
  ];
  const place = { owner: 'owner@example.com', vault: 'vault-1', grantee: 'bob@example.com' };
  const valid = [];
  let counter = 0xe0;
  for (const s of samples) {
    const header = encodeGrantHeader(s);
    const aad = grantAad(place, header);
    const plaintext = encodeGrantKeks(s.keks);
    const random: string[] = [];
    const env = { backend, random: (length: number) => {
      const bytes = pattern(length, counter);
      counter += 0x11;
      random.push(hex(bytes));
      return bytes;
    } };
    const grant = concat(header, await sealWith(env, plaintext, { to: grantee.x25519, senderSecretKey: owner.x25519Secret, aad }));
    const opened = await openGrant({ ...place, grant, secretKey: grantee.x25519Secret, sender: owner.x25519 });
    if (opened.epoch !== s.epoch || opened.keks.length !== s.keks.length) throw new Error('grant vector does not open');
    valid.push({ name: s.name, role: s.role, epoch: s.epoch, keks: s.keks.map((k) => ({ version: k.version, active: k.active, key: hex(k.key) })), header: hex(header), aad: hex(aad), plaintext: hex(plaintext), random, grant: hex(grant) });
  }
  const header = encodeGrantHeader({ role: 'write', epoch: 7 });
  const withBlob = (h: Uint8Array): Uint8Array => concat(h, Uint8Array.of(0));
  const invalidHeaders = await invalidBytes(decodeGrantHeader, [
    ['empty', new Uint8Array(0), 'INVALID_INPUT'],
    ['wrong magic', withBlob(patch(header, 1, 0x48)), 'INVALID_INPUT'],
    ['unknown version 2', withBlob(patch(header, 2, 0x02)), 'UNSUPPORTED'],
    ['header truncated', cut(header, 6), 'INVALID_INPUT'],
    ['header without a sealed blob', header, 'INVALID_INPUT'],
    ['role 0', withBlob(patch(header, 3, 0)), 'INVALID_INPUT'],
    ['role 3', withBlob(patch(header, 3, 3)), 'INVALID_INPUT'],
    ['epoch 0', withBlob(patch(header, 4, 0, 0, 0, 0)), 'INVALID_INPUT'],
  ]);
  const kek = (version: number, active: number): Uint8Array => concat(u32(version), u8(active), pattern(32, version));
  const keks = (...entries: Uint8Array[]): Uint8Array => concat(u8(entries.length), ...entries);
  const invalidPlaintexts = await invalidBytes(decodeGrantKeks, [
    ['empty', new Uint8Array(0), 'INVALID_INPUT'],
    ['count 0', keks(), 'INVALID_INPUT'],
    ['key truncated', cut(keks(kek(1, 1)), 37), 'INVALID_INPUT'],
    ['active flag 2', keks(kek(1, 2)), 'INVALID_INPUT'],
    ['trailing byte', append(keks(kek(1, 1)), 0), 'INVALID_INPUT'],
    ['versions descend', keks(kek(2, 0), kek(1, 1)), 'INVALID_INPUT'],
    ['the same version twice', keks(kek(1, 0), kek(1, 1)), 'INVALID_INPUT'],
    ['no active version', keks(kek(1, 0), kek(2, 0)), 'INVALID_INPUT'],
    ['two active versions', keks(kek(1, 1), kek(2, 1)), 'INVALID_INPUT'],
  ]);
  return {
    description:
      'zerovault grants: "ZG" | 0x01 | role (1 read, 2 write) | epoch (u32, ≥ 1) | sealed blob (seal-v1, auth mode: to the grantee, from the owner), aad = "zerovault/v1/grant" || 0x00 || lp(owner) || lp(vault) || lp(grantee) || header, plaintext = count (1..255) || count × (kekVersion (u32) | active (0 or 1) | key (32)), versions strictly ascending, exactly one active. "random" is the randomness the sealer drew, in order.',
    generator: 'scripts/gen-format-vectors.ts',
    ...place,
    ownerX25519: { secretKey: hex(owner.x25519Secret), publicKey: hex(owner.x25519) },
    granteeX25519: { secretKey: hex(grantee.x25519Secret), publicKey: hex(grantee.x25519) },
    valid,
    invalidHeaders,
    invalidPlaintexts,
  };
}

/** membership-v1.json */
export async function membershipVectors(): Promise<object> {
  const owner = keyPair(0x91);
  const bob = keyPair(0x11);
  const carol = keyPair(0x71);
  const lists: (Membership & { name: string })[] = [
    { name: 'no members yet', owner: 'owner@example.com', vault: 'vault-1', epoch: 1, kekVersion: 0, members: [] },
    {
      name: 'two members, sorted by user id bytes',
      owner: 'owner@example.com',
      vault: 'vault-1',
      epoch: 3,
      kekVersion: 2,
      members: [
        { userId: 'carol@example.com', role: 'write', x25519: carol.x25519, ed25519: carol.ed25519 },
        { userId: 'bob@example.com', role: 'read', x25519: bob.x25519, ed25519: bob.ed25519 },
      ],
    },
  ];
  const valid = lists.map(({ name, ...list }) => {
    const bytes = signMembership(list, owner.seed);
    const decoded = decodeMembership(bytes);
    return { name, owner: list.owner, vault: list.vault, epoch: list.epoch, kekVersion: list.kekVersion, members: decoded.members.map((m) => ({ userId: m.userId, role: m.role, x25519: hex(m.x25519), ed25519: hex(m.ed25519) })), signature: hex(decoded.signature), bytes: hex(bytes) };
  });
  const member = (userId: Uint8Array, role = 1): Uint8Array => concat(u8(userId.length), userId, u8(role), bob.x25519, bob.ed25519);
  const raw = (o: { epoch?: number; owner?: Uint8Array; members?: Uint8Array[] }): Uint8Array =>
    concat(Uint8Array.of(0x5a, 0x41, 0x01), u32(o.epoch ?? 1), u32(0), u8((o.owner ?? utf8('owner@example.com')).length), o.owner ?? utf8('owner@example.com'), str8('vault-1', 'vault'), u16((o.members ?? []).length), ...(o.members ?? []), new Uint8Array(64));
  const sample = fromHexOf(valid[1]?.bytes);
  const invalid = await invalidBytes(decodeMembership, [
    ['empty', new Uint8Array(0), 'INVALID_INPUT'],
    ['wrong magic', patch(sample, 1, 0x42), 'INVALID_INPUT'],
    ['unknown version 2', patch(sample, 2, 0x02), 'UNSUPPORTED'],
    ['epoch 0', raw({ epoch: 0 }), 'INVALID_INPUT'],
    ['owner empty', raw({ owner: new Uint8Array(0) }), 'INVALID_INPUT'],
    ['owner not normalized', raw({ owner: utf8('Owner@example.com') }), 'INVALID_INPUT'],
    ['member not normalized', raw({ members: [member(utf8('Bob@example.com'))] }), 'INVALID_INPUT'],
    ['members out of order', raw({ members: [member(utf8('carol@example.com')), member(utf8('bob@example.com'))] }), 'INVALID_INPUT'],
    ['the same member twice', raw({ members: [member(utf8('bob@example.com')), member(utf8('bob@example.com'))] }), 'INVALID_INPUT'],
    ['the owner listed as a member', raw({ members: [member(utf8('owner@example.com'))] }), 'INVALID_INPUT'],
    ['role 0', raw({ members: [member(utf8('bob@example.com'), 0)] }), 'INVALID_INPUT'],
    ['role 3', raw({ members: [member(utf8('bob@example.com'), 3)] }), 'INVALID_INPUT'],
    ['signature truncated', cut(sample, sample.length - 1), 'INVALID_INPUT'],
    ['trailing byte', append(sample, 0), 'INVALID_INPUT'],
  ]);
  const other = keyPair(0xb1);
  const base = { owner: 'owner@example.com', vault: 'vault-1', ownerEd25519: owner.ed25519 };
  const openCases: [string, { owner?: string; vault?: string; ownerEd25519?: Uint8Array }][] = [
    ['expected for another owner', { owner: 'other@example.com' }],
    ['expected for another vault', { vault: 'vault-2' }],
    ['checked with another key', { ownerEd25519: other.ed25519 }],
  ];
  const invalidOpen = [];
  for (const [name, change] of openCases) {
    await expectCode(name, 'AUTH_FAILED', () => openMembership(sample, { ...base, ...change }));
    const published = { ...change, ...(change.ownerEd25519 === undefined ? {} : { ownerEd25519: hex(change.ownerEd25519) }) };
    invalidOpen.push({ name, change: published, error: 'AUTH_FAILED' });
  }
  return {
    description:
      'zerovault membership lists: "ZA" | 0x01 | epoch (u32, ≥ 1) | kekVersion (u32) | u8 len | owner | u8 len | vault | count (u16) | count × (u8 len | userId | role (1 read, 2 write) | x25519 (32) | ed25519 (32)) | Ed25519 signature by the owner over "zerovault/v1/membership" || 0x00 || every byte before it. User ids normalized; members strictly ascending by UTF-8 bytes, the owner not among them. "invalidOpen": the second valid list opened with a wrong expectation (AUTH_FAILED).',
    generator: 'scripts/gen-format-vectors.ts',
    ownerEd25519: { seed: hex(owner.seed), publicKey: hex(owner.ed25519) },
    valid,
    invalid,
    invalidOpen,
  };
}

function fromHexOf(text: string | undefined): Uint8Array {
  if (text === undefined) throw new Error('missing sample');
  return fromHex(text);
}

/** safety-numbers-v1.json */
export async function safetyNumberVectors(): Promise<object> {
  const alice = keyPair(0x01);
  const bob = keyPair(0x11);
  const a = { userId: 'alice@example.com', x25519: alice.x25519, ed25519: alice.ed25519 };
  const b = { userId: 'bob@example.com', x25519: bob.x25519, ed25519: bob.ed25519 };
  const number = safetyNumber(a, b);
  const digits = parseSafetyNumber(number);
  const id = (i: typeof a) => ({ userId: i.userId, x25519: hex(i.x25519), ed25519: hex(i.ed25519) });
  const parse = [
    { name: 'as shown', text: number, digits },
    { name: 'compact', text: digits, digits },
    { name: 'dashes and line breaks', text: `${digits.slice(0, 30).replace(/(\d{5})(?=\d)/g, '$1-')}\n${digits.slice(30)}`, digits },
  ];
  for (const p of parse) if (parseSafetyNumber(p.text) !== digits) throw new Error(`parse case ${p.name}`);
  const invalidCases: [string, unknown][] = [
    ['not a string', null],
    ['59 digits', digits.slice(1)],
    ['61 digits', `${digits}0`],
    ['a letter', `${digits.slice(1)}a`],
  ];
  const invalid = [];
  for (const [name, text] of invalidCases) {
    await expectCode(name, 'INVALID_INPUT', () => parseSafetyNumber(text));
    invalid.push({ name, text, error: 'INVALID_INPUT' });
  }
  return {
    description:
      'zerovault safety numbers: per user h = SHA-512("zerovault/v1/safety-number" || 0x00 || u16(1) || ed25519 || x25519 || lp(userId)), then 5200 × h = SHA-512(h || ed25519 || x25519); 6 groups of u40(h[5i..5i+5]) mod 100000; the two 30-digit halves sorted and joined, shown as 12 groups of 5. "text": null stands for a value that is not a string.',
    generator: 'scripts/gen-format-vectors.ts',
    valid: [{ name: 'alice and bob', a: id(a), b: id(b), fingerprintA: fingerprintDigits(a), fingerprintB: fingerprintDigits(b), safetyNumber: number }],
    parse,
    invalid,
  };
}
