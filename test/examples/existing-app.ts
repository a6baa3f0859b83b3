/**
 * Runs the existing-app example (examples/existing-app, both variants) on
 * 127.0.0.1 for tests, on the sources: each test file maps `zerovault/*` to
 * `src/` with `vi.mock`, as examples/web's test redirects its bundle.
 *
 * The example imports the package by name, so it is type-checked against
 * the build (`npm run typecheck:examples`); this file loads it by a computed
 * path, with the shape it relies on written out below, so the repository's
 * own type-check does not need a build.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The example's folder. */
export const EXAMPLE = join(ROOT, 'examples/existing-app');

export type Variant = 'before' | 'after';

/** What `createApp` of either variant returns. */
interface ExampleApp {
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}
interface AppModule {
  createApp: (options: { dbPath: string; script: string; setup?: Uint8Array }) => Promise<ExampleApp>;
}
interface BuildModule {
  buildPage: (variant: Variant, options?: { resolve?: Readonly<Record<string, string>>; minify?: boolean }) => Promise<string>;
}

/** A variant listening on loopback. */
export interface RunningExample {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The SQLite file the app (and, after, zerovault) writes. */
  readonly dbPath: string;
  close(): Promise<void>;
}

/** Bundles a variant's page (see examples/existing-app/build.ts). */
export async function buildPage(variant: Variant, options?: { resolve?: Readonly<Record<string, string>>; minify?: boolean }): Promise<string> {
  const { buildPage: build } = (await import(join(EXAMPLE, 'build.ts'))) as BuildModule;
  return build(variant, options);
}

/** Starts a variant on an ephemeral port with its database in a temporary folder. */
export async function startExample(variant: Variant, options: { script?: string; setup?: Uint8Array } = {}): Promise<RunningExample> {
  const { createApp } = (await import(join(EXAMPLE, variant, 'app.ts'))) as AppModule;
  const dir = mkdtempSync(join(tmpdir(), `zerovault-todos-${variant}-`));
  const dbPath = join(dir, 'todos.db');
  const app = await createApp({ dbPath, script: options.script ?? '', ...(options.setup === undefined ? {} : { setup: options.setup }) });
  const server = createServer(app.handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    dbPath,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
