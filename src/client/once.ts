/**
 * A value built on first use and shared by every caller after (the sharing
 * context, the app fetch of a session). A build that fails is not kept: the
 * next call tries again (a chunk that failed to load may load now).
 *
 * @module
 */

/** Returns a function that runs `build` once and hands every caller the same promise, unless it rejected. */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
