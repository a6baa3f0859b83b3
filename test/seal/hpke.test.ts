/**
 * The internal HPKE API beyond the vectors: input checks, PSK rules
 * (RFC 9180 §5.1.1), low-order keys, export bounds, sequence numbers, and
 * failure modes of open.
 */
import { describe, expect, test } from 'vitest';
import { getBackend } from '#backend';
import { MODE, keySchedule } from '../../src/seal/keyschedule.js';
import {
  hpkeOpen,
  hpkeSeal,
  setupAuthRecipient,
  setupAuthSender,
  setupBaseRecipient,
  setupBaseSender,
  setupRecipient,
  setupSender,
} from '../../src/seal/hpke.js';
import { EXPORT_ONLY, HKDF_SHA512, createSuite, type HpkeKdf } from '../../src/seal/suite.js';
import { generateKeyPair } from '../../src/seal/keys.js';
import { codeOf, pattern, toHex } from './helpers.js';

const suite = createSuite();
const r = generateKeyPair();
const s = generateKeyPair();
const psk = pattern(32, 1);
const pskId = pattern(8, 2);

describe('setup and contexts', () => {
  test('base and auth round trip many messages, nonces advance per message', async () => {
    for (const auth of [false, true]) {
      const { enc, context: sender } = auth ? await setupAuthSender(suite, r.publicKey, s.secretKey) : await setupBaseSender(suite, r.publicKey);
      const recipient = auth ? await setupAuthRecipient(suite, enc, r.secretKey, s.publicKey) : await setupBaseRecipient(suite, enc, r.secretKey);
      const cts: string[] = [];
      for (let i = 0; i < 10; i++) {
        const ct = await sender.seal(pattern(20, 5), pattern(3, i));
        cts.push(toHex(ct));
        expect(toHex(await recipient.open(ct, pattern(3, i)))).toBe(toHex(pattern(20, 5)));
      }
      expect(new Set(cts).size).toBe(10); // same plaintext, distinct nonces
      expect(sender.seq).toBe(10);
      expect(recipient.seq).toBe(10);
    }
  });

  test('overlapping seals take distinct sequence numbers; a failed open does not advance', async () => {
    const { enc, context: sender } = await setupBaseSender(suite, r.publicKey);
    const recipient = await setupBaseRecipient(suite, enc, r.secretKey);
    const cts = await Promise.all([0, 1, 2].map((i) => sender.seal(Uint8Array.of(i))));
    expect(await codeOf(() => recipient.open(cts[1]!))).toBe('DECRYPT_FAILED');
    expect(recipient.seq).toBe(0);
    for (const [i, ct] of cts.entries()) expect([...(await recipient.open(ct))]).toEqual([i]);
  });

  test('a destroyed context refuses to seal, open or export', async () => {
    const { enc, context: sender } = await setupBaseSender(suite, r.publicKey);
    const recipient = await setupBaseRecipient(suite, enc, r.secretKey);
    const ct = await sender.seal(Uint8Array.of(1));
    sender.destroy();
    recipient.destroy();
    expect(await codeOf(() => sender.seal(Uint8Array.of(1)))).toBe('INVALID_INPUT');
    expect(await codeOf(() => recipient.open(ct))).toBe('INVALID_INPUT');
    expect(await codeOf(() => sender.export(new Uint8Array(0), 32))).toBe('INVALID_INPUT');
  });

  test('overlapping opens are refused', async () => {
    const { enc, context: sender } = await setupBaseSender(suite, r.publicKey);
    const recipient = await setupBaseRecipient(suite, enc, r.secretKey);
    const ct = await sender.seal(Uint8Array.of(1));
    const first = recipient.open(ct);
    expect(await codeOf(() => recipient.open(ct))).toBe('INVALID_INPUT');
    await first;
  });

  test('PSK modes round trip; PSK inputs must be consistent', async () => {
    for (const senderSecretKey of [undefined, s.secretKey]) {
      const auth = senderSecretKey === undefined ? {} : { senderSecretKey };
      const authR = senderSecretKey === undefined ? {} : { senderPublicKey: s.publicKey };
      const sealed = await hpkeSeal(suite, { recipientPublicKey: r.publicKey, ...auth, psk, pskId, plaintext: pattern(9) });
      const opened = await hpkeOpen(suite, { enc: sealed.enc, recipientSecretKey: r.secretKey, ...authR, psk, pskId, ciphertext: sealed.ciphertext });
      expect(toHex(opened)).toBe(toHex(pattern(9)));
      expect(await codeOf(() => hpkeOpen(suite, { enc: sealed.enc, recipientSecretKey: r.secretKey, ...authR, psk: pattern(32, 9), pskId, ciphertext: sealed.ciphertext }))).toBe('DECRYPT_FAILED');
    }
    expect(await codeOf(() => setupSender(suite, { recipientPublicKey: r.publicKey, psk }))).toBe('INVALID_INPUT');
    expect(await codeOf(() => setupSender(suite, { recipientPublicKey: r.publicKey, pskId }))).toBe('INVALID_INPUT');
    const ss = pattern(32);
    expect(await codeOf(() => keySchedule(suite, MODE.base, ss, new Uint8Array(0), psk, pskId))).toBe('INVALID_INPUT');
    expect(await codeOf(() => keySchedule(suite, MODE.psk, ss, new Uint8Array(0)))).toBe('INVALID_INPUT');
    expect(await codeOf(() => keySchedule(suite, MODE.authPsk, ss, new Uint8Array(0)))).toBe('INVALID_INPUT');
  });

  test('wrong recipient, sender, info or aad → DECRYPT_FAILED', async () => {
    const info = pattern(4, 3);
    const sealed = await hpkeSeal(suite, { recipientPublicKey: r.publicKey, senderSecretKey: s.secretKey, info, aad: pattern(2), plaintext: pattern(9) });
    const good = { enc: sealed.enc, recipientSecretKey: r.secretKey, senderPublicKey: s.publicKey, info, aad: pattern(2), ciphertext: sealed.ciphertext };
    expect(toHex(await hpkeOpen(suite, good))).toBe(toHex(pattern(9)));
    for (const bad of [
      { recipientSecretKey: generateKeyPair().secretKey },
      { senderPublicKey: generateKeyPair().publicKey },
      { info: pattern(4, 4) },
      { aad: pattern(3) },
      { ciphertext: sealed.ciphertext.subarray(1) },
      { ciphertext: new Uint8Array(5) },
    ]) {
      expect(await codeOf(() => hpkeOpen(suite, { ...good, ...bad }))).toBe('DECRYPT_FAILED');
    }
  });

  test('malformed keys and low-order points → INVALID_INPUT', async () => {
    const zero = new Uint8Array(32);
    expect(await codeOf(() => setupBaseSender(suite, zero))).toBe('INVALID_INPUT');
    expect(await codeOf(() => setupBaseSender(suite, r.publicKey.subarray(1)))).toBe('INVALID_INPUT');
    expect(await codeOf(() => setupAuthSender(suite, r.publicKey, new Uint8Array(31)))).toBe('INVALID_INPUT');
    expect(await codeOf(() => setupBaseRecipient(suite, zero, r.secretKey))).toBe('INVALID_INPUT');
    expect(await codeOf(() => setupAuthRecipient(suite, generateKeyPair().publicKey, r.secretKey, zero))).toBe('INVALID_INPUT');
    expect(await codeOf(() => setupRecipient(suite, { enc: r.publicKey, recipientSecretKey: r.secretKey, info: 'x' as unknown as Uint8Array }))).toBe('INVALID_INPUT');
    expect(await codeOf(() => setupSender(suite, { recipientPublicKey: r.publicKey, random: () => new Uint8Array(3) }))).toBe('INVALID_INPUT');
  });

  test('export bounds (L ≤ 255·Nh) and export-only contexts', async () => {
    const { context } = await setupBaseSender(suite, r.publicKey);
    expect(context.export(new Uint8Array(0), 255 * 32).length).toBe(255 * 32);
    expect(context.export(new Uint8Array(0), 0).length).toBe(0);
    expect(await codeOf(() => context.export(new Uint8Array(0), 255 * 32 + 1))).toBe('INVALID_INPUT');
    const sha512 = createSuite({ kdf: HKDF_SHA512, aead: EXPORT_ONLY });
    const { enc, context: exporter } = await setupBaseSender(sha512, r.publicKey);
    expect(exporter.export(new Uint8Array(0), 255 * 64).length).toBe(255 * 64);
    expect(await codeOf(() => exporter.seal(new Uint8Array(1)))).toBe('UNSUPPORTED');
    const receiver = await setupBaseRecipient(sha512, enc, r.secretKey);
    expect(toHex(receiver.export(pattern(3), 40))).toBe(toHex(exporter.export(pattern(3), 40)));
  });

  test('unsupported KDF → UNSUPPORTED', async () => {
    const sha384: HpkeKdf = { id: 0x0002, hash: 'SHA-512', nh: 48 };
    expect(await codeOf(() => createSuite({ kdf: sha384, backend: getBackend() }))).toBe('UNSUPPORTED');
  });
});
