/**
 * The vectors of `src/formats/device.ts` (device-v1.json): a device's keys
 * from its secret, a device login (message, signature, ephemerals, shared
 * secret, session key and request-MAC key), a known-device proof, the
 * changes that must not verify, and the inputs that must fail.
 */
import { toBase64url } from '../src/crypto/bytes.js';
import { requestMacKey } from '../src/crypto/request-mac.js';
import {
  DEVICE_LOGIN_LABEL,
  KNOWN_DEVICE_LABEL,
  deviceKeys,
  deviceLoginMessage,
  deviceSessionKey,
  deviceSharedSecret,
  knownDeviceMessage,
  signDeviceMessage,
} from '../src/formats/device.js';
import { createNodeBackend } from '../src/crypto/backend-node.js';
import { expectCode, hex, pattern } from './format-vectors-common.js';

/** Builds device-v1.json. */
export async function deviceVectors(): Promise<object> {
  const backend = createNodeBackend();
  const secret = pattern(32, 0x10);
  const keys = deviceKeys(secret);
  const userId = 'alice@example.com';
  const deviceId = toBase64url(pattern(16, 0x40));
  const challenge = pattern(32, 0x60);
  const clientSecret = pattern(32, 0x80);
  const serverSecret = pattern(32, 0xa0);
  const clientEphemeral = backend.x25519PublicKey(clientSecret);
  const serverEphemeral = backend.x25519PublicKey(serverSecret);
  const shared = deviceSharedSecret(clientSecret, serverEphemeral);
  if (hex(deviceSharedSecret(serverSecret, clientEphemeral)) !== hex(shared)) throw new Error('X25519 disagrees');
  const message = deviceLoginMessage({ userId, deviceId, challenge, ephemeral: clientEphemeral });
  const sessionKey = deviceSessionKey({ shared, challenge, clientEphemeral, serverEphemeral });
  const sessionId = toBase64url(pattern(16, 0xc0));
  // A real-sized KE1 stands in (ristretto255: 96 bytes); the proof only hashes it.
  const request = pattern(96, 0x20);
  const known = knownDeviceMessage({ userId, deviceId, request });

  const zero = new Uint8Array(32);
  await expectCode('all-zero shared secret', 'INVALID_INPUT', () => deviceSessionKey({ shared: zero, challenge, clientEphemeral, serverEphemeral }));
  await expectCode('low-order ephemeral', 'INVALID_INPUT', () => deviceSharedSecret(serverSecret, zero));
  await expectCode('short challenge', 'INVALID_INPUT', () => deviceLoginMessage({ userId, deviceId, challenge: challenge.slice(1), ephemeral: clientEphemeral }));
  await expectCode('non-canonical device id', 'INVALID_INPUT', () => deviceLoginMessage({ userId, deviceId: `${deviceId.slice(0, 21)}B`, challenge, ephemeral: clientEphemeral }));

  return {
    description:
      'zerovault devices (issue 14): keys = HKDF-SHA-256(ds, salt "", info label || 0x00) with labels "zerovault/v1/device/signing" (Ed25519 seed) and "zerovault/v1/device/unlock" (X25519 secret); ' +
      'loginMessage = "zerovault/v1/device-login" || 0x00 || lp(utf8 userId) || lp(utf8 deviceId) || challenge(32) || clientEphemeral(32), signed with Ed25519; ' +
      'sessionKey = HKDF-SHA-256(X25519(clientSecret, serverEphemeral), salt "", info "zerovault/v1/device/session" || 0x00 || challenge || clientEphemeral || serverEphemeral, 32); requestMacKey as after OPAQUE; ' +
      'knownMessage = "zerovault/v1/device-known" || 0x00 || lp(utf8 userId) || lp(utf8 deviceId) || SHA-256(request). lp(x) = u32(len x) || x. userId is normalized; deviceId is 16 bytes in unpadded base64url. ' +
      'Each "invalid" entry changes one input of the login; its signature must then not verify. Each "failures" entry must fail with its code.',
    generator: 'scripts/gen-format-vectors.ts',
    labels: { login: DEVICE_LOGIN_LABEL, known: KNOWN_DEVICE_LABEL },
    keys: {
      secret: hex(secret),
      signingSeed: hex(keys.signingSeed),
      signingKey: hex(keys.signingKey),
      unlockSecret: hex(keys.unlockSecret),
      unlockKey: hex(keys.unlockKey),
    },
    login: {
      userId,
      deviceId,
      challenge: hex(challenge),
      clientSecret: hex(clientSecret),
      clientEphemeral: hex(clientEphemeral),
      serverSecret: hex(serverSecret),
      serverEphemeral: hex(serverEphemeral),
      message: hex(message),
      signature: hex(signDeviceMessage(keys.signingSeed, message)),
      shared: hex(shared),
      sessionKey: hex(sessionKey),
      sessionId,
      requestMacKey: hex(requestMacKey(sessionKey, sessionId)),
    },
    known: {
      userId,
      deviceId,
      request: hex(request),
      message: hex(known),
      signature: hex(signDeviceMessage(keys.signingSeed, known)),
    },
    invalid: [
      { name: 'another user id', change: { userId: 'bob@example.com' } },
      { name: 'another device id', change: { deviceId: toBase64url(pattern(16, 0x41)) } },
      { name: 'another challenge', change: { challenge: hex(pattern(32, 0x61)) } },
      { name: 'another ephemeral', change: { clientEphemeral: hex(backend.x25519PublicKey(pattern(32, 0x81))) } },
      { name: 'another signing key', change: { signingKey: hex(deviceKeys(pattern(32, 0x11)).signingKey) } },
    ],
    failures: [
      { name: 'all-zero shared secret', function: 'deviceSessionKey', shared: hex(zero), error: 'INVALID_INPUT' },
      { name: 'low-order (all-zero) ephemeral', function: 'deviceSharedSecret', peerPublicKey: hex(zero), error: 'INVALID_INPUT' },
      { name: 'challenge of 31 bytes', function: 'deviceLoginMessage', challenge: hex(challenge.slice(1)), error: 'INVALID_INPUT' },
      { name: 'non-canonical device id', function: 'deviceLoginMessage', deviceId: `${deviceId.slice(0, 21)}B`, error: 'INVALID_INPUT' },
    ],
  };
}
