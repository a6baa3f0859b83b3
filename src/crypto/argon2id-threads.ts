/**
 * Argon2id (RFC 9106) with its lanes on threads: the segments of one slice
 * never reference each other (§3.4), so with p lanes and T threads each
 * thread fills p/T segments of a slice, and the threads meet at a barrier
 * before the next slice. At the default profile (t=3, p=4, 64 MiB) that is
 * 12 barriers, each after 4 MiB of work per lane.
 *
 * Where it runs: wherever `#threads` gives threads (threads-node.ts,
 * threads-web.ts) and there are at least two of them. Every thread runs the
 * same segment kernel as the one-thread route, built over a shared
 * `WebAssembly.Memory` (wasm/argon2id-threads.wasm): H0, the first blocks and
 * the tag run on the calling thread, which then only waits, so a page's or
 * a server's event loop keeps running while the lanes fill.
 *
 * Memory layout (bytes of the shared memory): the first 64 KiB page holds
 * three counters (the barrier's arrivals and generation, the threads done);
 * then one 64 KiB stack per thread (the kernel's stack pointer is a
 * per-instance global, set by each thread to its own); then a page with
 * 4 KiB of scratch blocks per thread (the data-independent indexing's
 * address block, its input and a zero block); then the Argon2 blocks. All
 * of it is zeroed before a call returns, as on the one-thread route, and a
 * memory grown past {@link RETAIN_MAX_BYTES} is dropped.
 *
 * Failure is never the caller's problem beyond a slower call: a thread that
 * cannot start, crashes or outlives {@link JOB_TIMEOUT_MS} stops the whole
 * pool, and the call rejects so that `ksf.ts` computes it on one thread. A
 * pool that failed is not started again in this realm.
 *
 * @module
 */
import { platformThreads } from '#threads';
import { ARGON2_KERNEL_THREADS } from './argon2id-threads-bytes.js';
import { BLOCK, PAGE, RETAIN_MAX_BYTES, finalTag, laneLength, seedLanes, type Argon2idInput } from './argon2id-blocks.js';
import { fromBase64url } from './bytes.js';
import type { Thread, Threads } from './threads.js';

/** At most this many threads (the KSF ceiling's lane count): the scratch blocks of 16 fill one page. */
export const MAX_THREADS = 16;
/** A call that takes longer stops the pool (the ceiling profile takes seconds, not minutes). */
export const JOB_TIMEOUT_MS = 120_000;
/** A thread that has not loaded the kernel by then is taken as refused. */
export const START_TIMEOUT_MS = 10_000;
/** Pages the threads build declares as its maximum (wasm/build.sh: 2 GiB + 64 MiB). */
const MAX_PAGES = 33_792;
/** Scratch bytes per thread: the address block, its input and a zero block, rounded to 4 KiB. */
const SCRATCH = 4 * BLOCK;

/**
 * What each thread runs, as source (see {@link Threads.spawn}): it loads the
 * kernel over the shared memory, moves its stack pointer to its own stack,
 * then fills its lanes slice by slice, waiting at a barrier of two counters
 * (arrivals, generation) after each slice but the last. Plain ES2017, no
 * outer bindings: it is evaluated in the thread as it is written here.
 */
const THREAD_HANDLER = `() => {
  let fill;
  let control;
  return (message, reply) => {
    if (message.type === 'init') {
      const { exports } = new WebAssembly.Instance(message.module, { env: { memory: message.memory } });
      exports.__stack_pointer.value = message.stack;
      fill = exports.fill_segment;
      control = new Int32Array(message.memory.buffer, 0, 3);
      reply({ type: 'ready' });
      return;
    }
    const { thread, threads, lanes, laneLength, passes, blocks, scratch } = message;
    for (let pass = 0; pass < passes; pass++) {
      for (let slice = 0; slice < 4; slice++) {
        for (let lane = thread; lane < lanes; lane += threads) fill(blocks, lanes, laneLength, passes, pass, slice, lane, scratch, scratch + 1024);
        if (pass === passes - 1 && slice === 3) break;
        const generation = Atomics.load(control, 1);
        if (Atomics.add(control, 0, 1) === threads - 1) {
          Atomics.store(control, 0, 0);
          Atomics.add(control, 1, 1);
          Atomics.notify(control, 1);
        } else {
          while (Atomics.load(control, 1) === generation) Atomics.wait(control, 1, generation);
        }
      }
    }
    Atomics.add(control, 2, 1);
    reply({ type: 'done' });
  };
}`;

