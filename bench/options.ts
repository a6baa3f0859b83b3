/**
 * Bench settings from the environment, so a quick run and a careful run use
 * the same code:
 * - `BENCH_TIME_MS`: measuring time per case and round (default 100 ms;
 *   warm-up is a quarter of it);
 * - `BENCH_ROUNDS`: rounds per case group, the best round counts (default 7).
 *   The routes of a group take turns, so load from other processes on a
 *   shared machine slows every route alike instead of whichever ran then;
 * - `BENCH_MIN_ITERATIONS`: the fewest samples per case and round, however
 *   slow (default 2: noble at 16 MiB takes ~0.3 s per call).
 */
function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

export interface BenchSettings {
  readonly timeMs: number;
  readonly warmupMs: number;
  readonly rounds: number;
  readonly minIterations: number;
}

export function settings(): BenchSettings {
  const timeMs = positiveInteger('BENCH_TIME_MS', 100);
  return {
    timeMs,
    warmupMs: Math.max(10, Math.round(timeMs / 4)),
    rounds: positiveInteger('BENCH_ROUNDS', 7),
    minIterations: positiveInteger('BENCH_MIN_ITERATIONS', 2),
  };
}
