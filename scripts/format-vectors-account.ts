/**
 * Vector builders of the formats an account reads and writes for itself:
 * user ids, recovery-key text, unlock slots, manifests, frames and record
 * signatures (`scripts/gen-format-vectors.ts` writes them).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unwrapRoot, UNLOCK_LABELS, keyIdOf } from '../src/client/account/slots.js';
import { signRecord } from '../src/client/sharing/record-signature.js';
import { createNodeBackend } from '../src/crypto/backend-node.js';
import { concat, fromHex, utf8 } from '../src/crypto/bytes.js';
import { deriveKey } from '../src/crypto/kdf.js';
import { ed25519PublicKey } from '../src/crypto/ed25519.js';
import { u16, u32, u64, u8 } from '../src/formats/codec.js';
import { decodeFrame, encodeFrame } from '../src/formats/frame.js';
import { decodeManifest, encodeManifest, type Manifest } from '../src/formats/manifest.js';
import { encodeRecordSignatureMessage } from '../src/formats/record-signature.js';
import { formatRecoveryKey, parseRecoveryKey } from '../src/formats/recovery-key.js';
import { decodeSlot, encodeSlot } from '../src/formats/slots.js';
import { normalizeUserId } from '../src/formats/user-id.js';
import { decodeRecordHeader } from '../src/envelope/index.js';
import { append, cut, expectCode, hex, invalidBytes, patch, pattern } from './format-vectors-common.js';

const backend = createNodeBackend();
const here = dirname(fileURLToPath(import.meta.url));

/** The sealed record the frame and signature vectors carry: a suite-2 record of records-v1.json. */
export function sampleRecord(): { kek: { id: string; version: number; key: string }; vaultId: string; recordId: string; version: number; plaintext: string; sealed: string } {
  const records = JSON.parse(readFileSync(join(here, '../test/vectors/zerovault/records-v1.json'), 'utf8')) as { valid: { name: string; kek: { id: string; version: number; key: string }; vaultId: string; recordId: string; version: number; plaintext: string; sealed: string }[] };
  const record = records.valid.find((v) => v.name === 'short text, non-ASCII record id (suite 2)');
  if (record === undefined) throw new Error('records-v1.json lacks the sample record');
  const { kek, vaultId, recordId, version, plaintext, sealed } = record;
  return { kek, vaultId, recordId, version, plaintext, sealed };
}

/** user-ids-v1.json */
export async function userIdVectors(): Promise<object> {
  const inputs: [string, string][] = [
    ['already normalized', 'alice@example.com'],
    ['upper case', 'Alice@Example.COM'],
    ['decomposed accent (NFD) composes', 'Jose\u0301'],
    ['lower-casing leaves a non-NFC string: NFC again (T + U+0308 → U+1E97)', 'T\u0308'],
    ['the composed form of the line above', '\u1e97'],
    ['Greek final sigma', 'ΟΔΥΣΣΕΥΣ'],
    ['dotted capital I', 'İstanbul'],
    ['254 bytes', 'a'.repeat(254)],
  ];
  const valid = inputs.map(([name, input]) => ({ name, input, normalized: normalizeUserId(input) }));
  if (valid[3]?.normalized !== valid[4]?.normalized) throw new Error('normalization is not idempotent');
  const invalidCases: [string, unknown][] = [
    ['not a string', null],
    ['empty', ''],
    ['255 bytes', 'a'.repeat(255)],
    ['a space', 'alice smith'],
    ['a tab', 'alice\tsmith'],
    ['a control character', 'alice\u0000'],
    ['a format character (zero-width space)', 'ali\u200bce'],
    ['a line separator', 'alice\u2028'],
  ];
  const invalid = [];
  for (const [name, input] of invalidCases) {
    await expectCode(name, 'INVALID_INPUT', () => normalizeUserId(input));
    invalid.push({ name, input, error: 'INVALID_INPUT' });
  }
  return {
    description: 'zerovault user-id normalization: NFC, lower case, NFC again; 1 to 254 UTF-8 bytes; no whitespace, control, format or separator characters. "input": null stands for a value that is not a string.',
    generator: 'scripts/gen-format-vectors.ts',
    valid,
    invalid,
  };
}

