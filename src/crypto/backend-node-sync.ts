/**
 * {@link SyncedFiles} on `node:fs`, part of the Node backend: durable
 * commits without blocking the event loop, for SQLite's nonce and replay
 * writes (issue 18).
 *
 * With `synchronous = FULL`, SQLite fsyncs the WAL inside `COMMIT`, and
 * better-sqlite3 runs `COMMIT` on the event loop: every verified request
 * stalled the whole server for one fsync per group commit. The nonce
 * transaction instead commits with `synchronous = NORMAL` (the frames reach
 * the WAL file, no fsync), and then waits for an fsync of the WAL file run
 * on libuv's thread pool before any request of the batch is answered. The
 * loop serves other requests meanwhile, and one fsync covers every commit
 * made before it started.
 *
 * Durability is FULL's: an fsync of the file flushes every byte written to
 * it before the call, whichever descriptor wrote it, and SQLite's recovery
 * keeps every commit whose frames are on disk. NORMAL still syncs the WAL
 * before each checkpoint and the database after it, so a checkpoint never
 * depends on our fsync. What changes is only *when* a nonce becomes
 * visible: at its commit, before it is durable, which can refuse a request
 * sooner but never accept one that FULL would refuse. Blob writes keep FULL
 * (visible only once durable), so no reader sees a write that a power loss
 * could take back.
 *
 * An fsync that fails is final: the kernel may have dropped the pages it
 * could not write, so a later fsync succeeding would prove nothing. Every
 * later sync fails too, and the store answers 500 until it is restarted.
 *
 * It sits behind the backend seam (as private files do) so that the SQLite
 * stores of the server and of `zerovault/verify`, which may not import
 * `node:` modules, both reach it.
 *
 * @module
 */
import { closeSync, fsync, openSync } from 'node:fs';
import { ZeroVaultError } from '../errors.js';
import type { SyncedFile, SyncedFiles } from './backend.js';

/** The Node backend's {@link SyncedFiles}. */
export const nodeSyncedFiles: SyncedFiles = Object.freeze({
  open(path: string): SyncedFile {
    if (typeof path !== 'string' || path.length === 0 || path.includes('\u0000')) throw new ZeroVaultError('INVALID_INPUT', 'path must be a non-empty string');
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (cause) {
      throw new ZeroVaultError('STORAGE', 'file system open failed', { cause });
    }
    const sync = sharedSync((callback) => fsync(fd, callback));
    return {
      sync: async () => {
        try {
          await sync();
        } catch (cause) {
          throw new ZeroVaultError('STORAGE', 'file system fsync failed', { cause });
        }
      },
      close: () => closeSync(fd),
    };
  },
});

/** The fsync of one open file descriptor. */
export type Fsync = (callback: (err: Error | null) => void) => void;

/**
 * Returns `sync()`: a promise of an fsync that *started* after the call, so
 * it covers every write made before it. While one fsync runs, callers share
 * the next one; at most one runs and one waits.
 */
export function sharedSync(fsync: Fsync): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  let failure: Error | undefined;
  const start = (): Promise<void> => {
    if (failure !== undefined) return Promise.reject(failure);
    const done = new Promise<void>((resolve, reject) => {
      fsync((err) => {
        if (err === null) return resolve();
        failure ??= err;
        reject(err);
      });
    });
    running = done.then(
      () => {
        running = undefined;
      },
      () => {
        running = undefined;
      },
    );
    return done;
  };
  return () => {
    if (running === undefined) return start();
    next ??= running.then(() => {
      next = undefined;
      return start();
    });
    return next;
  };
}
