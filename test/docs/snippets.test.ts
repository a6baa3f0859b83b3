/**
 * Every TypeScript block of docs/guide.md, docs/browser.md, docs/mfa.md, docs/documents.md,
 * docs/passkeys.md and docs/security-log.md type-checks
 * against the sources, under the repository's strict settings (unused names
 * aside: a snippet may import what the prose talks about).
 *
 * Each block is compiled as its own module, with `zerovault` and its
 * subpaths mapped to `src/` (the Node build's entries, as a Node reader
 * gets them). Some blocks continue an earlier one or leave names to the
 * app (`password`, `showError`, the `session` of the previous section);
 * PRELUDE declares exactly those, typed from the real API, so a renamed or
 * missing export, a wrong option or a missing import in a doc fails here.
 * `express` and `hono` are not dependencies: `express` is declared untyped
 * and `hono` by the one method the guide uses, so zerovault's side of those
 * blocks is what gets checked.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DOCS = ['docs/guide.md', 'docs/browser.md', 'docs/mfa.md', 'docs/passkeys.md', 'docs/documents.md', 'docs/security-log.md'];

/** What the docs' blocks take from the surrounding app or an earlier block. */
const PRELUDE = `
type ServerOptions = Parameters<typeof import('zerovault/server').createServer>[0];
declare const password: string;
declare const userId: string;
declare const currentPassword: string;
declare const newPassword: string;
declare const recoveryKey: string;
declare const setup: ServerOptions['setup'];
declare const store: ServerOptions['store'];
declare const zv: import('zerovault/server').ZeroVaultServer;
declare const client: import('zerovault').Client;
declare const session: import('zerovault').Session;
declare const vault: import('zerovault').Vault;
declare const createServer: typeof import('zerovault/server').createServer;
declare const postgresServerStore: typeof import('zerovault/server').postgresServerStore;
declare const isZeroVaultError: typeof import('zerovault').isZeroVaultError;
declare function app(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void;
declare function showError(message: string): undefined;
declare function askForCode(): Promise<string>;
declare function askPassword(): Promise<string>;
declare function showQrCode(uri: string): void;
declare function showOnce(codes: string[]): void;
declare const codeTheUserTyped: string;
declare const code: string;
declare const recoveryCode: string;
declare function log(event: unknown): void;
declare function render(done: number, total: number): void;
interface Doc { title: string }
declare function edit(doc: Doc): Doc;
declare module 'express';
declare module 'hono' {
  export class Hono {
    all(path: string, handler: (c: { req: { raw: Request } }) => Response | Promise<Response>): void;
  }
}
`;

interface Snippet {
  readonly doc: string;
  /** 1-based line of the block's first code line in the doc. */
  readonly line: number;
  readonly code: string;
  readonly file: string;
}

/** The ```ts blocks of a Markdown file, dedented by their fence's indentation. */
function snippetsOf(doc: string): Snippet[] {
  const lines = readFileSync(path.join(ROOT, doc), 'utf8').split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```ts\s*$/.exec(lines[i] as string);
    if (open === null) continue;
    const indent = (open[1] as string).length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^ *```\s*$/.test(lines[j] as string); j++) body.push((lines[j] as string).slice(indent));
    if (j === lines.length) throw new Error(`${doc}:${i + 1}: unclosed code block`);
    const file = path.join(ROOT, 'docs', `${path.basename(doc, '.md')}.snippet-${out.length + 1}.ts`);
    // `export {}` makes every block a module, so its names never clash with another block's.
    out.push({ doc, line: i + 2, code: `${body.join('\n')}\nexport {};\n`, file });
    i = j;
  }
  return out;
}

const snippets = DOCS.flatMap(snippetsOf);
const PRELUDE_FILE = path.join(ROOT, 'docs', 'snippet-prelude.d.ts');

function compilerOptions(): ts.CompilerOptions {
  const configPath = path.join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  if (config.error !== undefined) throw new Error('tsconfig.json does not parse');
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, configPath);
  return {
    ...parsed.options,
    noEmit: true,
    noUnusedLocals: false,
    noUnusedParameters: false,
    baseUrl: ROOT,
    paths: {
      zerovault: ['src/index.ts'],
      'zerovault/server': ['src/server/index-node.ts'],
      'zerovault/seal': ['src/seal/index.ts'],
      'zerovault/opaque': ['src/opaque/index.ts'],
      'zerovault/*': ['src/*.ts'],
    },
  };
}

function lineOf(snippet: Snippet, diagnostic: ts.Diagnostic): string {
  if (diagnostic.file === undefined || diagnostic.start === undefined) return snippet.doc;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${snippet.doc}:${snippet.line + line}`;
}

describe('TypeScript blocks of the docs', () => {
  let program: ts.Program;

  beforeAll(() => {
    const options = compilerOptions();
    const virtual = new Map<string, string>([[PRELUDE_FILE, PRELUDE], ...snippets.map((s): [string, string] => [s.file, s.code])]);
    const host = ts.createCompilerHost(options);
    const disk = ts.createCompilerHost(options);
    host.fileExists = (file) => virtual.has(file) || disk.fileExists(file);
    host.readFile = (file) => virtual.get(file) ?? disk.readFile(file);
    host.getSourceFile = (file, language, onError, create) => {
      const text = virtual.get(file);
      return text === undefined ? disk.getSourceFile(file, language, onError, create) : ts.createSourceFile(file, text, language, true);
    };
    program = ts.createProgram({ rootNames: [PRELUDE_FILE, ...snippets.map((s) => s.file)], options, host });
  }, 120_000);

  it('finds the blocks', () => {
    // A fence the extractor misses would silently drop blocks from the check.
    expect(snippets.filter((s) => s.doc === 'docs/guide.md').length).toBeGreaterThanOrEqual(10);
    expect(snippets.filter((s) => s.doc === 'docs/browser.md').length).toBeGreaterThanOrEqual(6);
    expect(snippets.filter((s) => s.doc === 'docs/mfa.md').length).toBeGreaterThanOrEqual(5);
    expect(snippets.filter((s) => s.doc === 'docs/passkeys.md').length).toBeGreaterThanOrEqual(4);
  });

  it('the prelude itself type-checks', () => {
    const file = program.getSourceFile(PRELUDE_FILE);
    expect(file).toBeDefined();
    const messages = program.getSemanticDiagnostics(file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(messages).toEqual([]);
  });

  it.each(snippets.map((s) => [`${s.doc}:${s.line}`, s] as const))('%s', (_name, snippet) => {
    const file = program.getSourceFile(snippet.file);
    expect(file).toBeDefined();
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    const messages = diagnostics.map((d) => `${lineOf(snippet, d)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(messages).toEqual([]);
  });
});
