/**
 * Group commit: the requests that arrive while the event loop does one round
 * are written in one transaction, so a durable commit (an fsync with SQLite's
 * `synchronous = FULL`, a WAL flush on PostgreSQL) is paid per round, not per
 * request. Each caller still waits for its own entry's commit: nothing is
 * acknowledged before it is durable, exactly as with one commit per entry.
 *
 * The flush runs in the loop's check phase (`setImmediate` where it exists),
 * after every request that the current round read has queued its entry; with
 * one connection a batch is one entry and costs what it did before.
 *
 * @module
 */

/** Writes a batch; the result holds one answer per entry, in order. Throwing fails every entry of the batch. */
export type BatchWriter<T, R> = (batch: readonly T[]) => R[] | Promise<R[]>;

/** Queues entries and writes each round's entries with one call of the writer. */
export interface GroupCommit<T, R> {
  /** Queues `entry`; resolves with its answer once its batch is committed. */
  add(entry: T): Promise<R>;
}

interface Waiting<T, R> {
  readonly entry: T;
  readonly done: (result: R) => void;
  readonly fail: (err: unknown) => void;
}

/** Runs `task` after the current round's I/O callbacks (Node, Bun, Deno: `setImmediate`; elsewhere a macrotask). */
function afterThisRound(task: () => void): void {
  const immediate = (globalThis as { setImmediate?: (task: () => void) => unknown }).setImmediate;
  if (typeof immediate === 'function') immediate(task);
  else setTimeout(task, 0);
}

/**
 * Creates a group commit over `write`. At most `concurrency` batches are
 * written at once (default 1, all a synchronous writer can use anyway); the
 * entries that arrive while they run wait and form the next batch.
 *
 * @param maxBatch - the most entries one call writes (a bound on one transaction's size)
 * @param concurrency - the most batches written at once (an asynchronous writer with a connection pool)
 */
export function groupCommit<T, R>(write: BatchWriter<T, R>, maxBatch = 512, concurrency = 1): GroupCommit<T, R> {
  let queue: Waiting<T, R>[] = [];
  let scheduled = false;
  let writing = 0;

  const schedule = (): void => {
    if (scheduled || writing >= concurrency || queue.length === 0) return;
    scheduled = true;
    afterThisRound(() => void flush());
  };

  const flush = async (): Promise<void> => {
    scheduled = false;
    if (writing >= concurrency || queue.length === 0) return;
    writing++;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    // More waiting than one batch holds, and room for another writer: it starts next round.
    schedule();
    try {
      const results = await write(batch.map((w) => w.entry));
      if (results.length !== batch.length) throw new Error('group commit: one result per entry');
      batch.forEach((w, i) => w.done(results[i] as R));
    } catch (err) {
      for (const w of batch) w.fail(err);
    } finally {
      writing--;
      // Entries that came while this batch was written form the next one.
      schedule();
    }
  };

  return {
    add: (entry) =>
      new Promise<R>((done, fail) => {
        queue.push({ entry, done, fail });
        schedule();
      }),
  };
}
