/**
 * zerovault in a real browser: Debian's Chromium, driven by playwright-core.
 *
 * The page code (test/browser/page/) is bundled with esbuild for the browser,
 * the way an app's bundler would (so the WebCrypto backend runs, never
 * node:crypto), and served from the same origin as the real zerovault server
 * (SQLite store) on 127.0.0.1, under the Content-Security-Policy that
 * docs/browser.md recommends. Every in-page check is reported below as its
 * own test; a check the page never reached fails by name.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import { ARGON2ID_DEFAULT, argon2id } from '../../src/crypto/ksf.js';
import { createServer, createServerSetup, normalizeUserId, sqliteServerStore, type ServerStore } from '../../src/server/index-node.js';
import { checkVectors, describeMissingVectors, readVectorJson } from '../helpers/vectors.js';
import { ROOT, bundleForBrowser, bundleInputs, describeBrowser, launchChromium, listenLocal, NODE_IMPORT, type Browser, type LocalServer, type PageBundle } from './harness.js';
import { ARGON2_CHECK_PARAMS } from './page/vectors.js';
import {
  ARGON2_RFC9106_CHECK,
  SCENARIO_CHECKS,
  argon2CheckName,
  argon2ThreadsCheckName,
  gcmCheckName,
  recordCheckNames,
  type CheckResult,
  type GcmCase,
  type GroupInputs,
  type GroupName,
  type PageApi,
  type RecordVectors,
  type Rfc9106Case,
} from './page/protocol.js';

const GCM_FILE = 'wycheproof/aes_gcm_test.json';
const RECORDS = JSON.parse(readFileSync(join(ROOT, 'test/vectors/zerovault/records-v1.json'), 'utf8')) as RecordVectors;

interface GcmFile {
  testGroups: { keySize: number; ivSize: number; tagSize: number; tests: (Omit<GcmCase, 'result'> & { result: string })[] }[];
}

/** Whether the Wycheproof file is there (without it: a failure under CI=true, a loud skip elsewhere). */
const GCM_CHECK = checkVectors(GCM_FILE);
const ARGON2_RFC_FILE = 'rfc9106-argon2/rfc9106_5.3_argon2id.json';
const ARGON2_RFC = checkVectors(ARGON2_RFC_FILE);

/** The Wycheproof cases in our scope (256-bit key, 96-bit IV, 128-bit tag); empty without the vectors. */
function gcmCases(): GcmCase[] {
  if (GCM_CHECK.outcome !== 'run') return [];
  return readVectorJson<GcmFile>(GCM_FILE)
    .testGroups.filter((g) => g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128)
    .flatMap((g) => g.tests)
    .map(({ tcId, key, iv, aad, msg, ct, tag, result }) => ({ tcId, key, iv, aad, msg, ct, tag, result: result === 'valid' ? 'valid' : 'invalid' }));
}

/**
 * The page's CSP: what docs/browser.md recommends. `strict` drops 'wasm-unsafe-eval' to prove the Argon2id
 * fallback; `blobWorkers` adds what the Argon2id lane threads need (docs/browser.md, cross-origin isolation).
 */
function csp(strict: boolean, blobWorkers = false): string {
  return [`default-src 'self'`, `script-src 'self'${strict ? '' : " 'wasm-unsafe-eval'"}`, `worker-src 'self'${blobWorkers ? ' blob:' : ''}`, `connect-src 'self'`, `object-src 'none'`, `base-uri 'none'`].join('; ');
}

/** The headers that make a page cross-origin isolated (and so give it SharedArrayBuffer and the lane threads). */
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } as const;

const PAGE_HTML = '<!doctype html><html><head><meta charset="utf-8"><title>zerovault in Chromium</title></head><body><script type="module" src="/bundle.js"></script></body></html>';

const USERS = {
  default: 'default-profile@example.com',
  worker: 'worker@example.com',
  ksfWorker: 'ksf-worker@example.com',
  rest: 'Rest.User@Example.com',
  idb: 'idb-user@example.com',
} as const;
const PASSWORD = 'correct horse battery staple';
const SECRETS = ['browser secret one: the mill at nine', 'browser secret two: hunter2-but-longer', 'browser secret three: more butter'];
const IDB_SECRETS = ['idb secret one: blue door', 'idb secret two: left at the fountain', 'idb secret three: bring the map'];

