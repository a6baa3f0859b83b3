/**
 * The existing-app example (examples/existing-app) in real Chromium, driven
 * like a person: typing and clicking, then checking what is on screen.
 * First the plain app (its own cookie login), then the same app with
 * zerovault: register, add todos, tick one off, reload (the keys were in
 * the tab's memory, so the user signs in again) and find them as left,
 * search them by word; their titles are encrypted in the app's database.
 * Screenshots go to test-artifacts/browser/existing-app-*.png.
 *
 * The pages are bundled from the sources (the after page's `zerovault` is
 * `existing-app-page/zerovault.ts`: the sources with the Argon2id floor).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { createServerSetup } from '../../src/server/index.js';
import { buildPage, startExample, type RunningExample, type Variant } from '../examples/existing-app.js';
import { ROOT, describeBrowser, launchChromium, type Browser } from './harness.js';

// The after app's server side imports the package by name; here it runs on the sources.
vi.mock('zerovault/server', () => import('../../src/server/index-node.js'));
vi.mock('zerovault/verify', () => import('../../src/verify.js'));

const SHOTS = join(ROOT, 'test-artifacts/browser');
const USER = 'ada';
const PASSWORD = 'analytical engine';
const TODOS = ['Buy milk', 'Call the plumber', 'Return library books'];
/** `expect.poll` waits 1 s by default; the page's round trips may take longer on a busy machine. */
const POLL = { timeout: 30_000 };

