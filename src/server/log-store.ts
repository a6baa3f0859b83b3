/**
 * The optional security-log half of a server store (`LogStore`, `types.ts`):
 * whether a store has it, like `devicesOf` for the device half, and the
 * memory implementation (the SQL ones are `sqlite-log.ts` and `postgres-log.ts`).
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import type { LogStore, StoredLogEntry } from './types.js';

/** Entries a page of `GET /log` holds at most. */
export const LOG_PAGE = 500;

/** The log methods of a store, or `null` when it lacks any of them (then the log routes are 404 and no entry is written). */
export function logOf(store: Partial<LogStore>): LogStore | null {
  const names = ['appendLogEntry', 'getLogEntries', 'lastLogEntry'] as const;
  return names.every((name) => typeof store[name] === 'function') ? (store as LogStore) : null;
}

const copy = (e: StoredLogEntry): StoredLogEntry => ({ seq: e.seq, entry: Uint8Array.from(e.entry) });

/** The log methods of `memoryServerStore`. */
export function memoryLog(): LogStore {
  const logs = new Map<string, StoredLogEntry[]>();
  return {
    async appendLogEntry(userId, seq, entry) {
      const log = logs.get(userId) ?? [];
      if (seq !== (log[log.length - 1]?.seq ?? 0) + 1) throw new ZeroVaultError('CONFLICT', 'security log changed');
      logs.set(userId, [...log, copy({ seq, entry })]);
    },
    async getLogEntries(userId, since, limit) {
      return (logs.get(userId) ?? []).filter((e) => e.seq > since).slice(0, limit).map(copy);
    },
    async lastLogEntry(userId) {
      const log = logs.get(userId) ?? [];
      const last = log[log.length - 1];
      return last === undefined ? null : copy(last);
    },
  };
}
