/**
 * Generates test/vectors/zerovault/records-v1.json: known-answer vectors for
 * sealed records v1 in both suites (fixed DEK, nonces, KEK and ids → exact
 * bytes), re-wrap, two-key collision and keyring vectors, and negative
 * vectors. Deterministic: running it twice gives the same file, and the
 * suite-1 records are byte for byte those published before suite 2 existed.
 * `test/envelope/vectors.test.ts` re-derives every value.
 *
 *   npx tsx scripts/gen-record-vectors.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';
import { createNodeBackend } from '../src/crypto/backend-node.js';
import { fromHex, toHex, utf8 } from '../src/crypto/bytes.js';
import { LABELS } from '../src/crypto/kdf.js';
import {
  AAD_LABELS,
  RECORD_SUITES,
  headerLength,
  parseRecord,
  payloadAad,
  wrapAad,
  writeRecord,
  type AadFields,
  type RecordSuite,
  type RecordSuiteId,
} from '../src/envelope/format.js';
import { encodeId } from '../src/envelope/inputs.js';
import type { Keyring } from '../src/envelope/keyring.js';
import { encodeKeyring } from '../src/envelope/keyring-codec.js';
import { rewrapRecordWith, sealRecordWith, type SealInputs } from '../src/envelope/record.js';
import { deriveCommitment } from '../src/envelope/record-keys.js';
import { collide } from '../test/envelope/gcm-collision.js';
import { recordKeysByDefinition } from '../test/envelope/helpers.js';

const backend = createNodeBackend();
const out = join(dirname(fileURLToPath(import.meta.url)), '../test/vectors/zerovault/records-v1.json');

/** `length` bytes counting up from `start` (readable fixed "randomness"). */
function seq(length: number, start: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

function fixed(suite: RecordSuiteId, dek: Uint8Array, wrapNonce: Uint8Array, nonce: Uint8Array): SealInputs {
  return { suite, dek, wrapNonce, nonce };
}

interface KekJson {
  id: string;
  version: number;
  key: string;
}
const kekOf = (k: KekJson) => ({ id: k.id, version: k.version, key: fromHex(k.key) });
const identityOf = (v: { vaultId: string; recordId: string; version: number }) => ({
  vaultId: encodeId(v.vaultId, 'vaultId', 1024),
  recordId: encodeId(v.recordId, 'recordId', 1024),
  version: v.version,
});

const inputs = [
  {
    name: 'empty plaintext',
    kek: { id: 'vault-1', version: 1, key: toHex(seq(32, 0x00)) },
    vaultId: 'vault-1',
    recordId: 'empty',
    version: 0,
    plaintext: '',
    dek: toHex(seq(32, 0x20)),
    wrapNonce: toHex(seq(12, 0x40)),
    nonce: toHex(seq(12, 0x50)),
  },
  {
    name: 'short text, non-ASCII record id',
    kek: { id: 'vault-1', version: 1, key: toHex(seq(32, 0x00)) },
    vaultId: 'vault-1',
    recordId: 'notes/été',
    version: 42,
    plaintext: toHex(utf8('hello, zerovault')),
    dek: toHex(seq(32, 0x60)),
    wrapNonce: toHex(seq(12, 0x80)),
    nonce: toHex(seq(12, 0x90)),
  },
  {
    name: 'three blocks and a bit, extreme versions',
    kek: { id: 'k', version: 0xffff_ffff, key: toHex(seq(32, 0xa0)) },
    vaultId: 'v',
    recordId: 'r',
    version: Number.MAX_SAFE_INTEGER,
    plaintext: toHex(seq(50, 0x00)),
    dek: toHex(seq(32, 0xc0)),
    wrapNonce: toHex(seq(12, 0xe0)),
    nonce: toHex(seq(12, 0xf0)),
  },
];

// Suite 1 first (the vectors published with it), then the same inputs in
// suite 2, whose DEK is 64 bytes: the suite-1 DEK followed by 32 more.
const allInputs = [
  ...inputs.map((v) => ({ suite: 1 as const, ...v })),
  ...inputs.map((v, i) => ({ suite: 2 as const, ...v, name: `${v.name} (suite 2)`, dek: v.dek + toHex(seq(32, 0x11 * (i + 1))) })),
];

const valid = [];
for (const v of allInputs) {
  const dek = fromHex(v.dek);
  const suite = RECORD_SUITES[v.suite];
  const sealed = await sealRecordWith(
    { kek: kekOf(v.kek), vaultId: v.vaultId, recordId: v.recordId, version: v.version, plaintext: fromHex(v.plaintext) },
    fixed(v.suite, dek, fromHex(v.wrapNonce), fromHex(v.nonce)),
    backend,
  );
  const parsed = parseRecord(sealed);
  const identity = identityOf(v);
  const keys = recordKeysByDefinition(dek, suite, backend);
  if (toHex(deriveCommitment(dek, suite, backend)) !== toHex(keys.commitment)) throw new Error('commitment routes disagree');
  valid.push({
    ...v,
    intermediate: {
      payloadKey: toHex(keys.key),
      commitment: toHex(keys.commitment),
      wrapAad: toHex(wrapAad(identity, parsed)),
      payloadAad: toHex(payloadAad(identity, parsed)),
      header: toHex(sealed.subarray(0, parsed.headerLength)),
    },
    sealed: toHex(sealed),
  });
}

const rewrapTo = { id: 'vault-1', version: 2, key: toHex(seq(32, 0x10)) };
const rewrapNonce = seq(12, 0x30);

const flip = (bytes: Uint8Array, at: number, mask = 1): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[at]! ^= mask;
  return copy;
};