/** recovery-keys-v1.json */
export async function recoveryKeyVectors(): Promise<object> {
  const keys: [string, Uint8Array][] = [
    ['all zero', new Uint8Array(32)],
    ['all ones', new Uint8Array(32).fill(0xff)],
    ['counting', pattern(32, 0x00)],
  ];
  const valid = keys.map(([name, key]) => ({ name, key: hex(key), text: formatRecoveryKey(key) }));
  const text = valid[2]?.text as string;
  const key = valid[2]?.key as string;
  const body = text.slice('zvrk1-'.length);
  const variants: [string, string][] = [
    ['lower case', text.toLowerCase()],
    ['no dashes', text.replace(/-/g, '')],
    ['spaces and line breaks instead of dashes', text.replace(/-/g, ' ').replace(/ (\S+ \S+)$/, '\n$1')],
    ['I, L for 1 and O for 0 (Crockford)', `zvrk1-${body.replace(/1/g, 'I').replace(/0/g, 'o')}`],
  ];
  const parse = variants.map(([name, t]) => ({ name, text: t, key }));
  for (const p of parse) if (hex(parseRecoveryKey(p.text)) !== key) throw new Error(`variant ${p.name} does not parse`);
  const last = body.at(-1) as string;
  const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const padded = ALPHABET[ALPHABET.indexOf(last) | 1] as string;
  if (padded === last) throw new Error('sample has odd padding');
  const flipFirst = ALPHABET[(ALPHABET.indexOf(body[0] as string) + 1) % 32] as string;
  const invalidCases: [string, unknown][] = [
    ['not a string', null],
    ['wrong prefix', text.replace('zvrk1', 'zvrk2')],
    ['a character outside the alphabet (U)', `${text.slice(0, -1)}U`],
    ['one character short', text.slice(0, -1)],
    ['one character long', `${text}0`],
    ['checksum does not match (first character changed)', `zvrk1-${flipFirst}${body.slice(1)}`],
    ['non-zero padding bits', `${text.slice(0, -1)}${padded}`],
  ];
  const invalid = [];
  for (const [name, input] of invalidCases) {
    await expectCode(name, 'INVALID_INPUT', () => parseRecoveryKey(input as string));
    invalid.push({ name, text: input, error: 'INVALID_INPUT' });
  }
  return {
    description:
      'zerovault recovery-key text: "zvrk1-" then Crockford base32 of key (32 bytes) || SHA-256("zvrk1" || key)[0..2], in groups of 5 joined by "-" (55 characters, 3 zero padding bits). Parsing ignores case, spaces and dashes and reads I/L as 1, O as 0. "text": null stands for a value that is not a string.',
    generator: 'scripts/gen-format-vectors.ts',
    valid,
    parse,
    invalid,
  };
}

async function wrapEntry(kind: 'password' | 'recovery', exportKey: Uint8Array, rootKey: Uint8Array, nonce: Uint8Array) {
  const kid = keyIdOf(exportKey);
  const unlockKey = deriveKey({ ikm: exportKey, label: UNLOCK_LABELS[kind], length: 32 });
  const aad = concat(utf8(`zerovault/v1/slot/${kind}`), kid);
  const wrapped = concat(nonce, await backend.aesGcmSeal(await backend.importAesGcmKey(unlockKey), nonce, rootKey, aad));
  return { kind, exportKey: hex(exportKey), kid: hex(kid), unlockKey: hex(unlockKey), aad: hex(aad), nonce: hex(nonce), wrapped: hex(wrapped) };
}

