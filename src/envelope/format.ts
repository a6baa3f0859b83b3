/**
 * Sealed record v1: the byte layout, strict parsing, and the two canonical
 * AAD encodings. No cryptography here: everything in this file runs before
 * any key is touched, so unknown versions and malformed input are rejected
 * first. The spec is `docs/format.md`; this file must match it byte for byte.
 *
 * ```
 * off     len    field
 * 0       2      magic "ZV" (0x5a 0x56)
 * 2       1      format version = 0x01
 * 3       1      suite = 0x01 or 0x02
 * 4       1      k = KEK id length in bytes (1..255)
 * 5       k      KEK id, UTF-8
 * 5+k     4      KEK version, uint32 big-endian
 * 9+k     w      wrapped DEK = wrap nonce (12) || GCM(KEK, DEK) (d) || tag (16)
 * 9+k+w   12     payload nonce
 * 21+k+w  32     key commitment
 * 53+k+w  4      n = plaintext length, uint32 big-endian (≤ 64 MiB)
 * 57+k+w  n+16   payload ciphertext || tag
 * ```
 *
 * The suite fixes the DEK length `d` (suite 1: 32, suite 2: 64) and with it
 * `w = d + 28`; everything else is common to both suites.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertBytes } from '../crypto/assert.js';
import { fromUtf8, utf8 } from '../crypto/bytes.js';

/** `"ZV"`. */
export const MAGIC = Object.freeze([0x5a, 0x56] as const);
/** The only format version this code reads and writes. */
export const FORMAT_VERSION = 1;
/** AES-GCM 96-bit nonce. */
export const NONCE_LENGTH = 12;
/** Full 128-bit GCM tag. */
export const TAG_LENGTH = 16;
/** HKDF-derived key commitment. */
export const COMMITMENT_LENGTH = 32;

/** The suites this code reads; {@link SEAL_SUITE} is the one it writes. */
export type RecordSuiteId = 1 | 2;

/**
 * What a suite fixes. Both use AES-256-GCM for the payload and for the DEK
 * wrap; they differ in the DEK length and in how the payload key and the
 * commitment come from the DEK (`record.ts`):
 * - suite 1: 32-byte DEK; HKDF-SHA-256 (Extract, then one Expand per label);
 * - suite 2: 64-byte DEK; one HKDF-Expand-SHA-512 whose 64 bytes are the
 *   payload key and the commitment. The DEK is already a uniformly random
 *   HashLen-byte key, so Extract is skipped (RFC 5869 §3.3): one HMAC instead
 *   of three, which is most of what a 1 KiB record costs beyond its two GCM
 *   calls.
 */
export interface RecordSuite {
  readonly id: RecordSuiteId;
  /** Random data key length, one per sealed record version. */
  readonly dekLength: number;
  /** Wrap nonce || encrypted DEK || tag. */
  readonly wrappedDekLength: number;
  /** `"ZV" || version || suite`: the first 4 bytes of the record, also the KDF context. */
  readonly prefix: Uint8Array;
}

function suite(id: RecordSuiteId, dekLength: number): RecordSuite {
  return Object.freeze({
    id,
    dekLength,
    wrappedDekLength: NONCE_LENGTH + dekLength + TAG_LENGTH,
    prefix: Uint8Array.of(MAGIC[0], MAGIC[1], FORMAT_VERSION, id),
  });
}

/** Every suite this code opens, by id. */
export const RECORD_SUITES: Readonly<Record<RecordSuiteId, RecordSuite>> = Object.freeze({ 1: suite(1, 32), 2: suite(2, 64) });

