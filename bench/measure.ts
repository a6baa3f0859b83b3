/**
 * Runs a group of routes for one case with tinybench, in interleaved rounds,
 * and prints tables.
 *
 * Why rounds: the machine is shared, so load comes and goes during a run.
 * Every round runs every route of the group once (in a rotating order, so no
 * route always runs first: at 16 MiB the heap left behind by one route
 * measurably slows the next), and a route's result is the **median over
 * rounds** of its per-round median call. Ratios are paired: each round's
 * ratio compares routes measured seconds apart, under the same load, and the
 * reported ratio is the median of those. The best round is shown as well.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Bench } from 'tinybench';
import type { BenchSettings } from './options.js';

export interface Route {
  readonly name: string;
  /** One of our API routes, rated against the fastest raw route. */
  readonly ours: boolean;
  /** Shown for context but not a raw route: never the baseline. */
  readonly reference?: boolean;
  /**
   * Whether `fn` returns a promise; when absent, {@link measure} calls it once
   * to find out (which also warms it up).
   */
  readonly async?: boolean;
  readonly fn: () => unknown;
}

export interface Measured {
  readonly name: string;
  readonly ours: boolean;
  readonly reference: boolean;
  /** The per-round median call, in ms, in round order. */
  readonly roundsMs: readonly number[];
  /** Median over rounds of the per-round median call. */
  readonly medianMs: number;
  /** The fastest round's median call. */
  readonly bestMs: number;
  /** `1000 / medianMs`. */
  readonly opsPerSecond: number;
}

/** Settings for one group; slow cases (whole seconds per call) run fewer rounds and no warm-up. */
export interface GroupSettings extends BenchSettings {
  /** Skip tinybench's warm-up (the caller warms up, or a call takes seconds). */
  readonly noWarmup?: boolean;
  /**
   * Collect garbage before each route's turn: for routes that leave hundreds
   * of MiB of garbage behind (age streams, Argon2id), which would otherwise
   * be collected during the next route's turn. Not for routes that recycle
   * large buffers: on a freshly collected heap every new buffer pays its
   * page faults again, which a long-running process does not.
   */
  readonly collectGarbage?: boolean;
}

let gc: (() => void) | undefined;

/** A full garbage collection (V8's `gc`, exposed on first use: a bench process only). */
export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Whether each route is async, decided here once. Left to itself, tinybench
 * decides it when a task is added by calling a function that is not an
 * `async function` and not awaiting the promise it may return: that call then
 * runs alongside the first measured calls of the round (seen as 3× slower
 * Argon2id logins on every round's first turn).
 */
async function asyncFlags(routes: readonly Route[]): Promise<boolean[]> {
  const flags: boolean[] = [];
  for (const route of routes) {
    if (route.async !== undefined) {
      flags.push(route.async);
      continue;
    }
    const result = route.fn();
    if (isThenable(result)) await result;
    flags.push(isThenable(result));
  }
  return flags;
}

async function round(routes: readonly Route[], flags: readonly boolean[], s: GroupSettings): Promise<number[]> {
  const bench = new Bench({
    time: s.timeMs,
    iterations: s.minIterations,
    warmup: s.noWarmup !== true,
    warmupTime: s.warmupMs,
    warmupIterations: 1,
    throws: true,
    ...(s.collectGarbage === true ? { setup: collectGarbage } : {}),
  });
  // tinybench keys tasks by name; two groups may show the same route name.
  routes.forEach((route, i) => bench.add(`${i} ${route.name}`, route.fn, { async: flags[i] as boolean }));
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result;
    if (!('latency' in result)) throw new Error(`bench case ${task.name} did not complete`);
    // The median sample, not the mean: a few calls stalled by other
    // processes (or a GC of 16 MiB buffers) would otherwise decide the result.
    return result.latency.p50;
  });
}

/** Measures `routes` in `s.rounds` interleaved rounds (see the module comment). */
export async function measure(routes: readonly Route[], s: GroupSettings): Promise<Measured[]> {
  const perRoute: number[][] = routes.map(() => []);
  const flags = await asyncFlags(routes);
  for (let r = 0; r < s.rounds; r++) {
    const order = routes.map((_, i) => (i + r) % routes.length);
    const periods = await round(
      order.map((i) => routes[i] as Route),
      order.map((i) => flags[i] as boolean),
      s,
    );
    periods.forEach((period, k) => {
      (perRoute[order[k] as number] as number[]).push(period);
    });
  }
  if (process.env.BENCH_VERBOSE === '1') {
    routes.forEach((route, i) => console.log(`  ${route.name}: ${(perRoute[i] as number[]).map((ms) => ms.toPrecision(3)).join(' ')} ms`));
  }
  return routes.map((route, i) => {
    const roundsMs = perRoute[i] as number[];
    const medianMs = median(roundsMs);
    return {
      name: route.name,
      ours: route.ours,
      reference: route.reference ?? false,
      roundsMs,
      medianMs,
      bestMs: Math.min(...roundsMs),
      opsPerSecond: 1000 / medianMs,
    };
  });
}

/**
 * Paired speed ratio `ours / baseline` in ops/s (> 1: ours is faster): per
 * round, the baseline is the fastest of `baselines` in that round; the
 * result is the median over rounds.
 */
export function pairedRatio(ours: Measured, baselines: readonly Measured[]): number {
  if (baselines.length === 0) throw new Error('no baseline to compare with');
  const ratios = ours.roundsMs.map((ms, r) => Math.min(...baselines.map((b) => b.roundsMs[r] as number)) / ms);
  return median(ratios);
}

/** The raw (non-ours, non-reference) routes of a measured group. */
export function rawRoutes(measured: readonly Measured[]): Measured[] {
  return measured.filter((m) => !m.ours && !m.reference);
}

export function fixed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `64 B`, `1 KiB`, `16 MiB`, `1 GiB`. */
export function sizeLabel(size: number): string {
  if (size >= 1024 ** 3) return `${size / 1024 ** 3} GiB`;
  if (size >= 1024 ** 2) return `${size / 1024 ** 2} MiB`;
  if (size >= 1024) return `${size / 1024} KiB`;
  return `${size} B`;
}

/** `ratio× ok` / `ratio× MISS (<goal)` for a higher-is-better ratio. */
export function verdict(ratio: number, goal: number | undefined): string {
  if (goal === undefined) return `${fixed(ratio, 2)}×`;
  return `${fixed(ratio, 2)}× ${ratio >= goal ? 'ok' : `MISS (<${goal})`}`;
}

/** A printable table: a header row, data rows, and which columns are numbers (right-aligned). */
export interface Table {
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Column indexes to right-align. */
  readonly numeric: readonly number[];
  /** Columns whose change starts a new block (a blank line between blocks). */
  readonly groupBy?: readonly number[];
  /** Lines printed under the table. */
  readonly notes?: readonly string[];
}

export function printTable(t: Table): void {
  const all = [t.header, ...t.rows];
  const widths = t.header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const right = new Set(t.numeric);
  const line = (r: readonly string[]): string =>
    widths
      .map((w, c) => {
        const cell = r[c] ?? '';
        return right.has(c) ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  console.log(`\n## ${t.title}\n`);
  console.log(line(t.header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  let previous: string | undefined;
  for (const r of t.rows) {
    const group = (t.groupBy ?? []).map((c) => r[c] ?? '').join('\u0000');
    if (previous !== undefined && group !== previous) console.log('');
    previous = group;
    console.log(line(r));
  }
  for (const note of t.notes ?? []) console.log(note);
}