/** slots-v1.json */
export async function slotVectors(): Promise<object> {
  const rootKey = pattern(32, 0x80);
  const samples = [
    { name: 'password slot, one entry', entries: [await wrapEntry('password', pattern(64, 0x10), rootKey, pattern(12, 0xc0))] },
    {
      name: 'password slot during a password change, two entries',
      entries: [await wrapEntry('password', pattern(64, 0x10), rootKey, pattern(12, 0xc0)), await wrapEntry('password', pattern(64, 0x50), rootKey, pattern(12, 0xd0))],
    },
    { name: 'recovery slot', entries: [await wrapEntry('recovery', pattern(64, 0x90), rootKey, pattern(12, 0xe0))] },
  ];
  const valid = [];
  for (const s of samples) {
    const bytes = encodeSlot(s.entries.map((e) => ({ kid: fromHex(e.kid), wrapped: fromHex(e.wrapped) })));
    for (const e of s.entries) {
      const opened = await unwrapRoot(e.kind, fromHex(e.exportKey), decodeSlot(bytes));
      if (hex(opened) !== hex(rootKey)) throw new Error('slot vector does not unwrap');
    }
    valid.push({ ...s, bytes: hex(bytes) });
  }
  const one = fromHex(valid[0]?.bytes as string);
  const two = fromHex(valid[1]?.bytes as string);
  const invalid = await invalidBytes(decodeSlot, [
    ['empty', new Uint8Array(0), 'INVALID_INPUT'],
    ['wrong magic', patch(one, 1, 0x54), 'INVALID_INPUT'],
    ['unknown version 2', patch(one, 2, 0x02), 'UNSUPPORTED'],
    ['no count', cut(one, 3), 'INVALID_INPUT'],
    ['count 0', Uint8Array.of(0x5a, 0x53, 0x01, 0x00), 'INVALID_INPUT'],
    ['count 9', patch(one, 3, 9), 'INVALID_INPUT'],
    ['kid truncated', cut(one, 4 + 7), 'INVALID_INPUT'],
    ['wrap length truncated', cut(one, 4 + 8 + 1), 'INVALID_INPUT'],
    ['wrap truncated', cut(one, one.length - 1), 'INVALID_INPUT'],
    ['empty wrap', Uint8Array.of(0x5a, 0x53, 0x01, 0x01, ...pattern(8, 1), 0x00, 0x00), 'INVALID_INPUT'],
    ['two entries with one kid', concat(patch(cut(two, 4), 3, 2), one.subarray(4), one.subarray(4)), 'INVALID_INPUT'],
    ['count says 2, one entry follows', patch(one, 3, 2), 'INVALID_INPUT'],
    ['trailing byte', append(one, 0), 'INVALID_INPUT'],
  ]);
  return {
    description:
      'zerovault unlock slots: "ZS" | 0x01 | count (1..8) | count × (kid (8) | u16 length (≥ 1) | wrap), kids distinct. Each wrap is nonce || AES-256-GCM(unlockKey, rootKey, aad) with unlockKey = HKDF(exportKey, label), kid = HKDF(exportKey, "zerovault/v1/unlock/kid")[0..8], aad = "zerovault/v1/slot/<kind>" || kid.',
    generator: 'scripts/gen-format-vectors.ts',
    labels: UNLOCK_LABELS,
    rootKey: hex(rootKey),
    valid,
    invalid,
  };
}

