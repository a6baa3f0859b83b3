/**
 * Security-log entries: one account's hash-chained record of what happened
 * to it (`docs/security-log.md`; vectors: `test/vectors/zerovault/security-log-v1.json`).
 *
 *     "ZL" (0x5a 0x4c) | 0x01 | seq (u32, ≥ 1) | prevHash (32) | at (u64, ms since the epoch)
 *       | by (u8: 1 client, 2 server) | type (u8, {@link LOG_TYPES} index + 1)
 *       | flags (u8: 0x01 deviceId, 0x02 address, 0x04 details; other bits 0)
 *       | [u8 len | deviceId] | [u8 len | address] | [u16 len | details] | signature (64)
 *
 * `prevHash` is SHA-256 of the previous entry's full bytes (32 zero bytes for
 * `seq` 1). The signature is Ed25519 over `"zerovault/v1/security-log" ||
 * 0x00 || u8 len || userId || every byte before it`: the account's identity
 * key signs `by: client` entries, the server's published log key signs
 * `by: server` ones. The user id is signed but not stored, so an entry moved
 * to another account's log fails. Each type has one signer
 * ({@link signerOf}): an entry claiming the other one is malformed, so a
 * server can never make an entry of a client type.
 *
 * @module
 */
import { concat, utf8 } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { Reader, str8, u16, u32, u64, u8 } from './codec.js';
import { SIGNATURE_LENGTH, sha256, sign, verify } from './signature.js';

/** Domain-separation label of security-log signatures. */
export const LOG_ENTRY_LABEL = 'zerovault/v1/security-log';
const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x4c;
const VERSION = 1;

/** Every entry type, in wire order (the byte is the index + 1). Append only. */
export const LOG_TYPES = Object.freeze([
  'login',
  'login_failed',
  'password_changed',
  'recovery_key_set',
  'recovery_used',
  'device_added',
  'device_revoked',
  'passkey_added',
  'passkey_removed',
  'totp_enabled',
  'totp_disabled',
  'vault_rotated',
  'share_granted',
  'share_changed',
  'share_revoked',
  'mfa_failed',
  'rate_limited',
  'replay',
  'forged',
  'token_issued',
  'session_revoked',
] as const);

/** One security-log entry type. */
export type LogType = (typeof LOG_TYPES)[number];

/** Who signs an entry. */
export type LogSigner = 'client' | 'server';

const SERVER_TYPES: ReadonlySet<LogType> = new Set(['login', 'login_failed', 'mfa_failed', 'rate_limited', 'replay', 'forged', 'token_issued', 'session_revoked']);

/** The types only the account's own client signs (the rest are the server's). */
export type ClientLogType = Exclude<LogType, 'login' | 'login_failed' | 'mfa_failed' | 'rate_limited' | 'replay' | 'forged' | 'token_issued' | 'session_revoked'>;

/** The one signer of entries of `type`. */
export function signerOf(type: LogType): LogSigner {
  return SERVER_TYPES.has(type) ? 'server' : 'client';
}

/** `prevHash` of the first entry. */
export const LOG_GENESIS = new Uint8Array(32);
/** Longest device id and address (UTF-8 bytes). */
export const MAX_LOG_FIELD_BYTES = 64;
/** Longest `details` (UTF-8 bytes). */
export const MAX_LOG_DETAILS_BYTES = 1024;
/** Largest entry. */
export const MAX_LOG_ENTRY_BYTES = 3 + 4 + 32 + 8 + 3 + 2 * (1 + MAX_LOG_FIELD_BYTES) + 2 + MAX_LOG_DETAILS_BYTES + SIGNATURE_LENGTH;

const FLAG_DEVICE = 0x01;
const FLAG_ADDRESS = 0x02;
const FLAG_DETAILS = 0x04;

/** The fields of an entry (what {@link createLogEntry} signs). */
export interface LogFields {
  readonly seq: number;
  readonly prevHash: Uint8Array;
  /** Milliseconds since the epoch, by the signer's clock. */
  readonly at: number;
  readonly type: LogType;
  readonly deviceId?: string | undefined;
  readonly address?: string | undefined;
  readonly details?: string | undefined;
}

/** A parsed entry. */
export interface LogEntry extends LogFields {
  readonly by: LogSigner;
  readonly signature: Uint8Array;
  /** The signed part (everything before the signature). */
  readonly body: Uint8Array;
  /** The full encoding. */
  readonly bytes: Uint8Array;
  /** SHA-256 of the full encoding: the next entry's `prevHash`, and what clients pin. */
  readonly hash: Uint8Array;
}

/** Inputs of {@link createLogEntry}. */
export interface CreateLogEntryOptions extends LogFields {
  /** The account's normalized user id (signed, not stored). */
  readonly userId: string;
  /** The 32-byte Ed25519 seed of the type's signer ({@link signerOf}). */
  readonly signingKey: Uint8Array;
}

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'security log entry is malformed');
}

function field(value: string | undefined, name: string, max: number): Uint8Array | undefined {
  if (value === undefined) return undefined;
  const bytes = typeof value === 'string' ? utf8(value) : new Uint8Array(0);
  if (bytes.length === 0 || bytes.length > max) throw new ZeroVaultError('INVALID_INPUT', `${name} must be a string of 1 to ${max} UTF-8 bytes`);
  return bytes;
}