describeBrowser('zerovault in Chromium (browser build, WebCrypto backend)', () => {
  const cases = gcmCases();
  const results = new Map<string, CheckResult>();
  const pageErrors: string[] = [];
  let failure: unknown;
  let bundle: PageBundle | undefined;
  let workerBundle: PageBundle | undefined;
  let ksfWorkerBundle: PageBundle | undefined;
  let store: ServerStore | undefined;
  let http: LocalServer | undefined;
  let browser: Browser | undefined;
  let dir: string | undefined;

  async function run<G extends GroupName>(page: Page, group: G, input: GroupInputs[G]): Promise<void> {
    const arg: { g: GroupName; i: GroupInputs[GroupName] } = { g: group, i: input };
    const out = await page.evaluate(({ g, i }) => (globalThis as unknown as { zvBrowserTests: PageApi }).zvBrowserTests.run(g, i), arg);
    for (const r of out) results.set(r.name, r);
  }

  async function open(page: Page, path: string): Promise<void> {
    await page.goto(`${(http as LocalServer).origin}${path}`);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  }

  beforeAll(async () => {
    try {
      bundle = await bundleForBrowser(join(ROOT, 'test/browser/page/main.ts'));
      workerBundle = await bundleForBrowser(join(ROOT, 'test/browser/page/worker.ts'));
      ksfWorkerBundle = await bundleForBrowser(join(ROOT, 'test/browser/page/ksf-worker.ts'));
      const ksfWorkerCode = ksfWorkerBundle.code;
      const code = bundle.code;
      const workerCode = workerBundle.code;
      dir = mkdtempSync(join(tmpdir(), 'zerovault-browser-'));
      store = sqliteServerStore({ path: join(dir, 'zerovault.db') });
      const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv' });
      const api = zv.node();
      http = await listenLocal((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path?.startsWith('/zv/')) return api(req, res);
        if (path === '/' || path === '/strict') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp(path === '/strict'), 'cache-control': 'no-store' });
          return res.end(PAGE_HTML);
        }
        if (path === '/isolated' || path === '/isolated-no-blob') {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp(false, path === '/isolated'), 'cache-control': 'no-store', ...ISOLATION });
          return res.end(PAGE_HTML);
        }
        if (path === '/bundle.js') {
          res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
          return res.end(code);
        }
        if (path === '/worker.js') {
          // A worker loaded from a URL gets the policy of its own response, not its page's.
          res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': csp(false) });
          return res.end(workerCode);
        }
        if (path === '/ksf-worker.js') {
          res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': csp(false) });
          return res.end(ksfWorkerCode);
        }
        res.writeHead(404).end();
      });
      browser = await launchChromium();
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
      await open(page, '/');

      const argonInput = crypto.getRandomValues(new Uint8Array(32));
      const expected = toHex((await argon2id(argonInput, ARGON2_CHECK_PARAMS, { outputLength: 64 })).output);

      await run(page, 'env', {});
      if (cases.length > 0) await run(page, 'wycheproof', { cases });
      await run(page, 'records', RECORDS);
      const rfc9106 = ARGON2_RFC.outcome === 'run' ? readVectorJson<{ cases: Rfc9106Case[] }>(ARGON2_RFC_FILE).cases[0] : undefined;
      await run(page, 'argon2', { input: toHex(argonInput), expected, implementation: 'wasm', ...(rfc9106 === undefined ? {} : { rfc9106 }) });
      const threadsExpected = toHex((await argon2id(argonInput, ARGON2ID_DEFAULT, { outputLength: 64, threads: 1 })).output);
      await run(page, 'argon2-threads', { page: 'not isolated', input: toHex(argonInput), expected: threadsExpected, threads: 1 });
      for (const [path, which] of [['/isolated', 'isolated'], ['/isolated-no-blob', 'isolated, no blob: workers']] as const) {
        const isolated = await browser.context.newPage();
        isolated.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
        await open(isolated, path);
        const threads = which === 'isolated' ? Math.min(4, availableParallelism()) : 1;
        await run(isolated, 'argon2-threads', { page: which, input: toHex(argonInput), expected: threadsExpected, threads, ...(rfc9106 === undefined ? {} : { rfc9106 }) });
        await isolated.close();
      }
      await run(page, 'opaque-default', { userId: USERS.default, password: PASSWORD });
      await run(page, 'worker', { userId: USERS.worker, password: PASSWORD });
      await run(page, 'ksf-worker', { userId: USERS.ksfWorker, password: PASSWORD });
      await run(page, 'rest', { userId: USERS.rest, password: PASSWORD, secrets: SECRETS });
      // A real quota error: this origin gets 2 MiB, plenty for the records of
      // idb-write and too little for idb-quota's 8 MiB write. Chromium applies
      // the override to IndexedDB connections opened after it, so it is set
      // before the page first touches IndexedDB, and lifted before the reload.
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Storage.overrideQuotaForOrigin', { origin: http.origin, quotaSize: 2 * 1024 * 1024 });
      const dbName = 'zerovault-browser-test';
      try {
        await run(page, 'idb-write', { userId: USERS.idb, password: PASSWORD, dbName, secrets: IDB_SECRETS });
        await run(page, 'idb-quota', { secrets: IDB_SECRETS });
      } finally {
        await cdp.send('Storage.overrideQuotaForOrigin', { origin: http.origin });
      }

      // Reload: module state is gone, IndexedDB is not.
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
      await run(page, 'idb-reopen', { userId: USERS.idb, password: PASSWORD, dbName, secrets: IDB_SECRETS });

      const strict = await browser.context.newPage();
      await open(strict, '/strict');
      await run(strict, 'argon2', { input: toHex(argonInput), expected, implementation: 'js' });
    } catch (err) {
      failure = err;
    }
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await store?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  /** Asserts one in-page check by name. */
  function expectCheck(name: string): void {
    const result = results.get(name);
    if (result === undefined) {
      const why = failure === undefined ? 'an earlier check of its group failed' : `the runner failed: ${failure instanceof Error ? `${failure.name}: ${failure.message}` : 'unknown error'}`;
      throw new Error(`"${name}" was not reported by the page (${why})`);
    }
    if (result.detail !== undefined && result.ok) console.log(`    ${name}: ${result.detail}`);
    expect(result.ok, result.detail).toBe(true);
  }

  test('the runner reached the end (page loaded, every group ran, reload worked)', () => {
    expect(failure).toBeUndefined();
  });

  test.each(['page', 'worker'] as const)('bundle (%s): built for the browser: backend-web.ts in; backend-node.ts and node: built-ins out', (which) => {
    const built = which === 'page' ? bundle : workerBundle;
    expect(built).toBeDefined();
    const inputs = bundleInputs(built as PageBundle);
    expect(inputs).toContain('src/crypto/backend-web.ts');
    expect(inputs).not.toContain('src/crypto/backend-node.ts');
    expect(inputs.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(NODE_IMPORT.test((built as PageBundle).code)).toBe(false);
  });

  test('bundle (ksf worker): the KSF and its message handler only: no client, no crypto backend, no node: built-in', () => {
    expect(ksfWorkerBundle).toBeDefined();
    const inputs = bundleInputs(ksfWorkerBundle as PageBundle);
    expect(inputs).toContain('src/crypto/ksf.ts');
    expect(inputs).toContain('src/crypto/ksf-worker-serve.ts');
    expect(inputs.filter((path) => path.startsWith('src/client/') || path.startsWith('src/crypto/backend'))).toEqual([]);
    expect(inputs.filter((path) => path.startsWith('node:'))).toEqual([]);
    expect(NODE_IMPORT.test((ksfWorkerBundle as PageBundle).code)).toBe(false);
  });

  describe('page environment', () => {
    test.each(SCENARIO_CHECKS.env)('%s', expectCheck);
  });

  const gcmSuite = 'Wycheproof AES-GCM (256-bit key, 96-bit IV, 128-bit tag) through the web backend';
  if (GCM_CHECK.outcome === 'run') {
    describe(gcmSuite, () => {
      test('the in-scope subset has the expected size', () => {
        expect(cases.filter((c) => c.result === 'valid').length).toBe(39);
        expect(cases.filter((c) => c.result === 'invalid').length).toBe(27);
      });
      test.each(cases.map(gcmCheckName))('%s', expectCheck);
    });
  } else {
    describeMissingVectors(gcmSuite, GCM_CHECK);
  }

  describe('record vectors (records-v1.json)', () => {
    test.each(recordCheckNames(RECORDS))('%s', expectCheck);
  });

  describe('Argon2id and the Content-Security-Policy', () => {
    test.each([argon2CheckName('wasm'), argon2CheckName('js')])('%s', expectCheck);
  });

  describe('Argon2id lanes on threads and cross-origin isolation', () => {
    test.each((['isolated', 'not isolated', 'isolated, no blob: workers'] as const).map(argon2ThreadsCheckName))('%s', expectCheck);
  });
  if (ARGON2_RFC.outcome === 'run') {
    describe('RFC 9106 Argon2id vector in the page', () => {
      test(ARGON2_RFC9106_CHECK, () => expectCheck(ARGON2_RFC9106_CHECK));
    });
  } else {
    describeMissingVectors('RFC 9106 Argon2id vector in the page', ARGON2_RFC);
  }

  describe('OPAQUE and vaults against the real server', () => {
    test.each([...SCENARIO_CHECKS['opaque-default'], ...SCENARIO_CHECKS.worker, ...SCENARIO_CHECKS['ksf-worker'], ...SCENARIO_CHECKS.rest])('%s', expectCheck);
  });

  describe('IndexedDB (real), failures and a page reload', () => {
    test.each([...SCENARIO_CHECKS['idb-write'], ...SCENARIO_CHECKS['idb-quota'], ...SCENARIO_CHECKS['idb-reopen']])('%s', expectCheck);
  });

  describe('what the server saw', () => {
    test('the server store holds the REST user’s records, and only ciphertext', async () => {
      const blobs = (store as ServerStore).blobs(normalizeUserId(USERS.rest));
      const found: Uint8Array[] = [];
      for (const vault of ['notes', '_zv']) {
        for (const { id } of (await blobs.list(vault)).items) {
          const record = await blobs.get(vault, id);
          if (record !== null) found.push(record.data);
        }
      }
      expect(found.length).toBeGreaterThanOrEqual(4);
      for (const needle of [...SECRETS, PASSWORD]) {
        expect(found.some((bytes) => Buffer.from(bytes).includes(needle)), `plaintext found: ${needle.slice(0, 12)}…`).toBe(false);
      }
    });

    test('the IndexedDB user’s records never reached the server', async () => {
      const blobs = (store as ServerStore).blobs(normalizeUserId(USERS.idb));
      expect((await blobs.list('notes')).items).toEqual([]);
      expect((await blobs.list('_zv')).items).toEqual([]);
    });

    test('no uncaught exception in the page', () => {
      expect(pageErrors).toEqual([]);
    });
  });
});