/** manifest-v1.json */
export async function manifestVectors(): Promise<object> {
  const samples: { name: string; entries: { id: string; cv: number; storeVersion: number; deleted: boolean }[] }[] = [
    { name: 'empty', entries: [] },
    {
      name: 'records seen, one deleted, ids in code-unit order',
      entries: [
        { id: 'Zed', cv: 1, storeVersion: 1, deleted: false },
        { id: 'a', cv: 2, storeVersion: 5, deleted: false },
        { id: 'notes/été', cv: 42, storeVersion: 43, deleted: false },
        { id: 'z', cv: 3, storeVersion: 4, deleted: true },
      ],
    },
    { name: 'extreme versions', entries: [{ id: 'r', cv: Number.MAX_SAFE_INTEGER, storeVersion: 0, deleted: false }] },
  ];
  const valid = samples.map((s) => ({ ...s, bytes: hex(encodeManifest(new Map(s.entries.map((e) => [e.id, { cv: e.cv, storeVersion: e.storeVersion, deleted: e.deleted }])) as Manifest)) }));
  const entry = (id: Uint8Array, deleted = 0, cv = 1): Uint8Array => concat(u16(id.length), id, u64(cv), u64(1), u8(deleted));
  const list = (...entries: Uint8Array[]): Uint8Array => concat(Uint8Array.of(0x5a, 0x4d, 0x01), u32(entries.length), ...entries);
  const sample = fromHex(valid[1]?.bytes as string);
  const tooBig = concat(list(entry(utf8('a'))).subarray(0, 3 + 4 + 2 + 1), Uint8Array.of(0, 0x20, 0, 0, 0, 0, 0, 0), u64(1), u8(0));
  const invalid = await invalidBytes(decodeManifest, [
    ['empty', new Uint8Array(0), 'INVALID_INPUT'],
    ['wrong magic', patch(sample, 1, 0x4e), 'INVALID_INPUT'],
    ['unknown version 2', patch(sample, 2, 0x02), 'UNSUPPORTED'],
    ['count truncated', cut(sample, 5), 'INVALID_INPUT'],
    ['count larger than the entries', patch(sample, 3, 0, 0, 0, 5), 'INVALID_INPUT'],
    ['empty id', list(entry(new Uint8Array(0))), 'INVALID_INPUT'],
    ['id not UTF-8', list(entry(Uint8Array.of(0xff))), 'INVALID_INPUT'],
    ['ids out of order', list(entry(utf8('b')), entry(utf8('a'))), 'INVALID_INPUT'],
    ['the same id twice', list(entry(utf8('a')), entry(utf8('a'))), 'INVALID_INPUT'],
    ['deleted flag 2', list(entry(utf8('a'), 2)), 'INVALID_INPUT'],
    ['content version above 2^53 - 1', tooBig, 'INVALID_INPUT'],
    ['entry truncated', cut(sample, sample.length - 1), 'INVALID_INPUT'],
    ['trailing byte', append(sample, 0), 'INVALID_INPUT'],
  ]);
  return {
    description:
      'zerovault manifest (sealed under the root key in its meta record): "ZM" | 0x01 | count (u32) | count × (u16 id length (≥ 1) | id UTF-8 | cv (u64) | store version (u64) | deleted (0 or 1)), ids strictly ascending in UTF-16 code-unit order.',
    generator: 'scripts/gen-format-vectors.ts',
    valid,
    invalid,
  };
}

