/**
 * Bundles a variant's page (`before/page.ts` or `after/page.ts`) for the
 * browser with esbuild. `platform: 'browser'` makes `zerovault` resolve
 * through the package's `default` export condition, i.e. its web build.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** The two versions of the app. */
export type Variant = 'before' | 'after';

/** Options for {@link buildPage}. */
export interface BuildPageOptions {
  /**
   * Resolve these module specifiers to these files instead of the installed
   * package (tests run the page on the sources this way). Default: none.
   */
  readonly resolve?: Readonly<Record<string, string>>;
  /** Minify the bundle; default true. */
  readonly minify?: boolean;
}

function redirect(map: Readonly<Record<string, string>>): Plugin {
  return {
    name: 'redirect',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const path = map[args.path];
        return path === undefined ? undefined : { path };
      });
    },
  };
}

/** The variant's page script, bundled (and by default minified). */
export async function buildPage(variant: Variant, options: BuildPageOptions = {}): Promise<string> {
  const result = await build({
    entryPoints: [join(here, variant, 'page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    write: false,
    logLevel: 'silent',
    plugins: options.resolve === undefined ? [] : [redirect(options.resolve)],
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error('esbuild produced no output');
  return file.text;
}
