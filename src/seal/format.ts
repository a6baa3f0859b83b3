/**
 * Sealed blob format v1: constants, labels and the strict parse of the
 * fixed header prefix. The full specification, with a worked example, is
 * `docs/seal-format.md`; this file and that page must agree.
 *
 * ```
 * blob    = header payload
 * header  = magic "ZVSB" | version 0x01 | suite (2) | mode (1) |
 *           count (2, big-endian) | count × stanza | mac (32)
 * stanza  = suite 0x0001: enc (32)   | ct (48)    HPKE X25519, sealed file key
 *           suite 0x0002: enc (1120) | ct (48)    HPKE X-Wing, sealed file key
 *           suite 0x0003: salt (16) | t (1) | p (1) | m (4) | ct (48)   passphrase
 * payload = STREAM chunks of 64 KiB plaintext, AES-256-GCM, 16-byte tags
 * ```
 *
 * One suite per blob: a blob is only as strong as its weakest stanza, so
 * X25519 and X-Wing recipients never share a file key, and a passphrase
 * stanza is always alone (as age's scrypt stanza).
 *
 * Unknown version, suite or mode → `UNSUPPORTED`, checked before any crypto.
 *
 * @module
 */
import { LABELS } from '../crypto/kdf.js';
import { ZeroVaultError } from '../errors.js';
import { utf8 } from '../crypto/bytes.js';
import { MODE } from './keyschedule.js';

/** `"ZVSB"`: zerovault sealed blob. */
export const MAGIC = utf8('ZVSB');
/** The only format version this code writes and reads. */
export const VERSION = 0x01;
/**
 * Suites: the kind of every stanza of a blob. The header MAC, key
 * derivation and payload are the same for all three.
 * - `0x0001`: HPKE DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM;
 * - `0x0002`: HPKE X-Wing (KEM `0x647a`) / HKDF-SHA256 / AES-256-GCM, base mode only;
 * - `0x0003`: one passphrase stanza, Argon2id-wrapped file key.
 */
export const SUITES = Object.freeze({ x25519: 0x0001, xwing: 0x0002, passphrase: 0x0003 } as const);

/** One of the {@link SUITES} values. */
export type Suite = (typeof SUITES)[keyof typeof SUITES];

/** Blob modes: the HPKE mode of every stanza. */
export const BLOB_MODE = Object.freeze({ base: MODE.base, auth: MODE.auth } as const);

/** Bytes before the stanzas: magic, version, suite, mode, count. */
export const PRELUDE_LENGTH = 10;
/** X25519 encapsulated key. */
export const ENC_LENGTH = 32;
/** X-Wing encapsulated key (its ciphertext: ML-KEM-768 ciphertext || X25519 ephemeral public key). */
export const XWING_ENC_LENGTH = 1120;
/** Passphrase stanza parameters: salt (16), iterations (1), parallelism (1), memory KiB (4). */
export const PASSPHRASE_PARAMS_LENGTH = 22;
/** The random file key each stanza carries. */
export const FILE_KEY_LENGTH = 32;
/** AES-256-GCM tag. */
export const TAG_LENGTH = 16;
/** The file key sealed under AES-256-GCM (HPKE's or the passphrase's). */
export const WRAPPED_KEY_LENGTH = FILE_KEY_LENGTH + TAG_LENGTH;
/** One X25519 stanza: `enc || HPKE ciphertext of the file key`. */
export const STANZA_LENGTH = ENC_LENGTH + WRAPPED_KEY_LENGTH;

/** Stanza length of each suite. */
export function stanzaLength(suite: Suite): number {
  if (suite === SUITES.xwing) return XWING_ENC_LENGTH + WRAPPED_KEY_LENGTH;
  if (suite === SUITES.passphrase) return PASSPHRASE_PARAMS_LENGTH + WRAPPED_KEY_LENGTH;
  return STANZA_LENGTH;
}
/** HMAC-SHA-256 output. */
export const MAC_LENGTH = 32;
/** Most recipients one blob may name (bounds the work a hostile header can cause). */
export const MAX_RECIPIENTS = 1024;

/** Plaintext bytes per STREAM chunk (all but the last are exactly this long). */
export const CHUNK_SIZE = 65536;
/** Bytes per sealed non-final chunk. */
export const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_LENGTH;
/** Most chunks in one payload (counter < 2^32, i.e. < 256 TiB). */
export const MAX_CHUNKS = 2 ** 32;

