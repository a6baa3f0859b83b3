/**
 * `retryOnConflict`: the one read-modify-write loop of the client. Every
 * conditional write that can lose a race to another device (keyring, slots,
 * manifests, pins, membership lists, records) goes through it.
 *
 * @module
 */
import { isZeroVaultError } from '../errors.js';
import { backoffMs, sleep } from '../transport.js';

/** Attempts after the first before a lost race is reported as `CONFLICT`. */
export const CONFLICT_RETRIES = 8;
// Conflicts are between devices of one account or members of one vault: a
// few milliseconds usually separate them, so the schedule starts small.
const BASE_DELAY_MS = 5;
const MAX_DELAY_MS = 500;

/** Options of {@link retryOnConflict}. */
export interface RetryOptions {
  /** Runs after a lost race, before the next attempt (typically: re-read the record). */
  readonly reload?: () => Promise<void>;
  /** Attempts after the first; default {@link CONFLICT_RETRIES}. */
  readonly retries?: number;
}

/**
 * Runs `attempt` (numbered from 0) until it does not fail with `CONFLICT`,
 * re-reading with `reload` and waiting a full-jitter backoff between tries.
 *
 * @returns what the first successful attempt returned
 * @throws the last `CONFLICT` after the retries; any other error at once
 */
export async function retryOnConflict<T>(attempt: (n: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? CONFLICT_RETRIES;
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isZeroVaultError(err, 'CONFLICT') || n >= retries) throw err;
    }
    if (n > 0) await sleep(backoffMs(n - 1, BASE_DELAY_MS, MAX_DELAY_MS));
    await options.reload?.();
  }
}
