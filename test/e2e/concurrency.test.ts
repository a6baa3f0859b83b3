/**
 * No lost update under concurrency:
 *
 * - 20 SDK clients (sessions of one user) over loopback HTTP and SQLite
 *   hammer the same records, with read-modify-write increments and blind
 *   overwrites. Every acknowledged write has its own version, the final
 *   state is the last acknowledged write, and the counter counts every
 *   acknowledged increment.
 * - fast-check's scheduler explores interleavings of two sessions'
 *   conditional writes to one record on `memoryStore`: the order in which
 *   each store call runs and returns is chosen by the scheduler.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, type Session, type Vault } from '../../src/client/index.js';
import { isZeroVaultError } from '../../src/errors.js';
import { createServer, memoryServerStore } from '../../src/server/index.js';
import { memoryStore } from '../../src/store/memory.js';
import type { BlobStore, DeleteOptions, ListOptions, PutOptions } from '../../src/store/types.js';
import { SETUP, TEST_KSF, sdk, startServer, type Running } from './helpers.js';

const CLIENTS = 20;
const INCREMENTS = 3;
const OVERWRITES = 3;
const DEADLINE_MS = 45_000;

interface Ack {
  readonly id: string;
  readonly version: number;
  readonly payload: string;
}

/**
 * Read-modify-write of a JSON counter with a conditional write, retried on
 * CONFLICT (bounded), with a small random backoff as a real client would
 * use: twenty clients retrying in lockstep mostly collide again, and on a
 * loaded machine that alone can run out the deadline.
 */
async function increment(vault: Vault, id: string, acks: Ack[], tag: string, deadline: number): Promise<number> {
  for (let attempt = 0; attempt < 500 && Date.now() < deadline; attempt++) {
    let current: { value: { n: number; by: string[] }; version: number } | null = null;
    try {
      current = await vault.getJson<{ n: number; by: string[] }>(id);
    } catch (err) {
      if (!isZeroVaultError(err, 'NOT_FOUND')) throw err;
    }
    const next = { n: (current?.value.n ?? 0) + 1, by: [...(current?.value.by ?? []), tag] };
    try {
      const { version } = await vault.putJson(id, next, { ifVersion: current === null ? null : current.version });
      acks.push({ id, version, payload: JSON.stringify(next) });
      return attempt;
    } catch (err) {
      if (!isZeroVaultError(err, 'CONFLICT')) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * (attempt + 1))));
  }
  throw new Error('increment did not get through before the deadline');
}

describe('20 clients over HTTP + SQLite', () => {
  let running: Running;
  let sessions: Session[];

  beforeAll(async () => {
    running = await startServer({ userLoginLimit: { capacity: 100, refillMs: 1000 } });
    const first = await sdk(running).register({ userId: 'team', password: 'pw-team' });
    await first.vault('shared');
    await first.logout();
    sessions = [];
    for (let i = 0; i < CLIENTS; i += 5) {
      sessions.push(...(await Promise.all(Array.from({ length: 5 }, () => sdk(running).login({ userId: 'team', password: 'pw-team' })))));
    }
  });
  afterAll(async () => {
    await running.close();
  });

  test('no acknowledged write is lost; the final state is the last acknowledged write', async () => {
    const deadline = Date.now() + DEADLINE_MS;
    const vaults = await Promise.all(sessions.map((s) => s.vault('shared')));
    const acks: Ack[] = [];
    const refused: string[] = [];
    let retries = 0;
    await Promise.all(
      vaults.map(async (vault, c) => {
        for (let i = 0; i < Math.max(INCREMENTS, OVERWRITES); i++) {
          if (i < INCREMENTS) retries += await increment(vault, 'counter', acks, `${c}.${i}`, deadline);
          if (i < OVERWRITES) {
            const id = i % 2 === 0 ? 'blind-a' : 'blind-b';
            const payload = `client ${c} write ${i}`;
            try {
              const { version } = await vault.put(id, new TextEncoder().encode(payload));
              acks.push({ id, version, payload });
            } catch (err) {
              // An overwrite that keeps losing the race gives up with CONFLICT: not acknowledged, so not counted.
              if (!isZeroVaultError(err, 'CONFLICT')) throw err;
              refused.push(payload);
            }
          }
        }
      }),
    );
    expect(Date.now()).toBeLessThan(deadline);

    const reader = await sdk(running).login({ userId: 'team', password: 'pw-team' });
    const vault = await reader.vault('shared');
    for (const id of ['counter', 'blind-a', 'blind-b']) {
      const mine = acks.filter((a) => a.id === id);
      const versions = mine.map((a) => a.version);
      expect(new Set(versions).size, `${id}: every acknowledged write has its own version`).toBe(versions.length);
      const last = mine.reduce((a, b) => (b.version > a.version ? b : a));
      const final = await vault.get(id);
      expect(final.version, `${id}: the final version is the last acknowledged one`).toBe(last.version);
      expect(new TextDecoder().decode(final.data)).toBe(last.payload);
    }
    const counter = await vault.getJson<{ n: number; by: string[] }>('counter');
    expect(counter.value.n).toBe(CLIENTS * INCREMENTS);
    expect(new Set(counter.value.by).size).toBe(CLIENTS * INCREMENTS);
    expect(acks.filter((a) => a.id !== 'counter').length + refused.length).toBe(CLIENTS * OVERWRITES);
    expect(retries).toBeGreaterThan(0); // the race was real
    await reader.logout();
  });

  test('the 20 sessions log out (one after another: all at once, see logout-revocation.test.ts) and are revoked', async () => {
    for (const s of sessions) await s.logout();
    expect(running.events.filter((e) => e.type === 'logout')).toHaveLength(CLIENTS + 2);
    const fresh = await sdk(running).login({ userId: 'team', password: 'pw-team' });
    expect((await (await fresh.vault('shared')).getJson<{ n: number }>('counter')).value.n).toBe(CLIENTS * INCREMENTS);
    await fresh.logout();
  });
});

