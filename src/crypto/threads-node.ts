/**
 * {@link Threads} on Node's `worker_threads` (the `#threads` condition's
 * Node side): each thread is a Worker evaluating its handler's source, so
 * there is no file to resolve from the bundle.
 *
 * Idle threads are unreferenced, so a pool of them never keeps a process
 * alive after its work is done; a thread is referenced while it works, so a
 * script that awaits an Argon2id call is not left to exit halfway.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Thread, ThreadEvents, Threads } from './threads.js';

/** The platform's threads for `#threads`: Node has them everywhere. */
export function platformThreads(): Threads | undefined {
  return NODE_THREADS;
}

const NODE_THREADS: Threads = Object.freeze({
  count: availableParallelism(),
  spawn(handler: string, events: ThreadEvents): Thread {
    const source = `const { parentPort } = require('node:worker_threads');
const handle = (${handler})();
parentPort.on('message', (message) => handle(message, (reply) => parentPort.postMessage(reply)));`;
    // No inherited flags: the parent's loaders (`--import`) or `--input-type=module` would make this
    // CommonJS source fail or start slower, and the handler needs none of them.
    const worker = new Worker(source, { eval: true, execArgv: [] });
    worker.unref();
    let stopped = false;
    worker.on('message', (value: unknown) => events.message(value));
    worker.on('error', (cause: unknown) => events.failure(cause));
    worker.on('exit', () => {
      if (!stopped) events.failure(new Error('the thread exited'));
    });
    return {
      post: (message) => worker.postMessage(message),
      hold: (busy) => (busy ? worker.ref() : worker.unref()),
      terminate: async () => {
        stopped = true;
        await worker.terminate();
      },
    };
  },
});