describeBrowser('existing app in Chromium, driven like a person', () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium({ viewport: { width: 900, height: 700 } });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  /** One variant: its server, a page on it, and the person's moves. */
  function scenario(variant: Variant): { page: () => Page; app: () => RunningExample; errors: string[] } {
    let app: RunningExample | undefined;
    let page: Page | undefined;
    const errors: string[] = [];
    beforeAll(async () => {
      const resolve = variant === 'after' ? { zerovault: join(ROOT, 'test/browser/existing-app-page/zerovault.ts') } : {};
      const script = await buildPage(variant, { resolve, minify: false });
      app = await startExample(variant, { script, ...(variant === 'after' ? { setup: createServerSetup() } : {}) });
      page = await (browser as Browser).context.newPage();
      page.setDefaultTimeout(30_000);
      page.on('pageerror', (err) => errors.push(`${err.name}: ${err.message}`));
      await page.goto(`${app.origin}/`);
    }, 120_000);
    afterEach(async (context) => {
      if (context.task.result?.state === 'fail' && page !== undefined) {
        await page.screenshot({ path: join(SHOTS, `existing-app-${variant}-failed-${context.task.name.slice(0, 30).replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
      }
    });
    afterAll(async () => {
      await page?.close();
      await app?.close();
    });
    return { page: () => page as Page, app: () => app as RunningExample, errors };
  }

  const shot = (page: Page, variant: Variant, name: string): Promise<Buffer> =>
    page.screenshot({ path: join(SHOTS, `existing-app-${variant}-${name}.png`), fullPage: true });
  const item = (page: Page, title: string): Locator => page.locator('#list li', { has: page.locator('label', { hasText: title }) });

  async function signIn(page: Page, button: 'Sign in' | 'Create account', password = PASSWORD): Promise<void> {
    await page.getByLabel('Username').fill('');
    await page.getByLabel('Username').pressSequentially(USER);
    await page.getByLabel('Password').fill('');
    await page.getByLabel('Password').pressSequentially(password);
    await page.getByRole('button', { name: button }).click();
  }

  async function addTodos(page: Page): Promise<void> {
    for (const [i, title] of TODOS.entries()) {
      await page.getByPlaceholder('What needs doing?').pressSequentially(title);
      // Both ways a person adds one: the button, and Enter.
      if (i % 2 === 0) await page.getByRole('button', { name: 'Add' }).click();
      else await page.getByPlaceholder('What needs doing?').press('Enter');
      await item(page, title).waitFor();
    }
  }

  /** The list as on screen: title and whether its box is ticked. */
  async function onScreen(page: Page): Promise<{ title: string; done: boolean }[]> {
    const items = await page.locator('#list li').all();
    return Promise.all(items.map(async (li) => ({ title: await li.locator('label').innerText(), done: await li.getByRole('checkbox').isChecked() })));
  }
  const expected = TODOS.map((title, i) => ({ title, done: i === 1 }));

  describe('before: the plain app', () => {
    const { page, errors } = scenario('before');

    test('create an account, add three todos, tick one off', async () => {
      await page().getByRole('button', { name: 'Create account' }).waitFor();
      await shot(page(), 'before', '01-sign-in');
      await signIn(page(), 'Create account');
      await expect.poll(() => page().locator('#who').innerText(), POLL).toBe(USER);
      await addTodos(page());
      await item(page(), TODOS[1] as string).getByRole('checkbox').check();
      await expect.poll(() => item(page(), TODOS[1] as string).getAttribute('class'), POLL).toBe('done');
      expect(await onScreen(page())).toEqual(expected);
      await shot(page(), 'before', '02-todos');
    });

    test('reload: the session cookie keeps the user signed in', async () => {
      await page().reload();
      await expect.poll(() => onScreen(page()), POLL).toEqual(expected);
      expect(await page().locator('#signin').isHidden()).toBe(true);
      const cookies = await page().context().cookies();
      expect(cookies.map((c) => c.name)).toContain('sid');
      await page().getByRole('button', { name: 'Sign out' }).click();
      await page().locator('#signin').waitFor();
      await page().context().clearCookies();
      expect(errors).toEqual([]);
    });
  });

  describe('after: the same app with zerovault', () => {
    const { page, app, errors } = scenario('after');
    /** Every /api request the page sent: its headers. */
    const apiRequests: Record<string, string>[] = [];

    test('the page opens on the sign-in form', async () => {
      page().on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/api/')) apiRequests.push(request.headers());
      });
      await page().getByRole('button', { name: 'Create account' }).waitFor();
      expect(await page().locator('#todos').isHidden()).toBe(true);
      await shot(page(), 'after', '01-sign-in');
    });

    test('create an account, add three todos, tick one off', async () => {
      await signIn(page(), 'Create account');
      await expect.poll(() => page().locator('#who').innerText(), POLL).toBe(USER);
      expect(await page().locator('#list li').count()).toBe(0);
      await addTodos(page());
      await shot(page(), 'after', '02-three-todos');
      await item(page(), TODOS[1] as string).getByRole('checkbox').check();
      await expect.poll(() => item(page(), TODOS[1] as string).getAttribute('class'), POLL).toBe('done');
      expect(await onScreen(page())).toEqual(expected);
      await shot(page(), 'after', '03-one-done');
    });

    test('every API call carried an access token and a DPoP proof, and no cookie', () => {
      expect(apiRequests.length).toBeGreaterThanOrEqual(1 + 2 * TODOS.length + 2);
      for (const headers of apiRequests) {
        expect(headers.authorization).toMatch(/^DPoP [\w-]+\.[\w-]+\.[\w-]+$/);
        expect(headers.dpop).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
        expect(headers.cookie).toBeUndefined();
      }
      // Each proof is fresh: none is sent twice.
      expect(new Set(apiRequests.map((h) => h.dpop)).size).toBe(apiRequests.length);
    });

    test('reload: the keys were in the tab, so the sign-in form is back and no todo is on screen', async () => {
      await page().reload();
      await page().getByRole('button', { name: 'Sign in' }).waitFor();
      expect(await page().locator('#todos').isHidden()).toBe(true);
      const text = await page().locator('body').innerText();
      for (const title of TODOS) expect(text.includes(title)).toBe(false);
      await shot(page(), 'after', '04-reloaded');
    });

    test('a wrong password is refused with a plain message', async () => {
      await signIn(page(), 'Sign in', 'analytical engine?');
      await expect.poll(() => page().locator('#signin-error').innerText(), POLL).toBe('Wrong username or password.');
      expect(await page().locator('#todos').isHidden()).toBe(true);
      await shot(page(), 'after', '05-wrong-password');
    });

    test('sign in again: the todos are back as left, the ticked one still ticked', async () => {
      await signIn(page(), 'Sign in');
      await expect.poll(() => onScreen(page()), POLL).toEqual(expected);
      expect(await page().locator('#signin-error').isHidden()).toBe(true);
      await shot(page(), 'after', '06-signed-in-again');
    });

    test('search by word: only the matching todo is on screen; an empty search shows them all', async () => {
      await page().getByPlaceholder('Find by word').fill('PLUMBER');
      await page().getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => onScreen(page()), POLL).toEqual([expected[1]]);
      await shot(page(), 'after', '07-search');
      await page().getByPlaceholder('Find by word').fill('');
      await page().getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => onScreen(page()), POLL).toEqual(expected);
    });

    test('the app database holds the todos under the zerovault user id, titles encrypted, word tokens beside them', () => {
      const db = new Database(app().dbPath, { readonly: true });
      try {
        const rows = db.prepare('SELECT owner, title, done FROM todos ORDER BY rowid').all() as { owner: string; title: string; done: number }[];
        expect(rows.map((r) => ({ owner: r.owner, done: r.done }))).toEqual(expected.map(({ done }) => ({ owner: USER, done: Number(done) })));
        for (const row of rows) expect(row.title).toMatch(/^zv1\./);
        expect((db.prepare('SELECT count(*) AS n FROM todo_words').get() as { n: number }).n).toBeGreaterThanOrEqual(TODOS.length);
      } finally {
        db.close();
      }
    });

    test('sign out: back to the form; the page throws no error', async () => {
      await page().getByRole('button', { name: 'Sign out' }).click();
      await page().locator('#signin').waitFor();
      expect(await page().locator('#todos').isHidden()).toBe(true);
      await shot(page(), 'after', '08-signed-out');
      expect(errors).toEqual([]);
    });
  });
});
