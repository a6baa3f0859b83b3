/**
 * Interoperability with an independent RFC 9180 implementation,
 * @hpke/core + @hpke/dhkem-x25519 (WebCrypto), both ways, base and auth
 * mode, single-shot seal/open and export: ours sealed → theirs opens, and
 * theirs sealed → ours opens.
 */
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { describe, expect, test } from 'vitest';
import { hpkeOpen, hpkeSeal, receiveExport, sendExport } from '../../src/seal/hpke.js';
import { createSuite } from '../../src/seal/suite.js';
import { BACKENDS, codeOf, makeBackend, pattern, toHex } from './helpers.js';

const theirs = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });

async function theirKeyPair(): Promise<{ publicKey: Uint8Array; secretKey: Uint8Array; pair: CryptoKeyPair }> {
  const pair = await theirs.kem.generateKeyPair();
  return {
    publicKey: new Uint8Array(await theirs.kem.serializePublicKey(pair.publicKey)),
    secretKey: new Uint8Array(await theirs.kem.serializePrivateKey(pair.privateKey)),
    pair,
  };
}

const MESSAGES = [new Uint8Array(0), pattern(1), pattern(29), pattern(1000), pattern(70_000)];
const info = new TextEncoder().encode('zerovault interop');
const aad = new TextEncoder().encode('aad');

describe.each(BACKENDS)('with @hpke/core, our backend %s', (name, create) => {
  const suite = createSuite({ backend: makeBackend(name, create) });

  for (const mode of ['base', 'auth'] as const) {
    test(`${mode}: our seal, their open`, async () => {
      const recipient = await theirKeyPair();
      const sender = await theirKeyPair();
      for (const plaintext of MESSAGES) {
        const sealed = await hpkeSeal(suite, {
          recipientPublicKey: recipient.publicKey,
          ...(mode === 'auth' ? { senderSecretKey: sender.secretKey } : {}),
          info,
          aad,
          plaintext,
        });
        const opened = await theirs.open(
          {
            recipientKey: recipient.pair,
            enc: sealed.enc,
            info,
            ...(mode === 'auth' ? { senderPublicKey: sender.pair.publicKey } : {}),
          },
          sealed.ciphertext,
          aad,
        );
        expect(toHex(new Uint8Array(opened))).toBe(toHex(plaintext));
      }
    });

    test(`${mode}: their seal, our open`, async () => {
      const recipient = await theirKeyPair();
      const sender = await theirKeyPair();
      for (const plaintext of MESSAGES) {
        const { ct, enc } = await theirs.seal(
          { recipientPublicKey: recipient.pair.publicKey, info, ...(mode === 'auth' ? { senderKey: sender.pair } : {}) },
          plaintext,
          aad,
        );
        const opened = await hpkeOpen(suite, {
          enc: new Uint8Array(enc),
          recipientSecretKey: recipient.secretKey,
          ...(mode === 'auth' ? { senderPublicKey: sender.publicKey } : {}),
          info,
          aad,
          ciphertext: new Uint8Array(ct),
        });
        expect(toHex(opened)).toBe(toHex(plaintext));
        // And a wrong sender or info fails on our side.
        const other = await theirKeyPair();
        const wrong = mode === 'auth' ? { senderPublicKey: other.publicKey, info } : { info: new Uint8Array(1) };
        expect(
          await codeOf(() => hpkeOpen(suite, { enc: new Uint8Array(enc), recipientSecretKey: recipient.secretKey, ...wrong, aad, ciphertext: new Uint8Array(ct) })),
        ).toBe('DECRYPT_FAILED');
      }
    });

    test(`${mode}: exports agree both ways`, async () => {
      const recipient = await theirKeyPair();
      const sender = await theirKeyPair();
      const exporterContext = new TextEncoder().encode('ctx');
      const ours = await sendExport(suite, {
        recipientPublicKey: recipient.publicKey,
        ...(mode === 'auth' ? { senderSecretKey: sender.secretKey } : {}),
        info,
        exporterContext,
        length: 64,
      });
      const theirContext = await theirs.createRecipientContext({
        recipientKey: recipient.pair,
        enc: ours.enc,
        info,
        ...(mode === 'auth' ? { senderPublicKey: sender.pair.publicKey } : {}),
      });
      expect(toHex(new Uint8Array(await theirContext.export(exporterContext, 64)))).toBe(toHex(ours.secret));
      const theirSender = await theirs.createSenderContext({
        recipientPublicKey: recipient.pair.publicKey,
        info,
        ...(mode === 'auth' ? { senderKey: sender.pair } : {}),
      });
      const received = await receiveExport(suite, {
        enc: new Uint8Array(theirSender.enc),
        recipientSecretKey: recipient.secretKey,
        ...(mode === 'auth' ? { senderPublicKey: sender.publicKey } : {}),
        info,
        exporterContext,
        length: 64,
      });
      expect(toHex(received)).toBe(toHex(new Uint8Array(await theirSender.export(exporterContext, 64))));
    });
  }
});
