/**
 * The vectors of `src/formats/passkey.ts`, `src/formats/passkey-slot.ts` and
 * `src/formats/passkey-registry.ts` (passkey-slot-v1.json): the PRF input, a
 * passkey login's challenge and session key, a passkey slot made with fixed
 * randomness (salt, X25519 secret key, AES-GCM nonce, HPKE `ikmE`) so the
 * bytes reproduce, with every intermediate an independent implementation
 * needs; a registry; and one negative vector per parse error of each.
 */
import { getBackend } from '#backend';
import { concat, toBase64url, utf8 } from '../src/crypto/bytes.js';
import { importKey } from '../src/crypto/aead.js';
import { LABELS } from '../src/crypto/kdf.js';
import { PASSKEY_PRF_INPUT, passkeyLoginChallenge, passkeySessionKey } from '../src/formats/passkey.js';
import { decodePasskeyRegistry, encodePasskeyRegistry } from '../src/formats/passkey-registry.js';
import {
  PASSKEY_SLOT_INFO,
  decodePasskeySlot,
  encodePasskeySlot,
  passkeySealMessage,
  passkeySecretAad,
  passkeySlotAad,
  passkeySlotId,
  passkeySlotKey,
} from '../src/formats/passkey-slot.js';
import { sha256 } from '../src/formats/signature.js';
import { ed25519PublicKey, ed25519Sign } from '../src/crypto/ed25519.js';
import { hpkeSeal } from '../src/seal/hpke.js';
import { createSuite } from '../src/seal/suite.js';
import { append, cut, expectCode, hex, patch, pattern } from './format-vectors-common.js';

