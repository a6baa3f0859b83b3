/**
 * Helpers for the tests of the built package: they read `dist/` as a user's
 * tools would, through the `exports` map of `package.json`, and build
 * nothing themselves (`npm run build` comes first; CI builds before
 * `npm test`).
 *
 * Without a build the suites are skipped with a loud warning, except under
 * `CI=true`, where they fail.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, test } from 'vitest';

/** The repository root (the package). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The fixture projects. */
export const FIXTURES = join(ROOT, 'test/package/fixtures');

/** One target of the `exports` map: a path, or conditions in order. */
type ExportTarget = string | null | { readonly [condition: string]: ExportTarget };

interface PackageJson {
  readonly name: string;
  readonly exports: Readonly<Record<string, ExportTarget>>;
}

/** The package's manifest. */
export const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

/**
 * The two builds and the conditions a resolver matches for each (`default`
 * always matches): Node, and everything else (browsers, workers, edge).
 */
export const BUILDS = {
  node: ['node', 'import'],
  web: ['browser', 'worker', 'import'],
} as const satisfies Record<string, readonly string[]>;

export type Build = keyof typeof BUILDS;

/** Subpaths of the `exports` map that are modules (`.`, `./server`, …), in map order. */
export function entries(): string[] {
  return Object.keys(PKG.exports).filter((subpath) => subpath !== './package.json');
}

/** The specifier a user writes for a subpath: `zerovault`, `zerovault/server`. */
export function specifierOf(subpath: string): string {
  return subpath === '.' ? PKG.name : `${PKG.name}/${subpath.slice(2)}`;
}

/** Node's resolution of one `exports` target under a set of conditions (first match in key order wins). */
function resolveTarget(target: ExportTarget, conditions: readonly string[]): string | undefined {
  if (target === null) return undefined;
  if (typeof target === 'string') return target;
  for (const [condition, next] of Object.entries(target)) {
    if (condition !== 'default' && !conditions.includes(condition)) continue;
    const found = resolveTarget(next, conditions);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The file a subpath resolves to for a build: its JavaScript, or its declarations (`types` condition). */
export function resolveEntry(subpath: string, build: Build, kind: 'js' | 'types'): string {
  const target = PKG.exports[subpath];
  if (target === undefined) throw new Error(`no such export: ${subpath}`);
  const conditions = kind === 'types' ? ['types', ...BUILDS[build]] : BUILDS[build];
  const found = resolveTarget(target, conditions);
  if (found === undefined) throw new Error(`${subpath} has no ${kind} target for the ${build} build`);
  return join(ROOT, found);
}

/** Every file the `exports` map points at, for both builds, that is missing. */
function missingFiles(): string[] {
  const files = new Set<string>();
  for (const subpath of entries()) {
    for (const build of Object.keys(BUILDS) as Build[]) {
      for (const kind of ['js', 'types'] as const) files.add(resolveEntry(subpath, build, kind));
    }
  }
  return [...files].filter((file) => !existsSync(file));
}

/**
 * `describe` when the build is there. Otherwise: under `CI=true` a suite
 * whose one test fails, naming the fix; elsewhere a skipped suite and a loud
 * warning on stderr.
 */
export function describeDist(name: string, body: () => void): void {
  const missing = missingFiles();
  if (missing.length === 0) {
    describe(name, body);
    return;
  }
  const reason = `the build is missing (${missing.length} files, e.g. ${relative(ROOT, missing[0] ?? '')}): run "npm run build" before these tests`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      test('the package is built', () => {
        throw new Error(reason);
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPED: ${reason}. Suite "${name}" did not run.\n`);
  describe.skip(`${name} [SKIPPED: no build]`, body);
}

/**
 * A throwaway project directory with `node_modules/zerovault` linked to this
 * repository, as `npm install` of the package would leave it (dependencies
 * resolve from the package's real path). `@types` is linked too, so a
 * consumer's `types: ["node"]` resolves. No network.
 */
export function consumerDir(files: Readonly<Record<string, string>> = {}): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'zerovault-consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', PKG.name), 'dir');
  symlinkSync(join(ROOT, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An exported name and whether it has a value at run time. */
export interface ExportedName {
  readonly name: string;
  readonly value: boolean;
  /** The declaration the export resolves to, through every alias. */
  readonly target: ts.Symbol;
}

/** Whether one alias declaration (`export type { X }`, `import type { X }`, …) is type-only. */
function isTypeOnlyAlias(declaration: ts.Declaration): boolean {
  if (ts.isExportSpecifier(declaration)) return declaration.isTypeOnly || declaration.parent.parent.isTypeOnly;
  if (ts.isImportSpecifier(declaration)) return declaration.isTypeOnly || declaration.parent.parent.isTypeOnly;
  if (ts.isImportClause(declaration)) return declaration.isTypeOnly;
  if (ts.isNamespaceImport(declaration)) return declaration.parent.isTypeOnly;
  if (ts.isNamespaceExport(declaration)) return declaration.parent.isTypeOnly;
  if (ts.isExportDeclaration(declaration)) return declaration.isTypeOnly;
  return false;
}

/**
 * The names a declaration file exports, each with whether it is a value:
 * the resolved symbol has a value meaning and no alias on the way is
 * type-only (`export type { Session }` of a class is a type, not a value).
 */
export function exportsOf(checker: ts.TypeChecker, file: ts.SourceFile): ExportedName[] {
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (moduleSymbol === undefined) throw new Error(`${file.fileName} is not a module`);
  return checker.getExportsOfModule(moduleSymbol).map((symbol) => {
    let current = symbol;
    let typeOnly = false;
    while ((current.flags & ts.SymbolFlags.Alias) !== 0) {
      if ((current.declarations ?? []).some(isTypeOnlyAlias)) typeOnly = true;
      const next = checker.getImmediateAliasedSymbol(current);
      if (next === undefined || next === current) break;
      current = next;
    }
    const value = !typeOnly && (current.flags & ts.SymbolFlags.Value) !== 0;
    return { name: symbol.name, value, target: current };
  });
}

/** One TypeScript program over the declarations of every entry of a build. */
export function declarationProgram(build: Build): { program: ts.Program; checker: ts.TypeChecker; files: Map<string, ts.SourceFile> } {
  const paths = new Map(entries().map((subpath) => [subpath, resolveEntry(subpath, build, 'types')]));
  const program = ts.createProgram([...paths.values()], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules/@types')],
    noEmit: true,
    skipLibCheck: true,
  });
  const files = new Map<string, ts.SourceFile>();
  for (const [subpath, path] of paths) {
    const file = program.getSourceFile(path);
    if (file === undefined) throw new Error(`${path} did not load`);
    files.set(subpath, file);
  }
  return { program, checker: program.getTypeChecker(), files };
}
