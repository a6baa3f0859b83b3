/**
 * In-page check runner: a group is a sequence of named steps; each step
 * yields one result, and the first failure stops the group (later steps
 * depend on it, and the runner reports them as not reached).
 */
import { isZeroVaultError } from '../../../src/index.js';
import type { CheckResult } from './protocol.js';

/** Thrown by the page's assertions. */
export class CheckFailed extends Error {}

/** Fails the current step unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

/** Fails unless `actual === expected`, showing both (use only for non-secret values). */
export function same<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) throw new CheckFailed(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** Describes an error without its stack: a ZeroVaultError by code, others by name and message. */
export function describeError(err: unknown): string {
  if (isZeroVaultError(err)) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Runs `fn` and returns the ZeroVaultError code it failed with, or `resolved` when it did not fail. */
export async function codeOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
    return 'resolved';
  } catch (err) {
    return isZeroVaultError(err) ? err.code : describeError(err);
  }
}

/** One step: returns an optional detail (a measurement) for the report. */
export type StepFn = () => Promise<string | void> | string | void;

/** Collects results of a group; `step` throws after recording a failure so the group stops. */
export class Steps {
  readonly results: CheckResult[] = [];

  async step(name: string, fn: StepFn): Promise<void> {
    try {
      const detail = await fn();
      this.results.push(detail === undefined ? { name, ok: true } : { name, ok: true, detail });
    } catch (err) {
      this.results.push({ name, ok: false, detail: describeError(err) });
      throw new StopGroup();
    }
  }

  /** Records an independent check: a failure does not stop the group. */
  async single(name: string, fn: StepFn): Promise<void> {
    await this.step(name, fn).catch((err: unknown) => {
      if (!(err instanceof StopGroup)) throw err;
    });
  }
}

class StopGroup extends Error {}

/** Runs a group body and returns its results, whether it finished or stopped at a failure. */
export async function runGroup(body: (steps: Steps) => Promise<void>): Promise<CheckResult[]> {
  const steps = new Steps();
  try {
    await body(steps);
  } catch (err) {
    if (!(err instanceof StopGroup)) steps.results.push({ name: 'page: unexpected error in the group', ok: false, detail: describeError(err) });
  }
  return steps.results;
}

/** Milliseconds since `start`, rounded, for details. */
export function since(start: number): string {
  return `${Math.round(performance.now() - start)} ms`;
}