/** Builds passkey-slot-v1.json. */
export async function passkeySlotVectors(): Promise<object> {
  const backend = getBackend();
  // Login: challenge and session key.
  const nonce = pattern(32, 0x01);
  const clientSecret = pattern(32, 0x21);
  const serverSecret = pattern(32, 0x41);
  const clientEphemeral = backend.x25519PublicKey(clientSecret);
  const serverEphemeral = backend.x25519PublicKey(serverSecret);
  const challenge = passkeyLoginChallenge(nonce, clientEphemeral);
  const shared = backend.x25519(clientSecret, serverEphemeral);
  const sessionKey = passkeySessionKey({ shared, challenge, clientEphemeral, serverEphemeral });

  // Slot.
  const userId = 'alice@example.com';
  const credentialId = toBase64url(pattern(32, 0x30));
  const place = { userId, credentialId };
  const prfOutput = pattern(32, 0x50);
  const salt = pattern(32, 0x60);
  const secretKey = pattern(32, 0x70);
  const publicKey = backend.x25519PublicKey(secretKey);
  const rootKey = pattern(32, 0x80);
  const gcmNonce = pattern(12, 0x90);
  const ikmE = pattern(32, 0xe0);
  const sealerSeed = pattern(32, 0xb0);
  const sealerKey = ed25519PublicKey(sealerSeed);
  const slotKey = passkeySlotKey(prfOutput, salt, place);
  const secretAad = passkeySecretAad(place, salt, publicKey);
  const wrappedSecret = concat(gcmNonce, await backend.aesGcmSeal(await importKey(slotKey), gcmNonce, concat(secretKey, sealerKey), secretAad));
  const aad = passkeySlotAad(place, publicKey);
  const sealed = await hpkeSeal(createSuite(), { recipientPublicKey: publicKey, info: PASSKEY_SLOT_INFO, aad, plaintext: rootKey, ikmE });
  const sealMessage = passkeySealMessage(place, publicKey, sealed.enc, sealed.ciphertext);
  const signature = ed25519Sign(sealerSeed, sealMessage);
  const slot = encodePasskeySlot({ salt, publicKey, wrappedSecret, ...sealed, signature });

  const invalidSlots = [
    { name: 'empty', bytes: new Uint8Array(0), error: 'INVALID_INPUT' },
    { name: 'wrong magic', bytes: patch(slot, 1, 0x55), error: 'INVALID_INPUT' },
    { name: 'unknown version', bytes: patch(slot, 2, 0x02), error: 'UNSUPPORTED' },
    { name: 'unknown suite', bytes: patch(slot, 3, 0x02), error: 'UNSUPPORTED' },
    { name: 'truncated (no tag)', bytes: cut(slot, slot.length - 16), error: 'INVALID_INPUT' },
    { name: 'one trailing byte', bytes: append(slot, 0), error: 'INVALID_INPUT' },
  ] as const;
  for (const v of invalidSlots) await expectCode(v.name, v.error, () => decodePasskeySlot(v.bytes));

  const passkeys = [
    { credentialId, name: 'Laptop fingerprint', createdAt: 1_767_225_600_000, slot: { publicKey, sealerSeed } },
    { credentialId: toBase64url(pattern(16, 0xa0)), name: 'Old security key', createdAt: 1_767_225_700_000, slot: null },
  ];
  const registry = encodePasskeyRegistry(passkeys);
  const header = Array.from(registry.subarray(0, 4));
  const firstFlags = 4 + 2 + 32 + 8;
  const firstEnd = firstFlags + 1 + 64 + 1 + 18;
  const secondFlags = firstEnd + 2 + 16 + 8;
  const invalidRegistries = [
    { name: 'empty', bytes: new Uint8Array(0), error: 'INVALID_INPUT' },
    { name: 'wrong magic', bytes: patch(registry, 1, 0x52), error: 'INVALID_INPUT' },
    { name: 'unknown version', bytes: patch(registry, 2, 0x02), error: 'UNSUPPORTED' },
    { name: 'count above 32', bytes: Uint8Array.of(header[0] ?? 0, header[1] ?? 0, 1, 33), error: 'INVALID_INPUT' },
    { name: 'count larger than the entries', bytes: patch(registry, 3, 3), error: 'INVALID_INPUT' },
    { name: 'unknown flag', bytes: patch(registry, firstFlags, 0x03), error: 'INVALID_INPUT' },
    { name: 'slot flag with keys missing', bytes: patch(registry, secondFlags, 0x01), error: 'INVALID_INPUT' },
    { name: 'no slot flag before keys', bytes: patch(registry, firstFlags, 0x00), error: 'INVALID_INPUT' },
    { name: 'slot with a zero public key', bytes: patch(registry, firstFlags + 1, ...new Uint8Array(32)), error: 'INVALID_INPUT' },
    { name: 'slot with a zero sealer seed', bytes: patch(registry, firstFlags + 33, ...new Uint8Array(32)), error: 'INVALID_INPUT' },
    { name: 'credential id shorter than 16 bytes', bytes: concat(Uint8Array.of(0x5a, 0x51, 1, 1, 0, 15), pattern(15, 1), new Uint8Array(8), Uint8Array.of(0, 1, 0x41)), error: 'INVALID_INPUT' },
    { name: 'repeated id', bytes: concat(Uint8Array.of(0x5a, 0x51, 1, 2), registry.subarray(4, firstEnd), registry.subarray(4, firstEnd)), error: 'INVALID_INPUT' },
    { name: 'one trailing byte', bytes: append(registry, 0), error: 'INVALID_INPUT' },
  ] as const;
  for (const v of invalidRegistries) await expectCode(v.name, v.error, () => decodePasskeyRegistry(v.bytes));

  return {
    description:
      'zerovault passkeys (issue 15): the PRF input, the passkey login challenge and session key, passkey slots and the passkey registry. See src/formats/passkey.ts, passkey-slot.ts and passkey-registry.ts for the layouts; lp(x) = u32(len x) || x; HKDF-SHA-256 info = label || 0x00 || context. The slot is made with fixed salt, X25519 secret key, AES-GCM nonce and HPKE ikmE (RFC 9180 DeriveKeyPair) so the bytes reproduce.',
    generator: 'scripts/gen-format-vectors.ts',
    labels: {
      login: 'zerovault/v1/passkey-login',
      session: LABELS.passkeySession,
      slotKey: LABELS.passkeySlotKey,
      slotInfo: 'zerovault/v1/passkey-slot',
      secretAad: 'zerovault/v1/passkey-slot/secret',
      seal: 'zerovault/v1/passkey-slot/seal',
    },
    prf: { input: hex(PASSKEY_PRF_INPUT), inputText: 'zerovault/v1/passkey-prf', webauthnSalt: hex(sha256(concat(utf8('WebAuthn PRF'), Uint8Array.of(0), PASSKEY_PRF_INPUT))) },
    login: {
      nonce: hex(nonce),
      clientSecret: hex(clientSecret),
      clientEphemeral: hex(clientEphemeral),
      serverSecret: hex(serverSecret),
      serverEphemeral: hex(serverEphemeral),
      challenge: hex(challenge),
      shared: hex(shared),
      sessionKey: hex(sessionKey),
    },
    slot: {
      userId,
      credentialId,
      recordId: passkeySlotId(credentialId),
      prfOutput: hex(prfOutput),
      salt: hex(salt),
      slotKey: hex(slotKey),
      secretKey: hex(secretKey),
      publicKey: hex(publicKey),
      sealerSeed: hex(sealerSeed),
      sealerKey: hex(sealerKey),
      gcmNonce: hex(gcmNonce),
      secretAad: hex(secretAad),
      wrappedSecret: hex(wrappedSecret),
      rootKey: hex(rootKey),
      ikmE: hex(ikmE),
      info: hex(PASSKEY_SLOT_INFO),
      aad: hex(aad),
      enc: hex(sealed.enc),
      ciphertext: hex(sealed.ciphertext),
      sealMessage: hex(sealMessage),
      signature: hex(signature),
      bytes: hex(slot),
    },
    invalidSlots: invalidSlots.map((v) => ({ name: v.name, bytes: hex(v.bytes), error: v.error })),
    registry: {
      passkeys: passkeys.map((p) => ({ ...p, slot: p.slot === null ? null : { publicKey: hex(p.slot.publicKey), sealerSeed: hex(p.slot.sealerSeed) } })),
      bytes: hex(registry),
    },
    invalidRegistries: invalidRegistries.map((v) => ({ name: v.name, bytes: hex(v.bytes), error: v.error })),
  };
}
