/**
 * Passkeys' bytes against `passkey-slot-v1.json`, and against outside
 * material: the PRF input's WebAuthn salt follows the W3C construction
 * (checked on the W3C file's own examples first), a published CTAP2
 * hmac-secret output opens a slot made for it; the login challenge and
 * session key reproduce; the published slot reproduces from its inputs, its
 * wrapped secret key opens with node:crypto's AES-256-GCM and its root key
 * with an independent RFC 9180 implementation (@hpke/core), as well as with
 * ours; a slot is bound to account, credential and PRF output; re-sealing
 * to a new root key (what a rotation runs) needs no PRF and keeps the slot
 * openable; one negative vector per parse error; every truncation and byte
 * flip of the golden slot fails with DECRYPT_FAILED. The registry: encode ==
 * bytes, decode == passkeys, negatives.
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { describe, expect, test } from 'vitest';
import { createPasskeySlot, openPasskeySlot, resealPasskeySlot } from '../../src/client/passkeys/slot.js';
import { concat, fromHex, toBase64url, toHex, utf8 } from '../../src/crypto/bytes.js';
import { ed25519Sign, ed25519Verify } from '../../src/crypto/ed25519.js';
import { LABELS } from '../../src/crypto/kdf.js';
import { PASSKEY_PRF_INPUT, isCredentialId, passkeyLoginChallenge, passkeySessionKey } from '../../src/formats/passkey.js';
import { decodePasskeyRegistry, encodePasskeyRegistry, type RegistryPasskey } from '../../src/formats/passkey-registry.js';
import {
  PASSKEY_SLOT_INFO,
  decodePasskeySlot,
  encodePasskeySlot,
  passkeySealMessage,
  passkeySecretAad,
  passkeySlotAad,
  passkeySlotId,
  passkeySlotKey,
} from '../../src/formats/passkey-slot.js';
import { describeVectors, readVectorJson } from '../helpers/vectors.js';
import { bytes, checkInvalid, corruptions, readVectors, typedFailure, type InvalidBytes } from './helpers.js';

interface Vectors {
  labels: { login: string; session: string; slotKey: string; slotInfo: string; secretAad: string; seal: string };
  prf: { input: string; inputText: string; webauthnSalt: string };
  login: Record<'nonce' | 'clientSecret' | 'clientEphemeral' | 'serverSecret' | 'serverEphemeral' | 'challenge' | 'shared' | 'sessionKey', string>;
  slot: Record<
    | 'userId' | 'credentialId' | 'recordId' | 'prfOutput' | 'salt' | 'slotKey' | 'secretKey' | 'publicKey' | 'sealerSeed' | 'sealerKey' | 'gcmNonce' | 'secretAad' | 'wrappedSecret'
    | 'rootKey' | 'ikmE' | 'info' | 'aad' | 'enc' | 'ciphertext' | 'sealMessage' | 'signature' | 'bytes',
    string
  >;
  invalidSlots: InvalidBytes[];
  registry: { passkeys: { credentialId: string; name: string; createdAt: number; slot: { publicKey: string; sealerSeed: string } | null }[]; bytes: string };
  invalidRegistries: InvalidBytes[];
}

const vectors = readVectors<Vectors>('passkey-slot-v1.json');
const v = vectors.slot;
const place = { userId: v.userId, credentialId: v.credentialId };
const theirs = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('passkey login bytes (passkey-slot-v1.json)', () => {
  test('labels and the PRF input are the documented ones', () => {
    expect(vectors.labels).toEqual({
      login: 'zerovault/v1/passkey-login',
      session: LABELS.passkeySession,
      slotKey: LABELS.passkeySlotKey,
      slotInfo: 'zerovault/v1/passkey-slot',
      secretAad: 'zerovault/v1/passkey-slot/secret',
      seal: 'zerovault/v1/passkey-slot/seal',
    });
    expect(toHex(PASSKEY_PRF_INPUT)).toBe(vectors.prf.input);
    expect(toHex(utf8(vectors.prf.inputText))).toBe(vectors.prf.input);
  });

  test('the challenge commits to the nonce and the ephemeral; the session key reproduces', () => {
    const l = vectors.login;
    const challenge = passkeyLoginChallenge(bytes(l.nonce), bytes(l.clientEphemeral));
    expect(toHex(challenge)).toBe(l.challenge);
    expect(sha256(concat(utf8('zerovault/v1/passkey-login'), Uint8Array.of(0), bytes(l.nonce), bytes(l.clientEphemeral)))).toBe(l.challenge);
    const other = Uint8Array.from(bytes(l.clientEphemeral));
    other[0] = (other[0] as number) ^ 1;
    expect(toHex(passkeyLoginChallenge(bytes(l.nonce), other))).not.toBe(l.challenge);
    expect(toHex(passkeySessionKey({ shared: bytes(l.shared), challenge, clientEphemeral: bytes(l.clientEphemeral), serverEphemeral: bytes(l.serverEphemeral) }))).toBe(l.sessionKey);
    expect(() => passkeySessionKey({ shared: new Uint8Array(32), challenge, clientEphemeral: bytes(l.clientEphemeral), serverEphemeral: bytes(l.serverEphemeral) })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  test('credential ids: 16 to 1023 bytes of canonical base64url', () => {
    expect(isCredentialId(toBase64url(new Uint8Array(16)))).toBe(true);
    expect(isCredentialId(toBase64url(new Uint8Array(1023)))).toBe(true);
    for (const bad of [toBase64url(new Uint8Array(15)), toBase64url(new Uint8Array(1024)), `${toBase64url(new Uint8Array(16))}=`, `${'A'.repeat(21)}B`, 42]) expect(isCredentialId(bad)).toBe(false);
  });
});

describeVectors('WebAuthn PRF (W3C, webauthn-prf)', 'webauthn-prf/webauthn-prf.json', () => {
  interface W3c {
    construction: { prefix_hex: string };
    computed_salt_examples: { cases: { input_hex: string; salt: string }[] };
    published_ctap2_hmac_secret_vectors: { cases: { prf_eval_first: string; salt1: string; prf_results_first: string; prf_results_second?: string }[] };
  }
  const w3c = readVectorJson<W3c>('webauthn-prf/webauthn-prf.json');
  const salt = (input: Uint8Array): string => sha256(concat(fromHex(w3c.construction.prefix_hex), input));

  test('the salt construction reproduces the W3C cases, and gives our fixed input its documented salt', () => {
    expect(w3c.construction.prefix_hex).toBe(toHex(concat(utf8('WebAuthn PRF'), Uint8Array.of(0))));
    const published = w3c.published_ctap2_hmac_secret_vectors.cases;
    expect(published.length).toBeGreaterThan(0);
    for (const c of published) expect(salt(fromHex(c.prf_eval_first))).toBe(c.salt1);
    for (const c of w3c.computed_salt_examples.cases) expect(salt(fromHex(c.input_hex))).toBe(c.salt);
    expect(salt(PASSKEY_PRF_INPUT)).toBe(vectors.prf.webauthnSalt);
  });

  test('a published PRF output makes a slot that opens with it and with nothing else', async () => {
    // The cases share one credential and first input: their second output is the other value to try.
    const cases = w3c.published_ctap2_hmac_secret_vectors.cases;
    const firstHex = cases[0]?.prf_results_first;
    const secondHex = cases.find((c) => c.prf_results_second !== undefined)?.prf_results_second;
    if (firstHex === undefined || secondHex === undefined || firstHex === secondHex) throw new Error('the W3C file lacks two distinct PRF outputs');
    const first = fromHex(firstHex);
    const second = fromHex(secondHex);
    const rootKey = bytes(v.rootKey);
    const { slot } = await createPasskeySlot({ ...place, rootKey, prfOutput: first });
    expect(toHex(await openPasskeySlot({ ...place, slot, prfOutput: first }))).toBe(v.rootKey);
    await expect(openPasskeySlot({ ...place, slot, prfOutput: second })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });
});

describe('passkey slots (passkey-slot-v1.json)', () => {
  test('the slot reproduces from its inputs: slot key, AADs, record id, parts, bytes', () => {
    expect(toHex(passkeySlotKey(bytes(v.prfOutput), bytes(v.salt), place))).toBe(v.slotKey);
    expect(toHex(passkeySecretAad(place, bytes(v.salt), bytes(v.publicKey)))).toBe(v.secretAad);
    expect(toHex(passkeySlotAad(place, bytes(v.publicKey)))).toBe(v.aad);
    expect(toHex(PASSKEY_SLOT_INFO)).toBe(v.info);
    expect(passkeySlotId(v.credentialId)).toBe(v.recordId);
    const sealMessage = passkeySealMessage(place, bytes(v.publicKey), bytes(v.enc), bytes(v.ciphertext));
    expect(toHex(sealMessage)).toBe(v.sealMessage);
    expect(toHex(ed25519Sign(bytes(v.sealerSeed), sealMessage))).toBe(v.signature);
    const parts = { salt: bytes(v.salt), publicKey: bytes(v.publicKey), wrappedSecret: bytes(v.wrappedSecret), enc: bytes(v.enc), ciphertext: bytes(v.ciphertext), signature: bytes(v.signature) };
    expect(toHex(encodePasskeySlot(parts))).toBe(v.bytes);
    expect(decodePasskeySlot(bytes(v.bytes))).toEqual(parts);
    expect(bytes(v.bytes)).toHaveLength(304);
  });

  test('node:crypto unwraps the secret key and the sealer key; the signature verifies; @hpke/core opens the root key', async () => {
    const wrapped = bytes(v.wrappedSecret);
    const decipher = createDecipheriv('aes-256-gcm', bytes(v.slotKey), wrapped.subarray(0, 12));
    decipher.setAAD(bytes(v.secretAad));
    decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
    const secretKey = Buffer.concat([decipher.update(wrapped.subarray(12, wrapped.length - 16)), decipher.final()]);
    expect(secretKey.toString('hex')).toBe(v.secretKey + v.sealerKey);
    expect(ed25519Verify(bytes(v.sealerKey), bytes(v.signature), bytes(v.sealMessage))).toBe(true);
    const recipientKey = await theirs.kem.importKey('raw', bytes(v.secretKey).buffer as ArrayBuffer, false);
    const opened = await theirs.open({ recipientKey, enc: bytes(v.enc), info: bytes(v.info) }, bytes(v.ciphertext), bytes(v.aad));
    expect(toHex(new Uint8Array(opened))).toBe(v.rootKey);
  });

  test('ours opens the published slot with the PRF output, and a root key @hpke/core sealed into it and the sealer signed', async () => {
    expect(toHex(await openPasskeySlot({ ...place, slot: bytes(v.bytes), prfOutput: bytes(v.prfOutput) }))).toBe(v.rootKey);
    const recipientPublicKey = await theirs.kem.importKey('raw', bytes(v.publicKey).buffer as ArrayBuffer, true);
    const sender = await theirs.createSenderContext({ recipientPublicKey, info: PASSKEY_SLOT_INFO });
    const newRoot = new Uint8Array(32).fill(0x33);
    const enc = new Uint8Array(sender.enc);
    const ciphertext = new Uint8Array(await sender.seal(newRoot, passkeySlotAad(place, bytes(v.publicKey))));
    const unsigned = { ...decodePasskeySlot(bytes(v.bytes)), enc, ciphertext };
    // Sealed by anyone who knows the public key (the server does), but not signed by the sealer: refused.
    await expect(openPasskeySlot({ ...place, slot: encodePasskeySlot(unsigned), prfOutput: bytes(v.prfOutput) })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    const signature = ed25519Sign(bytes(v.sealerSeed), passkeySealMessage(place, bytes(v.publicKey), enc, ciphertext));
    expect(await openPasskeySlot({ ...place, slot: encodePasskeySlot({ ...unsigned, signature }), prfOutput: bytes(v.prfOutput) })).toEqual(newRoot);
  });

  test('a slot opens only for its account, credential and PRF output', async () => {
    const slot = bytes(v.bytes);
    const prfOutput = bytes(v.prfOutput);
    await expect(openPasskeySlot({ ...place, userId: 'bob@example.com', slot, prfOutput })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    await expect(openPasskeySlot({ ...place, credentialId: toBase64url(new Uint8Array(32).fill(7)), slot, prfOutput })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    await expect(openPasskeySlot({ ...place, slot, prfOutput: new Uint8Array(32).fill(9) })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  test('a new slot opens with its PRF output; re-sealing a new root key needs no PRF output, only the keys the registry keeps', async () => {
    const prfOutput = new Uint8Array(32).fill(0x44);
    const { slot, publicKey, sealerSeed } = await createPasskeySlot({ ...place, rootKey: bytes(v.rootKey), prfOutput });
    expect(decodePasskeySlot(slot).publicKey).toEqual(publicKey);
    const rotated = new Uint8Array(32).fill(0x55);
    const resealed = await resealPasskeySlot({ ...place, slot, rootKey: rotated, publicKey, sealerSeed });
    expect(await openPasskeySlot({ ...place, slot: resealed, prfOutput })).toEqual(rotated);
    // A slot whose public key the server swapped is not re-sealed to it.
    await expect(resealPasskeySlot({ ...place, slot, rootKey: rotated, publicKey: new Uint8Array(32).fill(1), sealerSeed })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    // Another sealer's signature does not open.
    const forged = await resealPasskeySlot({ ...place, slot, rootKey: rotated, publicKey, sealerSeed: new Uint8Array(32).fill(2) });
    await expect(openPasskeySlot({ ...place, slot: forged, prfOutput })).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
  });

  test('one negative vector per parse error', async () => {
    await checkInvalid(vectors.invalidSlots, decodePasskeySlot);
    const parts = decodePasskeySlot(bytes(v.bytes));
    expect(() => encodePasskeySlot({ ...parts, salt: new Uint8Array(31) })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => passkeySlotId('not a credential id')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => passkeySlotKey(new Uint8Array(31), bytes(v.salt), place)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  test('every truncation and byte flip of the golden slot fails to open, with DECRYPT_FAILED', async () => {
    const prfOutput = bytes(v.prfOutput);
    for (const c of corruptions(bytes(v.bytes))) {
      expect(await typedFailure(() => openPasskeySlot({ ...place, slot: c.bytes, prfOutput }), c.what), c.what).toBe('DECRYPT_FAILED');
    }
  });
});

describe('passkey registry (passkey-slot-v1.json)', () => {
  const passkeys: RegistryPasskey[] = vectors.registry.passkeys.map((p) => ({ ...p, slot: p.slot === null ? null : { publicKey: bytes(p.slot.publicKey), sealerSeed: bytes(p.slot.sealerSeed) } }));

  test('encode == bytes, decode == passkeys', () => {
    expect(toHex(encodePasskeyRegistry(passkeys))).toBe(vectors.registry.bytes);
    expect(decodePasskeyRegistry(bytes(vectors.registry.bytes))).toEqual(passkeys);
    expect(decodePasskeyRegistry(encodePasskeyRegistry([]))).toEqual([]);
  });

  test('one negative vector per parse error; the encoder refuses what the decoder refuses', async () => {
    await checkInvalid(vectors.invalidRegistries, decodePasskeyRegistry);
    const p = passkeys[0] as RegistryPasskey;
    const keys = p.slot ?? { publicKey: new Uint8Array(32).fill(1), sealerSeed: new Uint8Array(32).fill(1) };
    const badSlots = [{ ...keys, publicKey: new Uint8Array(31) }, { ...keys, publicKey: new Uint8Array(32) }, { ...keys, sealerSeed: new Uint8Array(32) }];
    for (const bad of [[p, p], [{ ...p, name: '' }], ...badSlots.map((slot) => [{ ...p, slot }]), [{ ...p, credentialId: 'x' }], [{ ...p, createdAt: -1 }]]) {
      expect(() => encodePasskeyRegistry(bad)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });

  test('every truncation and byte flip of the golden registry fails with a typed error or decodes to something else', async () => {
    const golden = bytes(vectors.registry.bytes);
    for (const c of corruptions(golden)) {
      let decoded: unknown;
      try {
        decoded = decodePasskeyRegistry(c.bytes);
      } catch {
        expect(await typedFailure(() => decodePasskeyRegistry(c.bytes), c.what)).toMatch(/^(INVALID_INPUT|UNSUPPORTED)$/);
        continue;
      }
      expect(decoded, c.what).not.toEqual(passkeys);
    }
  });
});
