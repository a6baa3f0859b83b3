/**
 * Bundles the notes app for the browser with esbuild. `platform: 'browser'`
 * makes `zerovault` resolve through the package's `default` export
 * condition, i.e. its web build (WebCrypto, no Node built-in).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Options for {@link buildApp}. */
export interface BuildAppOptions {
  /**
   * Resolve these module specifiers to these files instead of the installed
   * package (e.g. `{ zerovault: '/abs/src/index.ts' }` to run the app on
   * unbuilt sources). Default: none.
   */
  readonly resolve?: Readonly<Record<string, string>>;
  /** Minify the bundle; default true. */
  readonly minify?: boolean;
}

function redirect(map: Readonly<Record<string, string>>): Plugin {
  const filter = new RegExp(`^(${Object.keys(map).map((name) => name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'redirect',
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: map[args.path] as string }));
    },
  };
}

/** The app's JavaScript, bundled and (by default) minified. */
export async function buildApp(options: BuildAppOptions = {}): Promise<string> {
  const result = await build({
    entryPoints: [join(here, 'app.ts')],
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
