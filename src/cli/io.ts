/**
 * CLI file plumbing without WHATWG streams (they counted chunks, not bytes,
 * for backpressure, and cost more per chunk than the cipher):
 * - inputs are opened before anything is written, so a missing file fails
 *   with nothing on stdout, then read in 1 MiB pieces;
 * - a file output is written to a temporary sibling, fsynced, renamed over
 *   the target only after the whole stream succeeded (and the directory
 *   fsynced), and removed on failure: no partial plaintext, no truncated
 *   blob;
 * - one write is in flight while the next piece is sealed or opened, so
 *   disk and cipher overlap (stdout redirected to a file too, see
 *   `stdoutFileOutput`), and memory stays at a few MiB whatever the size
 *   (with the cipher's spent buffers collected early: `memory.ts`);
 * - progress counts bytes written to the output, not read from the input.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { fstatSync, rmSync, write, writev } from 'node:fs';
import { open as openFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError, fileReason } from './errors.js';
import { garbageCollector } from './memory.js';

/** Bytes per read of a file input. */
const READ_SIZE = 1 << 20;

/**
 * The input as an async iterable of byte chunks: a file (opened now, so a
 * bad path fails before any output) or stdin (`-` or undefined).
 *
 * @throws `CliError` when the file cannot be opened or is a directory
 */