/** Argon2id on threads: what {@link loadArgon2idThreads} returns. */
export interface Argon2idThreads {
  /** Threads in the pool; a call with p lanes uses min(p, threads) of them. */
  readonly threads: number;
  /**
   * RFC 9106 Argon2id with the lanes on threads; calls queue, one at a time.
   * The caller has validated the parameters (m ≥ 8p, lengths).
   *
   * @throws when a thread fails or the call times out: the pool is then stopped for good, and the caller computes on one thread
   */
  hash(input: Argon2idInput): Promise<Uint8Array>;
  /** The shared memory kept for the next call, if any: for the tests that check it is wiped. */
  readonly memory: WebAssembly.Memory | undefined;
}

/** One thread of the pool and the reply it is waiting for. */
interface Member {
  readonly thread: Thread;
  waiting: { resolve: () => void; reject: (cause: unknown) => void } | undefined;
}

/** The control word (an Int32 index in the first page, after the barrier's two) that counts the threads done. */
const FINISHED = 2;

class Pool implements Argon2idThreads {
  readonly threads: number;
  readonly #members: readonly Member[];
  #memory: WebAssembly.Memory | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #stopped: Error | undefined;
  #stopping: Promise<void> | undefined;

  readonly #wipe: (at: number, length: number) => void;

  constructor(members: readonly Member[], memory: WebAssembly.Memory, wipe: (at: number, length: number) => void) {
    this.threads = members.length;
    this.#members = members;
    this.#memory = memory;
    this.#wipe = wipe;
  }

  get memory(): WebAssembly.Memory | undefined {
    return this.#memory;
  }

  hash(input: Argon2idInput): Promise<Uint8Array> {
    const run = this.#queue.then(() => this.#run(input));
    this.#queue = run.catch(() => {});
    return run;
  }

  /** A thread failed: stop the pool, and start none again in this realm. */
  fail(cause: unknown): Promise<void> {
    poolFailed = true;
    return this.#stop(cause);
  }

  /** Stops every thread (once: later calls get the same promise), rejecting whatever waits on one, then wipes and drops the memory. */
  #stop(cause: unknown): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopped = cause instanceof Error ? cause : new Error('Argon2id threads stopped', { cause });
      for (const member of this.#members) member.waiting?.reject(cause);
      await Promise.all(this.#members.map((member) => member.thread.terminate().catch(() => {})));
      // Only now, with every thread stopped, can the memory be wiped for good.
      const memory = this.#memory;
      this.#memory = undefined;
      if (memory !== undefined) this.#wipe(0, memory.buffer.byteLength);
    })();
    return this.#stopping;
  }

  async #run(p: Argon2idInput): Promise<Uint8Array> {
    if (this.#stopped !== undefined) throw this.#stopped;
    const memory = this.#memory as WebAssembly.Memory;
    // After the control page and the stacks, one page of scratch blocks, then the Argon2 blocks.
    const scratch = PAGE * (1 + this.threads);
    const blocks = scratch + PAGE;
    const q = laneLength(p);
    const end = blocks + p.parallelism * q * BLOCK;
    const missing = Math.ceil((end - memory.buffer.byteLength) / PAGE);
    if (missing > 0) memory.grow(missing);
    const threads = Math.min(p.parallelism, this.threads);
    const members = this.#members.slice(0, threads);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      seedLanes(new Uint8Array(memory.buffer), blocks, p);
      const done = Promise.all(
        members.map(
          (member, thread) =>
            new Promise<void>((resolve, reject) => {
              member.waiting = { resolve, reject };
              member.thread.hold(true);
              member.thread.post({ type: 'job', thread, threads, lanes: p.parallelism, laneLength: q, passes: p.iterations, blocks, scratch: scratch + thread * SCRATCH });
            }),
        ),
      );
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('Argon2id threads timed out')), JOB_TIMEOUT_MS);
      });
      try {
        await Promise.race([done, timeout]);
        // Each thread counted itself done with an atomic add after its last write: this load orders those writes before our reads.
        if (Atomics.load(new Int32Array(memory.buffer, 0, 3), FINISHED) !== threads) throw new Error('Argon2id threads lost count');
      } catch (cause) {
        await this.fail(cause);
        throw cause;
      }
      return finalTag(new Uint8Array(memory.buffer), blocks, p);
    } finally {
      clearTimeout(timer);
      for (const member of members) {
        member.waiting = undefined;
        member.thread.hold(false);
      }
      if (this.#memory === memory) {
        this.#wipe(0, end);
        // A memory cannot shrink: past the limit, the pool goes, and the next call starts a fresh one.
        if (memory.buffer.byteLength > RETAIN_MAX_BYTES) {
          pool = undefined;
          await this.#stop(new Error('the pool released its memory'));
        }
      }
    }
  }
}

