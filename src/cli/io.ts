/**
 * CLI file plumbing: read an input (file or stdin), write an output (file or
 * stdout) atomically — a temporary file renamed into place only after the
 * whole stream succeeded, so a failed `open` never leaves partial plaintext
 * and a failed `seal` never leaves a truncated blob.
 *
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, open as openFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';

/** A WHATWG byte stream over a file or stdin (`-` or undefined). */
export function inputStream(path: string | undefined): ReadableStream<Uint8Array> {
  const source = path === undefined || path === '-' ? process.stdin : createReadStream(path);
  return Readable.toWeb(source) as ReadableStream<Uint8Array>;
}

/** Counts bytes through a stream, reporting progress at most every `intervalMs` and once at the end. */
export function progress(report: ((bytes: number, final: boolean) => void) | undefined, intervalMs = 500): TransformStream<Uint8Array, Uint8Array> {
  let bytes = 0;
  let last = 0;
  return new TransformStream({
    transform(chunk, controller) {
      bytes += chunk.length;
      const now = Date.now();
      if (report && now - last >= intervalMs) {
        last = now;
        report(bytes, false);
      }
      controller.enqueue(chunk);
    },
    flush() {
      report?.(bytes, true);
    },
  });
}

/**
 * Pipes `stream` to `path` (or stdout for `-`/undefined). A file is written
 * to a temporary sibling, fsynced, and renamed over `path` only on success;
 * on failure the temporary file is removed.
 */
export async function writeOutput(stream: ReadableStream<Uint8Array>, path: string | undefined, mode = 0o644): Promise<void> {
  if (path === undefined || path === '-') {
    await stream.pipeTo(Writable.toWeb(process.stdout) as WritableStream<Uint8Array>);
    return;
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    await stream.pipeTo(Writable.toWeb(createWriteStream(temp, { mode })) as WritableStream<Uint8Array>);
    const handle = await openFile(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
