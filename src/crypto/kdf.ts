/**
 * Key derivation with readable, versioned labels. Every key zerovault
 * derives goes through {@link deriveKey} with a label from {@link LABELS}, so
 * the full list of derivations lives in one place and two uses can never
 * share a key by accident.
 *
 * HKDF here is synchronous (see `backend.ts`).
 *
 * @module
 */
import { getBackend } from '#backend';
import { ZeroVaultError } from '../errors.js';
import { assertBytes, assertInteger, assertObject } from './assert.js';
import type { Backend, HashName } from './backend.js';
import { concat, utf8 } from './bytes.js';

/**
 * Every HKDF label zerovault derives keys with, in one place, so two uses can
 * never share a key by accident. Changing one is a format break. Modules
 * import their label from here.
 */
export const LABELS = Object.freeze({
  /** OPAQUE export key → the unlock key that wraps the root key (password slot). */
  root: 'zerovault/v1/root',
  /** Export key → the 8-byte id of its unlock-slot entry. */
  unlockKid: 'zerovault/v1/unlock/kid',
  /** Recovery credential's export key → the unlock key of the recovery slot. */
  unlockRecovery: 'zerovault/v1/unlock/recovery',
  /** Recovery credential's export key → the X25519 secret key a v2 recovery slot seals the root key to (`formats/recovery-slot.ts`). */
  recoverySlotX25519: 'zerovault/v1/unlock/recovery-x25519',
  /** Recovery credential's export key → the HMAC key that authenticates a v2 recovery slot's sealed root key. */
  recoverySlotMac: 'zerovault/v1/unlock/recovery-mac',
  /** Root key → the AES-256-GCM key that keeps a v2 recovery slot's public key and MAC key (so rotation can re-seal). */
  recoverySlotKeys: 'zerovault/v1/unlock/recovery-keys',
  /** Record DEK → AES-256-GCM key of the payload. */
  recordKey: 'zerovault/v1/record/key',
  /** Record DEK → 32-byte key commitment. */
  recordCommitment: 'zerovault/v1/record/commitment',
  /** Record DEK (suite 2) → payload key ‖ key commitment, one 64-byte HKDF-Expand-SHA-512. */
  recordKeys: 'zerovault/v1/record/keys',
  /** OPAQUE session key → request-MAC key. */
  requestMac: 'zerovault/v1/session/request-mac',
  /** Server setup → the key that seals session keys and login states at rest. */
  serverAtRest: 'zerovault/v1/server/at-rest',
  /** Server setup → the 32-byte Ed25519 seed that signs access tokens for the app's own routes. */
  tokenSigningKey: 'zerovault/v1/token-signing-key',
  /** Server setup → the 32-byte Ed25519 seed that signs the server's security-log entries (`formats/log-entry.ts`). */
  serverLogKey: 'zerovault/v1/server/security-log-key',
  /** Server setup → the AES-256-GCM key that seals TOTP secrets at rest (AAD binds the user). */
  serverTotpSecret: 'zerovault/v1/server/totp-secret',
  /** Server setup → the HMAC-SHA-256 key that recovery codes are hashed under before storage. */
  serverRecoveryCode: 'zerovault/v1/server/recovery-code',
  /** Device secret → the 32-byte Ed25519 seed of the device credential (`formats/device.ts`). */
  deviceSigning: 'zerovault/v1/device/signing',
  /** Device secret → the X25519 secret key the device slot is sealed to. */
  deviceUnlock: 'zerovault/v1/device/unlock',
  /** X25519 shared secret of a device login → the session key (then `requestMac`, as after OPAQUE). */
  deviceSession: 'zerovault/v1/device/session',
  /** X25519 shared secret of a passkey login → the session key (`formats/passkey.ts`). */
  passkeySession: 'zerovault/v1/passkey/session',
  /** PRF output (with the slot's salt) → the AES-256-GCM key of a passkey slot's X25519 secret key (`formats/passkey-slot.ts`). */
  passkeySlotKey: 'zerovault/v1/passkey/slot-key',
  /** Sealed blob file key → header MAC key. */
  sealHeader: 'zerovault/v1/seal/header',
  /** Sealed blob file key → payload key. */
  sealPayload: 'zerovault/v1/seal/payload',
} as const);

/** One of the {@link LABELS}. */
export type Label = (typeof LABELS)[keyof typeof LABELS];

