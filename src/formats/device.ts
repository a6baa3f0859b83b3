/**
 * The bytes of remembered devices (issue 14, parts 3 and 4; docs/protocol.md,
 * "Devices"; vectors: `test/vectors/zerovault/device-v1.json`).
 *
 * A device holds a random 32-byte secret `ds`; from it (HKDF-SHA-256, empty
 * salt, `info = label || 0x00`):
 *
 *     signingSeed  = HKDF(ds, "zerovault/v1/device/signing")  → Ed25519 key pair (the device credential)
 *     unlockSecret = HKDF(ds, "zerovault/v1/device/unlock")   → X25519 key pair (the device slot's recipient)
 *
 * Device login (no password): the server sends a 32-byte `challenge`; the
 * device answers with a fresh X25519 `ephemeral` public key and an Ed25519
 * signature over
 *
 *     deviceLoginMessage = "zerovault/v1/device-login" || 0x00 || lp(userId) || lp(deviceId) || challenge || ephemeral
 *
 * and both sides derive the session key from the X25519 shared secret of the
 * two ephemerals:
 *
 *     sessionKey = HKDF-SHA-256(ikm = shared, salt = "", info = "zerovault/v1/device/session" || 0x00 || challenge || clientEphemeral || serverEphemeral, 32)
 *
 * then the request-MAC key exactly as after OPAQUE (`requestMacKey(sessionKey, sessionId)`).
 *
 * Known-device proof (a password login from a remembered device, part 4):
 *
 *     knownDeviceMessage = "zerovault/v1/device-known" || 0x00 || lp(userId) || lp(deviceId) || SHA-256(request)
 *
 * where `request` is the OPAQUE KE1 of that `login/start`.
 *
 * `userId` is always the normalized user id (`normalizeUserId`), as the
 * server sees it; `deviceId` is 16 random bytes in unpadded base64url (22
 * characters); `lp(x) = u32(len(x)) || x`. Signatures are plain Ed25519
 * (RFC 8032, strict verification) over these messages, which carry their
 * own label.
 *
 * @module
 */
import { getBackend } from '#backend';
import { concat, fromBase64url, isZero, utf8 } from '../crypto/bytes.js';
import { ED25519_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, ed25519PublicKey, ed25519Sign, ed25519Verify } from '../crypto/ed25519.js';
import { LABELS, deriveKey } from '../crypto/kdf.js';
import { randomBytes } from '../crypto/random.js';
import { ZeroVaultError } from '../errors.js';
import { labelled, lp } from './codec.js';
import { sha256 } from './signature.js';

/** Signature label of a device login. */
export const DEVICE_LOGIN_LABEL = 'zerovault/v1/device-login';
/** Signature label of a known-device proof on a password login. */
export const KNOWN_DEVICE_LABEL = 'zerovault/v1/device-known';
/** Bytes of a device login challenge. */
export const DEVICE_CHALLENGE_LENGTH = 32;
/** Bytes of an X25519 ephemeral public key, and of a device secret. */
export const DEVICE_KEY_LENGTH = 32;
/** Bytes of a device signature (Ed25519). */
export const DEVICE_SIGNATURE_LENGTH = ED25519_SIGNATURE_LENGTH;
/** Longest device name, in characters (Unicode code points). */
export const MAX_DEVICE_NAME_LENGTH = 64;

const DEVICE_ID = /^[A-Za-z0-9_-]{22}$/;

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

function bytesOf(value: unknown, length: number, name: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw invalid(`${name} must be ${length} bytes`);
  return value;
}

/** True when `value` is a device id: 16 bytes in canonical unpadded base64url (22 characters). */
export function isDeviceId(value: unknown): value is string {
  if (typeof value !== 'string' || !DEVICE_ID.test(value)) return false;
  try {
    return fromBase64url(value).length === 16;
  } catch {
    return false;
  }
}

function deviceIdBytes(deviceId: unknown): Uint8Array {
  if (!isDeviceId(deviceId)) throw invalid('deviceId must be 16 bytes of unpadded base64url');
  return utf8(deviceId);
}

function userIdBytes(userId: unknown): Uint8Array {
  if (typeof userId !== 'string' || userId.length === 0) throw invalid('userId must be a non-empty string');
  return utf8(userId);
}

/**
 * Checks a device name: 1 to {@link MAX_DEVICE_NAME_LENGTH} characters
 * (code points), no control, line-separator or bidi-control characters and
 * no lone surrogates.
 * @throws `INVALID_INPUT` (never echoing the name)
 */
export function assertDeviceName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw invalid('name must be a string');
  const length = [...name].length;
  if (length === 0 || length > MAX_DEVICE_NAME_LENGTH) throw invalid(`name must be 1 to ${MAX_DEVICE_NAME_LENGTH} characters`);
  // Lone surrogates (Cs) do not survive UTF-8; bidi controls would let a name spoof how a list reads.
  if (/[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]/u.test(name)) throw invalid('name must not contain control characters');
}

/** The key pairs a device derives from its secret (module comment). */
export interface DeviceKeys {
  /** Ed25519 seed of the device credential. */
  readonly signingSeed: Uint8Array;
  /** Its public key: what the server stores (`POST /devices`). */
  readonly signingKey: Uint8Array;
  /** X25519 secret key that opens the device slot. */
  readonly unlockSecret: Uint8Array;
  /** Its public key: what the device slot is sealed to. */
  readonly unlockKey: Uint8Array;
}

