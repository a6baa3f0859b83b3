/**
 * X-Wing recipients against outside material:
 * - the X-Wing draft's vectors (draft-connolly-cfrg-xwing-kem) through our
 *   KEM wrapper: key generation from the seed, derandomized encapsulation,
 *   decapsulation;
 * - the HPKE-PQ draft's X-Wing vector with HKDF-SHA256 (the KEM id and key
 *   schedule our stanzas use): encapsulation from `ikmE`, decapsulation, the
 *   RFC 9180 key schedule under `suite_id` with KEM `0x647a`, every
 *   encryption and export. Its other two vectors do not apply: pure
 *   ML-KEM-768 (KEM `0x0041`) is not a recipient kind, and the SHAKE256
 *   single-stage key schedule (KDF `0x0011`) is not ours;
 * - an independent HPKE implementation (`@hpke/core` + `@hpke/hybridkem-x-wing`)
 *   sealing stanzas we open, and opening ours; and a whole blob opened with
 *   it and node:crypto alone, from docs/seal-format.md.
 */
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { XWing } from '@hpke/hybridkem-x-wing';
import { ml_kem768_x25519 } from '@noble/post-quantum/hybrid.js';
import { createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { getBackend } from '#backend';
import { RecipientContext, createCore } from '../../src/seal/context.js';
import { keySchedule, MODE } from '../../src/seal/keyschedule.js';
import { open, seal } from '../../src/seal/blob.js';
import { STANZA_INFO } from '../../src/seal/format.js';
import { generateKeyPair, generateXWingKeyPair, getXWingPublicKey } from '../../src/seal/keys.js';
import { HKDF_SHA256, createSuite } from '../../src/seal/suite.js';
import { xwingDecap, xwingEncap, xwingPublicKey } from '../../src/crypto/xwing.js';
import { XWING_KEM_ID, xwingOpen, xwingSeal, xwingSuite } from '../../src/seal/xwing.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';
import { CHACHA20_POLY1305, codeOf, hex, toHex } from './helpers.js';

interface XWingVector {
  seed: string;
  sk: string;
  pk: string;
  eseed: string;
  ct: string;
  ss: string;
}

interface HpkePqVector {
  mode: number;
  kem_id: number;
  kdf_id: number;
  aead_id: number;
  info: string;
  ikmE: string;
  skRm: string;
  pkRm: string;
  enc: string;
  shared_secret: string;
  suite_id: string;
  key: string;
  base_nonce: string;
  exporter_secret: string;
  encryptions: { aad: string; ct: string; nonce: string; pt: string }[];
  exports: { exporter_context: string; L: number; exported_value: string }[];
}

const XWING = 'xwing/test-vectors.json';
const HPKE_PQ = 'hpke-pq/hpke-pq-04_xwing_mlkem768.json';

describeVectors('X-Wing draft vectors', XWING, () => {
  const vectors = readVectorJson<XWingVector[]>(XWING);
  test('three vectors', () => expect(vectors.length).toBe(3));
  for (const [i, v] of vectors.entries()) {
    test(`vector ${i}: public key from the seed, encapsulation from eseed, decapsulation`, () => {
      expect(toHex(xwingPublicKey(hex(v.seed)))).toBe(v.pk);
      const { enc, sharedSecret } = xwingEncap(hex(v.pk), hex(v.eseed));
      expect(toHex(enc)).toBe(v.ct);
      expect(toHex(sharedSecret)).toBe(v.ss);
      expect(toHex(xwingDecap(hex(v.ct), hex(v.sk)))).toBe(v.ss);
    });
  }
});

describeVectors('HPKE-PQ draft: X-Wing with HKDF-SHA256', HPKE_PQ, () => {
  const all = readVectorJson<HpkePqVector[]>(HPKE_PQ);
  const applicable = all.filter((v) => v.kem_id === XWING_KEM_ID && v.kdf_id === HKDF_SHA256.id);
  test('the file holds the three vectors; one applies', () => {
    expect(all.length).toBe(3);
    expect(applicable.length).toBe(1);
  });
  for (const v of applicable) {
    test('encapsulation, decapsulation, key schedule, every encryption and export', async () => {
      expect(v.mode).toBe(MODE.base);
      expect(v.aead_id).toBe(CHACHA20_POLY1305.id);
      const suite = createSuite({ kemId: XWING_KEM_ID, kdf: HKDF_SHA256, aead: CHACHA20_POLY1305, backend: getBackend() });
      expect(toHex(suite.id)).toBe(v.suite_id);
      expect(toHex(xwingPublicKey(hex(v.skRm)))).toBe(v.pkRm);
      const { enc, sharedSecret } = xwingEncap(hex(v.pkRm), hex(v.ikmE));
      expect(toHex(enc)).toBe(v.enc);
      expect(toHex(sharedSecret)).toBe(v.shared_secret);
      expect(toHex(xwingDecap(hex(v.enc), hex(v.skRm)))).toBe(v.shared_secret);
      const schedule = keySchedule(suite, MODE.base, hex(v.shared_secret), hex(v.info));
      expect([toHex(schedule.key), toHex(schedule.baseNonce), toHex(schedule.exporterSecret)]).toEqual([v.key, v.base_nonce, v.exporter_secret]);
      const context = new RecipientContext(await createCore(suite, schedule));
      for (const e of v.encryptions) expect(toHex(await context.open(hex(e.ct), hex(e.aad)))).toBe(e.pt);
      for (const x of v.exports) expect(toHex(context.export(hex(x.exporter_context), x.L))).toBe(x.exported_value);
      context.destroy();
    });
  }
});

test('the same as @noble/post-quantum\'s ml_kem768_x25519, on random keys and both backends', async () => {
  const { createNodeBackend } = await import('../../src/crypto/backend-node.js');
  const { createWebBackend } = await import('../../src/crypto/backend-web.js');
  for (const backend of [createNodeBackend(), createWebBackend({ subtle: null })]) {
    for (let i = 0; i < 3; i++) {
      const seed = crypto.getRandomValues(new Uint8Array(32));
      const eseed = crypto.getRandomValues(new Uint8Array(64));
      const theirs = ml_kem768_x25519.keygen(seed);
      expect(toHex(xwingPublicKey(seed, backend))).toBe(toHex(theirs.publicKey));
      const ours = xwingEncap(theirs.publicKey, eseed, backend);
      const expected = ml_kem768_x25519.encapsulate(theirs.publicKey, eseed);
      expect([toHex(ours.enc), toHex(ours.sharedSecret)]).toEqual([toHex(expected.cipherText), toHex(expected.sharedSecret)]);
      expect(toHex(xwingDecap(ours.enc, seed, backend))).toBe(toHex(expected.sharedSecret));
    }
  }
});

describe('interoperability with @hpke/hybridkem-x-wing', () => {
  const theirs = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  const aad = new TextEncoder().encode('prelude');
  const fileKey = new Uint8Array(32).fill(7);

  test('they encapsulate and seal a stanza, we open it', async () => {
    const { publicKey, secretKey } = await generateXWingKeyPair();
    const recipientPublicKey = await theirs.kem.deserializePublicKey(publicKey);
    const { enc, ct } = await theirs.seal({ recipientPublicKey, info: STANZA_INFO }, fileKey, aad);
    const opened = await xwingOpen(xwingSuite(getBackend()), { enc: new Uint8Array(enc), recipientSecretKey: secretKey, info: STANZA_INFO, aad, ciphertext: new Uint8Array(ct) });
    expect(toHex(opened)).toBe(toHex(fileKey));
  });

  test('we seal a stanza, they open it; same public key from the same seed', async () => {
    const { publicKey, secretKey } = await generateXWingKeyPair();
    const derived = await theirs.kem.deserializePrivateKey(secretKey);
    expect(toHex(new Uint8Array(await theirs.kem.serializePublicKey(await theirs.kem.deserializePublicKey(publicKey))))).toBe(toHex(publicKey));
    const { enc, ciphertext } = await xwingSeal(xwingSuite(getBackend()), { recipientPublicKey: publicKey, eseed: new Uint8Array(64).fill(3), info: STANZA_INFO, aad, plaintext: fileKey });
    const opened = await theirs.open({ recipientKey: derived, enc, info: STANZA_INFO }, ciphertext, aad);
    expect(toHex(new Uint8Array(opened))).toBe(toHex(fileKey));
  });

  test('a whole X-Wing blob, opened per docs/seal-format.md with their HPKE and node:crypto', async () => {
    const a = await generateXWingKeyPair();
    const b = await generateXWingKeyPair();
    const data = new Uint8Array(70000).map((_, i) => i % 251);
    const blob = Buffer.from(await seal(data, { to: [a.publicKey, b.publicKey] }));
    expect(blob.readUInt16BE(5)).toBe(0x0002);
    expect(blob.readUInt16BE(8)).toBe(2);
    const stanza = 1120 + 48;
    const headerEnd = 10 + 2 * stanza + 32;
    const prelude = blob.subarray(0, 10);
    const second = blob.subarray(10 + stanza, 10 + 2 * stanza);
    const recipientKey = await theirs.kem.deserializePrivateKey(b.secretKey);
    const fk = Buffer.from(await theirs.open({ recipientKey, enc: second.subarray(0, 1120), info: STANZA_INFO }, second.subarray(1120), prelude));
    const macKey = Buffer.from(hkdfSync('sha256', fk, Buffer.alloc(0), Buffer.from('zerovault/v1/seal/header\0'), 32));
    const mac = createHmac('sha256', macKey).update(blob.subarray(0, headerEnd - 32)).digest();
    expect(timingSafeEqual(mac, blob.subarray(headerEnd - 32, headerEnd))).toBe(true);
    const key = Buffer.from(hkdfSync('sha256', fk, mac, Buffer.from('zerovault/v1/seal/payload\0'), 32));
    const payload = blob.subarray(headerEnd);
    const out: Buffer[] = [];
    for (let i = 0, o = 0; o < payload.length; i++, o += 65552) {
      const piece = payload.subarray(o, o + 65552);
      const nonce = Buffer.alloc(12);
      nonce.writeUIntBE(i, 5, 6);
      nonce[11] = o + 65552 >= payload.length ? 1 : 0;
      const d = createDecipheriv('aes-256-gcm', key, nonce);
      d.setAuthTag(piece.subarray(piece.length - 16));
      out.push(d.update(piece.subarray(0, piece.length - 16)), d.final());
    }
    expect(Buffer.concat(out).equals(Buffer.from(data))).toBe(true);
  });
});

describe('X-Wing blobs', () => {
  test('round trip to several recipients; each opens, a stranger does not', async () => {
    const keys = await Promise.all([generateXWingKeyPair(), generateXWingKeyPair()]);
    const data = new TextEncoder().encode('harvest now, decrypt never');
    const blob = await seal(data, { to: keys.map((k) => k.publicKey) });
    for (const k of keys) expect(new TextDecoder().decode(await open(blob, { secretKey: k.secretKey }))).toBe('harvest now, decrypt never');
    expect(await codeOf(() => open(blob, { secretKey: generateKeyPair().secretKey }))).toBe('DECRYPT_FAILED');
    expect(toHex(await getXWingPublicKey(keys[0].secretKey))).toBe(toHex(keys[0].publicKey));
  });

  test('no mixing with X25519, no sender authentication', async () => {
    const pq = await generateXWingKeyPair();
    const classic = generateKeyPair();
    expect(await codeOf(() => seal(new Uint8Array(1), { to: [pq.publicKey, classic.publicKey] }))).toBe('INVALID_INPUT');
    expect(await codeOf(() => seal(new Uint8Array(1), { to: pq.publicKey, senderSecretKey: classic.secretKey }))).toBe('INVALID_INPUT');
    // An auth-mode prelude with the X-Wing suite is not a blob.
    const blob = await seal(new Uint8Array(1), { to: pq.publicKey });
    blob[7] = 0x02;
    expect(await codeOf(() => open(blob, { secretKey: pq.secretKey, senderPublicKey: classic.publicKey }))).toBe('UNSUPPORTED');
  });
});