// `zerovault/v<N>/` then one or more non-empty lower-case segments (no `//`, no trailing `/`).
const LABEL_PATTERN = /^zerovault\/v\d+(?:\/[a-z0-9-]+)+$/;

/** Options for {@link deriveKey}. */
export interface DeriveKeyOptions {
  /** Input keying material (a uniformly random key, not a password). */
  ikm: Uint8Array;
  /** A versioned label, `zerovault/v1/...`. */
  label: string;
  /** Extra context bound after the label (ids, versions), if any. */
  context?: Uint8Array;
  /** Output length in bytes; default 32. */
  length?: number;
  /** Optional HKDF salt; default empty (HashLen zeros). */
  salt?: Uint8Array;
  /** Hash; default SHA-256. */
  hash?: HashName;
}

/**
 * HKDF(ikm, salt, info = label || 0x00 || context, length). The zero byte
 * ends the label so that no label is a prefix-collision of another's context.
 *
 * @throws `INVALID_INPUT` on a malformed label, short ikm or bad length
 */
export function deriveKey(options: DeriveKeyOptions, backend: Backend = getBackend()): Uint8Array {
  assertObject(options, 'options');
  const { ikm, label, context = new Uint8Array(0), length = 32, salt = new Uint8Array(0), hash = 'SHA-256' } = options;
  assertBytes(ikm, 'ikm', { min: 16 });
  if (typeof label !== 'string' || !LABEL_PATTERN.test(label)) {
    throw new ZeroVaultError('INVALID_INPUT', 'label must look like zerovault/v1/name');
  }
  assertBytes(context, 'context');
  assertBytes(salt, 'salt');
  assertInteger(length, 'length', 1, 255 * (hash === 'SHA-512' ? 64 : 32));
  return backend.hkdf(hash, ikm, salt, concat(utf8(label), Uint8Array.of(0), context), length);
}

/** HKDF (RFC 5869) on the current backend; for protocol code with its own labels. */
export function hkdf(hash: HashName, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return getBackend().hkdf(hash, ikm, salt, info, length);
}

/** HKDF-Extract (RFC 5869 §2.2) on the current backend. */
export function hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return getBackend().hkdfExtract(hash, salt, ikm);
}

/** HKDF-Expand (RFC 5869 §2.3) on the current backend. */
export function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return getBackend().hkdfExpand(hash, prk, info, length);
}

/** HMAC on the current backend. */
export function hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array {
  return getBackend().hmac(hash, key, data);
}

/** SHA-2 digest on the current backend. */
export function digest(hash: HashName, data: Uint8Array): Uint8Array {
  return getBackend().digest(hash, data);
}

/** Options for {@link deriveKeys}: {@link DeriveKeyOptions} with several labels. */
export interface DeriveKeysOptions extends Omit<DeriveKeyOptions, 'label'> {
  /** One versioned label per output key; at least one. */
  labels: readonly string[];
}

/**
 * Several keys from one input: output `i` equals
 * `deriveKey({ ...options, label: labels[i] })`, but HKDF-Extract runs once
 * (one HMAC per key instead of two, on the hot path of every record).
 *
 * @returns one key per label, in order
 * @throws `INVALID_INPUT` as {@link deriveKey}
 */
export function deriveKeys(options: DeriveKeysOptions, backend: Backend = getBackend()): Uint8Array[] {
  assertObject(options, 'options');
  const { ikm, labels, context = new Uint8Array(0), length = 32, salt = new Uint8Array(0), hash = 'SHA-256' } = options;
  assertBytes(ikm, 'ikm', { min: 16 });
  // A separate binding: Array.isArray would narrow `labels` to any[].
  const names: readonly string[] = labels;
  if (!Array.isArray(labels) || names.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'labels must be a non-empty array');
  for (const label of names) {
    if (typeof label !== 'string' || !LABEL_PATTERN.test(label)) {
      throw new ZeroVaultError('INVALID_INPUT', 'label must look like zerovault/v1/name');
    }
  }
  assertBytes(context, 'context');
  assertBytes(salt, 'salt');
  assertInteger(length, 'length', 1, 255 * (hash === 'SHA-512' ? 64 : 32));
  const prk = backend.hkdfExtract(hash, salt, ikm);
  try {
    return names.map((label) => backend.hkdfExpand(hash, prk, concat(utf8(label), Uint8Array.of(0), context), length));
  } finally {
    prk.fill(0);
  }
}
