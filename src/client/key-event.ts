/**
 * Key events: the entries of a user's key directory log (`docs/sharing.md`).
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
 * A log is valid when every event parses, `seq` counts 1, 2, 3…, each `prev`
 * is the hash of the event before, every event names the same user, every
 * signature verifies, and every Ed25519 key is a valid point.
 *
 * @module
 */
import { concat, equal } from '../crypto/bytes.js';
import { ZeroVaultError, authFailed } from '../errors.js';
import { Reader, str8, u32 } from './codec.js';
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, isValidSigningKey, sha256, sign, verify } from './signature.js';

/** Domain-separation label of key-event signatures. */
export const KEY_EVENT_LABEL = 'zerovault/v1/key-event';
const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x44;
const VERSION = 1;
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
  const reader = new Reader(bytes, malformed);
  reader.bytes(3);
  const seq = reader.u32();
  if (seq < 1) throw malformed();
  const prev = reader.bytes(32);
  const userId = reader.str8();
  const x25519 = reader.bytes(PUBLIC_KEY_LENGTH);
  const ed25519 = reader.bytes(PUBLIC_KEY_LENGTH);
  const bodyLength = reader.offset;
  const signature = reader.bytes(SIGNATURE_LENGTH);
  reader.end();
  const copy = Uint8Array.from(bytes);
  return { seq, prev, userId, x25519, ed25519, signature, body: copy.subarray(0, bodyLength), bytes: copy, hash: sha256(copy) };
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
    const previous = events[events.length - 1];
    const signer = previous === undefined ? event.ed25519 : previous.ed25519;
    const ok =
      event.seq === events.length + 1 &&
      event.userId === userId &&
      equal(event.prev, previous === undefined ? GENESIS_PREV : previous.hash) &&
      isValidSigningKey(event.ed25519) &&
      verify(signer, event.signature, KEY_EVENT_LABEL, event.body);
    if (!ok) throw authFailed();
    events.push(event);
  }
  return events;
}
