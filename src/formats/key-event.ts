/**
 * Key events: the entries of a user's key directory log (`docs/sharing.md`;
 * vectors: `test/vectors/zerovault/key-events-v1.json`).
 *
 *     "ZD" (0x5a 0x44) | 0x01 | seq (u32, ≥ 1) | prev (32) | u8 len | userId (normalized UTF-8)
 *       | x25519 public (32) | ed25519 public (32) | signature (64)
 *
 * `prev` is SHA-256 of the previous event's full bytes (32 zero bytes for
 * `seq` 1). The signature is Ed25519 over `"zerovault/v1/key-event" || 0x00
 * || every byte before it`, by the event's own Ed25519 key for `seq` 1
 * (self-signed) and by the **previous** event's key after that, so only the
 * holder of the current signing key can change a user's keys.
 *
 * An event extends a log when it names the log's user, its `seq` is the log
 * length + 1, its `prev` is the hash of the last event, its Ed25519 key is a
 * valid point and its signature verifies. Clients check whole logs
 * ({@link verifyKeyLog}); the server checks each append
 * ({@link checkKeyEventAppend}) with the same rule, so that a stolen session,
 * which has no signing key, cannot break a user's log for everyone.
 *
 * @module
 */
import { concat, equal } from '../crypto/bytes.js';
import { ZeroVaultError, authFailed } from '../errors.js';
import { Reader, str8, u32 } from './codec.js';
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, isValidSigningKey, sha256, sign, verify } from './signature.js';
import { MAX_USER_ID_LENGTH, isNormalizedUserId } from './user-id.js';

/** Domain-separation label of key-event signatures. */
export const KEY_EVENT_LABEL = 'zerovault/v1/key-event';
const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x44;
const VERSION = 1;
/** Bytes of an event besides its user id. */
const FIXED_LENGTH = 3 + 4 + 32 + 1 + PUBLIC_KEY_LENGTH * 2 + SIGNATURE_LENGTH;
/** Largest event: the fixed fields plus the longest user id. */
export const MAX_KEY_EVENT_BYTES = FIXED_LENGTH + MAX_USER_ID_LENGTH;
/** The `prev` of the first event. */
export const GENESIS_PREV = new Uint8Array(32);

/** A parsed key event. */
export interface KeyEvent {
  readonly seq: number;
  readonly prev: Uint8Array;
  readonly userId: string;
  readonly x25519: Uint8Array;
  readonly ed25519: Uint8Array;
  readonly signature: Uint8Array;
  /** The signed part (everything before the signature). */
  readonly body: Uint8Array;
  /** The full encoding. */
  readonly bytes: Uint8Array;
  /** SHA-256 of the full encoding: the next event's `prev`, and what clients pin. */
  readonly hash: Uint8Array;
}

/** Inputs of {@link createKeyEvent}. */
export interface CreateKeyEventOptions {
  readonly seq: number;
  /** SHA-256 of the previous event; {@link GENESIS_PREV} for `seq` 1. */
  readonly prev: Uint8Array;
  /** The normalized user id. */
  readonly userId: string;
  readonly x25519: Uint8Array;
  readonly ed25519: Uint8Array;
  /** The Ed25519 seed that signs: the event's own for `seq` 1, the previous event's after. */
  readonly signingKey: Uint8Array;
}

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'key event is malformed');
}

/**
 * Encodes and signs a key event.
 * @throws `INVALID_INPUT` on a bad field
 */
export function createKeyEvent(options: CreateKeyEventOptions): Uint8Array {
  const { seq, prev, userId, x25519, ed25519, signingKey } = options;
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > 0xffffffff) throw new ZeroVaultError('INVALID_INPUT', 'seq out of range');
  if (prev.length !== 32 || x25519.length !== PUBLIC_KEY_LENGTH || ed25519.length !== PUBLIC_KEY_LENGTH) {
    throw new ZeroVaultError('INVALID_INPUT', 'key event keys must be 32 bytes');
  }
  if (!isNormalizedUserId(userId)) throw new ZeroVaultError('INVALID_INPUT', 'userId must be a normalized user id');
  const body = concat(Uint8Array.of(MAGIC_0, MAGIC_1, VERSION), u32(seq), prev, str8(userId, 'userId'), x25519, ed25519);
  return concat(body, sign(signingKey, KEY_EVENT_LABEL, body));
}

/**
 * Parses a key event strictly (no signature check: see {@link verifyKeyLog}).
 * @throws `INVALID_INPUT` when malformed; `UNSUPPORTED` for an unknown version
 */
export function decodeKeyEvent(bytes: Uint8Array): KeyEvent {
  if (bytes.length < 3 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  if (bytes[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown key event version');
  const copy = Uint8Array.from(bytes);
  const reader = new Reader(copy, malformed);
  reader.bytes(3);
  const seq = reader.u32();
  if (seq < 1) throw malformed();
  const prev = reader.bytes(32);
  const userId = reader.str8();
  if (!isNormalizedUserId(userId)) throw malformed();
  const x25519 = reader.bytes(PUBLIC_KEY_LENGTH);
  const ed25519 = reader.bytes(PUBLIC_KEY_LENGTH);
  const bodyLength = reader.offset;
  const signature = reader.bytes(SIGNATURE_LENGTH);
  reader.end();
  return { seq, prev, userId, x25519, ed25519, signature, body: copy.subarray(0, bodyLength), bytes: copy, hash: sha256(copy) };
}

/** Whether `event` may follow `previous` (the last event of a log, or none) in `userId`'s log. */
function extendsLog(userId: string, previous: KeyEvent | undefined, length: number, event: KeyEvent): boolean {
  const signer = previous === undefined ? event.ed25519 : previous.ed25519;
  return (
    event.seq === length + 1 &&
    event.userId === userId &&
    equal(event.prev, previous === undefined ? GENESIS_PREV : previous.hash) &&
    isValidSigningKey(event.ed25519) &&
    verify(signer, event.signature, KEY_EVENT_LABEL, event.body)
  );
}

/**
 * Parses and verifies a whole log for `userId` (see the module comment).
 * @returns the events, in order (at least one)
 * @throws `AUTH_FAILED` (one message) for any invalid log, including an empty one
 */
export function verifyKeyLog(userId: string, log: readonly Uint8Array[]): KeyEvent[] {
  if (log.length === 0) throw authFailed();
  const events: KeyEvent[] = [];
  for (const bytes of log) {
    let event: KeyEvent;
    try {
      event = decodeKeyEvent(bytes);
    } catch {
      throw authFailed();
    }
    if (!extendsLog(userId, events[events.length - 1], events.length, event)) throw authFailed();
    events.push(event);
  }
  return events;
}

/**
 * The server's append rule: checks that `event` may follow `log`, the
 * stored (already checked) log of `userId`.
 * @returns the event's `seq`
 * @throws `INVALID_INPUT` (or `UNSUPPORTED` for an unknown version) when it may not
 */
export function checkKeyEventAppend(userId: string, log: readonly Uint8Array[], event: Uint8Array): number {
  const parsed = decodeKeyEvent(event);
  const last = log[log.length - 1];
  const previous = last === undefined ? undefined : decodeKeyEvent(last);
  if (!extendsLog(userId, previous, log.length, parsed)) throw new ZeroVaultError('INVALID_INPUT', 'key event does not extend the log');
  return parsed.seq;
}
