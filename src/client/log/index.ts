/**
 * The security-log code: reading the account's log as verified entries
 * (`session.securityLog`) and appending the client-signed entries of the
 * operations the account's own clients perform (`docs/security-log.md`).
 * Never in the page's first chunk: the session reaches it through the
 * sharing code it loads at login (`client/sharing/index.ts` re-exports it),
 * and the device, passkey, MFA, sharing and rotation code, all loaded on
 * demand, import `append.ts`.
 *
 * @module
 */
import { fromBase64url } from '../../crypto/bytes.js';
import { ZeroVaultError } from '../../errors.js';
import type { LogEntry, LogSigner, LogType } from '../../formats/log-entry.js';
import { bytesField, requestJson } from '../api.js';
import { retryOnConflict } from '../retry.js';
import type { LogHost } from './host.js';
import { loadLogPin, saveLogPin } from './pin.js';
import { verifyLogRun, type LogPin } from './verify.js';

export type { AppendHost, AppendKeys, LogHost } from './host.js';
export { appendEntry, recordEvent } from './append.js';

/** Options of `session.securityLog`. */
export interface SecurityLogOptions {
  /** Only entries numbered above this (default 0: all of them). */
  since?: number;
}

/** One verified security-log entry. */
export interface SecurityLogEntry {
  /** Its number in the account's log, from 1. */
  readonly seq: number;
  /** When its signer says it happened, in ms since the epoch (the server's clock for server entries, the device's for client ones). */
  readonly at: number;
  readonly type: LogType;
  /** Who signed it: this account (one of its devices) or the server. */
  readonly by: LogSigner;
  /** The remembered device it concerns or came from, when any. */
  readonly deviceId?: string;
  /** The client address the server saw (server entries). */
  readonly address?: string;
  /** A short machine-readable detail (a reason, a vault, a device id). */
  readonly details?: string;
}

function view(entry: LogEntry): SecurityLogEntry {
  return {
    seq: entry.seq,
    at: entry.at,
    type: entry.type,
    by: entry.by,
    ...(entry.deviceId === undefined ? {} : { deviceId: entry.deviceId }),
    ...(entry.address === undefined ? {} : { address: entry.address }),
    ...(entry.details === undefined ? {} : { details: entry.details }),
  };
}

function badResponse(): ZeroVaultError {
  return new ZeroVaultError('NETWORK', 'invalid server response');
}

/** Entries one read takes at most: a server paging forever is refused, not followed. */
const MAX_ENTRIES = 1_000_000;

/** The newest head each session verified (keyed by its keys object, which lives as long as the session). */
const pinned = new WeakMap<object, LogPin>();

/** The server's published log key. */
async function serverKey(host: LogHost): Promise<Uint8Array> {
  const reply = await requestJson(host.endpoint, 'GET', '/log/key', undefined);
  const key = bytesField(reply, 'publicKey');
  if (key.length !== 32) throw badResponse();
  return key;
}

/** Every entry above `from`, page by page, as the server sent them. */
async function fetchEntries(host: LogHost, from: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (;;) {
    const reply = await requestJson(host.endpoint, 'GET', `/log?since=${from + out.length}`, undefined, { key: host.keys.signing() });
    const { entries, more } = reply;
    if (!Array.isArray(entries) || typeof more !== 'boolean') throw badResponse();
    for (const text of entries as unknown[]) {
      if (typeof text !== 'string') throw badResponse();
      try {
        out.push(fromBase64url(text, 'entry'));
      } catch {
        throw badResponse();
      }
    }
    if (!more || entries.length === 0) return out;
    if (out.length > MAX_ENTRIES) throw badResponse();
  }
}

/**
 * `session.securityLog`: fetches the log from the pinned head (or from
 * `since`, when lower), verifies it against the pin, moves the pin to the
 * new head, and returns the entries numbered above `since`.
 * @throws `INVALID_INPUT`; `DECRYPT_FAILED`; `ROLLBACK`; `NETWORK`; `CLOSED`
 */
export async function securityLog(host: LogHost, options: SecurityLogOptions = {}): Promise<SecurityLogEntry[]> {
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const since = options.since ?? 0;
  if (!Number.isSafeInteger(since) || since < 0 || since > 0xffffffff) throw new ZeroVaultError('INVALID_INPUT', 'since must be a non-negative integer');
  const keys = { client: host.keys.keyring().ed25519.publicKey, server: await serverKey(host) };
  return retryOnConflict(async () => {
    const stored = await loadLogPin(host);
    // The newest head this session saw stands even when the store serves an older pin record.
    const known = pinned.get(host.keys);
    const pin = known !== undefined && known.seq > stored.pin.seq ? known : stored.pin;
    const from = Math.min(since, pin.seq);
    const entries = verifyLogRun({ userId: host.userId, entries: await fetchEntries(host, from), from, pin, keys });
    const last = entries[entries.length - 1];
    const head = last === undefined || last.seq <= pin.seq ? pin : { seq: last.seq, head: last.hash };
    if (head.seq > stored.pin.seq) await saveLogPin(host, stored, head);
    pinned.set(host.keys, head);
    return entries.filter((e) => e.seq > since).map(view);
  });
}
