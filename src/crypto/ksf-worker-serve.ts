/**
 * The worker side of `zerovault/ksf-worker`: answers stretch requests from
 * `createWorkerKsf` by running the same {@link argon2id} the client runs in
 * its own thread, so the output is identical.
 *
 * Nothing in a request is trusted: the profile is checked against the same
 * floor and ceiling as on the client, before any work. Requests run one at a
 * time (a worker has one thread anyway, and this bounds its memory to one
 * profile); the input is wiped after use and the output's buffer is
 * transferred, so no copy stays in the worker's heap.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { isBytes } from './assert.js';
import { wipe } from './bytes.js';
import { argon2id } from './ksf.js';
import { KSF_MESSAGE_TYPE, errorReply, ksfMessageId, parseKsfRequest, type KsfReplyMessage } from './ksf-worker-messages.js';

/**
 * Where {@link serveKsf} listens and answers: a dedicated worker's global
 * scope (the default), or a `MessagePort` (e.g. one handed to a Node
 * `worker_threads` worker).
 */
export interface KsfWorkerScope {
  // `object`, not an event type: DOM and Node `MessageEvent`s both fit.
  addEventListener(type: 'message', listener: (event: object) => void): void;
  removeEventListener(type: 'message', listener: (event: object) => void): void;
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  /** A `MessagePort` needs it before it delivers messages; a worker scope has none. */
  start?(): void;
}

/**
 * Answers one message of the protocol. Exported for tests; apps call
 * {@link serveKsf}.
 *
 * @returns the reply and the buffers to transfer, or `undefined` for a
 *   message that is not a KSF request (another protocol's, or one without a
 *   valid id, which no caller could be waiting for)
 */
export async function answerKsfRequest(data: unknown): Promise<{ reply: KsfReplyMessage; transfer: ArrayBuffer[] } | undefined> {
  const id = ksfMessageId(data);
  if (id === undefined || 'output' in (data as object) || 'error' in (data as object)) return undefined;
  // The structured clone gave this worker its own copy of the input: ours to
  // wipe, whether or not the request turns out valid.
  const { input } = data as { input?: unknown };
  try {
    const job = parseKsfRequest(data as object);
    const { output } = await argon2id(job.input, job.params, { outputLength: job.outputLength, implementation: job.implementation });
    const owned = ownBuffer(output);
    return { reply: { type: KSF_MESSAGE_TYPE, id, output: owned }, transfer: [owned.buffer as ArrayBuffer] };
  } catch (err) {
    return { reply: errorReply(id, err), transfer: [] };
  } finally {
    if (isBytes(input)) wipe(input);
  }
}

/**
 * `bytes` on a buffer of its own, so that transferring the buffer moves
 * exactly these bytes and nothing else; a copy is made (and the original
 * wiped) only when `bytes` is a view into a larger or shared buffer.
 */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const copy = bytes.slice();
  wipe(bytes);
  return copy;
}

/**
 * Starts answering KSF requests in this worker. Call it once, at the top of
 * the worker's module:
 *
 * ```ts
 * // ksf.worker.ts
 * import { serveKsf } from 'zerovault/ksf-worker'
 * serveKsf()
 * ```
 *
 * Messages of other protocols are ignored, so the same worker may serve the
 * app's own messages too.
 *
 * @param scope - default: the worker's global scope; in a Node
 *   `worker_threads` worker, pass a `MessagePort` (e.g. from `workerData`)
 * @returns a function that stops listening
 * @throws `UNSUPPORTED` when called without `scope` outside a worker (e.g. on
 *   a page's main thread, which is the thread this helper exists to spare)
 */
export function serveKsf(scope?: KsfWorkerScope): () => void {
  const target = scope ?? workerScope();
  let queue: Promise<void> = Promise.resolve();
  const listener = (event: object): void => {
    const { data } = event as { data?: unknown };
    // Chained, so requests run one at a time; a failure never breaks the chain.
    queue = queue.then(() => answer(target, data)).catch(() => undefined);
  };
  target.addEventListener('message', listener);
  target.start?.();
  return () => target.removeEventListener('message', listener);
}

/** Answers `data` on `target`; if the reply cannot be posted, posts a `WORKER` error so the caller is not left waiting. */
async function answer(target: KsfWorkerScope, data: unknown): Promise<void> {
  const answered = await answerKsfRequest(data);
  if (answered === undefined) return;
  try {
    target.postMessage(answered.reply, answered.transfer);
  } catch (err) {
    if ('output' in answered.reply) wipe(answered.reply.output);
    target.postMessage(errorReply(answered.reply.id, new ZeroVaultError('WORKER', 'the KSF worker could not post its reply', { cause: err })), []);
  }
}

/** The dedicated worker's global scope, or `UNSUPPORTED` anywhere else. */
function workerScope(): KsfWorkerScope {
  const scope = globalThis as unknown as Partial<KsfWorkerScope> & { document?: unknown };
  if (scope.document !== undefined || typeof scope.postMessage !== 'function' || typeof scope.addEventListener !== 'function') {
    throw new ZeroVaultError('UNSUPPORTED', 'serveKsf must run in a worker (or be given a MessagePort)');
  }
  return scope as KsfWorkerScope;
}
