/**
 * Bundles the notes app and its KSF worker for the browser with esbuild. `platform: 'browser'`
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
  /**
   * The Argon2id profile baked into the app (`new Client({ ksf })`); default
   * zerovault's own (t=3, 64 MiB). Tests pass a cheaper one that still meets
   * zerovault's floor, so a sign-in does not take seconds on a busy machine.
   */
  readonly ksf?: { readonly iterations: number; readonly memoryKiB: number; readonly parallelism: number };
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

/** Bundles one entry of the page for the browser. */
async function bundle(entry: string, options: BuildAppOptions): Promise<string> {
  const result = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: options.minify ?? true,
    write: false,
    logLevel: 'silent',
    plugins: options.resolve === undefined ? [] : [redirect(options.resolve)],
    // app.ts declares this constant; `null` keeps the SDK's default profile.
    define: { __VAULT_NOTES_KSF__: JSON.stringify(options.ksf ?? null) },
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error('esbuild produced no output');
  return file.text;
}

/** The app's JavaScript, bundled and (by default) minified. */
export function buildApp(options: BuildAppOptions = {}): Promise<string> {
  return bundle('app.ts', options);
}

/**
 * The KSF worker's JavaScript (`ksf.worker.ts`), served as `/ksf.worker.js`.
 * Vite and webpack bundle it for you from
 * `new Worker(new URL('./ksf.worker.ts', import.meta.url), { type: 'module' })`;
 * esbuild needs it as its own entry.
 */
export function buildKsfWorker(options: BuildAppOptions = {}): Promise<string> {
  return bundle('ksf.worker.ts', options);
}
