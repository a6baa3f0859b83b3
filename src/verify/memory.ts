/**
 * `memoryReplayStore()`: proof ids in a `Map`, for one process (tests, a
 * single instance). Several instances need a shared store (SQLite, PostgreSQL).
 *
 * @module
 */
import type { ReplayStore } from './types.js';

/** Expired ids are swept at most this often, in ms: a sweep walks the whole map. */
const SWEEP_INTERVAL_MS = 10_000;

/** Creates a {@link ReplayStore} in this process's memory. */
export function memoryReplayStore(): ReplayStore {
  const seen = new Map<string, number>();
  let lastSweep = 0;
  return {
    burn: async (jti, expiresAt) => {
      const now = Date.now();
      if (now - lastSweep >= SWEEP_INTERVAL_MS) {
        lastSweep = now;
        for (const [id, until] of seen) if (until <= now) seen.delete(id);
      }
      const until = seen.get(jti);
      if (until !== undefined && until > now) return false;
      seen.set(jti, expiresAt);
      return true;
    },
  };
}