/** A record rewritten as the other suite: suite byte switched, wrapped DEK field padded with zeros or cut to that suite's length. */
function asOtherSuite(sealed: Uint8Array): Uint8Array {
  const parsed = parseRecord(sealed);
  const other = RECORD_SUITES[parsed.suite.id === 1 ? 2 : 1];
  const wrappedDek = new Uint8Array(other.wrappedDekLength);
  wrappedDek.set(parsed.wrappedDek.subarray(0, Math.min(parsed.wrappedDek.length, other.wrappedDekLength)));
  return writeRecord({ ...parsed, suite: other, wrappedDek }, parsed.body);
}

const rewrap = [];
const invalid = [];
// The "short text" vector of each suite is the base of its re-wrap and negative vectors.
for (const base of [valid[1]!, valid[inputs.length + 1]!]) {
  const suite = RECORD_SUITES[base.suite];
  const baseSealed = fromHex(base.sealed);
  const rewrapped = await rewrapRecordWith(
    { sealed: baseSealed, from: kekOf(base.kek), to: kekOf(rewrapTo), vaultId: base.vaultId, recordId: base.recordId, version: base.version },
    rewrapNonce,
    backend,
  );
  rewrap.push({
    name: `suite ${suite.id}: vault-1 v1 → v2 of the "short text" vector`,
    suite: suite.id,
    from: base.kek,
    to: rewrapTo,
    vaultId: base.vaultId,
    recordId: base.recordId,
    version: base.version,
    wrapNonce: toHex(rewrapNonce),
    sealed: base.sealed,
    rewrapped: toHex(rewrapped),
  });

  const k = utf8(base.kek.id).length;
  const header = headerLength(suite, k);
  // Field offsets from the end of the header: length (4), commitment (32), payload nonce (12).
  const lengthAt = header - 4;
  const commitmentAt = lengthAt - 32;
  const nonceAt = commitmentAt - 12;
  const where = { suite: suite.id, kek: base.kek, vaultId: base.vaultId, recordId: base.recordId, version: base.version };
  const name = (what: string) => `suite ${suite.id}: ${what}`;
  invalid.push(
    { name: name('tampered header: commitment bit'), ...where, sealed: toHex(flip(baseSealed, commitmentAt)), error: 'DECRYPT_FAILED' },
    { name: name('tampered header: payload nonce bit'), ...where, sealed: toHex(flip(baseSealed, nonceAt)), error: 'DECRYPT_FAILED' },
    { name: name('tampered header: wrapped DEK bit'), ...where, sealed: toHex(flip(baseSealed, 30 + k)), error: 'DECRYPT_FAILED' },
    {
      name: name('tampered header: KEK version rewritten to 2, opened with the same key as version 2'),
      ...where,
      kek: { ...base.kek, version: 2 },
      sealed: toHex(flip(baseSealed, 8 + k, 3)),
      error: 'DECRYPT_FAILED',
    },
    { name: name('tampered ciphertext: last tag bit'), ...where, sealed: toHex(flip(baseSealed, baseSealed.length - 1, 0x80)), error: 'DECRYPT_FAILED' },
    { name: name('wrong AAD: another record id (renamed)'), ...where, recordId: 'notes/ete', sealed: base.sealed, error: 'DECRYPT_FAILED' },
    { name: name('wrong AAD: another vault (moved)'), ...where, vaultId: 'vault-2', sealed: base.sealed, error: 'DECRYPT_FAILED' },
    { name: name('wrong AAD: another record version (replayed)'), ...where, version: 43, sealed: base.sealed, error: 'DECRYPT_FAILED' },
    { name: name('wrong KEK version: the header names version 1'), ...where, kek: { ...base.kek, version: 2 }, sealed: base.sealed, error: 'DECRYPT_FAILED' },
    { name: name('wrong KEK: right id and version, other key'), ...where, kek: { ...base.kek, key: rewrapTo.key }, sealed: base.sealed, error: 'DECRYPT_FAILED' },
    { name: name('truncated: last byte missing'), ...where, sealed: toHex(baseSealed.subarray(0, baseSealed.length - 1)), error: 'INVALID_INPUT' },
    { name: name('truncated: header only'), ...where, sealed: toHex(baseSealed.subarray(0, header)), error: 'INVALID_INPUT' },
    { name: name('trailing byte'), ...where, sealed: toHex(Uint8Array.from([...baseSealed, 0])), error: 'INVALID_INPUT' },
    { name: name('bad magic'), ...where, sealed: toHex(flip(baseSealed, 1, 0x20)), error: 'INVALID_INPUT' },
    { name: name('unknown format version 2'), ...where, sealed: toHex(flip(baseSealed, 2, 3)), error: 'UNSUPPORTED' },
    { name: name('unknown suite 0'), ...where, sealed: toHex(flip(baseSealed, 3, suite.id)), error: 'UNSUPPORTED' },
    // Suite 1 ↔ 2 changes the DEK length the reader expects, so every later field shifts.
    { name: name('suite byte switched to the other suite'), ...where, sealed: toHex(flip(baseSealed, 3, 3)), error: 'INVALID_INPUT' },
    // The same, with the wrapped DEK field padded or cut so the record parses as the other suite:
    // the suite byte is in both AADs and the KDF context, so it still fails, after parsing.
    { name: name('other suite, wrapped DEK field resized so it parses'), ...where, sealed: toHex(asOtherSuite(baseSealed)), error: 'DECRYPT_FAILED' },
    { name: name('empty KEK id'), ...where, sealed: toHex(flip(baseSealed, 4, k)), error: 'INVALID_INPUT' },
    { name: name('declared plaintext length above 64 MiB'), ...where, sealed: toHex(flip(baseSealed, lengthAt, 0x04)), error: 'INVALID_INPUT' },
  );
}

