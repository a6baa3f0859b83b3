/**
 * The page side of `zerovault/ksf-worker`: a {@link KsfRunner} that sends
 * each KSF call to a worker running `serveKsf`, so Argon2id's ~0.3–1 s of
 * synchronous WebAssembly never blocks the page's main thread.
 *
 * Calls carry ids, so concurrent logins work. The input is copied into a
 * fresh buffer that is transferred, not cloned, so the page keeps no copy;
 * the output's buffer is transferred back. What comes back is checked (its
 * length, its error code). A worker that fails to load or crashes fails
 * every pending and later call with `WORKER`; so do {@link WorkerKsf.terminate}
 * and a call that outlives `timeoutMs`.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertBytes, assertInteger, assertObject } from './assert.js';
import { wipe } from './bytes.js';
import type { KsfJob, KsfRunner } from './ksf-runner.js';
import { KSF_MESSAGE_TYPE, discardReply, ksfMessageId, replyError, replyOutput, type KsfRequestMessage } from './ksf-worker-messages.js';

/** A listener as {@link KsfWorkerLike} receives it: typed `object` so that DOM and Node `Event` types both fit. */
export type Listener = (event: object) => void;

/** The events {@link createWorkerKsf} listens to: replies, and the ways a worker or port dies. */
export type WorkerEvent = 'message' | 'messageerror' | 'error' | 'close';

/**
 * What {@link createWorkerKsf} talks to: a `Worker` (browsers, Deno, Bun) or a
 * `MessagePort` whose other end a worker serves (e.g. Node `worker_threads`:
 * `new MessageChannel()`, one port handed to the worker).
 */
export interface KsfWorkerLike {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: WorkerEvent, listener: Listener): void;
  removeEventListener(type: WorkerEvent, listener: Listener): void;
  /** A `Worker`'s: called by {@link WorkerKsf.terminate}. */
  terminate?(): unknown;
  /** A `MessagePort`'s: called by {@link WorkerKsf.terminate} when there is no `terminate`. */
  close?(): void;
  /** A `MessagePort`'s: it delivers no message before `start()`. */
  start?(): void;
}

/** Options of {@link createWorkerKsf}. */
export interface WorkerKsfOptions {
  /**
   * Longest wait for one call, in ms; then it fails with `WORKER`. Default
   * 120 000: the default profile takes well under 2 s, and this only catches
   * a worker that will never answer.
   */
  timeoutMs?: number;
}

/** What {@link createWorkerKsf} returns. */
export interface WorkerKsf {
  /** The runner: pass it as the `ksfRunner` option of `Client` or of the OPAQUE finish calls. */
  readonly run: KsfRunner;
  /**
   * Stops the worker (or closes the port) and fails every pending and later
   * call with `WORKER`. Use this rather than `worker.terminate()`, which
   * leaves pending calls waiting for their timeout.
   */
  terminate(): void;
}

const DEFAULT_TIMEOUT_MS = 120_000;

const FATAL = ['messageerror', 'error', 'close'] as const;

interface Pending {
  readonly resolve: (output: Uint8Array) => void;
  readonly reject: (err: ZeroVaultError) => void;
  readonly outputLength: number;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * Runs the KSF in `worker`, which must call `serveKsf()` from
 * `zerovault/ksf-worker`:
 *
 * ```ts
 * const ksf = createWorkerKsf(new Worker(new URL('./ksf.worker.js', import.meta.url), { type: 'module' }))
 * const client = new Client({ url, ksfRunner: ksf.run })
 * ```
 *
 * The client still pins the profile: the worker receives it, validated, with
 * each call, and checks it again before running.
 *
 * @throws `INVALID_INPUT` when `worker` is not worker-like or `timeoutMs` is not a positive integer
 */
export function createWorkerKsf(worker: KsfWorkerLike, options: WorkerKsfOptions = {}): WorkerKsf {
  if (typeof worker?.postMessage !== 'function' || typeof worker.addEventListener !== 'function' || typeof worker.removeEventListener !== 'function') {
    throw new ZeroVaultError('INVALID_INPUT', 'worker must be a Worker or a MessagePort');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  assertInteger(timeoutMs, 'timeoutMs', 1, 2 ** 31 - 1);
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let stopped: string | undefined;

  const settle = (id: number): Pending | undefined => {
    const call = pending.get(id);
    if (call === undefined) return undefined;
    pending.delete(id);
    clearTimeout(call.timer);
    return call;
  };

  const onMessage: Listener = (event) => {
    const { data } = event as { data?: unknown };
    const id = ksfMessageId(data);
    if (id === undefined) return; // another protocol's message
    const reply = data as object;
    const call = settle(id);
    if (call === undefined) {
      discardReply(reply); // late (timed out) or unknown: nobody will use it
      return;
    }
    if ('error' in reply) return call.reject(replyError(reply.error));
    const output = replyOutput(reply, call.outputLength);
    if (output === undefined) return call.reject(new ZeroVaultError('WORKER', 'the KSF worker sent a malformed reply'));
    call.resolve(output);
  };

  const stop = (why: string): void => {
    if (stopped !== undefined) return;
    stopped = why;
    for (const id of [...pending.keys()]) settle(id)?.reject(new ZeroVaultError('WORKER', why));
    worker.removeEventListener('message', onMessage);
    for (const type of FATAL) worker.removeEventListener(type, onFatal);
    if (typeof worker.terminate === 'function') worker.terminate();
    else worker.close?.();
  };
  // A script that fails to load or throws, a reply that cannot be
  // deserialized, a port whose other end is gone (a Node worker that exited):
  // the worker is unusable, and waiting would only hit the timeout.
  const onFatal: Listener = () => stop('the KSF worker failed');

  worker.addEventListener('message', onMessage);
  for (const type of FATAL) worker.addEventListener(type, onFatal);
  worker.start?.();

  const run = (job: KsfJob): Promise<Uint8Array> =>
    new Promise<Uint8Array>((resolve, reject) => {
      if (stopped !== undefined) return reject(new ZeroVaultError('WORKER', stopped));
      // Callable directly, not only through the client: the shape is checked
      // here (a throw rejects), the values again in the worker.
      assertObject(job, 'job');
      assertBytes(job.input, 'input');
      assertObject(job.params, 'params');
      const id = nextId++;
      // A fresh buffer of exactly these bytes, transferred: the page keeps no copy.
      const input = job.input.slice();
      const timer = setTimeout(() => settle(id)?.reject(new ZeroVaultError('WORKER', 'the KSF worker timed out')), timeoutMs);
      pending.set(id, { resolve, reject, outputLength: job.outputLength, timer });
      const { iterations, memoryKiB, parallelism } = job.params;
      const request: KsfRequestMessage = {
        type: KSF_MESSAGE_TYPE,
        id,
        input,
        params: { iterations, memoryKiB, parallelism },
        outputLength: job.outputLength,
        implementation: job.implementation,
      };
      try {
        worker.postMessage(request, [input.buffer]);
      } catch (cause) {
        wipe(input);
        settle(id)?.reject(new ZeroVaultError('WORKER', 'could not send to the KSF worker', { cause }));
      }
    });

  return { run, terminate: () => stop('the KSF worker was terminated') };
}
