/**
 * The built `.d.ts` promise exactly what the built JavaScript holds, for
 * every entry of the `exports` map and for both builds (node and web):
 *
 * - the value exports the declarations name (TypeScript's view, through every
 *   alias) equal `Object.keys(await import(entry))` in plain Node;
 * - every declaration reachable from an entry's public types is itself
 *   exported by some entry, so no internal type (`VaultHost`, `SigningKey`,
 *   …) leaks into what users can name or must satisfy;
 * - `Session` and `Vault` are types only: users get them from `Client`, never
 *   by calling a constructor that takes internal state.
 *
 * Reads `dist/` (run `npm run build` first; see dist.ts).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import ts from 'typescript';
import { beforeAll, expect, test } from 'vitest';
import { BUILDS, FIXTURES, ROOT, declarationProgram, describeDist, entries, exportsOf, resolveEntry, type Build, type ExportedName } from './dist.js';

const builds = Object.keys(BUILDS) as Build[];

/** Declarations of a build, per entry: exported names with their value meaning. */
const declared = new Map<Build, { checker: ts.TypeChecker; exports: Map<string, ExportedName[]> }>();
/** Runtime export names per JavaScript file. */
let runtime: Record<string, string[]> = {};

describeDist('package exports', () => {
  beforeAll(() => {
    for (const build of builds) {
      const { checker, files } = declarationProgram(build);
      declared.set(build, { checker, exports: new Map([...files].map(([subpath, file]) => [subpath, exportsOf(checker, file)])) });
    }
    // One plain Node process imports every entry of both builds.
    const paths = [...new Set(builds.flatMap((build) => entries().map((subpath) => resolveEntry(subpath, build, 'js'))))];
    runtime = JSON.parse(execFileSync(process.execPath, [join(FIXTURES, 'runtime/keys.mjs'), ...paths], { encoding: 'utf8' })) as Record<string, string[]>;
  }, 120_000);

  for (const build of builds) {
    test.each(entries())(`${build} build, %s: the .d.ts value exports are exactly the runtime exports`, (subpath) => {
      const names = declared.get(build)?.exports.get(subpath) ?? [];
      const values = names.filter((name) => name.value).map((name) => name.name).sort();
      const js = runtime[resolveEntry(subpath, build, 'js')];
      expect(js, 'the entry did not import').toBeDefined();
      expect(values).toEqual(js);
    });

    if (build === 'web') {
      test('web build: no file imports a Node built-in', () => {
        const dir = join(ROOT, 'dist/web');
        const offenders = readdirSync(dir)
          .filter((name) => name.endsWith('.js'))
          .filter((name) => /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["']node:/.test(readFileSync(join(dir, name), 'utf8')));
        expect(offenders).toEqual([]);
      });
    }

    test(`${build} build: every type reachable from the public declarations is exported by an entry`, () => {
      const entry = declared.get(build);
      if (entry === undefined) throw new Error('no declarations');
      const leaks = internalTypes(entry.checker, entry.exports);
      const names = leaks.map((leak) => leak.split(' ')[0] as string);
      const unexpected = leaks.filter((_, i) => !(names[i] as string in PENDING));
      expect(unexpected, `internal declarations reachable from the public types:\n${unexpected.join('\n')}`).toEqual([]);
      // A ratchet: each pending leak must still be there, so the list shrinks as owners land fixes.
      expect(Object.keys(PENDING).filter((name) => !names.includes(name)), 'fixed: remove these from PENDING').toEqual([]);
    });

    test(`${build} build: Session and Vault have no public constructor, Client has one`, () => {
      const root = declared.get(build)?.exports.get('.') ?? [];
      const find = (name: string): ExportedName => {
        const found = root.find((exported) => exported.name === name);
        if (found === undefined) throw new Error(`${name} is not exported`);
        return found;
      };
      expect(publicConstructor(find('Client'))).toBe(true);
      expect(publicConstructor(find('Session'))).toBe(false);
      expect(publicConstructor(find('Vault'))).toBe(false);
    });
  }
});

/**
 * Internal declarations still reachable because of code outside this
 * package's files, each with where it must be fixed. The test fails on any
 * other leak, and on any of these once it is gone.
 */
const PENDING: Readonly<Record<string, string>> = {};

/**
 * Whether users can call `new` on an export: a value whose class declares a
 * constructor that is neither private nor protected, or declares none.
 */
function publicConstructor(exported: ExportedName): boolean {
  if (!exported.value) return false;
  const classes = (exported.target.declarations ?? []).filter(ts.isClassDeclaration);
  if (classes.length === 0) return false;
  const constructors = classes.flatMap((c) => c.members.filter(ts.isConstructorDeclaration));
  return constructors.length === 0 || constructors.some((c) => !isHiddenMember(c));
}

/** Whether a node is a private or protected class member (`#x` and `private x` carry no type in a `.d.ts`). */
function isHiddenMember(node: ts.Node): boolean {
  if (ts.canHaveModifiers(node)) {
    const flags = ts.getCombinedModifierFlags(node as ts.Declaration);
    if ((flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0) return true;
  }
  const name = (node as { name?: ts.Node }).name;
  return name !== undefined && ts.isPrivateIdentifier(name);
}

/** Whether a class member belongs to the constructor side (`new`, `static`): reachable only through a value. */
function isConstructorSide(node: ts.Node): boolean {
  if (ts.isConstructorDeclaration(node)) return true;
  return ts.canHaveModifiers(node) && (ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Static) !== 0;
}

/**
 * Walks the declarations reachable from every entry's exports (type
 * references, heritage clauses, `typeof`) and returns those declared in the
 * package but exported by no entry, each with the public name it was reached
 * from. A class exported as a type only contributes its instance side; one
 * exported as a value contributes its constructor and statics too.
 */
function internalTypes(checker: ts.TypeChecker, exports: Map<string, ExportedName[]>): string[] {
  const dist = join(ROOT, 'dist') + sep;
  const inPackage = (declaration: ts.Declaration): boolean => declaration.getSourceFile().fileName.startsWith(dist);
  // A declaration is public when an entry exports it. Under the web conditions `zerovault/fs`
  // resolves into the node build, whose chunks mirror the web build's file for file: the same
  // name in the same chunk is the same public declaration.
  const keyOf = (symbol: ts.Symbol): string[] =>
    (symbol.declarations ?? []).filter(inPackage).map((d) => `${basename(d.getSourceFile().fileName)}#${symbol.name}`);
  const publicKeys = new Set([...exports.values()].flat().flatMap((exported) => keyOf(exported.target)));
  const isPublic = (symbol: ts.Symbol): boolean => keyOf(symbol).some((key) => publicKeys.has(key));
  const seen = new Set<string>();
  const leaks = new Map<string, string>();
  const ids = new Map<ts.Symbol, number>();
  const idOf = (symbol: ts.Symbol): number => {
    let id = ids.get(symbol);
    if (id === undefined) ids.set(symbol, (id = ids.size));
    return id;
  };
  const queue: { symbol: ts.Symbol; asValue: boolean; from: string }[] = [];
  for (const [subpath, names] of exports) {
    for (const exported of names) queue.push({ symbol: exported.target, asValue: exported.value, from: `${subpath}:${exported.name}` });
  }
  const reach = (node: ts.Node, asValue: boolean, from: string): void => {
    let symbol = checker.getSymbolAtLocation(node);
    if (symbol === undefined) return;
    if ((symbol.flags & ts.SymbolFlags.Alias) !== 0) symbol = checker.getAliasedSymbol(symbol);
    const declarations = (symbol.declarations ?? []).filter(inPackage);
    // Only module-level declarations: type parameters and members are not names a user imports.
    if (!declarations.some((d) => ts.isSourceFile(d.parent) || ts.isModuleBlock(d.parent))) return;
    if (!isPublic(symbol)) leaks.set(symbol.name, leaks.get(symbol.name) ?? from);
    queue.push({ symbol, asValue, from });
  };
  while (queue.length > 0) {
    const { symbol, asValue, from } = queue.shift() as (typeof queue)[number];
    const key = `${idOf(symbol)}:${asValue}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const declaration of (symbol.declarations ?? []).filter(inPackage)) {
      const visit = (node: ts.Node): void => {
        if (node !== declaration && (isHiddenMember(node) || (!asValue && ts.isClassLike(node.parent) && isConstructorSide(node)))) return;
        if (ts.isTypeReferenceNode(node)) reach(node.typeName, false, from);
        else if (ts.isExpressionWithTypeArguments(node)) reach(node.expression, false, from);
        else if (ts.isTypeQueryNode(node)) reach(node.exprName, true, from);
        ts.forEachChild(node, visit);
      };
      visit(declaration);
    }
  }
  return [...leaks].map(([name, from]) => `${name} (reached from ${from})`).sort();
}
