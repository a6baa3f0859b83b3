/**
 * Keeps the CLI's peak memory flat whatever the input size.
 *
 * Each sealed or opened 64 KiB chunk comes back from node:crypto in a fresh
 * buffer whose bytes live outside the V8 heap. V8 collects such buffers only
 * once about 64 MiB of them have piled up since the last collection (its
 * external-memory soft limit), which alone put the peak RSS of a 4 GiB seal
 * 65–71 MiB above a 1 KiB one: past the 64 MiB the CLI promises. They die
 * young, so a young-generation collection every {@link COLLECT_EVERY} bytes
 * written frees them long before that, for no measurable time (a 1 GiB
 * AES-GCM loop: 312 ms and +39 MiB without, 287 ms and +21 MiB with).
 *
 * V8's `gc` is only exposed behind a flag; the CLI sets it at run time
 * (`v8.setFlagsFromString`) and takes the function from a fresh context,
 * the one way a process started without `--expose-gc` can reach it. Where
 * that fails, nothing is collected early and nothing else changes.
 *
 * @module
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Bytes written between two young-generation collections. */
const COLLECT_EVERY = 16 << 20;

type Gc = (options: { type: 'minor'; execution: 'sync' }) => void;

function exposedGc(): Gc | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as Gc) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A counter of bytes written that runs a young-generation collection every
 * 16 MiB (no-op when V8's `gc` cannot be had). One per output.
 */
export function garbageCollector(): (bytes: number) => void {
  const gc = exposedGc();
  if (gc === undefined) return () => undefined;
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < COLLECT_EVERY) return;
    since = 0;
    gc({ type: 'minor', execution: 'sync' });
  };
}
