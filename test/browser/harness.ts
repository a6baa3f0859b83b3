/**
 * Node-side helpers for the real-browser suites: find Debian's Chromium,
 * launch it through playwright-core with a fresh profile, bundle page code
 * for the browser with esbuild, and serve it on 127.0.0.1.
 *
 * Without Chromium a suite is skipped with a loud warning, except under
 * `CI=true`, where it fails: CI must install the distribution package.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe, test } from 'vitest';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Debian's Chromium (`apt-get install chromium`); `ZEROVAULT_CHROMIUM` overrides it. */
export const CHROMIUM = process.env.ZEROVAULT_CHROMIUM ?? '/usr/bin/chromium';

/** The launch flags the browser issue asks for (`--headless` is also what `headless: true` adds). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * `describe` when Chromium is installed. Otherwise: under `CI=true` a suite
 * whose one test fails, naming the fix; elsewhere a skipped suite and a loud
 * warning on stderr.
 */
export function describeBrowser(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      test('Chromium is installed', () => {
        throw new Error(`${CHROMIUM} is missing: CI must run "apt-get install -y chromium" before the tests`);
      });
    });
    return;
  }
  console.warn(`\n!!! SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium). Suite "${name}" did not run.\n`);
  describe.skip(`${name} [SKIPPED: Chromium missing]`, body);
}

/** A launched Chromium with its own throwaway profile. */
export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium headless with a fresh user-data dir in a temporary folder. */
export async function launchChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'zerovault-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1280, height: 800 },
      deviceScaleFactor: 1,
    });
    return {
      context,
      async close() {
        await context.close().catch(() => {});
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}

/** A browser bundle held in memory. */
export interface PageBundle {
  readonly code: string;
  readonly metafile: Metafile;
}

/**
 * Bundles `entry` for the browser, as an app's bundler would: platform
 * `browser`, so the package's `#backend` import resolves through its
 * `default` condition to the WebCrypto backend. A `node:` import anywhere
 * makes the build fail.
 */
export async function bundleForBrowser(entry: string): Promise<PageBundle> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error('esbuild produced no output');
  return { code: file.text, metafile: result.metafile };
}

/** Input paths of a bundle (relative to the repository root). */
export function bundleInputs(bundle: PageBundle): string[] {
  return Object.keys(bundle.metafile.inputs);
}

/** `import … from "node:…"`, `import("node:…")` or `require("node:…")` in bundled code. */
export const NODE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)["']node:/;

/** A listening HTTP server on 127.0.0.1. */
export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `handler` on an ephemeral port of 127.0.0.1 (a secure context for the browser). */
export async function listenLocal(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
