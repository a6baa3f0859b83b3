/**
 * The CLI's early collection (src/cli/memory.ts): a young-generation
 * collection runs once 16 MiB have been written, seen through Node's own GC
 * performance entries. (That none runs below 16 MiB is not asserted: V8 may
 * scavenge on its own at any time.)
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { expect, test } from 'vitest';
import { garbageCollector } from '../../src/cli/memory.js';

async function minorCollections(work: () => void): Promise<number> {
  const seen: number[] = [];
  const observer = new PerformanceObserver((list) => {
    // A gc entry's detail is a NodeGCPerformanceDetail; PerformanceEntry's type does not declare it.
    for (const entry of list.getEntries()) seen.push((entry as unknown as { detail: { kind: number } }).detail.kind);
  });
  observer.observe({ entryTypes: ['gc'] });
  work();
  // GC entries are delivered asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  return seen.filter((kind) => kind === constants.NODE_PERFORMANCE_GC_MINOR).length;
}

test('a young-generation collection runs at every 16 MiB written', async () => {
  const collect = garbageCollector();
  expect(await minorCollections(() => {
    collect((16 << 20) - 1);
    collect(1);
  })).toBeGreaterThanOrEqual(1);
  expect(await minorCollections(() => {
    for (let i = 0; i < 3; i++) collect(16 << 20);
  })).toBeGreaterThanOrEqual(3);
});
