/**
 * Device bytes against `device-v1.json`: keys from the device secret, the
 * login message, its signature and session key, the known-device proof; the
 * changed inputs do not verify and the bad inputs fail with their code. The
 * HKDF, the Ed25519 signature and the X25519 agreement are checked once more
 * with `node:crypto` alone, so the vectors are not only self-consistent.
 */
import { createPrivateKey, createPublicKey, diffieHellman, hkdfSync, verify as nodeVerify } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { concat, toBase64url, toHex, utf8 } from '../../src/crypto/bytes.js';
import { requestMacKey } from '../../src/crypto/request-mac.js';
import {
  DEVICE_LOGIN_LABEL,
  KNOWN_DEVICE_LABEL,
  assertDeviceName,
  deviceKeys,
  deviceLoginMessage,
  deviceSessionKey,
  deviceSharedSecret,
  isDeviceId,
  knownDeviceMessage,
  signDeviceMessage,
  verifyDeviceMessage,
} from '../../src/formats/device.js';
import { bytes, corruptions, readVectors, typedFailure } from './helpers.js';

interface Login {
  userId: string;
  deviceId: string;
  challenge: string;
  clientSecret: string;
  clientEphemeral: string;
  serverSecret: string;
  serverEphemeral: string;
  message: string;
  signature: string;
  shared: string;
  sessionKey: string;
  sessionId: string;
  requestMacKey: string;
}
interface Vectors {
  labels: { login: string; known: string };
  keys: { secret: string; signingSeed: string; signingKey: string; unlockSecret: string; unlockKey: string };
  login: Login;
  known: { userId: string; deviceId: string; request: string; message: string; signature: string };
  invalid: { name: string; change: Partial<Login & { signingKey: string }> }[];
  failures: ({ name: string; function: string; error: string } & Record<string, string>)[];
}
const v = readVectors<Vectors>('device-v1.json');

const loginFields = (l: Login) => ({ userId: l.userId, deviceId: l.deviceId, challenge: bytes(l.challenge), ephemeral: bytes(l.clientEphemeral) });

/** Raw 32-byte keys as node:crypto key objects (via JWK: no DER by hand). */
const ed25519Public = (raw: Uint8Array) => createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: toBase64url(raw) }, format: 'jwk' });
const x25519Private = (secret: Uint8Array, pub: Uint8Array) =>
  createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', x: toBase64url(pub), d: toBase64url(secret) }, format: 'jwk' });
const x25519Public = (raw: Uint8Array) => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: toBase64url(raw) }, format: 'jwk' });

