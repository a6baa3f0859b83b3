/**
 * Bundle sizes of the browser entry points, as an app would ship them:
 * esbuild, `platform: 'browser'` (so `#backend` resolves to the WebCrypto
 * backend), every dependency bundled, minified, then gzip level 9.
 *
 * Argon2id's WebAssembly (inlined as base64url in src/crypto/argon2id-wasm-bytes.ts)
 * is a chunk of its own, loaded with `import()` at the first KSF call: it is
 * outside the budgets by construction, and its size (the KSF chunk, with
 * what only it imports) is reported beside them. `zerovault/idb` is measured as an increment: the
 * bundle of `zerovault` + `zerovault/idb` minus the bundle of `zerovault`.
 *
 * `npm run size` prints the table; `test/size.test.ts` enforces the budgets.
 *
 * @module
 */
import { build } from 'esbuild';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The name esbuild gives a bundle built from module text. */
const STDIN_NAME = 'size-entry.ts';

/** 1 KB = 1000 bytes here, the stricter reading of the budgets. */
export const KB = 1000;

/**
 * Budgets from the browser issue: minified + gzipped, without the Argon2 WASM.
 * `zerovault/record` (the raw record format and keyring codecs) is measured on
 * its own: an app that uses it without `Client` ships this much.
 */
export const BUDGETS = { core: 45 * KB, seal: 20 * KB, idb: 3 * KB, record: 25 * KB } as const;

/** The modules that load the Argon2id WASM (one thread, lanes on threads): their chunks, and what only they import, are the KSF chunk. */
export const KSF_MODULES: readonly string[] = ['src/crypto/argon2id-wasm.ts', 'src/crypto/argon2id-threads.ts'];

/** One measured bundle. */
export interface Bundle {
  /** Minified bytes. */
  readonly minified: number;
  /** Minified, then gzip level 9. */
  readonly gzipped: number;
  /** Minified bytes each input contributes, by input path. */
  readonly inputs: Readonly<Record<string, number>>;
  /** Gzipped bytes of chunks loaded only on demand (not in the budget). */
  readonly lazy: number;
  /** Gzipped bytes of the KSF chunk ({@link KSF_MODULES} and the lazy chunks only they reach); 0 when the bundle has none. */
  readonly ksf: number;
  /** Minified bytes of the KSF chunk. */
  readonly ksfMinified: number;
}

/** What goes into one bundle: an entry file, or module text (e.g. several `export *`). */
export type BundleSource = { readonly entry: string } | { readonly contents: string };

/**
 * Bundles `source` for the browser, minified, with code splitting, and
 * measures what a page loads up front: the entry chunk and the chunks it
 * imports statically. Chunks reached only through `import()` (the pure-JS
 * fallbacks for runtimes without WebCrypto AES-GCM or WebAssembly) load on
 * demand and are reported as `lazy`, not counted against the budget.
 */
