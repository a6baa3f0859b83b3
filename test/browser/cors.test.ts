/**
 * `createServer({ cors })` in a real browser: a page served from one loopback
 * origin (`http://127.0.0.1:<A>`) uses the BUILT `zerovault` client
 * (`dist/web`, imported by package name, as an app's bundler would: run
 * `npm run build` first) against a zerovault server on another origin
 * (`http://localhost:<B>`), and calls an app route beside it on that origin,
 * verified with `zerovault/verify`. The same page against the server without
 * the option, and against one that lists another origin, gets `NETWORK`:
 * Chromium itself refuses the answers.
 */
import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createServer, createServerSetup, memoryServerStore, normalizeUserId } from '../../src/server/index.js';
import { createVerifier } from '../../src/verify/index.js';
import type { CorsPageApi, CorsPageInput, CorsPageResult } from './cors-page/page.js';
import { ROOT, describeBrowser, launchChromium, listenLocal, type Browser, type LocalServer } from './harness.js';

const BUILT = join(ROOT, 'dist/web/index.js');
const USER = 'Cross.Origin@Example.com';
const PASSWORD = 'correct horse battery staple';

const CHECKS = [
  'register against the server on the other origin',
  'put and get a record across origins',
  'session.fetch to the app route on the server origin verifies',
  'logout across origins, then session.fetch is CLOSED',
  'the page reads the exposed headers (WWW-Authenticate of a 401), and not the others',
  'without the cors option the browser refuses: the client sees NETWORK',
  'a server that lists another origin only: NETWORK too',
] as const;

/** Sends `zerovault` to the built web entry, so the page runs what the package ships. */
const builtPackage: Plugin = {
  name: 'built-zerovault',
  setup(b) {
    b.onResolve({ filter: /^zerovault$/ }, () => ({ path: BUILT }));
  },
};

/** The page bundle: the built package, handed to the page code. */
async function bundlePage(): Promise<string> {
  const result = await build({
    stdin: { contents: `import * as zv from 'zerovault';\nimport { install } from './page.ts';\ninstall(zv);\n`, resolveDir: join(ROOT, 'test/browser/cors-page'), loader: 'ts' },
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [builtPackage],
  });
  const file = result.outputFiles[0];
  if (file === undefined) throw new Error('esbuild produced no output');
  const inputs = Object.keys(result.metafile.inputs);
  // The page must run the build, not the sources behind it.
  if (!inputs.some((path) => path.startsWith('dist/web/')) || inputs.some((path) => path.startsWith('src/'))) throw new Error(`the page bundle is not the built package: ${inputs.filter((p) => !p.includes('node_modules')).join(', ')}`);
  return file.text;
}

