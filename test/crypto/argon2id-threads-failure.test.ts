/**
 * The lane threads fail without failing the call: a platform that refuses
 * threads (a CSP without `blob:` workers), a thread that errors while
 * starting, one that crashes mid-call (its partners are then stuck at the
 * barrier), one that never answers. Each time `argon2id` still returns the
 * right output, computed on one thread; the failed pool's shared memory is
 * zeroed; and no pool is started again. The platform is `#threads`,
 * replaced here by a wrapper around the real Node threads.
 */
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import type * as Ksf from '../../src/crypto/ksf.js';
import type * as NodeThreads from '../../src/crypto/threads-node.js';
import type { Thread, ThreadEvents, Threads } from '../../src/crypto/threads.js';

const platform = vi.hoisted(() => ({ current: undefined as Threads | undefined }));
vi.mock('#threads', () => ({ platformThreads: () => platform.current }));

const { platformThreads: nodeThreads } = await vi.importActual<typeof NodeThreads>('../../src/crypto/threads-node.js');
const real = nodeThreads() as Threads;

const PROFILE = { iterations: 2, memoryKiB: 1024, parallelism: 4 };
const INPUT = new Uint8Array(64).fill(5);
const EXPECTED = nobleArgon2id(INPUT, new Uint8Array(16), { t: 2, m: 1024, p: 4, dkLen: 64, version: 0x13 });

/** A fresh ksf.ts (and argon2id-threads.ts), so each test starts with no pool. */
async function freshKsf(): Promise<typeof Ksf> {
  vi.resetModules();
  return import('../../src/crypto/ksf.js');
}

/** Real Node threads, each passed to `tamper` with its index, which may replace what it does with a message. */
function wrapped(
  tamper: (k: number, message: { type: string; memory?: WebAssembly.Memory }, events: ThreadEvents, thread: Thread) => boolean,
  count = 2,
): { threads: Threads; spawned: () => number; memory: () => WebAssembly.Memory | undefined } {
  let spawned = 0;
  let memory: WebAssembly.Memory | undefined;
  return {
    threads: {
      count,
      spawn(handler, events) {
        const k = spawned++;
        const thread = real.spawn(handler, events);
        return {
          ...thread,
          post(message) {
            const m = message as { type: string; memory?: WebAssembly.Memory };
            memory ??= m.memory;
            if (!tamper(k, m, events, thread)) thread.post(message);
          },
        };
      },
    },
    spawned: () => spawned,
    memory: () => memory,
  };
}

beforeEach(() => {
  platform.current = undefined;
});
afterEach(() => {
  vi.useRealTimers();
});

test('the real platform: two threads fill the lanes and agree with @noble/hashes', async () => {
  platform.current = real;
  const { argon2idUnchecked } = await freshKsf();
  const result = await argon2idUnchecked(INPUT, PROFILE, { outputLength: 64 });
  expect(result.threads).toBe(2);
  expect(Buffer.from(result.output).equals(Buffer.from(EXPECTED))).toBe(true);
});

test('the pool has as many threads as the first call has lanes, at most the cores; more lanes share them', async () => {
  const probe = wrapped(() => false, 8);
  platform.current = probe.threads;
  const { argon2idUnchecked } = await freshKsf();
  expect((await argon2idUnchecked(INPUT, { ...PROFILE, parallelism: 2 }, { outputLength: 64 })).threads).toBe(2);
  expect(probe.spawned()).toBe(2);
  const result = await argon2idUnchecked(INPUT, PROFILE, { outputLength: 64 });
  expect(result.threads).toBe(2);
  expect(Buffer.from(result.output).equals(Buffer.from(EXPECTED))).toBe(true);
  expect(probe.spawned()).toBe(2);
});

test('threads: 1 keeps the lanes on the calling thread; p = 1 never starts a pool', async () => {
  const probe = wrapped(() => false);
  platform.current = probe.threads;
  const { argon2idUnchecked } = await freshKsf();
  expect((await argon2idUnchecked(INPUT, PROFILE, { outputLength: 64, threads: 1 })).threads).toBe(1);
  expect((await argon2idUnchecked(INPUT, { ...PROFILE, parallelism: 1 }, { outputLength: 64 })).threads).toBe(1);
  expect(probe.spawned()).toBe(0);
});

test('no threads on the platform (a page that is not cross-origin isolated): one thread, same output', async () => {
  const { argon2idUnchecked } = await freshKsf();
  const result = await argon2idUnchecked(INPUT, PROFILE, { outputLength: 64 });
  expect(result).toMatchObject({ implementation: 'wasm', threads: 1 });
  expect(Buffer.from(result.output).equals(Buffer.from(EXPECTED))).toBe(true);
});

