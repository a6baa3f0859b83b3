/**
 * The pinned head of the account's security log, sealed in its own
 * `_zv/security-log` meta record so that every later session, on any
 * device of the account, holds the server to it.
 *
 * Plaintext:
 *
 *     "ZH" (0x5a 0x48) | 0x01 | seq (u32) | head (32)
 *
 * A save never moves the pin backwards: on a lost race it re-reads, and the
 * higher `seq` wins (the caller verified the log up to its own head, so a
 * lower one is an older view of the same chain).
 *
 * @module
 */
import { concat } from '../../crypto/bytes.js';
import { ZeroVaultError } from '../../errors.js';
import { Reader, u32 } from '../../formats/codec.js';
import { loadMeta, saveMeta } from '../account/meta-record.js';
import type { LogHost } from './host.js';
import type { LogPin } from './verify.js';

/** The meta record id of the pin. */
export const LOG_PIN_ID = 'security-log';

function malformed(): ZeroVaultError {
  return new ZeroVaultError('DECRYPT_FAILED', 'decryption failed');
}

/** Encodes a pin. */
export function encodeLogPin(pin: LogPin): Uint8Array {
  return concat(Uint8Array.of(0x5a, 0x48, 0x01), u32(pin.seq), pin.head);
}

/** Decodes a pin strictly. @throws `DECRYPT_FAILED` when malformed (it opened under the root key, so it was never valid) */
export function decodeLogPin(bytes: Uint8Array): LogPin {
  const reader = new Reader(bytes, malformed);
  if (reader.u8() !== 0x5a || reader.u8() !== 0x48 || reader.u8() !== 0x01) throw malformed();
  const seq = reader.u32();
  const head = reader.bytes(32);
  reader.end();
  return { seq, head };
}

/** A loaded pin and where it is in the store (`version` `null`: no record yet). */
export interface StoredPin {
  readonly pin: LogPin;
  readonly version: number | null;
  readonly cv: number;
}

/** Reads the pin; `seq` 0 when the account has none. */
export async function loadLogPin(host: LogHost): Promise<StoredPin> {
  const loaded = await loadMeta(host.store, host.keys.rootKey(), LOG_PIN_ID);
  if (loaded === null) return { pin: { seq: 0, head: new Uint8Array(32) }, version: null, cv: 0 };
  return { pin: decodeLogPin(loaded.plaintext), version: loaded.version, cv: loaded.cv };
}

/**
 * Writes `pin` over `stored` (a conditional write).
 * @throws `CONFLICT` when another session moved the pin meanwhile (the caller re-reads)
 */
export async function saveLogPin(host: LogHost, stored: StoredPin, pin: LogPin): Promise<void> {
  await saveMeta(host.store, host.keys.rootKey(), LOG_PIN_ID, stored.cv + 1, encodeLogPin(pin), stored.version);
}
