/**
 * Locates outside test vectors. They live beside the repo (`../shared/vectors`)
 * or wherever `ZEROVAULT_VECTORS` points, and are never copied in. When a file
 * is missing, a suite that needs it is skipped with a loud message, or, under
 * `CI=true`, fails (as a missing Chromium or PostgreSQL does): CI must never
 * pass without having run the checks against outside material.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** The folder used when `ZEROVAULT_VECTORS` is unset: `../shared/vectors` beside the repo. */
export const DEFAULT_VECTORS_DIR = resolve(here, '../../../shared/vectors');

/**
 * Where the helper looks, injectable so that its own tests can point it at an
 * empty folder and set `CI` without touching real files or `process.env`.
 */
export interface VectorsOptions {
  /** The environment read for `ZEROVAULT_VECTORS` and `CI`; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The folder used when `ZEROVAULT_VECTORS` is unset; default {@link DEFAULT_VECTORS_DIR}. */
  readonly defaultDir?: string;
}

/**
 * What a suite does about its outside vectors: `run` when every file exists;
 * otherwise `fail` under `CI=true` and `skip` elsewhere, with a reason naming
 * the missing files and how to provide them.
 */
export type VectorsCheck =
  | { readonly outcome: 'run' }
  | { readonly outcome: 'skip' | 'fail'; readonly missing: readonly string[]; readonly reason: string };

/** The vectors folder, or undefined when it is absent. */
export function vectorsDir(options: VectorsOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  const dir = env.ZEROVAULT_VECTORS ?? options.defaultDir ?? DEFAULT_VECTORS_DIR;
  return existsSync(dir) ? dir : undefined;
}

/** True when `relative` exists under the vectors folder. */
export function hasVector(relative: string, options: VectorsOptions = {}): boolean {
  const dir = vectorsDir(options);
  return dir !== undefined && existsSync(join(dir, relative));
}

/**
 * Decides whether a suite needing `relatives` runs, skips or fails. The one
 * place that reads `CI`: every outside-vector suite goes through it, via
 * {@link describeVectors} or (for suites built another way) directly with
 * {@link describeMissingVectors}.
 */
export function checkVectors(relatives: string | readonly string[], options: VectorsOptions = {}): VectorsCheck {
  const files = typeof relatives === 'string' ? [relatives] : relatives;
  const missing = files.filter((file) => !hasVector(file, options));
  if (missing.length === 0) return { outcome: 'run' };
  const env = options.env ?? process.env;
  const reason = `outside vectors ${missing.map((file) => `"${file}"`).join(', ')} not found (set ZEROVAULT_VECTORS to the vectors folder, or place it at ../shared/vectors beside the repo)`;
  return { outcome: env.CI === 'true' ? 'fail' : 'skip', missing, reason };
}

/**
 * The body of the test that stands in for a suite whose vectors are missing
 * under `CI=true`: throws the check's reason. Does nothing for `run` or `skip`.
 */
export function assertVectorsPresent(check: VectorsCheck): void {
  if (check.outcome === 'fail') throw new Error(`${check.reason}: CI must provide them`);
}

/**
 * Registers what stands in for suite `name` when `check` is not `run`: under
 * CI a test that fails with the reason; elsewhere a loud warning on stderr and
 * one skipped test carrying the reason. The suite's body is never called, so
 * a body that reads its vectors at collection time cannot crash the file.
 */
export function describeMissingVectors(name: string, check: Exclude<VectorsCheck, { outcome: 'run' }>): void {
  if (check.outcome === 'fail') {
    describe(name, () => {
      test('outside vectors are present', () => {
        assertVectorsPresent(check);
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPED: ${check.reason}. Suite "${name}" did not run.\n`);
  test.skip(`${name} [SKIPPED: vectors missing: ${check.missing.join(', ')}]`, () => undefined);
}

/**
 * `describe` when every vector file in `relatives` exists; otherwise what
 * {@link describeMissingVectors} registers (a failing test under `CI=true`, a
 * loud skip elsewhere).
 */
export function describeVectors(name: string, relatives: string | readonly string[], body: () => void, options: VectorsOptions = {}): void {
  const check = checkVectors(relatives, options);
  if (check.outcome === 'run') {
    describe(name, body);
    return;
  }
  describeMissingVectors(name, check);
}

/** Reads a vector file as text. Call only after {@link checkVectors} said `run`. */
export function readVectorText(relative: string, options: VectorsOptions = {}): string {
  const dir = vectorsDir(options);
  if (dir === undefined) throw new Error('vectors folder missing');
  return readFileSync(join(dir, relative), 'utf8');
}

/** Reads and parses a JSON vector file. Call only after {@link checkVectors} said `run`. */
export function readVectorJson<T = unknown>(relative: string, options: VectorsOptions = {}): T {
  return JSON.parse(readVectorText(relative, options)) as T;
}
