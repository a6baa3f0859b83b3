/**
 * Threads for the Argon2id lanes (argon2id-threads.ts), behind the `#threads`
 * import condition, as the crypto backend is behind `#backend`: Node runs a
 * `worker_threads` Worker (threads-node.ts); browsers, Deno and Bun run a
 * Web Worker, and only in a cross-origin-isolated context, the one where
 * `SharedArrayBuffer` exists (threads-web.ts).
 *
 * A thread runs a handler given as source text, not a module URL: the
 * handler is a few lines over a WebAssembly module and a shared memory that
 * the caller posts to it, so there is no file for an app's bundler to find,
 * copy and serve. In browsers that makes it a `blob:` worker, which a
 * Content-Security-Policy must allow (`worker-src 'self' blob:`); where it
 * is refused, the lanes run one after another on the calling thread, with
 * the same result.
 *
 * This is a seam of its own rather than a member of the crypto backend so
 * that the KSF, which also runs inside `zerovault/ksf-worker`'s small
 * worker bundle, never pulls in the backend.
 *
 * @module
 */

/** What a thread's owner hears from it. */
export interface ThreadEvents {
  /** A message the handler replied with. */
  message(value: unknown): void;
  /** The thread failed to start, threw, or exited: it will not reply again. */
  failure(cause: unknown): void;
}

/** One running thread. */
export interface Thread {
  /** Posts `message` (structured clone: a `WebAssembly.Module` and a shared `WebAssembly.Memory` pass as they are). */
  post(message: unknown): void;
  /** Whether the thread keeps a Node process alive: held while it works, released while it idles. A no-op in browsers. */
  hold(busy: boolean): void;
  /** Stops the thread; resolves once it can no longer run. */
  terminate(): Promise<void>;
}

/** The platform's threads, where it has them. */
export interface Threads {
  /** How many threads can run at once (the logical cores the runtime reports). */
  readonly count: number;
  /**
   * Starts a thread running `handler`: the source text of a function
   * expression `() => (message, reply) => void`, called once in the thread
   * to make the message handler. It must reference no outer binding.
   *
   * @throws whatever the platform throws when it refuses the thread (e.g. a CSP that forbids `blob:` workers)
   */
  spawn(handler: string, events: ThreadEvents): Thread;
}
