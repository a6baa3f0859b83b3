/**
 * `sharedSync` (backend-node-sync.ts): the fsync a nonce batch waits for before its
 * answers. What the SQLite store's durability rests on: a caller's promise
 * settles only after an fsync that *started* after its call, concurrent
 * callers share one, and a failed fsync fails every later call too.
 */
import { describe, expect, test } from 'vitest';
import { sharedSync, type Fsync } from '../../src/crypto/backend-node-sync.js';

/** A fake fsync whose calls the test finishes by hand. */
function manualFsync(): { fsync: Fsync; started: number; finish(err?: Error): void } {
  const pending: ((err: Error | null) => void)[] = [];
  const state = {
    started: 0,
    fsync: ((callback) => {
      state.started++;
      pending.push(callback);
    }) as Fsync,
    finish(err?: Error) {
      const next = pending.shift();
      if (next === undefined) throw new Error('no fsync running');
      next(err ?? null);
    },
  };
  return state;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('sharedSync', () => {
  test('a call settles only once an fsync that started after it is done', async () => {
    const fake = manualFsync();
    const sync = sharedSync(fake.fsync);
    let first = false;
    const a = sync().then(() => (first = true));
    await tick();
    expect(fake.started).toBe(1);
    expect(first).toBe(false);
    // Called while the first runs: the running fsync may have missed this caller's writes.
    let second = false;
    const b = sync().then(() => (second = true));
    fake.finish();
    await a;
    await tick();
    expect(second).toBe(false);
    expect(fake.started).toBe(2);
    fake.finish();
    await b;
    expect(second).toBe(true);
  });

  test('callers that arrive while one fsync runs share the next one', async () => {
    const fake = manualFsync();
    const sync = sharedSync(fake.fsync);
    const first = sync();
    const waiting = [sync(), sync(), sync()];
    fake.finish();
    await first;
    await tick();
    expect(fake.started).toBe(2);
    fake.finish();
    await Promise.all(waiting);
    expect(fake.started).toBe(2);
  });

  test('a failed fsync fails its callers and every later call, without another fsync', async () => {
    const fake = manualFsync();
    const sync = sharedSync(fake.fsync);
    const failed = sync();
    fake.finish(new Error('EIO'));
    await expect(failed).rejects.toThrow('EIO');
    await expect(sync()).rejects.toThrow('EIO');
    expect(fake.started).toBe(1);
  });
});
