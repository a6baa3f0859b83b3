/**
 * The server's side of the security log (`docs/security-log.md`): its
 * signing key, derived from the server setup (HKDF-SHA256, label
 * `zerovault/v1/server/security-log-key`) so that every instance sharing the
 * setup signs with one published key, and the server-signed entries it
 * writes for the monitoring events that concern an account.
 *
 * Writes for one account queue behind each other in this process, and the
 * log routes wait for that queue before reading or appending, so a client
 * reads its own login's entry. Instances sharing a database race on the
 * next number instead: a lost race (`CONFLICT`) is retried on the new head.
 * A failed write never fails the request that caused it: it is an `error`
 * event (`security-log-failed`).
 *
 * @module
 */
import { ed25519PublicKey } from '../crypto/ed25519.js';
import { LABELS, deriveKey } from '../crypto/kdf.js';
import { isZeroVaultError } from '../errors.js';
import { MAX_LOG_DETAILS_BYTES, MAX_LOG_FIELD_BYTES, createLogEntry, decodeLogEntry, nextLink, type LogType } from '../formats/log-entry.js';
import { utf8 } from '../crypto/bytes.js';
import type { LogStore, ServerEvent, ServerEventType, ServerStore } from './types.js';

/** The server events that become server-signed entries, and as which type. */
const RECORDED: Partial<Record<ServerEventType, LogType>> = {
  login: 'login',
  auth_failed: 'login_failed',
  mfa_failed: 'mfa_failed',
  rate_limited: 'rate_limited',
  replay: 'replay',
  forged: 'forged',
  token_issued: 'token_issued',
  logout: 'session_revoked',
};

/** Tries of one append against other instances before it is given up (an `error` event). */
const TRIES = 5;

/** The server's security log. */
export interface ServerLog {
  /** The Ed25519 public key server-signed entries verify with (`GET /log/key`). */
  readonly publicKey: Uint8Array;
  /** Writes the entry `event` maps to, when it maps to one and names an account (queued; never throws). */
  record(event: ServerEvent): void;
  /** Runs `work` once every queued write for `userId` settled, as the next in that queue. */
  serial<T>(userId: string, work: () => Promise<T>): Promise<T>;
}

/** The security-log key pair of a server built from `setup`: the seed and its public key. */
export function serverLogKey(setup: Uint8Array): { seed: Uint8Array; publicKey: Uint8Array } {
  const seed = deriveKey({ ikm: setup, label: LABELS.serverLogKey, length: 32 });
  return { seed, publicKey: ed25519PublicKey(seed) };
}

/**
 * The security log of a server over `log` (the store's log half, or `null`:
 * then nothing is written). `store` tells real accounts from guessed ids.
 */
export function createServerLog(setup: Uint8Array, store: ServerStore, log: LogStore | null, now: () => number, onError: () => void): ServerLog {
  const { seed, publicKey } = serverLogKey(setup);
  const queues = new Map<string, Promise<unknown>>();

  const serial = <T>(userId: string, work: () => Promise<T>): Promise<T> => {
    const run = (queues.get(userId) ?? Promise.resolve()).then(work, work);
    const settled = run.catch(() => undefined);
    queues.set(userId, settled);
    void settled.then(() => {
      if (queues.get(userId) === settled) queues.delete(userId);
    });
    return run;
  };

  const write = async (log: LogStore, userId: string, type: LogType, event: ServerEvent): Promise<void> => {
    // Failed logins and rate limits name any id a guesser typed: only real accounts get a log.
    if ((type === 'login_failed' || type === 'rate_limited') && (await store.getUserRecord(userId)) === null) return;
    for (let attempt = 1; ; attempt++) {
      const last = await log.lastLogEntry(userId);
      // A burst of refusals is one entry: the log records that it happened, not each request.
      if (type === 'rate_limited' && last !== null && lastType(last.entry) === 'rate_limited') return;
      const { seq, prevHash } = nextLink(last);
      const entry = createLogEntry({
        userId,
        seq,
        prevHash,
        at: now(),
        type,
        deviceId: fits(event.deviceId, MAX_LOG_FIELD_BYTES),
        address: fits(event.address, MAX_LOG_FIELD_BYTES),
        details: fits(event.reason, MAX_LOG_DETAILS_BYTES),
        signingKey: seed,
      });
      try {
        await log.appendLogEntry(userId, seq, entry, now());
        return;
      } catch (err) {
        if (!isZeroVaultError(err, 'CONFLICT') || attempt >= TRIES) throw err;
      }
    }
  };

  return {
    publicKey,
    serial,
    record(event) {
      const type = RECORDED[event.type];
      const userId = event.userId;
      if (log === null || type === undefined || userId === undefined) return;
      void serial(userId, () => write(log, userId, type, event)).catch(onError);
    },
  };
}

function lastType(entry: Uint8Array): LogType | undefined {
  try {
    return decodeLogEntry(entry).type;
  } catch {
    return undefined;
  }
}

/** `value` when it fits an entry's field, else nothing (an odd proxy address must not cost the entry). */
function fits(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  const length = utf8(value).length;
  return length > 0 && length <= max ? value : undefined;
}