/** The suite new records are sealed with. Suite 1 records still open and re-wrap (in suite 1). */
export const SEAL_SUITE: RecordSuite = RECORD_SUITES[2];
/** KEK ids are 1..255 UTF-8 bytes (one length byte). */
export const MAX_KEK_ID_BYTES = 255;
/** KEK versions are uint32. */
export const MAX_KEK_VERSION = 0xffff_ffff;
/** Vault and record ids are 1..1024 UTF-8 bytes. */
export const MAX_ID_BYTES = 1024;
/** The largest plaintext a record holds: 64 MiB (67,108,864 bytes). Larger data: `zerovault/seal` streams. */
export const MAX_RECORD_PLAINTEXT = 64 * 1024 * 1024;
/** Bytes a v1 record of `suite` adds to its plaintext, besides the KEK id (suite 1: 133, suite 2: 165). */
export function recordOverhead(suite: RecordSuite): number {
  return 4 + 1 + 4 + suite.wrappedDekLength + NONCE_LENGTH + COMMITMENT_LENGTH + 4 + TAG_LENGTH;
}

/** AAD labels (domain separation of the two AADs; see docs/format.md). */
export const AAD_LABELS = Object.freeze({
  payload: 'zerovault/v1/record/payload',
  wrap: 'zerovault/v1/record/wrap',
} as const);

/** The header fields of a record, small values copied out of the input. */
export interface RecordFields {
  readonly suite: RecordSuite;
  readonly kekId: string;
  readonly kekIdBytes: Uint8Array;
  readonly kekVersion: number;
  /** Wrap nonce (12) || encrypted DEK || tag (16). */
  readonly wrappedDek: Uint8Array;
  readonly nonce: Uint8Array;
  readonly commitment: Uint8Array;
  readonly plaintextLength: number;
}

/** The header fields that the AADs bind (all but the wrapped DEK). */
export type AadFields = Pick<RecordFields, 'suite' | 'kekIdBytes' | 'kekVersion' | 'nonce' | 'commitment' | 'plaintextLength'>;

/** A parsed record: its fields and a view (not a copy) of `ciphertext || tag`. */
export interface ParsedRecord extends RecordFields {
  readonly headerLength: number;
  readonly body: Uint8Array;
}

/** Encoded record identity: what a record is bound to besides its key. */
export interface RecordIdentity {
  readonly vaultId: Uint8Array;
  readonly recordId: Uint8Array;
  readonly version: number;
}

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

function u32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] as number) * 0x100_0000 +
    (((bytes[offset + 1] as number) << 16) | ((bytes[offset + 2] as number) << 8) | (bytes[offset + 3] as number))
  );
}

/** Header length of a `suite` record whose KEK id has `kekIdLength` bytes. */
export function headerLength(suite: RecordSuite, kekIdLength: number): number {
  return recordOverhead(suite) - TAG_LENGTH + kekIdLength;
}

/**
 * Parses a sealed record strictly. Order matters: magic, then version and
 * suite (`UNSUPPORTED`), then every length (`INVALID_INPUT`), so an unknown
 * format is reported as such even when it is also short.
 *
 * @throws `INVALID_INPUT` on a wrong magic, truncation, trailing bytes, a bad
 *   length or a KEK id that is not UTF-8; `UNSUPPORTED` on an unknown version or suite
 */
