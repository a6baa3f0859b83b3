/**
 * Bundles the `zerovault` CLI from source into one ES module file (esbuild,
 * Node conditions), so that running it costs a plain `node` start instead of
 * a TypeScript loader's. Shared by the CLI tests and `bench/cli.ts`, which
 * both run it as a separate process, as a user does.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Writes the bundled CLI to `outfile`. */
export async function bundleCli(outfile: string): Promise<void> {
  await build({
    entryPoints: [join(root, 'src/cli/index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['node'],
    external: ['better-sqlite3', 'pg'],
    // The optional database drivers are loaded with require() from ESM.
    banner: { js: "import { createRequire as __zvRequire } from 'node:module'; const require = __zvRequire(import.meta.url);" },
    logLevel: 'error',
  });
}