/** frames-v1.json */
export async function frameVectors(): Promise<object> {
  const record = sampleRecord();
  const sealed = fromHex(record.sealed);
  const writerSeed = pattern(32, 0xa0);
  const signing = { owner: 'owner@example.com', vault: record.vaultId, writer: { userId: 'writer@example.com', seed: hex(writerSeed), publicKey: hex(ed25519PublicKey(writerSeed)) } };
  const signature = signRecord({ owner: signing.owner, vault: signing.vault, recordId: record.recordId, contentVersion: record.version, signer: signing.writer.userId, sealed }, writerSeed);
  const v1 = encodeFrame(record.version, sealed);
  const v2 = encodeFrame(record.version, sealed, signature);
  const valid = [
    { name: 'v1 (private vault)', contentVersion: record.version, bytes: hex(v1) },
    { name: 'v2 (shared vault, signed by a writer)', contentVersion: record.version, signer: signature.signer, signature: hex(signature.value), bytes: hex(v2) },
  ];
  const head = (version: number, cv: Uint8Array): Uint8Array => concat(Uint8Array.of(0x5a, 0x46, version), cv);
  const signed = (signer: Uint8Array, sig = new Uint8Array(64)): Uint8Array => concat(head(2, u64(1)), u8(signer.length), signer, sig);
  const invalid = await invalidBytes(decodeFrame, [
    ['empty', new Uint8Array(0), 'INVALID_INPUT'],
    ['two bytes', Uint8Array.of(0x5a, 0x46), 'INVALID_INPUT'],
    ['wrong magic', patch(v1, 1, 0x47), 'INVALID_INPUT'],
    ['unknown version 0', patch(v1, 2, 0x00), 'UNSUPPORTED'],
    ['unknown version 3', patch(v1, 2, 0x03), 'UNSUPPORTED'],
    ['content version truncated', cut(v1, 10), 'INVALID_INPUT'],
    ['content version 0', head(1, u64(0)), 'INVALID_INPUT'],
    ['content version above 2^53 - 1', head(1, Uint8Array.of(0, 0x20, 0, 0, 0, 0, 0, 0)), 'INVALID_INPUT'],
    ['v2 signer missing', head(2, u64(1)), 'INVALID_INPUT'],
    ['v2 signer length 0', signed(new Uint8Array(0)), 'INVALID_INPUT'],
    ['v2 signer truncated', cut(signed(utf8('writer@example.com')), 11 + 1 + 5), 'INVALID_INPUT'],
    ['v2 signer not UTF-8', signed(Uint8Array.of(0xc3)), 'INVALID_INPUT'],
    ['v2 signer not a normalized user id', signed(utf8('Writer@example.com')), 'INVALID_INPUT'],
    ['v2 signature truncated', cut(signed(utf8('writer@example.com')), 11 + 1 + 18 + 63), 'INVALID_INPUT'],
  ]);
  return {
    description:
      'zerovault vault frames: v1 "ZF" | 0x01 | contentVersion (u64, 1..2^53-1) | sealed record v1; v2 "ZF" | 0x02 | contentVersion | u8 len | signer (normalized user id) | Ed25519 signature (64, see record-signatures-v1.json) | sealed record v1. "record" is a record of records-v1.json (it opens with kek, vaultId, recordId and the content version).',
    generator: 'scripts/gen-format-vectors.ts',
    record,
    signing,
    valid,
    invalid,
  };
}

/** record-signatures-v1.json */
export async function recordSignatureVectors(): Promise<object> {
  const record = sampleRecord();
  const sealed = fromHex(record.sealed);
  const { payloadOffset } = decodeRecordHeader(sealed);
  const seed = pattern(32, 0xa0);
  const fields = { owner: 'owner@example.com', vault: record.vaultId, recordId: record.recordId, contentVersion: record.version, signer: 'writer@example.com' };
  const payloadPart = concat(sealed.subarray(0, 4), sealed.subarray(payloadOffset));
  const message = encodeRecordSignatureMessage({ ...fields, payloadPart });
  const signature = signRecord({ ...fields, sealed }, seed);
  const other = pattern(32, 0xb0);
  return {
    description:
      'zerovault record signatures (v2 frames): Ed25519(writer, "zerovault/v1/record-signature" || 0x00 || message), message = lp(owner) || lp(vault) || lp(recordId) || u64(contentVersion) || lp(signer) || SHA-256(payloadPart), payloadPart = sealed[0..4] || sealed[payloadOffset..], lp(x) = u32(len) || x. Each "invalid" entry changes one input of the valid vector; the signature must then not verify.',
    generator: 'scripts/gen-format-vectors.ts',
    valid: [
      {
        name: 'a writer signs a suite-2 record',
        ...fields,
        sealed: record.sealed,
        payloadOffset,
        payloadPart: hex(payloadPart),
        message: hex(message),
        seed: hex(seed),
        publicKey: hex(ed25519PublicKey(seed)),
        signature: hex(signature.value),
      },
    ],
    invalid: [
      { name: 'another owner', change: { owner: 'other@example.com' } },
      { name: 'another vault', change: { vault: 'vault-2' } },
      { name: 'another record id', change: { recordId: 'notes/ete' } },
      { name: 'another content version', change: { contentVersion: record.version + 1 } },
      { name: 'another signer', change: { signer: 'owner@example.com' } },
      { name: 'another public key', change: { publicKey: hex(ed25519PublicKey(other)) } },
      { name: 'a payload byte changed', change: { sealed: hex(patch(sealed, sealed.length - 1, (sealed.at(-1) as number) ^ 1)) } },
    ],
  };
}
