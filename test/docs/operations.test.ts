/**
 * The TypeScript blocks of docs/operations.md run as written (with
 * `zerovault/server` mapped to the sources), except the Prometheus one,
 * which needs a package we do not ship and says so; they also type-check
 * against the sources under the repository's strict settings (a misspelt
 * option would still run). The logging block's
 * lines parse as JSON with the event in them; the `onThreat` block's policy
 * keeps the default's answer.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, test, vi } from 'vitest';
import type { ZeroVaultServer } from '../../src/server/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOC = path.join(ROOT, 'docs/operations.md');
const written: string[] = [];

afterAll(() => {
  for (const file of written) rmSync(file, { force: true });
});

/** The ```ts blocks of the doc, in order. */
function blocks(): string[] {
  return [...readFileSync(DOC, 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
}

/** Runs a block as a module (imports of `zerovault/server` point at the sources) and returns its `zv`. */
async function run(code: string, index: number): Promise<ZeroVaultServer> {
  const server = pathToFileURL(path.join(ROOT, 'src/server/index-node.ts')).href;
  const source = `${code.replaceAll("from 'zerovault/server'", `from '${server}'`)}\nexport { zv };\n`;
  const file = path.join(ROOT, 'test/docs', `.operations-snippet-${process.pid}-${index}.ts`);
  writeFileSync(file, source);
  written.push(file);
  return ((await import(pathToFileURL(file).href)) as { zv: ZeroVaultServer }).zv;
}

describe('docs/operations.md', () => {
  const all = blocks();
  const prometheus = all.filter((b) => b.includes('@opentelemetry/exporter-prometheus'));

  test('has the blocks this test runs, and a Performance section', () => {
    expect(all).toHaveLength(4);
    expect(prometheus).toHaveLength(1);
    expect(readFileSync(DOC, 'utf8')).toMatch(/^## Performance$/m);
    // The one block we cannot run says why, right before it.
    const text = readFileSync(DOC, 'utf8');
    expect(text.slice(0, text.indexOf(prometheus[0] as string))).toMatch(/which zerovault does not ship[\s\S]*not run by our tests\.\n\n```ts\n$/);
  });

  test('the blocks that run also type-check', () => {
    const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), (f) => ts.sys.readFile(f));
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const options: ts.CompilerOptions = {
      ...parsed.options,
      noEmit: true,
      noUnusedLocals: false,
      baseUrl: ROOT,
      paths: { 'zerovault/server': ['src/server/index-node.ts'] },
    };
    const runnable = all.filter((b) => !prometheus.includes(b));
    const files = new Map(runnable.map((code, i): [string, string] => [path.join(ROOT, 'docs', `operations.typecheck-${i}.ts`), `${code}\nexport {};\n`]));
    const host = ts.createCompilerHost(options);
    const disk = ts.createCompilerHost(options);
    host.fileExists = (f) => files.has(f) || disk.fileExists(f);
    host.readFile = (f) => files.get(f) ?? disk.readFile(f);
    host.getSourceFile = (f, language, onError, create) => {
      const text = files.get(f);
      return text === undefined ? disk.getSourceFile(f, language, onError, create) : ts.createSourceFile(f, text, language, true);
    };
    const program = ts.createProgram({ rootNames: [...files.keys()], options, host });
    const messages = [...files.keys()].flatMap((f) => {
      const file = program.getSourceFile(f);
      return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => `${path.basename(f)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    });
    expect(messages).toEqual([]);
  }, 120_000);

  test('the meter provider block runs and its server serves', async () => {
    const zv = await run(all[0] as string, 0);
    expect((await zv.fetch(new Request('http://localhost/no-such-route'))).status).toBe(404);
  });

  test('the structured-logging block writes one JSON line per event', async () => {
    const zv = await run(all[2] as string, 2);
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const res = await zv.fetch(new Request('http://localhost/blobs/v', { headers: { authorization: 'ZV1 nonsense' } }), { address: '192.0.2.7' });
      expect(res.status).toBe(401);
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'warn', msg: 'zerovault auth_failed', type: 'auth_failed', address: '192.0.2.7', time: expect.any(String) as unknown });
  });

  test('the onThreat block runs', async () => {
    const zv = await run(all[3] as string, 3);
    expect((await zv.fetch(new Request('http://localhost/blobs/v'))).status).toBe(401);
  });
});
