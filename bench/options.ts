/**
 * Bench settings from the environment, so a quick run and a careful run use
 * the same code:
 * - `BENCH_TIME_MS`: measuring time per case and round (default 100 ms;
 *   warm-up is a quarter of it);
 * - `BENCH_ROUNDS`: interleaved rounds per case group (default 7). The
 *   routes of a group take turns, so load from other processes on a shared
 *   machine slows every route alike instead of whichever ran then; results
 *   are medians over rounds (see measure.ts). Sections whose calls take
 *   whole seconds run fewer rounds (they say so in their header);
 * - `BENCH_MIN_ITERATIONS`: the fewest samples per case and round, however
 *   slow (default 2: noble at 16 MiB takes ~0.3 s per call);
 * - `BENCH_ONLY`: comma-separated sections to run, of `aead`, `envelope`,
 *   `opaque`, `opaque-browser` (Chromium), `seal`, `cli`, `documents` (default: all);
 * - `BENCH_STREAM_MIB`: size of the streamed seal/open case (default 256);
 * - `BENCH_RSS_GIB`: GiB sealed from a generated stream for the peak-RSS
 *   check (default 1; `0` skips it for quick runs);
 * - `BENCH_VERBOSE=1`: print every route's per-round medians as groups finish.
 */
function nonNegativeInteger(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}`);
  return value;
}

export const SECTIONS = ['aead', 'envelope', 'opaque', 'opaque-browser', 'seal', 'cli', 'documents'] as const;
export type Section = (typeof SECTIONS)[number];

function isSection(value: string): value is Section {
  return (SECTIONS as readonly string[]).includes(value);
}

function sections(): readonly Section[] {
  const raw = process.env.BENCH_ONLY;
  if (raw === undefined || raw.trim() === '') return SECTIONS;
  const picked = raw.split(',').map((part) => part.trim().toLowerCase());
  for (const name of picked) {
    if (!isSection(name)) throw new Error(`BENCH_ONLY: unknown section ${JSON.stringify(name)} (known: ${SECTIONS.join(', ')})`);
  }
  return SECTIONS.filter((name) => picked.includes(name));
}

export interface BenchSettings {
  readonly timeMs: number;
  readonly warmupMs: number;
  readonly rounds: number;
  readonly minIterations: number;
}

export interface RunSettings extends BenchSettings {
  readonly sections: readonly Section[];
  readonly streamBytes: number;
  readonly rssBytes: number;
}

export function settings(): RunSettings {
  const timeMs = nonNegativeInteger('BENCH_TIME_MS', 100);
  return {
    timeMs,
    warmupMs: Math.max(10, Math.round(timeMs / 4)),
    rounds: nonNegativeInteger('BENCH_ROUNDS', 7),
    minIterations: nonNegativeInteger('BENCH_MIN_ITERATIONS', 2),
    sections: sections(),
    streamBytes: nonNegativeInteger('BENCH_STREAM_MIB', 256) * 1024 * 1024,
    rssBytes: nonNegativeInteger('BENCH_RSS_GIB', 1, 0) * 1024 ** 3,
  };
}