/** HPKE `info` of every stanza. */
export const STANZA_INFO = utf8('zerovault/v1/seal/file-key');
/** HKDF label of the header MAC key (`deriveKey` appends a zero byte). */
export const HEADER_LABEL = LABELS.sealHeader;
/** HKDF label of the payload key (`deriveKey` appends a zero byte). */
export const PAYLOAD_LABEL = LABELS.sealPayload;

/** What the fixed prefix says about the rest of the header. */
export interface Prelude {
  /** One of {@link SUITES}. */
  readonly suite: Suite;
  /** `BLOB_MODE.base` or `BLOB_MODE.auth`. */
  readonly mode: number;
  /** Number of stanzas. */
  readonly count: number;
  /** Bytes of the whole header, MAC included. */
  readonly headerLength: number;
}

/** Header length for `count` stanzas of `suite`. */
export function headerLength(count: number, suite: Suite = SUITES.x25519): number {
  return PRELUDE_LENGTH + count * stanzaLength(suite) + MAC_LENGTH;
}

/** Encodes the 10-byte prelude. */
export function encodePrelude(mode: number, count: number, suite: Suite = SUITES.x25519): Uint8Array {
  const out = new Uint8Array(PRELUDE_LENGTH);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  out[5] = suite >>> 8;
  out[6] = suite & 0xff;
  out[7] = mode;
  out[8] = count >>> 8;
  out[9] = count & 0xff;
  return out;
}

/**
 * Parses the prelude (the first {@link PRELUDE_LENGTH} bytes of `bytes`).
 *
 * @throws `INVALID_INPUT` on a wrong magic, a stanza count of 0 or above
 *   {@link MAX_RECIPIENTS}, an auth-mode blob with other than one stanza, or
 *   a passphrase blob with other than one stanza; `UNSUPPORTED` on an
 *   unknown version, suite or mode, or auth mode outside suite `0x0001`
 */
export function parsePrelude(bytes: Uint8Array): Prelude {
  if (bytes.length < PRELUDE_LENGTH) throw new ZeroVaultError('INVALID_INPUT', 'sealed blob is truncated');
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new ZeroVaultError('INVALID_INPUT', 'not a zerovault sealed blob');
  }
  if (bytes[4] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'sealed blob version is not supported');
  const suite = ((bytes[5] as number) << 8) | (bytes[6] as number);
  if (suite !== SUITES.x25519 && suite !== SUITES.xwing && suite !== SUITES.passphrase) {
    throw new ZeroVaultError('UNSUPPORTED', 'sealed blob suite is not supported');
  }
  const mode = bytes[7] as number;
  // Auth mode exists for X25519 only: X-Wing has no AuthEncap, a passphrase no sender.
  if (mode !== BLOB_MODE.base && (mode !== BLOB_MODE.auth || suite !== SUITES.x25519)) {
    throw new ZeroVaultError('UNSUPPORTED', 'sealed blob mode is not supported');
  }
  const count = ((bytes[8] as number) << 8) | (bytes[9] as number);
  if (count < 1 || count > MAX_RECIPIENTS) {
    throw new ZeroVaultError('INVALID_INPUT', `sealed blob must have 1 to ${MAX_RECIPIENTS} recipient stanzas`);
  }
  // Auth mode authenticates the sender to one recipient only: with several,
  // any recipient could forge a payload for the others under the shared file key.
  if (mode === BLOB_MODE.auth && count !== 1) {
    throw new ZeroVaultError('INVALID_INPUT', 'sender-authenticated blob must have exactly one recipient stanza');
  }
  // A passphrase stanza beside others would make the blob no stronger than the passphrase.
  if (suite === SUITES.passphrase && count !== 1) {
    throw new ZeroVaultError('INVALID_INPUT', 'passphrase-sealed blob must have exactly one stanza');
  }
  return { suite, mode, count, headerLength: headerLength(count, suite) };
}

/** Sealed payload length for a plaintext of `length` bytes (one empty chunk when 0). */
export function sealedPayloadLength(length: number): number {
  const chunks = length === 0 ? 1 : Math.ceil(length / CHUNK_SIZE);
  return length + chunks * TAG_LENGTH;
}

/**
 * The STREAM nonce: 11-byte big-endian chunk counter, then `0x01` for the
 * final chunk and `0x00` before it.
 */
export function chunkNonce(counter: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  let v = counter;
  for (let i = 10; i >= 0 && v > 0; i--) {
    nonce[i] = v % 256;
    v = Math.floor(v / 256);
  }
  nonce[11] = last ? 1 : 0;
  return nonce;
}