export async function measureBundle(source: BundleSource, options: { external?: readonly string[] } = {}): Promise<Bundle> {
  const result = await build({
    ...('entry' in source
      ? { entryPoints: [resolve(root, source.entry)] }
      : { stdin: { contents: source.contents, resolveDir: root, sourcefile: STDIN_NAME, loader: 'ts' } }),
    absWorkingDir: root,
    bundle: true,
    minify: true,
    splitting: true,
    outdir: resolve(root, '.size-out'),
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    external: [...(options.external ?? [])],
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  // Match the entry by name: with code splitting, every chunk reached through `import()` is
  // an entry point of the metafile too, and may come first.
  const entryName = 'entry' in source ? relative(root, resolve(root, source.entry)).split(sep).join('/') : STDIN_NAME;
  const entryPath = Object.keys(outputs).find((path) => outputs[path]?.entryPoint === entryName);
  if (entryPath === undefined) throw new Error('esbuild produced no entry output');
  // Walk static imports from the entry: that is what loads before the first call.
  const eager = new Set<string>();
  const stack = [entryPath];
  while (stack.length > 0) {
    const path = stack.pop() as string;
    if (eager.has(path)) continue;
    eager.add(path);
    for (const imported of outputs[path]?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) stack.push(imported.path);
  }
  // The KSF chunk: the outputs of `import('./argon2id-wasm.js')` and `import('./argon2id-threads.js')` and what
  // they import statically, less what loads up front.
  const ksfChunks = new Set<string>();
  const ksfStack = Object.keys(outputs).filter((path) => KSF_MODULES.includes(outputs[path]?.entryPoint ?? ''));
  while (ksfStack.length > 0) {
    const path = ksfStack.pop() as string;
    if (ksfChunks.has(path) || eager.has(path)) continue;
    ksfChunks.add(path);
    for (const imported of outputs[path]?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) ksfStack.push(imported.path);
  }
  let minified = 0;
  let gzipped = 0;
  let lazy = 0;
  let ksf = 0;
  let ksfMinified = 0;
  const inputs: Record<string, number> = {};
  for (const file of result.outputFiles) {
    const path = Object.keys(outputs).find((p) => resolve(root, p) === file.path);
    if (path === undefined || path.endsWith('.map')) continue;
    if (!eager.has(path)) {
      const size = gzipSync(file.contents, { level: 9 }).length;
      lazy += size;
      if (ksfChunks.has(path)) {
        ksf += size;
        ksfMinified += file.contents.length;
      }
      continue;
    }
    minified += file.contents.length;
    gzipped += gzipSync(file.contents, { level: 9 }).length;
    for (const [input, { bytesInOutput }] of Object.entries(outputs[path]?.inputs ?? {})) inputs[input] = (inputs[input] ?? 0) + bytesInOutput;
  }
  return { minified, gzipped, inputs, lazy, ksf, ksfMinified };
}

/** Groups input paths: a package name for dependencies, `src/<folder>` for our sources. */
export function groupOf(path: string): string {
  const parts = path.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at >= 0) {
    const scoped = parts[at + 1]?.startsWith('@') === true;
    return parts.slice(at + 1, at + (scoped ? 3 : 2)).join('/');
  }
  return parts[0] === 'src' && parts.length > 2 ? parts.slice(0, 2).join('/') : path;
}

/** The largest contributors to a bundle (minified bytes, before gzip). */
export function topContributors(bundle: Bundle, by: 'group' | 'file', count = 8): { name: string; bytes: number }[] {
  const sums = new Map<string, number>();
  for (const [path, bytes] of Object.entries(bundle.inputs)) {
    const key = by === 'group' ? groupOf(path) : path;
    sums.set(key, (sums.get(key) ?? 0) + bytes);
  }
  return [...sums]
    .map(([name, bytes]) => ({ name, bytes }))
    .filter(({ bytes }) => bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, count);
}

/** Every figure the budgets and the docs use. */
export interface SizeReport {
  /** `zerovault`: what loads up front (the Argon2 WASM is in its KSF chunk, `core.ksf`). */
  readonly core: Bundle;
  /** `zerovault/seal`. */
  readonly seal: Bundle;
  /** `zerovault` + `zerovault/idb`. */
  readonly coreWithIdb: Bundle;
  /** What `zerovault/idb` adds over `zerovault`, gzipped bytes. */
  readonly idbIncrement: number;
  /** `zerovault/record` (it does not reach Argon2). */
  readonly record: Bundle;
}

/** Measures every bundle (sequentially: the machine may be shared). */
export async function measureSizes(): Promise<SizeReport> {
  const core = await measureBundle({ entry: 'src/index.ts' });
  const seal = await measureBundle({ entry: 'src/seal/index.ts' });
  const coreWithIdb = await measureBundle({ contents: "export * from './src/index.ts';\nexport * from './src/idb.ts';\n" });
  const record = await measureBundle({ entry: 'src/record.ts' });
  return { core, seal, coreWithIdb, idbIncrement: coreWithIdb.gzipped - core.gzipped, record };
}

const kb = (bytes: number): string => `${(bytes / KB).toFixed(1)} KB`;

/** The report as a Markdown table plus the largest contributors. */
export function formatReport(report: SizeReport): string {
  const row = (name: string, gzipped: number, minified: string, budget: number | undefined, total: string): string => {
    const verdict = budget === undefined ? '' : gzipped <= budget ? `≤ ${kb(budget)} ✓` : `${kb(budget)} — over by ${kb(gzipped - budget)}`;
    return `| ${name} | ${kb(gzipped)} | ${minified} | ${verdict} | ${total} |`;
  };
  const lines = [
    '| entry | min+gz up front | minified | budget | KSF chunk (Argon2id WASM), min+gz, on demand |',
    '| --- | --- | --- | --- | --- |',
    row('`zerovault`', report.core.gzipped, kb(report.core.minified), BUDGETS.core, `${kb(report.core.ksf)} (${kb(report.core.ksfMinified)} min)`),
    row('`zerovault/seal`', report.seal.gzipped, kb(report.seal.minified), BUDGETS.seal, report.seal.ksf === 0 ? '— (no Argon2)' : kb(report.seal.ksf)),
    row('`zerovault/idb` (added to `zerovault`)', report.idbIncrement, `+${kb(report.coreWithIdb.minified - report.core.minified)}`, BUDGETS.idb, '—'),
    row('`zerovault/record`', report.record.gzipped, kb(report.record.minified), BUDGETS.record, '—'),
    '',
    'Largest contributors (minified bytes before gzip):',
  ];
  for (const [name, bundle] of [
    ['zerovault', report.core],
    ['zerovault/seal', report.seal],
    ['zerovault/record', report.record],
  ] as const) {
    const parts = topContributors(bundle, 'group', 6).map(({ name: n, bytes }) => `${n} ${kb(bytes)}`);
    lines.push(`- ${name}: ${parts.join(', ')}`);
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatReport(await measureSizes()));
}