function signed(userId: string, body: Uint8Array): Uint8Array[] {
  return [str8(userId, 'userId'), body];
}

/**
 * Encodes and signs an entry.
 * @throws `INVALID_INPUT` on a bad field
 */
export function createLogEntry(options: CreateLogEntryOptions): Uint8Array {
  const { userId, seq, prevHash, at, type, signingKey } = options;
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > 0xffffffff) throw new ZeroVaultError('INVALID_INPUT', 'seq out of range');
  if (!(prevHash instanceof Uint8Array) || prevHash.length !== 32) throw new ZeroVaultError('INVALID_INPUT', 'prevHash must be 32 bytes');
  if (!Number.isSafeInteger(at) || at < 0) throw new ZeroVaultError('INVALID_INPUT', 'at must be a time in milliseconds');
  const index = LOG_TYPES.indexOf(type);
  if (index < 0) throw new ZeroVaultError('INVALID_INPUT', 'type is not a security log type');
  const deviceId = field(options.deviceId, 'deviceId', MAX_LOG_FIELD_BYTES);
  const address = field(options.address, 'address', MAX_LOG_FIELD_BYTES);
  const details = field(options.details, 'details', MAX_LOG_DETAILS_BYTES);
  const flags = (deviceId === undefined ? 0 : FLAG_DEVICE) | (address === undefined ? 0 : FLAG_ADDRESS) | (details === undefined ? 0 : FLAG_DETAILS);
  const parts = [Uint8Array.of(MAGIC_0, MAGIC_1, VERSION), u32(seq), prevHash, u64(at), u8(signerOf(type) === 'client' ? 1 : 2), u8(index + 1), u8(flags)];
  for (const value of [deviceId, address]) if (value !== undefined) parts.push(u8(value.length), value);
  if (details !== undefined) parts.push(u16(details.length), details);
  const body = concat(...parts);
  return concat(body, sign(signingKey, LOG_ENTRY_LABEL, ...signed(userId, body)));
}

/**
 * Parses an entry strictly (no signature check: see {@link verifyLogEntry}).
 * @throws `INVALID_INPUT` when malformed (also a type under the wrong signer); `UNSUPPORTED` for an unknown version
 */
export function decodeLogEntry(bytes: Uint8Array): LogEntry {
  if (!(bytes instanceof Uint8Array) || bytes.length < 3 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  if (bytes[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown security log entry version');
  if (bytes.length > MAX_LOG_ENTRY_BYTES) throw malformed();
  const copy = Uint8Array.from(bytes);
  const reader = new Reader(copy, malformed);
  reader.bytes(3);
  const seq = reader.u32();
  if (seq < 1) throw malformed();
  const prevHash = reader.bytes(32);
  const at = reader.u64();
  const byCode = reader.u8();
  const type = LOG_TYPES[reader.u8() - 1];
  if (type === undefined || byCode !== (signerOf(type) === 'client' ? 1 : 2)) throw malformed();
  const flags = reader.u8();
  if ((flags & ~(FLAG_DEVICE | FLAG_ADDRESS | FLAG_DETAILS)) !== 0) throw malformed();
  const short = (): string => {
    const text = reader.str8();
    if (utf8(text).length > MAX_LOG_FIELD_BYTES) throw malformed();
    return text;
  };
  const deviceId = (flags & FLAG_DEVICE) === 0 ? undefined : short();
  const address = (flags & FLAG_ADDRESS) === 0 ? undefined : short();
  let details: string | undefined;
  if ((flags & FLAG_DETAILS) !== 0) {
    details = reader.str16();
    if (utf8(details).length > MAX_LOG_DETAILS_BYTES) throw malformed();
  }
  const bodyLength = reader.offset;
  const signature = reader.bytes(SIGNATURE_LENGTH);
  reader.end();
  return {
    seq,
    prevHash,
    at,
    by: byCode === 1 ? 'client' : 'server',
    type,
    ...(deviceId === undefined ? {} : { deviceId }),
    ...(address === undefined ? {} : { address }),
    ...(details === undefined ? {} : { details }),
    signature,
    body: copy.subarray(0, bodyLength),
    bytes: copy,
    hash: sha256(copy),
  };
}

/**
 * Whether `entry`'s signature verifies for `userId`'s log under its signer's key.
 * @returns false for a bad signature or key (never throws)
 */
export function verifyLogEntry(userId: string, entry: LogEntry, keys: { readonly client: Uint8Array; readonly server: Uint8Array }): boolean {
  const key = entry.by === 'client' ? keys.client : keys.server;
  try {
    return verify(key, entry.signature, LOG_ENTRY_LABEL, ...signed(userId, entry.body));
  } catch {
    return false;
  }
}

/**
 * The link an entry that follows `last` (the log's last stored entry, or
 * none) must carry: its number + 1 and the hash of its bytes as stored. The
 * stored bytes are hashed, never parsed, so a row someone edited never stops
 * the log from growing (the client judges it).
 */
export function nextLink(last: { readonly seq: number; readonly entry: Uint8Array } | null): { seq: number; prevHash: Uint8Array } {
  return last === null ? { seq: 1, prevHash: LOG_GENESIS } : { seq: last.seq + 1, prevHash: sha256(last.entry) };
}
