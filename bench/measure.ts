/** Runs a group of routes for one case with tinybench and returns ops/s per route. */
import { Bench } from 'tinybench';
import type { BenchSettings } from './options.js';

export interface Route {
  readonly name: string;
  /** One of our API routes, rated against the fastest raw route. */
  readonly ours: boolean;
  /** Shown for context but not a raw route: never the baseline. */
  readonly reference?: boolean;
  readonly fn: () => unknown;
}

export interface Measured {
  readonly name: string;
  readonly ours: boolean;
  readonly reference: boolean;
  readonly opsPerSecond: number;
  readonly meanMs: number;
}

async function round(routes: readonly Route[], s: BenchSettings): Promise<number[]> {
  const bench = new Bench({
    time: s.timeMs,
    iterations: s.minIterations,
    warmupTime: s.warmupMs,
    warmupIterations: 1,
    throws: true,
  });
  for (const route of routes) bench.add(route.name, route.fn);
  await bench.run();
  return bench.tasks.map((task) => {
    const result = task.result;
    if (!('latency' in result)) throw new Error(`bench case ${task.name} did not complete`);
    // The median sample, not the mean: on a shared machine a few calls stalled by other
    // processes (or a GC of 16 MiB buffers) would otherwise decide the result.
    return result.latency.p50;
  });
}

/**
 * Best median latency per route over `s.rounds` rounds. The order of the
 * routes rotates every round: at 16 MiB the heap left behind by one route
 * measurably slows the next, so no route may always run first.
 */
export async function measure(routes: readonly Route[], s: BenchSettings): Promise<Measured[]> {
  const best = routes.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < s.rounds; r++) {
    const order = routes.map((_, i) => (i + r) % routes.length);
    const periods = await round(
      order.map((i) => routes[i] as Route),
      s,
    );
    periods.forEach((period, k) => {
      const i = order[k] as number;
      best[i] = Math.min(best[i] as number, period);
    });
  }
  return routes.map((route, i) => {
    const meanMs = best[i] as number;
    return { name: route.name, ours: route.ours, reference: route.reference ?? false, opsPerSecond: 1000 / meanMs, meanMs };
  });
}