// Two-key collision: DEK1 and DEK2 under two KEKs with the same id and version;
// one payload that AES-GCM accepts under both derived keys and the record's
// AAD; one commitment (DEK1's). Record A opens; record B (same payload and
// commitment, DEK2 under KEK B) must be rejected.
async function collisionVector(suite: RecordSuite) {
  const dek1 = seq(suite.dekLength, 0x01);
  const dek2 = seq(suite.dekLength, 0x02);
  const kekA = { id: 'shared', version: 1, key: toHex(seq(32, 0x11)) };
  const kekB = { id: 'shared', version: 1, key: toHex(seq(32, 0x22)) };
  const at = { vaultId: 'vault-c', recordId: 'message', version: 1 };
  const identity = identityOf(at);
  const nonce = seq(12, 0x33);
  const commitment = recordKeysByDefinition(dek1, suite, backend).commitment;
  const fields: AadFields = { suite, kekIdBytes: utf8('shared'), kekVersion: 1, nonce, commitment, plaintextLength: 32 };
  const aad = payloadAad(identity, fields);
  const k1 = recordKeysByDefinition(dek1, suite, backend).key;
  const k2 = recordKeysByDefinition(dek2, suite, backend).key;
  const body = collide(k1, k2, nonce, aad, utf8('pay alice $10...'));
  const build = async (kek: KekJson, dek: Uint8Array, wrapNonce: Uint8Array) => {
    const key = await backend.importAesGcmKey(fromHex(kek.key));
    const wrapped = await backend.aesGcmSeal(key, wrapNonce, dek, wrapAad(identity, fields));
    const wrappedDek = new Uint8Array(suite.wrappedDekLength);
    wrappedDek.set(wrapNonce);
    wrappedDek.set(wrapped, 12);
    return toHex(writeRecord({ ...fields, wrappedDek }, body));
  };
  const plaintextA = await backend.aesGcmOpen(await backend.importAesGcmKey(k1), nonce, body, aad);
  return {
    description:
      'The payload authenticates under both HKDF-derived AES keys with this AAD (a GCM key collision); ' +
      'the header commits to DEK1 only, so record A opens and record B fails.',
    suite: suite.id,
    ...at,
    kekA,
    kekB,
    dek1: toHex(dek1),
    dek2: toHex(dek2),
    payloadKey1: toHex(k1),
    payloadKey2: toHex(k2),
    payloadAad: toHex(aad),
    sealedA: await build(kekA, dek1, seq(12, 0x44)),
    plaintextA: toHex(plaintextA),
    sealedB: await build(kekB, dek2, seq(12, 0x55)),
    errorB: 'DECRYPT_FAILED',
  };
}
const collisions = [await collisionVector(RECORD_SUITES[1]), await collisionVector(RECORD_SUITES[2])];

