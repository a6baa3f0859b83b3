/**
 * The import graph obeys DESIGN.md's arrows, no `node:` module is reachable
 * from a browser entry point, and the wire formats both sides read have one
 * home (`formats/`): nothing else holds their labels or magic bytes, and the
 * server reaches Ed25519 only through it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * Specifiers a file imports. Type-only imports count for the layer arrows
 * (they still couple layers) but not for runtime reachability.
 */
function importsOf(file: string, runtimeOnly = false): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)]
    .filter((m) => !(runtimeOnly && m[1] !== undefined))
    .map((m) => (m[2] ?? m[3]) as string);
}

/** Resolves a relative or `#backend` specifier to a source file, for a given platform. */
function resolveLocal(from: string, specifier: string, platform: 'node' | 'web'): string | undefined {
  if (specifier === '#backend') return join(src, 'crypto', platform === 'node' ? 'backend-node.ts' : 'backend-web.ts');
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(dirname(from), specifier).replace(/\.js$/, '.ts');
  return existsSync(target) ? target : undefined;
}

/** The layer of a source file: its first folder under src, or the root file. */
function layerOf(file: string): string {
  const rel = relative(src, file).split(/[\\/]/);
  return rel.length === 1 ? `root:${rel[0]}` : (rel[0] as string);
}

// Who may import whom, directly (DESIGN.md "Layers"). Everything may import errors.ts.
const ALLOWED: Record<string, readonly string[]> = {
  crypto: ['crypto'],
  envelope: ['envelope', 'crypto'],
  opaque: ['opaque', 'crypto'],
  seal: ['seal', 'crypto'],
  // Pure wire formats both sides read (DESIGN.md "Layers").
  formats: ['formats', 'crypto'],
  // transport.ts is the one HTTP client, beside errors.ts so the REST store can share it.
  store: ['store', 'crypto/bytes', 'crypto/assert', 'transport'],
  // Grants are sealed to the grantee with HPKE auth mode (`zerovault/seal`).
  client: ['client', 'formats', 'envelope', 'opaque', 'store', 'seal', 'crypto', 'transport'],
  // The in-memory server store reuses memoryStore for its per-user blobs
  // rather than a second copy of the same logic (see the closing notes).
  server: ['server', 'formats', 'opaque', 'store/types', 'store/memory', 'crypto'],
  cli: ['cli', 'server', 'client', 'seal', 'store', 'crypto', 'root'],
  // The app's own backend: tokens and proofs through jose, nothing of the server or client but
  // its group commit (a pure helper: the replay stores batch burns as the server batches nonces).
  verify: ['verify', 'formats', 'crypto', 'server/group-commit'],
};

