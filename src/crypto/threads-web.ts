/**
 * {@link Threads} on Web Workers (the `#threads` condition everywhere but
 * Node): only where the context is cross-origin isolated, because a shared
 * `WebAssembly.Memory` exists only there. A page gets that with the
 * `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp` headers (docs/browser.md);
 * a worker inherits it from its page.
 *
 * Each thread is a module worker from a `blob:` URL made of its handler's
 * source, revoked once the thread has answered or failed.
 *
 * @module
 */
import type { Thread, ThreadEvents, Threads } from './threads.js';

/** The Web Worker API as this module uses it (typed here: no DOM library is assumed). */
interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: { data?: unknown; message?: unknown }) => void): void;
}

interface WebGlobals {
  readonly crossOriginIsolated?: boolean;
  readonly navigator?: { readonly hardwareConcurrency?: number };
  readonly Worker?: new (url: string, options: { type: 'module' }) => WebWorker;
}

/**
 * The platform's threads for `#threads`: Web Workers where the context is
 * cross-origin isolated and has more than one core, otherwise none.
 */
export function platformThreads(): Threads | undefined {
  const web = globalThis as WebGlobals;
  const Worker = web.Worker;
  const count = web.navigator?.hardwareConcurrency ?? 1;
  if (web.crossOriginIsolated !== true || typeof SharedArrayBuffer !== 'function' || Worker === undefined || !(count > 1)) return undefined;
  return {
    count,
    spawn(handler: string, events: ThreadEvents): Thread {
      const source = `const handle = (${handler})();
self.onmessage = (event) => handle(event.data, (reply) => self.postMessage(reply));`;
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      let revoked = false;
      const revoke = (): void => {
        if (!revoked) URL.revokeObjectURL(url);
        revoked = true;
      };
      let worker: WebWorker;
      try {
        worker = new Worker(url, { type: 'module' });
      } catch (cause) {
        revoke();
        throw cause;
      }
      worker.addEventListener('message', (event) => {
        revoke();
        events.message(event.data);
      });
      // A CSP that refuses the blob: URL, a script error, a message that cannot be read: the thread is lost.
      const fail = (event: { message?: unknown }): void => {
        revoke();
        events.failure(new Error(typeof event.message === 'string' ? event.message : 'the thread failed'));
      };
      worker.addEventListener('error', fail);
      worker.addEventListener('messageerror', fail);
      return {
        post: (message) => worker.postMessage(message),
        hold: () => {},
        terminate: async () => {
          revoke();
          worker.terminate();
        },
      };
    },
  };
}