// Keyring: fixed identity secrets; public keys derived.
const xSecret = seq(32, 0x70);
const eSecret = seq(32, 0x90);
const keyring: Keyring = {
  x25519: { secretKey: xSecret, publicKey: backend.x25519PublicKey(xSecret) },
  ed25519: { secretKey: eSecret, publicKey: ed25519.getPublicKey(eSecret) },
  keks: [
    { id: 'vault-1', version: 1, key: seq(32, 0x00), active: false },
    { id: 'vault-1', version: 2, key: seq(32, 0x10), active: true },
    { id: 'vault-2', version: 1, key: seq(32, 0xb0), active: true },
  ],
};
const keyringVector = {
  x25519: { secretKey: toHex(keyring.x25519.secretKey), publicKey: toHex(keyring.x25519.publicKey) },
  ed25519: { secretKey: toHex(keyring.ed25519.secretKey), publicKey: toHex(keyring.ed25519.publicKey) },
  keks: keyring.keks.map((e) => ({ id: e.id, version: e.version, key: toHex(e.key), active: e.active })),
  encoded: toHex(encodeKeyring(keyring)),
};

const file = {
  description:
    'zerovault sealed record v1 known-answer vectors, suites 1 and 2 ("suite" in each vector). Byte strings are ' +
    'lowercase hex; ids are JSON strings (UTF-8 on the wire). "dek", "wrapNonce" and "nonce" replace the random ' +
    'draws. Spec: docs/format.md.',
  generator: 'scripts/gen-record-vectors.ts',
  labels: {
    payloadKey: LABELS.recordKey,
    commitment: LABELS.recordCommitment,
    keys: LABELS.recordKeys,
    payloadAad: AAD_LABELS.payload,
    wrapAad: AAD_LABELS.wrap,
  },
  valid,
  rewrap,
  invalid,
  collisions,
  keyring: keyringVector,
};
writeFileSync(out, JSON.stringify(file, null, 2) + '\n');
console.log(`wrote ${out}: ${valid.length} valid, ${invalid.length} invalid`);