/** Listens on an ephemeral loopback port; the origin is named `localhost`, a different origin from the page's 127.0.0.1. */
async function listenLocalhost(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ origin: string; server: Server }> {
  const server = createHttpServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { origin: `http://localhost:${(server.address() as AddressInfo).port}`, server };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

describeBrowser('CORS: a page on another origin against the real server in Chromium (built package)', () => {
  const results = new Map<string, CorsPageResult>();
  const preflights = { allowed: 0, noCors: 0, otherOrigin: 0 };
  const verified: string[] = [];
  const timings: Record<string, number> = {};
  let failure: unknown;
  let page: LocalServer | undefined;
  const apis: Server[] = [];
  let browser: Browser | undefined;

  beforeAll(async () => {
    const started = performance.now();
    try {
      if (!existsSync(BUILT)) throw new Error('dist/web is missing: run "npm run build" before the browser tests');
      const code = await bundlePage();
      timings.bundle = performance.now() - started;

      // The page's own origin: http://127.0.0.1:<A>. Its CSP names the API origin in connect-src (docs/browser.md).
      let apiOrigin = '';
      page = await listenLocal((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/') {
          const csp = `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ${apiOrigin}; object-src 'none'; base-uri 'none'`;
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'cache-control': 'no-store' });
          return res.end('<!doctype html><html><head><meta charset="utf-8"><title>zerovault CORS</title></head><body><script type="module" src="/bundle.js"></script></body></html>');
        }
        if (path === '/bundle.js') {
          res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
          return res.end(code);
        }
        res.writeHead(404).end();
      });
      const pageOrigin = page.origin;
      const setup = createServerSetup();

      // The API origin: zerovault (cors lists the page) and the app's own route beside it, in one node:http server.
      const allowedZv = createServer({ setup, store: memoryServerStore(), basePath: '/zv', cors: { origins: [pageOrigin] } });
      const allowedNode = allowedZv.node();
      const allowed = await listenLocalhost((req, res) => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        if (path.startsWith('/zv/')) {
          if (req.method === 'OPTIONS') preflights.allowed++;
          return allowedNode(req, res);
        }
        if (path === '/api/me') {
          // The app owns the CORS of its own routes: zerovault/verify's middleware adds none.
          res.setHeader('access-control-allow-origin', pageOrigin);
          res.setHeader('vary', 'Origin');
          if (req.method === 'OPTIONS') {
            res.writeHead(204, { 'access-control-allow-methods': 'GET', 'access-control-allow-headers': 'authorization, dpop', 'access-control-max-age': '600' });
            return res.end();
          }
          res.setHeader('access-control-expose-headers', 'www-authenticate, dpop-nonce');
          return verifyNode(req, res, () => {
            const who = (req as IncomingMessage & { zerovault?: { userId: string; sessionId: string } }).zerovault;
            verified.push(who?.userId ?? '');
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ userId: who?.userId, sessionId: who?.sessionId }));
          });
        }
        res.writeHead(404).end();
      });
      apis.push(allowed.server);
      apiOrigin = allowed.origin;
      // Declared after listening (the JWKS URL needs the port); the route above runs only later.
      const verifyNode = createVerifier({ issuer: 'zerovault', audience: 'zerovault', jwksUrl: `${allowed.origin}/zv/.well-known/jwks.json` }).node();

      const noCorsNode = createServer({ setup, store: memoryServerStore(), basePath: '/zv' }).node();
      const noCors = await listenLocalhost((req, res) => {
        if (req.method === 'OPTIONS') preflights.noCors++;
        noCorsNode(req, res);
      });
      apis.push(noCors.server);
      const otherNode = createServer({ setup, store: memoryServerStore(), basePath: '/zv', cors: { origins: ['http://127.0.0.1:1'] } }).node();
      const other = await listenLocalhost((req, res) => {
        if (req.method === 'OPTIONS') preflights.otherOrigin++;
        otherNode(req, res);
      });
      apis.push(other.server);
      apiOrigin = `${allowed.origin} ${noCors.origin} ${other.origin}`;

      const launched = performance.now();
      browser = await launchChromium();
      timings.launch = performance.now() - launched;
      const tab = browser.context.pages()[0] ?? (await browser.context.newPage());
      await tab.goto(`${pageOrigin}/`);
      await tab.waitForSelector('body[data-ready="true"]', { state: 'attached' });
      const input: CorsPageInput = { allowed: `${allowed.origin}/zv`, appRoute: `${allowed.origin}/api/me`, noCors: `${noCors.origin}/zv`, otherOrigin: `${other.origin}/zv`, userId: USER, password: PASSWORD };
      const ran = performance.now();
      const out = await tab.evaluate((i) => (globalThis as unknown as { zvCors: CorsPageApi }).zvCors.run(i), input);
      timings.page = performance.now() - ran;
      for (const r of out) results.set(r.name, r);
    } catch (err) {
      failure = err;
    }
    timings.total = performance.now() - started;
    console.log(`    CORS browser test: ${Object.entries(timings).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ')}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await page?.close();
    await Promise.all(apis.map(closeServer));
  });

  test('the runner reached the end', () => {
    expect(failure).toBeUndefined();
  });

  test.each(CHECKS)('%s', (name) => {
    const result = results.get(name);
    if (result === undefined) throw new Error(`"${name}" was not reported by the page${failure === undefined ? '' : ` (${failure instanceof Error ? failure.message : 'runner failed'})`}`);
    expect(result.ok, result.detail).toBe(true);
    console.log(`    ${name}: ${result.detail}`);
  });

  test('the requests really were cross-origin: Chromium sent preflights to each server', () => {
    expect(preflights.allowed).toBeGreaterThan(0);
    expect(preflights.noCors).toBeGreaterThan(0);
    expect(preflights.otherOrigin).toBeGreaterThan(0);
  });

  test('the app route saw the verified user (zerovault/verify through the JWKS URL)', () => {
    expect(verified).toEqual([normalizeUserId(USER)]);
  });
});