// DESIGN.md's list; the Node backend is split in parts (files, synced files) behind its one seam.
const NODE_ALLOWED = [/^crypto\/backend-node(-files|-sync)?\.ts$/, /^crypto\/threads-node\.ts$/, /^store\/fs\.ts$/, /^server\/node\.ts$/, /^cli\//];

const files = walk(src);

/** The relative path of a source file, with forward slashes. */
function relOf(file: string): string {
  return relative(src, file).replace(/\\/g, '/');
}

// `@noble/*` is the crypto layer's alone.
const NOBLE_ALLOWED = [/^crypto\//];

// What marks a wire format's bytes: its signature label or text prefix, and
// its magic ("Z" + a letter). Pins ("ZP") are the client's private format.
const FORMAT_MARKS: readonly RegExp[] = [
  /zerovault\/v1\/(key-event|grant|membership|record-signature|safety-number|device-login|device-known|device-slot)\b/,
  /['"]zvrk1['"]/,
  /0x5a,\s*0x(46|53|4d|44|47|41|55|52)\b/i,
  /\bMAGIC\w*\s*=\s*0x(46|53|4d|44|47|41|55|52)\b/i,
];

/** Lines of `text` that read a format's layout: a mark, or a DataView (raw offsets) in the server. */
function formatReads(rel: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => {
    const code = line.replace(/^\s*(\*|\/\/).*$/, '');
    const hit = FORMAT_MARKS.some((re) => re.test(code)) || (rel.startsWith('server/') && /\bDataView\b/.test(code));
    return hit ? [`${rel}:${i + 1}`] : [];
  });
}

describe('architecture', () => {
  test('the source tree is not empty', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  test('imports follow the layer arrows', () => {
    const violations: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      for (const specifier of importsOf(file)) {
        const target = resolveLocal(file, specifier, 'node');
        if (target === undefined) continue;
        const targetRel = relative(src, target).replace(/\\/g, '/');
        if (targetRel === 'errors.ts') continue;
        if (layer.startsWith('root:')) continue; // entry points re-export layers
        const allowed = ALLOWED[layer];
        if (allowed === undefined) {
          violations.push(`${relative(src, file)}: unknown layer ${layer}`);
          continue;
        }
        const targetLayer = layerOf(target);
        const ok = allowed.some((a) => (a === 'root' ? targetLayer.startsWith('root:') : targetRel === `${a}.ts` || targetRel.startsWith(`${a}/`) || targetRel.startsWith(`${a}.`)));
        if (!ok) violations.push(`${relative(src, file)} -> ${targetRel}`);
      }
    }
    expect(violations).toEqual([]);
  });

  /** Static imports from outside `dir` into it (only `import()` and `import type` may cross). */
  function staticImportsInto(dir: string): string[] {
    const violations: string[] = [];
    for (const file of files) {
      if (file.startsWith(`${dir}/`)) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const typeOnly = m[1] !== undefined;
        const dynamic = m[3] !== undefined;
        const target = resolveLocal(file, (m[2] ?? m[3]) as string, 'web');
        if (target === undefined || !target.startsWith(`${dir}/`) || typeOnly || dynamic) continue;
        violations.push(`${relative(src, file)} -> ${relative(src, target)}`);
      }
    }
    return violations;
  }

  test('client/sharing/ is a lazy boundary: outside it, only import() and import type reach it', () => {
    expect(staticImportsInto(join(src, 'client', 'sharing'))).toEqual([]);
    // The check itself sees a sharing module's dynamic import (or it could pass by reading nothing).
    const session = readFileSync(join(src, 'client', 'account', 'session-vaults.ts'), 'utf8');
    expect([...session.matchAll(IMPORT)].some((m) => m[3]?.includes('sharing/'))).toBe(true);
  });

  test('client/devices/ is a lazy boundary too: device code loads with the first device call', () => {
    expect(staticImportsInto(join(src, 'client', 'devices'))).toEqual([]);
    // The one loader every caller (client, session, rotation) goes through.
    const loader = readFileSync(join(src, 'client', 'account', 'session-devices.ts'), 'utf8');
    expect([...loader.matchAll(IMPORT)].some((m) => m[3]?.includes('devices/'))).toBe(true);
  });

  test('client/credentials/ is a lazy boundary too: password change, recovery and rotation load with their first call', () => {
    expect(staticImportsInto(join(src, 'client', 'credentials'))).toEqual([]);
    const stub = readFileSync(join(src, 'client', 'account', 'credentials.ts'), 'utf8');
    expect([...stub.matchAll(IMPORT)].some((m) => m[3]?.includes('credentials/'))).toBe(true);
  });

  test('node: built-ins appear only where DESIGN.md allows them', () => {
    const violations: string[] = [];
    for (const file of files) {
      const rel = relative(src, file).replace(/\\/g, '/');
      const usesNode = importsOf(file).some((s) => s.startsWith('node:'));
      if (usesNode && !NODE_ALLOWED.some((re) => re.test(rel))) violations.push(rel);
    }
    expect(violations).toEqual([]);
  });

  test('no bare Node built-in names are imported (only the node: form)', () => {
    const builtins = ['crypto', 'fs', 'path', 'http', 'https', 'os', 'stream', 'url', 'buffer', 'util', 'fs/promises'];
    const violations = files.filter((file) => importsOf(file).some((s) => builtins.includes(s)));
    expect(violations.map((f) => relative(src, f))).toEqual([]);
  });

  test('@noble/* is imported only by the crypto layer (never by the server, the client or the formats)', () => {
    const violations = files
      .filter((file) => importsOf(file).some((s) => s.startsWith('@noble/')))
      .map(relOf)
      .filter((rel) => !NOBLE_ALLOWED.some((re) => re.test(rel)));
    expect(violations).toEqual([]);
    // The server in particular verifies signatures through formats/.
    expect(files.filter((file) => relOf(file).startsWith('server/')).length).toBeGreaterThan(3);
  });

  test('wire formats are read only in formats/: no label, magic or raw offset elsewhere', () => {
    const violations = files
      .filter((file) => !relOf(file).startsWith('formats/'))
      .flatMap((file) => formatReads(relOf(file), readFileSync(file, 'utf8')));
    expect(violations).toEqual([]);
    // The check finds what it looks for: each format module holds its marks.
    for (const name of ['frame', 'slots', 'manifest', 'key-event', 'grant', 'membership', 'record-signature', 'safety-number', 'recovery-key', 'device', 'device-slot', 'device-registry']) {
      const text = readFileSync(join(src, 'formats', `${name}.ts`), 'utf8');
      expect(formatReads(`formats/${name}.ts`, text).length, name).toBeGreaterThan(0);
    }
    expect(formatReads('server/x.ts', 'const v = new DataView(b.buffer);')).toEqual(['server/x.ts:1']);
  });

  const browserEntries = ['index.ts', 'idb.ts', 'seal/index.ts', 'opaque/index.ts', 'server/index.ts', 'ksf-worker.ts', 'verify/index.ts', 'verify-web.ts'];
  for (const entry of browserEntries) {
    test(`no node: module is reachable from the browser entry ${entry}`, () => {
      const start = join(src, entry);
      if (!existsSync(start)) throw new Error(`entry ${entry} is missing`);
      const seen = new Set<string>();
      const stack = [start];
      const reached: string[] = [];
      while (stack.length > 0) {
        const file = stack.pop() as string;
        if (seen.has(file)) continue;
        seen.add(file);
        for (const specifier of importsOf(file, true)) {
          if (specifier.startsWith('node:')) reached.push(`${relative(src, file)} -> ${specifier}`);
          const target = resolveLocal(file, specifier, 'web');
          if (target !== undefined) stack.push(target);
        }
      }
      expect(seen.size).toBeGreaterThan(0);
      expect(reached).toEqual([]);
    });
  }
});
