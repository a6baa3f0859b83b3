/**
 * The key directory's append rule, server side. Clients verify every log
 * themselves (they must not trust the server); the server checks each append
 * too, so that a stolen session, which has no signing key, cannot append an
 * event that breaks the user's log for everyone.
 *
 * Event format (`docs/sharing.md`):
 *
 *     "ZD" | 0x01 | seq (u32) | prev (32) | u8 len | userId | x25519 (32) | ed25519 (32) | signature (64)
 *
 * An append is accepted when the event parses, names the session's user,
 * has `seq` = log length + 1 and `prev` = SHA-256 of the last event (32 zero
 * bytes for the first), and its signature over `"zerovault/v1/key-event" ||
 * 0x00 || body` verifies under the previous event's Ed25519 key (its own for
 * the first).
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { concat, equal, fromUtf8, utf8 } from '../crypto/bytes.js';
import { digest } from '../crypto/kdf.js';
import { ZeroVaultError } from '../errors.js';

const LABEL = 'zerovault/v1/key-event';
/** Largest event: 168 bytes plus a 254-byte user id. */
export const MAX_KEY_EVENT_BYTES = 168 + 254;

/** The fields of an event the server needs. */
export interface ParsedKeyEvent {
  readonly seq: number;
  readonly prev: Uint8Array;
  readonly userId: string;
  readonly ed25519: Uint8Array;
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
}

function invalid(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'key event is malformed');
}

/** Parses an event strictly. @throws `INVALID_INPUT`; `UNSUPPORTED` for an unknown version */
export function parseKeyEvent(bytes: Uint8Array): ParsedKeyEvent {
  if (bytes.length < 3 || bytes[0] !== 0x5a || bytes[1] !== 0x44) throw invalid();
  if (bytes[2] !== 0x01) throw new ZeroVaultError('UNSUPPORTED', 'unknown key event version');
  if (bytes.length < 40) throw invalid();
  const length = bytes[39] as number;
  if (length === 0 || bytes.length !== 168 + length) throw invalid();
  let userId: string;
  try {
    userId = fromUtf8(bytes.subarray(40, 40 + length));
  } catch {
    throw invalid();
  }
  const seq = new DataView(bytes.buffer, bytes.byteOffset + 3, 4).getUint32(0);
  if (seq < 1) throw invalid();
  const bodyLength = 104 + length;
  return {
    seq,
    prev: bytes.slice(7, 39),
    userId,
    ed25519: bytes.slice(72 + length, bodyLength),
    body: bytes.slice(0, bodyLength),
    signature: bytes.slice(bodyLength),
  };
}

/**
 * Checks that `event` may follow `log` for `userId` (see the module comment).
 * @returns the event's `seq`
 * @throws `INVALID_INPUT` when it may not
 */
export function checkAppend(userId: string, log: readonly Uint8Array[], event: Uint8Array): number {
  const parsed = parseKeyEvent(event);
  const last = log[log.length - 1];
  const signer = last === undefined ? parsed.ed25519 : parseKeyEvent(last).ed25519;
  const prev = last === undefined ? new Uint8Array(32) : digest('SHA-256', last);
  let valid = false;
  try {
    valid =
      ed25519.utils.isValidPublicKey(parsed.ed25519, false) &&
      ed25519.verify(parsed.signature, concat(utf8(LABEL), Uint8Array.of(0), parsed.body), signer, { zip215: false });
  } catch {
    valid = false;
  }
  if (parsed.userId !== userId || parsed.seq !== log.length + 1 || !equal(parsed.prev, prev) || !valid) {
    throw new ZeroVaultError('INVALID_INPUT', 'key event does not extend the log');
  }
  return parsed.seq;
}
