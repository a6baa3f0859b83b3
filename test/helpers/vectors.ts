/**
 * Locates outside test vectors. They live beside the repo (`../shared/vectors`)
 * or wherever `ZEROVAULT_VECTORS` points, and are never copied in. When they
 * are absent a suite is skipped with a loud message, never passed silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** The vectors folder, or undefined when it is absent. */
export function vectorsDir(): string | undefined {
  const dir = process.env.ZEROVAULT_VECTORS ?? resolve(here, '../../../shared/vectors');
  return existsSync(dir) ? dir : undefined;
}

/** True when `relative` exists under the vectors folder. */
export function hasVector(relative: string): boolean {
  const dir = vectorsDir();
  return dir !== undefined && existsSync(join(dir, relative));
}

/** Reads a vector file as text. Call only after {@link hasVector}. */
export function readVectorText(relative: string): string {
  const dir = vectorsDir();
  if (dir === undefined) throw new Error('vectors folder missing');
  return readFileSync(join(dir, relative), 'utf8');
}

/** Reads and parses a JSON vector file. Call only after {@link hasVector}. */
export function readVectorJson<T = unknown>(relative: string): T {
  return JSON.parse(readVectorText(relative)) as T;
}

/**
 * `describe` when the vector file exists; otherwise a skipped suite and a
 * loud warning on stderr naming what is missing and how to provide it.
 */
export function describeVectors(name: string, relative: string, body: () => void): void {
  if (hasVector(relative)) {
    describe(name, body);
    return;
  }
  console.warn(
    `\n!!! SKIPPED: outside vectors "${relative}" not found (set ZEROVAULT_VECTORS to the vectors folder). ` +
      `Suite "${name}" did not run.\n`,
  );
  describe.skip(`${name} [SKIPPED: vectors missing]`, body);
}