/** Starts `count` threads over a fresh shared memory, each with the kernel loaded and its own stack. */
async function startPool(platform: Threads, count: number): Promise<Pool> {
  const module = await WebAssembly.compile(fromBase64url(ARGON2_KERNEL_THREADS) as Uint8Array<ArrayBuffer>);
  const memory = new WebAssembly.Memory({ initial: 3 + count, maximum: MAX_PAGES, shared: true });
  // The calling thread's own instance, for the kernel's `wipe` only (which uses no stack, so the
  // instance's default stack pointer, into the control page, is never used). Made before the threads,
  // so that nothing is awaited between their last "ready" and the pool taking over their failures.
  const { exports } = await WebAssembly.instantiate(module, { env: { memory } });
  const wipe = exports.wipe as (at: number, length: number) => void;
  const members: Member[] = [];
  const started: { pool?: Pool } = {};
  let ready = 0;
  let settle: (failure?: Error) => void = () => {};
  const starting = new Promise<void>((resolve, reject) => {
    settle = (failure) => (failure === undefined ? resolve() : reject(failure));
  });
  const fail = (cause: unknown): void => {
    if (started.pool !== undefined) void started.pool.fail(cause);
    else settle(cause instanceof Error ? cause : new Error('an Argon2id thread failed', { cause }));
  };
  const onMessage = (member: Member | undefined, value: unknown): void => {
    const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
    if (type === 'ready' && started.pool === undefined) {
      if (++ready === count) settle();
    } else if (type === 'done' && member?.waiting !== undefined) {
      const { resolve } = member.waiting;
      member.waiting = undefined;
      resolve();
    } else {
      fail(new Error('unexpected message from an Argon2id thread'));
    }
  };
  const timer = setTimeout(() => settle(new Error('Argon2id threads did not start')), START_TIMEOUT_MS);
  try {
    for (let k = 0; k < count; k++) {
      const thread = platform.spawn(THREAD_HANDLER, { message: (value) => onMessage(members[k], value), failure: fail });
      members.push({ thread, waiting: undefined });
      thread.post({ type: 'init', module, memory, stack: PAGE * (2 + k) });
    }
    await starting;
  } catch (cause) {
    await Promise.all(members.map((member) => member.thread.terminate().catch(() => {})));
    throw cause;
  } finally {
    clearTimeout(timer);
  }
  started.pool = new Pool(members, memory, wipe);
  return started.pool;
}

let pool: Promise<Pool> | undefined;
let poolFailed = false;

/**
 * The pool, started on first use with min(`lanes`, cores, 16) threads and
 * kept (a later call with more lanes than threads gives each thread several):
 * `undefined` where the platform has no threads (a browser page that is not
 * cross-origin isolated, one core), where starting them failed (a CSP that
 * refuses `blob:` workers), or after a pool failed. Threads idle between
 * calls and, in Node, never keep the process alive.
 */
export async function loadArgon2idThreads(lanes: number = MAX_THREADS): Promise<Argon2idThreads | undefined> {
  if (poolFailed) return undefined;
  if (pool === undefined) {
    const platform = platformThreads();
    const count = Math.min(platform?.count ?? 1, lanes, MAX_THREADS);
    if (platform === undefined || count < 2) return undefined;
    const starting = startPool(platform, count);
    pool = starting;
    starting.catch(() => {
      poolFailed = true;
    });
  }
  try {
    return await pool;
  } catch {
    return undefined;
  }
}
