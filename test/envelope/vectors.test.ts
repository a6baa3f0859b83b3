/**
 * Our published vectors (test/vectors/zerovault/records-v1.json, written by
 * scripts/gen-record-vectors.ts) re-derived with the code, on every backend:
 * a change to the format, a label or the AAD encoding breaks this test.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex, utf8 } from '../../src/crypto/bytes.js';
import { LABELS } from '../../src/crypto/kdf.js';
import { AAD_LABELS, RECORD_SUITES, parseRecord, payloadAad, wrapAad, type RecordSuiteId } from '../../src/envelope/format.js';
import { decodeKeyringWith, encodeKeyring } from '../../src/envelope/keyring-codec.js';
import { encodeId } from '../../src/envelope/inputs.js';
import { openRecordWith, rewrapRecordWith, sealRecordWith } from '../../src/envelope/record.js';
import { deriveCommitment } from '../../src/envelope/record-keys.js';
import { BACKENDS, outcome, recordKeysByDefinition } from './helpers.js';

interface KekJson {
  id: string;
  version: number;
  key: string;
}
interface Where {
  vaultId: string;
  recordId: string;
  version: number;
}
interface ValidVector extends Where {
  name: string;
  suite: RecordSuiteId;
  kek: KekJson;
  plaintext: string;
  dek: string;
  wrapNonce: string;
  nonce: string;
  intermediate: { payloadKey: string; commitment: string; wrapAad: string; payloadAad: string; header: string };
  sealed: string;
}
interface File {
  labels: Record<string, string>;
  valid: ValidVector[];
  rewrap: Array<Where & { name: string; suite: RecordSuiteId; from: KekJson; to: KekJson; wrapNonce: string; sealed: string; rewrapped: string }>;
  invalid: Array<Where & { name: string; suite: RecordSuiteId; kek: KekJson; sealed: string; error: string }>;
  collisions: Array<
    Where & {
      suite: RecordSuiteId;
      kekA: KekJson;
    kekB: KekJson;
    dek1: string;
    dek2: string;
    payloadKey1: string;
    payloadKey2: string;
    payloadAad: string;
    sealedA: string;
    plaintextA: string;
    sealedB: string;
    errorB: string;
    }
  >;
  keyring: {
    x25519: { secretKey: string; publicKey: string };
    ed25519: { secretKey: string; publicKey: string };
    keks: Array<{ id: string; version: number; key: string; active: boolean }>;
    encoded: string;
  };
}

const here = dirname(fileURLToPath(import.meta.url));
const file = JSON.parse(readFileSync(join(here, '../vectors/zerovault/records-v1.json'), 'utf8')) as File;
const kekOf = (k: KekJson) => ({ id: k.id, version: k.version, key: fromHex(k.key) });
const whereOf = (v: Where) => ({ vaultId: v.vaultId, recordId: v.recordId, version: v.version });

test('the vector file has the promised coverage', () => {
  expect(file.labels).toEqual({
    payloadKey: LABELS.recordKey,
    commitment: LABELS.recordCommitment,
    keys: LABELS.recordKeys,
    payloadAad: AAD_LABELS.payload,
    wrapAad: AAD_LABELS.wrap,
  });
  for (const suite of [1, 2]) {
    expect(file.valid.filter((v) => v.suite === suite).length, `valid, suite ${suite}`).toBeGreaterThanOrEqual(3);
    expect(file.rewrap.filter((v) => v.suite === suite).length, `rewrap, suite ${suite}`).toBeGreaterThanOrEqual(1);
    expect(file.collisions.filter((v) => v.suite === suite).length, `collision, suite ${suite}`).toBe(1);
    const names = file.invalid.filter((v) => v.suite === suite).map((v) => v.name).join('\n');
    for (const kind of ['tampered header', 'wrong AAD', 'wrong KEK version', 'truncated', 'trailing byte', 'unknown format version', 'unknown suite', 'other suite']) {
      expect(names, `invalid, suite ${suite}`).toContain(kind);
    }
  }
});

test('the suite-1 records are the ones published before suite 2 existed, byte for byte', () => {
  // SHA-256 of the suite-1 sealed, re-wrapped and collision records, one per line, in file order,
  // taken from the file as first published: a format change that touches suite 1 breaks this.
  const published = [
    ...file.valid.filter((v) => v.suite === 1).map((v) => v.sealed),
    ...file.rewrap.filter((v) => v.suite === 1).map((v) => v.rewrapped),
    ...file.collisions.filter((c) => c.suite === 1).map((c) => c.sealedA + c.sealedB),
  ].join('\n');
  expect(toHex(sha256(utf8(published)))).toBe('52f2a4685f427c6f7176747715598bf0c73d27556f8523ef878311a7e5e77dc1');
});

describe.each(BACKENDS)('published vectors on %s', (_name, backend) => {
  test.each(file.valid.map((v) => [v.name, v] as const))('valid: %s', async (_n, v) => {
    const dek = fromHex(v.dek);
    const sealed = await sealRecordWith(
      { kek: kekOf(v.kek), ...whereOf(v), plaintext: fromHex(v.plaintext) },
      { suite: v.suite, dek, wrapNonce: fromHex(v.wrapNonce), nonce: fromHex(v.nonce) },
      backend,
    );
    expect(toHex(sealed)).toBe(v.sealed);
    const parsed = parseRecord(sealed);
    const identity = { vaultId: encodeId(v.vaultId, 'v', 1024), recordId: encodeId(v.recordId, 'r', 1024), version: v.version };
    const suite = RECORD_SUITES[v.suite];
    expect(parsed.suite).toBe(suite);
    const keys = recordKeysByDefinition(dek, suite, backend);
    expect(toHex(keys.key)).toBe(v.intermediate.payloadKey);
    expect(toHex(keys.commitment)).toBe(v.intermediate.commitment);
    expect(toHex(deriveCommitment(dek, suite, backend))).toBe(v.intermediate.commitment);
    expect(toHex(wrapAad(identity, parsed))).toBe(v.intermediate.wrapAad);
    expect(toHex(payloadAad(identity, parsed))).toBe(v.intermediate.payloadAad);
    expect(toHex(sealed.subarray(0, parsed.headerLength))).toBe(v.intermediate.header);
    expect(toHex(await openRecordWith({ kek: kekOf(v.kek), ...whereOf(v), sealed: fromHex(v.sealed) }, backend))).toBe(v.plaintext);
  });

  test.each(file.rewrap.map((v) => [v.name, v] as const))('rewrap: %s', async (_n, v) => {
    const rewrapped = await rewrapRecordWith(
      { sealed: fromHex(v.sealed), from: kekOf(v.from), to: kekOf(v.to), ...whereOf(v) },
      fromHex(v.wrapNonce),
      backend,
    );
    expect(toHex(rewrapped)).toBe(v.rewrapped);
    expect(await outcome(openRecordWith({ kek: kekOf(v.from), ...whereOf(v), sealed: rewrapped }, backend))).toBe('DECRYPT_FAILED');
  });

  test.each(file.invalid.map((v) => [v.name, v] as const))('invalid: %s', async (_n, v) => {
    expect(await outcome(openRecordWith({ kek: kekOf(v.kek), ...whereOf(v), sealed: fromHex(v.sealed) }, backend))).toBe(v.error);
  });

  test.each(file.collisions.map((c) => [c.suite, c] as const))('two-key collision, suite %s: the payload is a real GCM collision, yet only record A opens', async (_s, c) => {
    const suite = RECORD_SUITES[c.suite];
    expect(toHex(recordKeysByDefinition(fromHex(c.dek1), suite, backend).key)).toBe(c.payloadKey1);
    expect(toHex(recordKeysByDefinition(fromHex(c.dek2), suite, backend).key)).toBe(c.payloadKey2);
    const b = parseRecord(fromHex(c.sealedB));
    for (const key of [c.payloadKey1, c.payloadKey2]) {
      const handle = await backend.importAesGcmKey(fromHex(key));
      expect((await backend.aesGcmOpen(handle, b.nonce, b.body, fromHex(c.payloadAad))).length).toBe(32);
    }
    expect(toHex(await openRecordWith({ kek: kekOf(c.kekA), ...whereOf(c), sealed: fromHex(c.sealedA) }, backend))).toBe(c.plaintextA);
    expect(await outcome(openRecordWith({ kek: kekOf(c.kekB), ...whereOf(c), sealed: fromHex(c.sealedB) }, backend))).toBe(c.errorB);
  });

  test('keyring encoding', () => {
    const k = file.keyring;
    const decoded = decodeKeyringWith(fromHex(k.encoded), backend);
    expect(toHex(decoded.x25519.publicKey)).toBe(k.x25519.publicKey);
    expect(toHex(decoded.ed25519.publicKey)).toBe(k.ed25519.publicKey);
    expect(decoded.keks.map((e) => ({ ...e, key: toHex(e.key) }))).toEqual(k.keks);
    expect(toHex(encodeKeyring(decoded))).toBe(k.encoded);
  });
});
