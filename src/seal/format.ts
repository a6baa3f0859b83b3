/**
 * Sealed blob format v1: constants, labels and the strict parse of the
 * fixed header prefix. The full specification, with a worked example, is
 * `docs/seal-format.md`; this file and that page must agree.
 *
 * ```
 * blob    = header payload
 * header  = magic "ZVSB" | version 0x01 | suite 0x0001 | mode (1) |
 *           count (2, big-endian) | count × stanza | mac (32)
 * stanza  = enc (32) | ct (48)          HPKE-sealed 32-byte file key
 * payload = STREAM chunks of 64 KiB plaintext, AES-256-GCM, 16-byte tags
 * ```
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
 * Suite `0x0001`: HPKE DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 /
 * AES-256-GCM stanzas, HMAC-SHA-256 header MAC, HKDF-SHA-256 key
 * derivation, STREAM over AES-256-GCM with 64 KiB chunks.
 */
export const SUITE = 0x0001;

/** Blob modes: the HPKE mode of every stanza. */
export const BLOB_MODE = Object.freeze({ base: MODE.base, auth: MODE.auth } as const);

/** Bytes before the stanzas: magic, version, suite, mode, count. */
export const PRELUDE_LENGTH = 10;
/** X25519 encapsulated key. */
export const ENC_LENGTH = 32;
/** The random file key each stanza carries. */
export const FILE_KEY_LENGTH = 32;
/** AES-256-GCM tag. */
export const TAG_LENGTH = 16;
/** One stanza: `enc || HPKE ciphertext of the file key`. */
export const STANZA_LENGTH = ENC_LENGTH + FILE_KEY_LENGTH + TAG_LENGTH;
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
  /** `BLOB_MODE.base` or `BLOB_MODE.auth`. */
  readonly mode: number;
  /** Number of stanzas. */
  readonly count: number;
  /** Bytes of the whole header, MAC included. */
  readonly headerLength: number;
}

/** Header length for `count` stanzas. */
export function headerLength(count: number): number {
  return PRELUDE_LENGTH + count * STANZA_LENGTH + MAC_LENGTH;
}

/** Encodes the 10-byte prelude. */
export function encodePrelude(mode: number, count: number): Uint8Array {
  const out = new Uint8Array(PRELUDE_LENGTH);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  out[5] = SUITE >>> 8;
  out[6] = SUITE & 0xff;
  out[7] = mode;
  out[8] = count >>> 8;
  out[9] = count & 0xff;
  return out;
}

/**
 * Parses the prelude (the first {@link PRELUDE_LENGTH} bytes of `bytes`).
 *
 * @throws `INVALID_INPUT` on a wrong magic, a stanza count of 0 or above
 *   {@link MAX_RECIPIENTS}, or an auth-mode blob with other than one stanza;
 *   `UNSUPPORTED` on an unknown version, suite or mode
 */
export function parsePrelude(bytes: Uint8Array): Prelude {
  if (bytes.length < PRELUDE_LENGTH) throw new ZeroVaultError('INVALID_INPUT', 'sealed blob is truncated');
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new ZeroVaultError('INVALID_INPUT', 'not a zerovault sealed blob');
  }
  if (bytes[4] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'sealed blob version is not supported');
  const suite = ((bytes[5] as number) << 8) | (bytes[6] as number);
  if (suite !== SUITE) throw new ZeroVaultError('UNSUPPORTED', 'sealed blob suite is not supported');
  const mode = bytes[7] as number;
  if (mode !== BLOB_MODE.base && mode !== BLOB_MODE.auth) {
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
  return { mode, count, headerLength: headerLength(count) };
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