describe('fast-check scheduler: two sessions, one record, memoryStore', () => {
  const base = memoryStore();
  let current: BlobStore = base;
  // The sessions hold one store for life; each run swaps in a scheduled view of the same memory store.
  const proxy: BlobStore = {
    get: (vault, id) => current.get(vault, id),
    put: (vault, id, data, options?: PutOptions) => current.put(vault, id, data, options),
    delete: (vault, id, options?: DeleteOptions) => current.delete(vault, id, options),
    list: (vault, options?: ListOptions) => current.list(vault, options),
  };
  const server = createServer({ setup: SETUP, store: memoryServerStore(), basePath: '/zv' });
  const client = (): Client => new Client({ url: 'http://localhost/zv', fetch: (r) => server.fetch(r), store: proxy, ksf: TEST_KSF });
  let vaults: [Vault, Vault];

  beforeAll(async () => {
    const a = await client().register({ userId: 'sched', password: 'pw' });
    const b = await client().login({ userId: 'sched', password: 'pw' });
    vaults = [await a.vault('v'), await b.vault('v')];
  });

  /** A view of `store` in which every call starts, and returns, when the scheduler says. */
  function scheduled(s: fc.Scheduler, store: BlobStore): BlobStore {
    const gate = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
      await s.schedule(Promise.resolve(), `${label} starts`);
      const result = await run();
      await s.schedule(Promise.resolve(), `${label} returns`);
      return result;
    };
    return {
      get: (vault, id) => gate(`get ${id}`, () => store.get(vault, id)),
      put: (vault, id, data, options?: PutOptions) => gate(`put ${id} if ${String(options?.ifVersion)}`, () => store.put(vault, id, data, options)),
      delete: (vault, id, options?: DeleteOptions) => gate(`delete ${id}`, () => store.delete(vault, id, options)),
      list: (vault, options?: ListOptions) => gate(`list ${vault}`, () => store.list(vault, options)),
    };
  }

  test('read-modify-write with conditional writes never loses an increment', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), async (s, na, nb, seeded) => {
        const id = `r${run++}`;
        if (seeded) await vaults[0].putJson(id, { n: 0, by: [] });
        current = scheduled(s, base);
        const acks: Ack[] = [];
        const deadline = Date.now() + 10_000;
        const work = async (vault: Vault, n: number, tag: string): Promise<void> => {
          for (let i = 0; i < n; i++) await increment(vault, id, acks, `${tag}${i}`, deadline);
        };
        try {
          await s.waitFor(Promise.all([work(vaults[0], na, 'a'), work(vaults[1], nb, 'b')]));
        } finally {
          current = base;
        }
        const versions = acks.map((a) => a.version);
        expect(new Set(versions).size).toBe(versions.length);
        const final = await vaults[0].getJson<{ n: number; by: string[] }>(id);
        expect(final.value.n).toBe(na + nb);
        expect([...final.value.by].sort()).toEqual([...Array.from({ length: na }, (_, i) => `a${i}`), ...Array.from({ length: nb }, (_, i) => `b${i}`)].sort());
        expect(final.version).toBe(Math.max(...versions));
        // The other session reads the same final state (no ROLLBACK, no stale view).
        expect((await vaults[1].getJson<{ n: number }>(id)).value.n).toBe(na + nb);
      }),
      { numRuns: 60 },
    );
  });

  test('a blind overwrite racing a conditional write: the survivor is the write with the highest version', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (s) => {
        const id = `o${run++}`;
        const { version } = await vaults[0].put(id, new TextEncoder().encode('base'));
        current = scheduled(s, base);
        const outcomes: { payload: string; version: number }[] = [];
        const attempt = async (vault: Vault, payload: string, ifVersion?: number): Promise<void> => {
          try {
            const result = await vault.put(id, new TextEncoder().encode(payload), ifVersion === undefined ? {} : { ifVersion });
            outcomes.push({ payload, version: result.version });
          } catch (err) {
            if (!isZeroVaultError(err, 'CONFLICT')) throw err;
          }
        };
        try {
          await s.waitFor(Promise.all([attempt(vaults[0], 'conditional', version), attempt(vaults[1], 'blind'), attempt(vaults[1], 'blind again')]));
        } finally {
          current = base;
        }
        expect(outcomes.map((o) => o.payload)).toContain('blind');
        expect(new Set(outcomes.map((o) => o.version)).size).toBe(outcomes.length);
        const last = outcomes.reduce((a, b) => (b.version > a.version ? b : a));
        const final = await vaults[0].get(id);
        expect(final.version).toBe(last.version);
        expect(new TextDecoder().decode(final.data)).toBe(last.payload);
      }),
      { numRuns: 60 },
    );
  });
});
