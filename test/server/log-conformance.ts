/**
 * The security-log half of every server store (`LogStore`): appends take
 * only the next number (the first is 1), a lost race is `CONFLICT` and
 * writes nothing, reads page by `since` in order, bytes come back as stored,
 * and accounts never see each other's entries.
 */
import { describe, expect, test } from 'vitest';
import { toBase64url } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { logOf } from '../../src/server/log-store.js';
import type { LogStore, ServerStore } from '../../src/server/types.js';

const now = 1_800_000_000_000;

function logHalf(store: ServerStore): LogStore {
  const log = logOf(store);
  if (log === null) throw new Error('log methods missing');
  return log;
}

/** Runs the log conformance tests on `store`. */
export function logStoreConformance(name: string, store: ServerStore): void {
  describe(`${name} server store, security log`, () => {
    const user = (): string => `u-${toBase64url(randomBytes(6))}`;

    test('appends take the next number only; bytes come back as stored, in order', async () => {
      const log = logHalf(store);
      const id = user();
      expect(await log.lastLogEntry(id)).toBeNull();
      expect(await log.getLogEntries(id, 0, 10)).toEqual([]);
      await expect(log.appendLogEntry(id, 2, Uint8Array.of(2), now)).rejects.toMatchObject({ code: 'CONFLICT' });
      const entries = [randomBytes(40), randomBytes(1), randomBytes(300)];
      for (const [i, entry] of entries.entries()) await log.appendLogEntry(id, i + 1, entry, now);
      await expect(log.appendLogEntry(id, 3, Uint8Array.of(9), now)).rejects.toMatchObject({ code: 'CONFLICT' });
      await expect(log.appendLogEntry(id, 5, Uint8Array.of(9), now)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await log.getLogEntries(id, 0, 10)).toEqual(entries.map((entry, i) => ({ seq: i + 1, entry })));
      expect(await log.getLogEntries(id, 1, 1)).toEqual([{ seq: 2, entry: entries[1] }]);
      expect(await log.getLogEntries(id, 3, 10)).toEqual([]);
      expect(await log.lastLogEntry(id)).toEqual({ seq: 3, entry: entries[2] });
      expect(await log.getLogEntries(user(), 0, 10)).toEqual([]);
    });

    test('concurrent appends of one number: exactly one wins', async () => {
      const log = logHalf(store);
      const id = user();
      const results = await Promise.allSettled([1, 2, 3, 4].map((n) => log.appendLogEntry(id, 1, Uint8Array.of(n), now)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
      expect((await log.getLogEntries(id, 0, 10)).map((e) => e.seq)).toEqual([1]);
    });
  });
}
