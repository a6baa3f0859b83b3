/**
 * Runs the `zerovault` CLI as a user does: a separate process, arguments,
 * stdin, stdout, stderr and exit status. The CLI is bundled once per test
 * file (`scripts/bundle-cli.ts`) so that each run costs a plain `node`
 * start instead of a TypeScript loader's.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleCli } from '../../scripts/bundle-cli.js';

/** What a run gave. */
export interface Run {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** A temporary folder with the bundled CLI and room for the test's files. */
export interface CliSandbox {
  /** A path in the folder. */
  readonly f: (name: string) => string;
  /** Runs the CLI with `args`, `input` on stdin, from the folder. */
  readonly cli: (args: readonly string[], input?: Buffer | string) => Promise<Run>;
  /** The bundled CLI (for `script`, which runs a command line). */
  readonly bin: string;
  /** Removes the folder. */
  readonly dispose: () => void;
}

/** Bundles the CLI into a fresh temporary folder. */
export async function sandbox(): Promise<CliSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'zv-cli-'));
  const bin = join(dir, 'zerovault.mjs');
  await bundleCli(bin);
  const cli = (args: readonly string[], input?: Buffer | string): Promise<Run> =>
    new Promise((done) => {
      const child = execFile(process.execPath, [bin, ...args], { cwd: dir, encoding: 'buffer', maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr: stderr.toString() });
      });
      child.stdin?.end(input);
    });
  return { f: (name) => join(dir, name), cli, bin, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