export async function openInput(path: string | undefined): Promise<AsyncIterable<Uint8Array>> {
  if (path === undefined || path === '-') return process.stdin;
  let handle: FileHandle;
  try {
    handle = await openFile(path, 'r');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${fileReason(err)}`);
  }
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw new CliError(`cannot read ${path}: it is a directory`);
  }
  return handle.createReadStream({ highWaterMark: READ_SIZE });
}

/** Progress: called with the bytes written so far, and once more (`final`) after the output is complete. */
export type ProgressReport = (bytes: number, final: boolean) => void;

/** Where results go. */
export interface Output {
  /** Queues `parts` for writing; resolves once the previous write is done (one write in flight). */
  write(parts: readonly Uint8Array[]): Promise<void>;
  /** Finishes: waits for the writes, makes a file durable and moves it into place. */
  commit(): Promise<void>;
  /** Gives up: removes the temporary file (stdout cannot be taken back). */
  abort(): Promise<void>;
}

/** Options of {@link openOutput}. */
export interface OutputOptions {
  /** What is written is binary (a blob): refuse a terminal unless forced. */
  readonly binary: boolean;
  /** Check the first bytes: refuse a terminal when they are not text (plaintext of `open`). */
  readonly sniff: boolean;
  /** `-o -`: write to a terminal whatever it is. */
  readonly force: boolean;
  /** Progress reporter, if any. */
  readonly progress: ProgressReport | undefined;
  /** File mode of a new output file. */
  readonly mode?: number;
}

const TERMINAL_HINT = 'redirect it to a file, use -o FILE, or force it with -o -';

/** True when `bytes` look like text: no NUL, valid UTF-8 (a sequence cut at the end is fine). */
function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function throttled(report: ProgressReport | undefined): (bytes: number) => void {
  let last = 0;
  return (bytes) => {
    const now = Date.now();
    if (report !== undefined && now - last >= 500) {
      last = now;
      report(bytes, false);
    }
  };
}

/**
 * Refuses binary output to a terminal (no blob bytes on a screen): called
 * before anything is asked or read, and again when stdout is opened.
 *
 * @throws `CliError` when stdout is the output, a terminal, not forced, and `binary`
 */
export function refuseBinaryTerminal(path: string | undefined, options: Pick<OutputOptions, 'binary' | 'force'>): void {
  if ((path === undefined || path === '-') && process.stdout.isTTY === true && !options.force && options.binary) {
    throw new CliError(`refusing to write binary data to a terminal: ${TERMINAL_HINT}, or use --armor`);
  }
}

/** Writes `parts` at the file's current offset (`writev`), all of them however short the first write. */
function writevFd(fd: number, parts: readonly Uint8Array[]): Promise<number> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  return new Promise<number>((resolve, reject) => {
    writev(fd, parts as Uint8Array[], (err, written) => {
      if (err !== null) reject(err);
      else if (written === total) resolve(total);
      else writeRest(fd, Buffer.concat(parts).subarray(written)).then(() => resolve(total), reject);
    });
  });
}

/** The rest of a short write (rare on files), range by range. */
async function writeRest(fd: number, rest: Uint8Array): Promise<void> {
  for (let offset = 0; offset < rest.length; ) {
    offset += await new Promise<number>((resolve, reject) => {
      write(fd, rest, offset, rest.length - offset, null, (err, n) => (err !== null ? reject(err) : resolve(n)));
    });
  }
}

/** The write pipeline of a file output (see {@link pipelined}). */
interface Pipeline {
  /** Waits for the write in flight, then starts writing `parts`. */
  write(this: void, parts: readonly Uint8Array[]): Promise<void>;
  /** Waits for the last write; the bytes written in all. */
  drain(this: void): Promise<number>;
}

/**
 * One write in flight while the caller seals or opens the next piece, so
 * disk and cipher overlap; counts the bytes for progress and the collector.
 * A failed write is thrown (through `fail`) by the next call.
 */
function pipelined(writeParts: (parts: readonly Uint8Array[]) => Promise<number>, options: OutputOptions, fail: (err: unknown) => never): Pipeline {
  let pending: Promise<void> = Promise.resolve();
  let written = 0;
  const tick = throttled(options.progress);
  const collect = garbageCollector();
  return {
    async write(parts) {
      await pending;
      pending = writeParts(parts).then((n) => {
        written += n;
        tick(written);
        collect(n);
      }, fail);
      // Observed here so that a failed write waits, unreported, for the next call to surface it.
      pending.catch(() => undefined);
    },
    async drain() {
      await pending;
      return written;
    },
  };
}

/**
 * stdout redirected to a regular file (`> file`, `>> file`): Node writes
 * such a stdout synchronously, which stalls the cipher at every write, so
 * the bytes go through the descriptor asynchronously instead, as with `-o`
 * (`>>` still appends: the descriptor's offset is used). Not fsynced: a
 * shell redirection promises no durability, age's neither.
 */
function stdoutFileOutput(options: OutputOptions): Output {
  const out = pipelined((parts) => writevFd(1, parts), options, (err) => {
    throw new CliError(`cannot write to stdout: ${fileReason(err)}`);
  });
  return {
    write: out.write,
    async commit() {
      options.progress?.(await out.drain(), true);
    },
    async abort() {
      // What reached the file stays there, as with any stdout: the caller reports the failure.
      await out.drain().catch(() => undefined);
    },
  };
}

/** True when `fd` is open on a regular file (not a terminal, pipe or socket). */
function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

function stdoutOutput(options: OutputOptions): Output {
  refuseBinaryTerminal(undefined, options);
  if (isRegularFile(1)) return stdoutFileOutput(options);
  const terminal = process.stdout.isTTY === true && !options.force;
  let sniffed = !(terminal && options.sniff);
  let written = 0;
  const tick = throttled(options.progress);
  const collect = garbageCollector();
  let failure: unknown;
  process.stdout.on('error', (err) => {
    failure ??= err;
  });
  const check = (): void => {
    if (failure !== undefined) throw new CliError(`cannot write to stdout: ${fileReason(failure)}`);
  };
  return {
    async write(parts) {
      check();
      if (!sniffed && parts.length > 0) {
        if (!looksLikeText(parts[0] as Uint8Array)) throw new CliError(`refusing to write binary plaintext to a terminal: ${TERMINAL_HINT}`);
        sniffed = true;
      }
      let ok = true;
      let bytes = 0;
      for (const part of parts) {
        ok = process.stdout.write(part);
        bytes += part.length;
      }
      written += bytes;
      if (!ok) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
      check();
      tick(written);
      collect(bytes);
    },
    async commit() {
      await new Promise<void>((resolve) => process.stdout.write(new Uint8Array(0), () => resolve()));
      check();
      options.progress?.(written, true);
    },
    async abort() {
      // What reached stdout stays there: the caller reports the failure.
    },
  };
}

/** Temporary files not yet renamed or removed: an interrupted run removes them (see {@link removeTemporaryFiles}). */
const temporaries = new Set<string>();

/** Removes every temporary output file, synchronously: for signal handlers, which cannot wait. */
export function removeTemporaryFiles(): void {
  for (const temp of temporaries) rmSync(temp, { force: true });
  temporaries.clear();
}

async function fileOutput(path: string, options: OutputOptions): Promise<Output> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  temporaries.add(temp);
  let handle: FileHandle;
  try {
    handle = await openFile(temp, 'wx', options.mode ?? 0o644);
  } catch (err) {
    temporaries.delete(temp);
    throw new CliError(`cannot write ${path}: ${fileReason(err)}`);
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  const fail = (err: unknown): never => {
    throw new CliError(`cannot write ${path}: ${fileReason(err)}`);
  };
  const out = pipelined((parts) => writevFd(handle.fd, parts), options, fail);
  return {
    write: out.write,
    async commit() {
      const written = await out.drain();
      try {
        await handle.sync();
        await close();
        await rename(temp, path);
        temporaries.delete(temp);
      } catch (err) {
        fail(err);
      }
      // The rename itself is durable once the directory is (where the platform allows it).
      try {
        const dir = await openFile(dirname(path), 'r');
        try {
          await dir.sync();
        } finally {
          await dir.close();
        }
      } catch {
        // Not every platform can fsync a directory; the data itself is synced.
      }
      options.progress?.(written, true);
    },
    async abort() {
      await out.drain().catch(() => undefined);
      await close().catch(() => undefined);
      await rm(temp, { force: true });
      temporaries.delete(temp);
    },
  };
}

/**
 * The output: a file (atomic, durable) or stdout (`-` or undefined).
 *
 * @throws `CliError` when stdout is a terminal and the data is binary, or the file cannot be created
 */
export async function openOutput(path: string | undefined, options: OutputOptions): Promise<Output> {
  if (path === undefined || path === '-') return stdoutOutput(options);
  return fileOutput(path, options);
}