describe('device bytes (device-v1.json)', () => {
  test('labels', () => {
    expect(v.labels).toEqual({ login: DEVICE_LOGIN_LABEL, known: KNOWN_DEVICE_LABEL });
    expect(DEVICE_LOGIN_LABEL).toBe('zerovault/v1/device-login');
    expect(KNOWN_DEVICE_LABEL).toBe('zerovault/v1/device-known');
  });

  test('keys from the device secret', () => {
    const keys = deviceKeys(bytes(v.keys.secret));
    expect(toHex(keys.signingSeed)).toBe(v.keys.signingSeed);
    expect(toHex(keys.signingKey)).toBe(v.keys.signingKey);
    expect(toHex(keys.unlockSecret)).toBe(v.keys.unlockSecret);
    expect(toHex(keys.unlockKey)).toBe(v.keys.unlockKey);
  });

  test('login message, signature, shared secret, session key and request-MAC key', () => {
    const l = v.login;
    const message = deviceLoginMessage(loginFields(l));
    expect(toHex(message)).toBe(l.message);
    expect(toHex(signDeviceMessage(bytes(v.keys.signingSeed), message))).toBe(l.signature);
    expect(verifyDeviceMessage(bytes(v.keys.signingKey), bytes(l.signature), message)).toBe(true);
    expect(toHex(deviceSharedSecret(bytes(l.clientSecret), bytes(l.serverEphemeral)))).toBe(l.shared);
    expect(toHex(deviceSharedSecret(bytes(l.serverSecret), bytes(l.clientEphemeral)))).toBe(l.shared);
    const sessionKey = deviceSessionKey({ shared: bytes(l.shared), challenge: bytes(l.challenge), clientEphemeral: bytes(l.clientEphemeral), serverEphemeral: bytes(l.serverEphemeral) });
    expect(toHex(sessionKey)).toBe(l.sessionKey);
    expect(toHex(requestMacKey(sessionKey, l.sessionId))).toBe(l.requestMacKey);
  });

  test('known-device proof', () => {
    const k = v.known;
    const message = knownDeviceMessage({ userId: k.userId, deviceId: k.deviceId, request: bytes(k.request) });
    expect(toHex(message)).toBe(k.message);
    expect(toHex(signDeviceMessage(bytes(v.keys.signingSeed), message))).toBe(k.signature);
    expect(verifyDeviceMessage(bytes(v.keys.signingKey), bytes(k.signature), message)).toBe(true);
    // A proof for another request (another login/start) does not verify.
    const other = knownDeviceMessage({ userId: k.userId, deviceId: k.deviceId, request: concat(bytes(k.request), Uint8Array.of(0)) });
    expect(verifyDeviceMessage(bytes(v.keys.signingKey), bytes(k.signature), other)).toBe(false);
  });

  test('independent check with node:crypto: HKDF, Ed25519 and X25519', () => {
    const l = v.login;
    // The layout is written out here from the contract, not taken from the module.
    const info = concat(utf8('zerovault/v1/device/session'), Uint8Array.of(0), bytes(l.challenge), bytes(l.clientEphemeral), bytes(l.serverEphemeral));
    const hkdf = new Uint8Array(hkdfSync('sha256', bytes(l.shared), new Uint8Array(0), info, 32));
    expect(toHex(hkdf)).toBe(l.sessionKey);
    const seed = new Uint8Array(hkdfSync('sha256', bytes(v.keys.secret), new Uint8Array(0), concat(utf8('zerovault/v1/device/signing'), Uint8Array.of(0)), 32));
    expect(toHex(seed)).toBe(v.keys.signingSeed);
    const lp = (s: string) => {
      const b = utf8(s);
      return concat(Uint8Array.of(0, 0, 0, b.length), b);
    };
    const message = concat(utf8('zerovault/v1/device-login'), Uint8Array.of(0), lp(l.userId), lp(l.deviceId), bytes(l.challenge), bytes(l.clientEphemeral));
    expect(toHex(message)).toBe(l.message);
    expect(nodeVerify(null, message, ed25519Public(bytes(v.keys.signingKey)), bytes(l.signature))).toBe(true);
    const shared = diffieHellman({ privateKey: x25519Private(bytes(l.clientSecret), bytes(l.clientEphemeral)), publicKey: x25519Public(bytes(l.serverEphemeral)) });
    expect(toHex(new Uint8Array(shared))).toBe(l.shared);
  });

  test('each changed input does not verify', () => {
    expect(v.invalid.length).toBeGreaterThanOrEqual(5);
    for (const { name, change } of v.invalid) {
      const l = { ...v.login, ...change };
      const key = bytes(change.signingKey ?? v.keys.signingKey);
      expect(verifyDeviceMessage(key, bytes(l.signature), deviceLoginMessage(loginFields(l))), name).toBe(false);
    }
  });

  test('no truncation or byte flip of the signature verifies', () => {
    const message = bytes(v.login.message);
    for (const { what, bytes: bad } of corruptions(bytes(v.login.signature))) {
      expect(verifyDeviceMessage(bytes(v.keys.signingKey), bad, message), what).toBe(false);
    }
  });

  test('each failure vector fails with its code', async () => {
    const l = v.login;
    const run: Record<string, (f: Record<string, string>) => unknown> = {
      deviceSessionKey: (f) =>
        deviceSessionKey({ shared: bytes(f.shared ?? l.shared), challenge: bytes(l.challenge), clientEphemeral: bytes(l.clientEphemeral), serverEphemeral: bytes(l.serverEphemeral) }),
      deviceSharedSecret: (f) => deviceSharedSecret(bytes(l.serverSecret), bytes(f.peerPublicKey ?? l.clientEphemeral)),
      deviceLoginMessage: (f) => deviceLoginMessage({ ...loginFields(l), deviceId: f.deviceId ?? l.deviceId, challenge: bytes(f.challenge ?? l.challenge) }),
    };
    expect(v.failures.length).toBeGreaterThanOrEqual(4);
    for (const f of v.failures) {
      const fn = run[f.function];
      if (fn === undefined) throw new Error(`unknown function ${f.function}`);
      expect(await typedFailure(() => fn(f), f.name), f.name).toBe(f.error);
    }
  });

  test('device ids, names and secrets are checked', async () => {
    expect(isDeviceId(v.login.deviceId)).toBe(true);
    for (const bad of ['', 'short', `${v.login.deviceId}A`, `${v.login.deviceId.slice(0, 21)}B`, `${v.login.deviceId.slice(0, 21)}=`, 42]) expect(isDeviceId(bad)).toBe(false);
    for (const good of ['x', 'Chrome on Linux', 'é'.repeat(64), '📱'.repeat(64)]) expect(() => assertDeviceName(good)).not.toThrow();
    for (const bad of ['', 'a'.repeat(65), 'tab\there', 'line\nbreak', 'rtl\u202eeman', '\ud800', 7]) {
      expect(await typedFailure(() => assertDeviceName(bad))).toBe('INVALID_INPUT');
    }
    expect(await typedFailure(() => deviceKeys(new Uint8Array(32)))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => deviceKeys(new Uint8Array(31).fill(1)))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => knownDeviceMessage({ userId: 'a', deviceId: v.login.deviceId, request: new Uint8Array(0) }))).toBe('INVALID_INPUT');
    expect(await typedFailure(() => deviceLoginMessage({ ...loginFields(v.login), userId: '' }))).toBe('INVALID_INPUT');
  });
});
