/**
 * The bytes of a passkey login (issue 15; docs/protocol.md, "Passkeys";
 * vectors: `test/vectors/zerovault/passkey-slot-v1.json`, `login`).
 *
 * A passkey login keys its session the way a device login does (X25519
 * ephemerals, `formats/device.ts`), but the client's ephemeral is
 * authenticated by the WebAuthn assertion itself: the server picks a 32-byte
 * `nonce` and asks the authenticator to sign the challenge
 *
 *     challenge  = SHA-256("zerovault/v1/passkey-login" || 0x00 || nonce || clientEphemeral)
 *
 * so `clientDataJSON.challenge`, which the authenticator's signature covers,
 * commits to the ephemeral given at `passkey/login/start`. The session key is
 *
 *     sessionKey = HKDF-SHA-256(ikm = X25519(ephemerals), salt = "",
 *                  info = "zerovault/v1/passkey/session" || 0x00 || challenge || clientEphemeral || serverEphemeral, 32)
 *
 * then the request-MAC key exactly as after OPAQUE.
 *
 * The PRF input (WebAuthn §10.1.4, `prf.eval.first`) is one fixed value,
 * {@link PASSKEY_PRF_INPUT}, for every credential and account, so a
 * discoverable login (no user id, no credential list) can still ask for the
 * PRF output; the per-credential authenticator secret makes the output
 * per-credential, and the slot's random salt makes the key it derives
 * per-slot (`passkey-slot.ts`).
 *
 * @module
 */
import { concat, fromBase64url, isZero, utf8 } from '../crypto/bytes.js';
import { LABELS, deriveKey } from '../crypto/kdf.js';
import { ZeroVaultError } from '../errors.js';
import { labelled } from './codec.js';
import { sha256 } from './signature.js';

/** Label of the login challenge. */
export const PASSKEY_LOGIN_LABEL = 'zerovault/v1/passkey-login';
/** The WebAuthn PRF input (`prf.eval.first`) of every zerovault passkey: the UTF-8 bytes of `zerovault/v1/passkey-prf`. */
export const PASSKEY_PRF_INPUT: Uint8Array = utf8('zerovault/v1/passkey-prf');
/** Bytes of a PRF output (the `first` result: HMAC-SHA-256, CTAP2 hmac-secret). */
export const PRF_OUTPUT_LENGTH = 32;
/** Bytes of a login nonce, a challenge and an X25519 key. */
export const PASSKEY_NONCE_LENGTH = 32;
/** Longest credential id (WebAuthn §5.8.3 caps it at 1023 bytes). */
export const MAX_CREDENTIAL_ID_BYTES = 1023;
/** Shortest credential id we accept (§4: at least 16 bytes of entropy). */
export const MIN_CREDENTIAL_ID_BYTES = 16;

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

function bytesOf(value: unknown, length: number, name: string): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw invalid(`${name} must be ${length} bytes`);
  return value;
}

/** True when `value` is a credential id: 16 to 1023 bytes in canonical unpadded base64url. */
export function isCredentialId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < 22 || value.length > 1364 || !/^[A-Za-z0-9_-]+$/.test(value)) return false;
  try {
    const n = fromBase64url(value).length;
    return n >= MIN_CREDENTIAL_ID_BYTES && n <= MAX_CREDENTIAL_ID_BYTES;
  } catch {
    return false;
  }
}

/**
 * The WebAuthn challenge of a passkey login: SHA-256 of the label, the
 * server's nonce and the client's X25519 ephemeral.
 * @throws `INVALID_INPUT` unless both are 32 bytes
 */
export function passkeyLoginChallenge(nonce: Uint8Array, clientEphemeral: Uint8Array): Uint8Array {
  return sha256(labelled(PASSKEY_LOGIN_LABEL, bytesOf(nonce, PASSKEY_NONCE_LENGTH, 'nonce'), bytesOf(clientEphemeral, 32, 'ephemeral')));
}

/** The inputs of {@link passkeySessionKey}. */
export interface PasskeySessionKeyInput {
  /** The 32-byte X25519 shared secret of the two ephemerals. */
  readonly shared: Uint8Array;
  readonly challenge: Uint8Array;
  readonly clientEphemeral: Uint8Array;
  readonly serverEphemeral: Uint8Array;
}

/**
 * The 32-byte session key of a passkey login (module comment).
 * @throws `INVALID_INPUT` for a malformed input or an all-zero shared secret (a low-order ephemeral)
 */
export function passkeySessionKey(input: PasskeySessionKeyInput): Uint8Array {
  const shared = bytesOf(input.shared, 32, 'shared');
  if (isZero(shared)) throw invalid('shared secret must not be all zero');
  const context = concat(
    bytesOf(input.challenge, 32, 'challenge'),
    bytesOf(input.clientEphemeral, 32, 'clientEphemeral'),
    bytesOf(input.serverEphemeral, 32, 'serverEphemeral'),
  );
  return deriveKey({ ikm: shared, label: LABELS.passkeySession, context, length: 32 });
}
