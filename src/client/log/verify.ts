/**
 * The client's judgement of a run of security-log entries (`docs/security-log.md`):
 * each entry parses and its signature verifies under its signer's key
 * (`DECRYPT_FAILED` otherwise: an edited entry, or a client entry the server
 * made up), the numbers run on without a gap and each entry links to the one
 * before (`ROLLBACK` otherwise: dropped, reordered or forked), and the run
 * reaches and agrees with the pinned head (`ROLLBACK`: truncated or forked
 * below what this account saw before).
 *
 * @module
 */
import { equal } from '../../crypto/bytes.js';
import { ZeroVaultError, decryptFailed } from '../../errors.js';
import { LOG_GENESIS, decodeLogEntry, verifyLogEntry, type LogEntry } from '../../formats/log-entry.js';

/** A pinned head: the last entry this account verified (`seq` 0: none yet). */
export interface LogPin {
  readonly seq: number;
  /** SHA-256 of that entry (ignored for `seq` 0). */
  readonly head: Uint8Array;
}

/** Inputs of {@link verifyLogRun}. */
export interface VerifyLogOptions {
  readonly userId: string;
  /** The entries the server returned for "above `from`", in its order. */
  readonly entries: readonly Uint8Array[];
  /** The number the run starts after; at most `pin.seq`. */
  readonly from: number;
  readonly pin: LogPin;
  /** The account's Ed25519 identity key and the server's published log key. */
  readonly keys: { readonly client: Uint8Array; readonly server: Uint8Array };
}

function rollback(): ZeroVaultError {
  return new ZeroVaultError('ROLLBACK', 'the security log does not extend what this account saw before');
}

/**
 * Verifies a run of entries (see the module comment).
 * @returns the parsed entries, in order
 * @throws `DECRYPT_FAILED` for an entry that does not parse or verify; `ROLLBACK` for a broken chain or one that disagrees with the pin
 */
export function verifyLogRun(options: VerifyLogOptions): LogEntry[] {
  const { userId, entries, from, pin, keys } = options;
  if (from > pin.seq) throw new ZeroVaultError('INVALID_INPUT', 'from must not pass the pin');
  // The first entry links to the genesis, or to the pinned head; below the pin, the chain up to the head binds it.
  let previous: Uint8Array | undefined = from === 0 ? LOG_GENESIS : from === pin.seq ? pin.head : undefined;
  const out: LogEntry[] = [];
  for (const bytes of entries) {
    let entry: LogEntry;
    try {
      entry = decodeLogEntry(bytes);
    } catch {
      throw decryptFailed();
    }
    if (!verifyLogEntry(userId, entry, keys)) throw decryptFailed();
    if (entry.seq !== from + out.length + 1) throw rollback();
    if (previous !== undefined && !equal(entry.prevHash, previous)) throw rollback();
    if (entry.seq === pin.seq && !equal(entry.hash, pin.head)) throw rollback();
    previous = entry.hash;
    out.push(entry);
  }
  if (from + out.length < pin.seq) throw rollback();
  return out;
}