export function parseRecord(sealed: unknown): ParsedRecord {
  assertBytes(sealed, 'sealed');
  const n = sealed.length;
  // A prefix of a valid record is "truncated"; anything else is "not a record".
  if (sealed[0] !== undefined && sealed[0] !== MAGIC[0]) throw invalid('sealed is not a zerovault record');
  if (sealed[1] !== undefined && sealed[1] !== MAGIC[1]) throw invalid('sealed is not a zerovault record');
  if (n < 3) throw invalid('sealed is truncated');
  if (sealed[2] !== FORMAT_VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unsupported record format version');
  if (n < 4) throw invalid('sealed is truncated');
  const suite = sealed[3] === 1 || sealed[3] === 2 ? RECORD_SUITES[sealed[3]] : undefined;
  if (suite === undefined) throw new ZeroVaultError('UNSUPPORTED', 'unsupported record suite');
  if (n < 5) throw invalid('sealed is truncated');
  const k = sealed[4] as number;
  if (k === 0) throw invalid('sealed has an empty KEK id');
  const header = headerLength(suite, k);
  if (n < header + TAG_LENGTH) throw invalid('sealed is truncated');
  let offset = 5;
  const kekIdBytes = sealed.slice(offset, offset + k);
  const kekId = fromUtf8(kekIdBytes);
  offset += k;
  const kekVersion = u32(sealed, offset);
  offset += 4;
  const wrappedDek = sealed.slice(offset, offset + suite.wrappedDekLength);
  offset += suite.wrappedDekLength;
  const nonce = sealed.slice(offset, offset + NONCE_LENGTH);
  offset += NONCE_LENGTH;
  const commitment = sealed.slice(offset, offset + COMMITMENT_LENGTH);
  offset += COMMITMENT_LENGTH;
  const plaintextLength = u32(sealed, offset);
  offset += 4;
  if (plaintextLength > MAX_RECORD_PLAINTEXT) throw invalid('sealed declares a plaintext above the record size limit');
  const expected = header + plaintextLength + TAG_LENGTH;
  if (n < expected) throw invalid('sealed is truncated');
  if (n > expected) throw invalid('sealed has trailing bytes');
  return {
    suite,
    kekId,
    kekIdBytes,
    kekVersion,
    wrappedDek,
    nonce,
    commitment,
    plaintextLength,
    headerLength: header,
    body: sealed.subarray(header),
  };
}

/**
 * Allocates a whole record, writes its header and copies `body`
 * (`ciphertext || tag`) after it: the one copy of the payload a seal makes.
 */
export function writeRecord(fields: Omit<RecordFields, 'kekId'>, body: Uint8Array): Uint8Array {
  const header = headerLength(fields.suite, fields.kekIdBytes.length);
  const out = new Uint8Array(header + body.length);
  writeRecordHeader(out, fields);
  out.set(body, header);
  return out;
}

/**
 * Writes every byte of a record's header (`headerLength(kekId)` bytes) at the
 * start of `out`, whose remainder already holds `ciphertext || tag`: the
 * in-place path for backends that seal after a prefix (no payload copy).
 */
export function writeRecordHeader(out: Uint8Array, fields: Omit<RecordFields, 'kekId'>): void {
  const k = fields.kekIdBytes.length;
  const { suite } = fields;
  // A wrapped DEK of another suite's length would shift every later field.
  if (fields.wrappedDek.length !== suite.wrappedDekLength) throw invalid('wrappedDek does not match the suite');
  out.set(suite.prefix, 0);
  out[4] = k;
  let offset = 5;
  out.set(fields.kekIdBytes, offset);
  offset = putU32(out, offset + k, fields.kekVersion);
  out.set(fields.wrappedDek, offset);
  offset += suite.wrappedDekLength;
  out.set(fields.nonce, offset);
  offset += NONCE_LENGTH;
  out.set(fields.commitment, offset);
  offset += COMMITMENT_LENGTH;
  putU32(out, offset, fields.plaintextLength);
}

function putU32(out: Uint8Array, offset: number, value: number): number {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
  return offset + 4;
}

/** Writes `u32be(len) || bytes` at `offset`; returns the next offset. */
function putPrefixed(out: Uint8Array, offset: number, bytes: Uint8Array): number {
  out.set(bytes, putU32(out, offset, bytes.length));
  return offset + 4 + bytes.length;
}

const PAYLOAD_LABEL = utf8(AAD_LABELS.payload);
const WRAP_LABEL = utf8(AAD_LABELS.wrap);
/** nonce (12) || commitment (32) || plaintext length (4). */
const TAIL_LENGTH = NONCE_LENGTH + COMMITMENT_LENGTH + 4;

/**
 * `lp(label) || lp(vault id) || lp(record id) || u64be(version) || lp(header)`
 * with `lp(x) = u32be(len(x)) || x`, where `header` is the suite's 4-byte prefix, then
 * `kekSection` (empty for the payload AAD), then the tail
 * `nonce || commitment || u32be(plaintext length)`. Canonical: two different
 * identities or headers never share an AAD.
 */
function encodeAad(label: Uint8Array, identity: RecordIdentity, kekSection: Uint8Array | undefined, fields: AadFields): Uint8Array {
  const { prefix } = fields.suite;
  const headerSize = prefix.length + (kekSection?.length ?? 0) + TAIL_LENGTH;
  const out = new Uint8Array(4 + label.length + 4 + identity.vaultId.length + 4 + identity.recordId.length + 8 + 4 + headerSize);
  let offset = putPrefixed(out, 0, label);
  offset = putPrefixed(out, offset, identity.vaultId);
  offset = putPrefixed(out, offset, identity.recordId);
  // u64 of a value below 2^53: high and low 32-bit halves.
  offset = putU32(out, offset, Math.floor(identity.version / 0x1_0000_0000));
  offset = putU32(out, offset, identity.version >>> 0);
  offset = putU32(out, offset, headerSize);
  out.set(prefix, offset);
  offset += prefix.length;
  if (kekSection !== undefined) {
    out.set(kekSection, offset);
    offset += kekSection.length;
  }
  out.set(fields.nonce, offset);
  out.set(fields.commitment, offset + NONCE_LENGTH);
  putU32(out, offset + NONCE_LENGTH + COMMITMENT_LENGTH, fields.plaintextLength);
  return out;
}

/**
 * AAD of the payload: identity and the header without the KEK section
 * (`prefix || nonce || commitment || length`, 52 bytes), which a re-wrap replaces.
 */
export function payloadAad(identity: RecordIdentity, fields: AadFields): Uint8Array {
  return encodeAad(PAYLOAD_LABEL, identity, undefined, fields);
}

/**
 * AAD of the DEK wrap: identity and the whole header except the wrapped DEK
 * itself (`prefix || k || kek id || kek version || nonce || commitment || length`).
 */
export function wrapAad(identity: RecordIdentity, fields: AadFields): Uint8Array {
  const k = fields.kekIdBytes.length;
  const kekSection = new Uint8Array(1 + k + 4);
  kekSection[0] = k;
  kekSection.set(fields.kekIdBytes, 1);
  putU32(kekSection, 1 + k, fields.kekVersion);
  return encodeAad(WRAP_LABEL, identity, kekSection, fields);
}

/** What a record's header says, learned without any key. */
export interface RecordHeader {
  /** Always 1 for now. */
  readonly formatVersion: number;
  /** 1 or 2 (new records: 2). */
  readonly suite: RecordSuiteId;
  /** The id of the KEK that wraps the DEK. */
  readonly kekId: string;
  /** The version of that KEK. */
  readonly kekVersion: number;
  /** The plaintext length the record declares. */
  readonly plaintextLength: number;
  /**
   * Where the payload nonce starts: the bytes from here on (nonce,
   * commitment, length, ciphertext, tag) and the 4-byte prefix are what a
   * re-wrap never changes, e.g. what a writer signs in a shared vault.
   */
  readonly payloadOffset: number;
}

/**
 * Reads a record's public header without any key: which KEK (id, version)
 * it needs and how long its plaintext is. Parses the whole record strictly.
 *
 * @throws `UNSUPPORTED` for an unknown version or suite; `INVALID_INPUT` for
 *   anything malformed
 */
export function decodeRecordHeader(sealed: Uint8Array): RecordHeader {
  const { suite, kekId, kekVersion, plaintextLength, headerLength: header } = parseRecord(sealed);
  return { formatVersion: FORMAT_VERSION, suite: suite.id, kekId, kekVersion, plaintextLength, payloadOffset: header - TAIL_LENGTH };
}