test('a platform that refuses the thread (a CSP without blob: workers): one thread, and no second attempt', async () => {
  let attempts = 0;
  platform.current = {
    count: 4,
    spawn() {
      attempts++;
      throw new Error('Refused to create a worker (CSP)');
    },
  };
  const { argon2idUnchecked } = await freshKsf();
  for (let i = 0; i < 2; i++) {
    const result = await argon2idUnchecked(INPUT, PROFILE, { outputLength: 64 });
    expect(result.threads).toBe(1);
    expect(Buffer.from(result.output).equals(Buffer.from(EXPECTED))).toBe(true);
  }
  expect(attempts).toBe(1);
});

test('a thread that fails while starting: the others are stopped, one thread computes', async () => {
  const probe = wrapped((k, message, events) => {
    if (k === 1 && message.type === 'init') {
      setTimeout(() => events.failure(new Error('script error')), 1);
      return true;
    }
    return false;
  });
  platform.current = probe.threads;
  const { argon2idUnchecked } = await freshKsf();
  const result = await argon2idUnchecked(INPUT, PROFILE, { outputLength: 64 });
  expect(result.threads).toBe(1);
  expect(Buffer.from(result.output).equals(Buffer.from(EXPECTED))).toBe(true);
});

test('a thread that crashes mid-call: its partner is released from the barrier, the memory is zeroed, one thread computes, no pool again', async () => {
  let crashes = 0;
  const probe = wrapped((k, message, events, thread) => {
    if (k === 1 && message.type === 'job' && crashes++ === 1) {
      // Thread 0 gets its job and waits at the first barrier for a partner that is gone.
      void thread.terminate();
      setTimeout(() => events.failure(new Error('the thread exited')), 5);
      return true;
    }
    return false;
  });
  platform.current = probe.threads;
  const { argon2idUnchecked } = await freshKsf();
  expect((await argon2idUnchecked(INPUT, PROFILE, { outputLength: 64 })).threads).toBe(2); // the first call is whole
  const result = await argon2idUnchecked(INPUT, PROFILE, { outputLength: 64 });
  expect(result.threads).toBe(1);
  expect(Buffer.from(result.output).equals(Buffer.from(EXPECTED))).toBe(true);
  const memory = probe.memory();
  expect(memory).toBeDefined();
  expect(new Uint32Array((memory as WebAssembly.Memory).buffer).every((word) => word === 0)).toBe(true);
  expect((await argon2idUnchecked(INPUT, PROFILE, { outputLength: 64 })).threads).toBe(1);
  expect(probe.spawned()).toBe(2);
});

test('a call the threads never finish times out (120 s), and one thread computes it', async () => {
  const { JOB_TIMEOUT_MS } = await import('../../src/crypto/argon2id-threads.js');
  let jobs = 0;
  const probe = wrapped((_, message) => message.type === 'job' && ++jobs > 0); // jobs are swallowed: no thread ever answers
  platform.current = probe.threads;
  const { argon2idUnchecked } = await freshKsf();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const call = argon2idUnchecked(INPUT, PROFILE, { outputLength: 64 });
  // The pool starts on real messages; once both jobs are out, only the (fake) timer can end the call.
  await vi.waitFor(() => expect(jobs).toBe(2), { timeout: 5000, interval: 20 });
  await vi.advanceTimersByTimeAsync(JOB_TIMEOUT_MS - 1);
  const early = await Promise.race([call.then(() => 'settled'), new Promise((resolve) => setImmediate(() => resolve('pending')))]);
  expect(early).toBe('pending');
  await vi.advanceTimersByTimeAsync(1);
  const result = await call;
  expect(result.threads).toBe(1);
  expect(Buffer.from(result.output).equals(Buffer.from(EXPECTED))).toBe(true);
});

test('the argument: threads must be 1 when given', async () => {
  const { argon2idUnchecked } = await freshKsf();
  await expect(argon2idUnchecked(INPUT, PROFILE, { outputLength: 64, threads: 2 as 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
});

test('a threads chunk that cannot load (offline, replaced by a deploy): one thread, not a NETWORK failure', async () => {
  platform.current = real;
  vi.doMock('../../src/crypto/argon2id-threads.js', () => {
    throw new TypeError('Failed to fetch dynamically imported module');
  });
  try {
    const { argon2idUnchecked } = await freshKsf();
    const result = await argon2idUnchecked(INPUT, PROFILE, { outputLength: 64 });
    expect(result.threads).toBe(1);
    expect(Buffer.from(result.output).equals(Buffer.from(EXPECTED))).toBe(true);
  } finally {
    vi.doUnmock('../../src/crypto/argon2id-threads.js');
  }
});