/**
 * Derives a device's key pairs from its 32-byte secret `ds`.
 * @throws `INVALID_INPUT` when `secret` is not 32 bytes or is all zero
 */
export function deviceKeys(secret: Uint8Array): DeviceKeys {
  bytesOf(secret, DEVICE_KEY_LENGTH, 'secret');
  if (isZero(secret)) throw invalid('secret must not be all zero');
  const signingSeed = deriveKey({ ikm: secret, label: LABELS.deviceSigning, length: ED25519_KEY_LENGTH });
  const unlockSecret = deriveKey({ ikm: secret, label: LABELS.deviceUnlock, length: DEVICE_KEY_LENGTH });
  return { signingSeed, signingKey: ed25519PublicKey(signingSeed), unlockSecret, unlockKey: getBackend().x25519PublicKey(unlockSecret) };
}

/** What a device login signature covers. */
export interface DeviceLoginFields {
  /** The normalized user id. */
  readonly userId: string;
  readonly deviceId: string;
  /** The server's 32-byte challenge. */
  readonly challenge: Uint8Array;
  /** The device's 32-byte X25519 ephemeral public key. */
  readonly ephemeral: Uint8Array;
}

/**
 * `"zerovault/v1/device-login" || 0x00 || lp(utf8 userId) || lp(utf8 deviceId) || challenge || ephemeral`.
 * @throws `INVALID_INPUT` for a malformed field
 */
export function deviceLoginMessage(fields: DeviceLoginFields): Uint8Array {
  const user = userIdBytes(fields.userId);
  const device = deviceIdBytes(fields.deviceId);
  const challenge = bytesOf(fields.challenge, DEVICE_CHALLENGE_LENGTH, 'challenge');
  const ephemeral = bytesOf(fields.ephemeral, DEVICE_KEY_LENGTH, 'ephemeral');
  return labelled(DEVICE_LOGIN_LABEL, lp(user), lp(device), challenge, ephemeral);
}

/** What a known-device proof covers. */
export interface KnownDeviceFields {
  /** The normalized user id. */
  readonly userId: string;
  readonly deviceId: string;
  /** The OPAQUE KE1 bytes sent in the same `login/start`. */
  readonly request: Uint8Array;
}

/**
 * `"zerovault/v1/device-known" || 0x00 || lp(utf8 userId) || lp(utf8 deviceId) || SHA-256(request)`.
 * @throws `INVALID_INPUT` for a malformed field
 */
export function knownDeviceMessage(fields: KnownDeviceFields): Uint8Array {
  const user = userIdBytes(fields.userId);
  const device = deviceIdBytes(fields.deviceId);
  if (!(fields.request instanceof Uint8Array) || fields.request.length === 0) throw invalid('request must be non-empty bytes');
  return labelled(KNOWN_DEVICE_LABEL, lp(user), lp(device), sha256(fields.request));
}

/** The inputs of {@link deviceSessionKey}. */
export interface DeviceSessionKeyInput {
  /** The 32-byte X25519 shared secret of the two ephemerals. */
  readonly shared: Uint8Array;
  readonly challenge: Uint8Array;
  readonly clientEphemeral: Uint8Array;
  readonly serverEphemeral: Uint8Array;
}

/**
 * The 32-byte session key of a device login:
 * HKDF-SHA-256(shared, info = "zerovault/v1/device/session" || 0x00 || challenge || clientEphemeral || serverEphemeral).
 * @throws `INVALID_INPUT` for a malformed input or an all-zero shared secret (a low-order ephemeral)
 */
export function deviceSessionKey(input: DeviceSessionKeyInput): Uint8Array {
  const shared = bytesOf(input.shared, DEVICE_KEY_LENGTH, 'shared');
  if (isZero(shared)) throw invalid('shared secret must not be all zero');
  const context = concat(
    bytesOf(input.challenge, DEVICE_CHALLENGE_LENGTH, 'challenge'),
    bytesOf(input.clientEphemeral, DEVICE_KEY_LENGTH, 'clientEphemeral'),
    bytesOf(input.serverEphemeral, DEVICE_KEY_LENGTH, 'serverEphemeral'),
  );
  return deriveKey({ ikm: shared, label: LABELS.deviceSession, context, length: 32 });
}

/** A fresh X25519 ephemeral key pair for one device login (either side). */
export function deviceEphemeral(): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const secretKey = randomBytes(DEVICE_KEY_LENGTH);
  return { secretKey, publicKey: getBackend().x25519PublicKey(secretKey) };
}

/**
 * The X25519 shared secret of an ephemeral secret key and the peer's public key.
 * @throws `INVALID_INPUT` for a malformed key or a low-order peer key (all-zero result)
 */
export function deviceSharedSecret(secretKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  bytesOf(secretKey, DEVICE_KEY_LENGTH, 'secretKey');
  bytesOf(peerPublicKey, DEVICE_KEY_LENGTH, 'peerPublicKey');
  return getBackend().x25519(secretKey, peerPublicKey);
}

/** Signs one of the messages above with the device's Ed25519 seed. */
export function signDeviceMessage(signingSeed: Uint8Array, message: Uint8Array): Uint8Array {
  bytesOf(signingSeed, ED25519_KEY_LENGTH, 'signingSeed');
  return ed25519Sign(signingSeed, message);
}

/**
 * Verifies a device signature strictly.
 * @returns false for a bad signature or a malformed key or signature (never throws)
 */
export function verifyDeviceMessage(signingKey: Uint8Array, signature: Uint8Array, message: Uint8Array): boolean {
  return ed25519Verify(signingKey, signature, message);
}
