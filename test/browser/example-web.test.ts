/**
 * The example web app (examples/web) in real Chromium, driven like a person:
 * typing into fields and clicking buttons, then checking what is on screen.
 * Screenshots go to test-artifacts/browser/.
 *
 * The app is bundled for the browser from the sources (so it needs no prior
 * build) and served by the example's own host with the real zerovault server.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { buildApp, buildKsfWorker } from '../../examples/web/build.js';
import { notesHandler, storedRows } from '../../examples/web/host.js';
import { createServer, createServerSetup, memoryServerStore, normalizeUserId, type ServerStore } from '../../src/server/index.js';
import { ROOT, describeBrowser, launchChromium, listenLocal, type Browser, type LocalServer } from './harness.js';

const SHOTS = join(ROOT, 'test-artifacts/browser');
const USER = 'ada@example.com';
const PASSWORD = 'analytical engine 1843';
const NOTES = [
  { title: 'Door code', body: 'The side door code is 4417, change it in March.' },
  { title: 'Gift ideas', body: 'Mum: the blue teapot from the market on Rue Cler.' },
];
const EDITED = 'The side door code is now 9052.';
/** Per test: generous, since sign-up and log-in run Argon2id at the default profile. */
const SLOW = 120_000;
/** `expect.poll` waits 1 s by default; the page's own round trips may take longer on a busy machine. */
const POLL = { timeout: 30_000 };

describeBrowser('example web app: encrypted notes, driven like a person', () => {
  let browser: Browser | undefined;
  let http: LocalServer | undefined;
  let store: ServerStore | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  /** Errors the app logged (it logs every failure it shows to the user). */
  const consoleErrors: string[] = [];

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const serverPanel = (): Locator => page.locator('#server-panel');
  const noteCard = (title: string): Locator => page.locator('#note-list .note', { has: page.locator('h3', { hasText: title }) });

  /** Everything the server holds for the user, decoded: it must contain no plaintext. */
  async function serverBytes(): Promise<Buffer> {
    const rows = await storedRows(store as ServerStore, normalizeUserId(USER));
    return Buffer.concat(rows.map((row) => Buffer.from(row.base64, 'base64')));
  }

  async function logIn(mode: 'login' | 'signup', password = PASSWORD): Promise<void> {
    if (mode === 'signup') await page.getByRole('tab', { name: 'Create account' }).click();
    else await page.getByRole('tab', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill('');
    await page.getByLabel('Email').pressSequentially(USER);
    await page.getByLabel('Password', { exact: true }).pressSequentially(password);
    await page.locator('#auth-submit').click();
  }

  async function typeNote(title: string, body: string): Promise<void> {
    await page.getByPlaceholder('Title').pressSequentially(title);
    await page.getByPlaceholder('Write something only you can read…').pressSequentially(body);
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const resolve = { zerovault: join(ROOT, 'src/index.ts'), 'zerovault/ksf-worker': join(ROOT, 'src/ksf-worker.ts') };
    const script = await buildApp({ resolve, minify: false });
    const ksfWorker = await buildKsfWorker({ resolve, minify: false });
    store = memoryServerStore();
    const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv' });
    http = await listenLocal(notesHandler({ zeroVault: zv.node(), store, normalizeUserId, script, ksfWorker }));
    browser = await launchChromium({ viewport: { width: 1360, height: 900 } });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    // The machine may be shared: Argon2id at the default profile can take seconds.
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) consoleErrors.push(msg.text());
    });
    await page.goto(`${http.origin}/`);
  }, 120_000);

  // On a failure, keep a screenshot and what the app logged, to see what a user would have seen.
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || browser === undefined) return;
    await page.screenshot({ path: join(SHOTS, `failed-${context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true });
    if (consoleErrors.length > 0) console.log(`app errors so far: ${consoleErrors.join(' | ')}`);
  });

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await store?.close();
  });

  test('the page opens on the sign-in form, the server panel asks to sign in', async () => {
    await expect.poll(() => page.getByRole('heading', { name: 'Your notes, readable only by you' }).isVisible(), POLL).toBe(true);
    expect(await page.locator('#auth-submit').innerText()).toBe('Sign in');
    expect(await serverPanel().innerText()).toContain('Sign in to see the rows the server keeps for your account.');
    // Served cross-origin isolated, so sign-in's Argon2id can fill its four lanes on threads.
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
    await shot('01-welcome');
  });

  test('sign up: type email and password, click Create account → an empty notes view', { timeout: SLOW }, async () => {
    await logIn('signup');
    await page.getByRole('heading', { name: 'Notes', exact: true }).waitFor();
    expect(await page.locator('#whoami').innerText()).toBe(USER);
    expect(await page.locator('#empty').innerText()).toContain('No notes yet');
    // zerovault's own records (keyring, unlock slot) are already on the server, as ciphertext.
    await expect.poll(() => serverPanel().locator('#meta-rows .row').count(), POLL).toBeGreaterThanOrEqual(2);
    await shot('02-signed-up');
  });

  test('add two notes: they show in the list, and the server panel shows two ciphertext rows', async () => {
    for (const { title, body } of NOTES) {
      await typeNote(title, body);
      await page.getByRole('button', { name: 'Add note' }).click();
      await noteCard(title).waitFor();
    }
    expect(await page.locator('#note-count').innerText()).toBe('2 encrypted notes');
    for (const { title, body } of NOTES) expect(await noteCard(title).locator('.note-body').innerText()).toBe(body);
    await expect.poll(() => serverPanel().locator('#note-rows .row').count(), POLL).toBe(2);
    await shot('03-two-notes');
  });

  test('what the server stores holds none of the notes, on screen or in its bytes', async () => {
    const panel = await serverPanel().innerText();
    const bytes = await serverBytes();
    for (const needle of [...NOTES.flatMap((n) => [n.title, n.body]), PASSWORD]) {
      expect(panel.includes(needle), `on screen: ${needle}`).toBe(false);
      expect(bytes.includes(needle), `stored: ${needle}`).toBe(false);
    }
    expect(await serverPanel().locator('#note-rows .cipher').first().innerText()).toMatch(/^[A-Za-z0-9+/=]{100,}$/);
  });

  test('edit a note: click Edit, change the text, Save changes → new text, version 2, on the server too', async () => {
    const title = NOTES[0]?.title ?? '';
    await noteCard(title).getByRole('button', { name: 'Edit' }).click();
    expect(await page.getByRole('button', { name: 'Save changes' }).isVisible()).toBe(true);
    await page.getByPlaceholder('Write something only you can read…').fill('');
    await page.getByPlaceholder('Write something only you can read…').pressSequentially(EDITED);
    await shot('04-editing');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => noteCard(title).locator('.note-body').innerText(), POLL).toBe(EDITED);
    expect(await noteCard(title).locator('.note-version').innerText()).toBe('v2');
    const id = await noteCard(title).getAttribute('data-id');
    await expect.poll(() => serverPanel().locator(`#note-rows .row[data-id="${id ?? ''}"] .row-meta`).innerText(), POLL).toMatch(/^v2 · \d+ B$/);
    expect((await serverBytes()).includes(EDITED)).toBe(false);
    await shot('05-edited');
  });

  test('delete a note: it leaves the list and the server rows', async () => {
    const title = NOTES[1]?.title ?? '';
    await noteCard(title).getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => noteCard(title).count(), POLL).toBe(0);
    await expect.poll(() => serverPanel().locator('#note-rows .row').count(), POLL).toBe(1);
    expect(await page.locator('#note-count').innerText()).toBe('1 encrypted note');
    await shot('06-deleted');
  });

  test('sign out: back to the sign-in form, saying so; no note and no row on screen', async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.locator('#auth-panel').waitFor();
    expect(await page.locator('#auth-notice').innerText()).toContain('You signed out.');
    expect(await page.locator('#notes-panel').isHidden()).toBe(true);
    const text = await page.locator('body').innerText();
    for (const needle of [EDITED, NOTES[0]?.title ?? '']) expect(text.includes(needle)).toBe(false);
    expect(await serverPanel().locator('.row').count()).toBe(0);
    await shot('07-logged-out');
  });

  test('a wrong password is refused with a plain message', { timeout: SLOW }, async () => {
    await logIn('login', 'analytical engine 1844');
    await page.locator('#auth-error').waitFor();
    expect(await page.locator('#auth-error').innerText()).toBe('Wrong email or password.');
    expect(await page.locator('#notes-panel').isHidden()).toBe(true);
    await shot('08-wrong-password');
  });

  test('sign in again: the edited note is decrypted and shown', { timeout: SLOW }, async () => {
    await page.getByLabel('Password', { exact: true }).fill('');
    await logIn('login');
    await noteCard(NOTES[0]?.title ?? '').waitFor();
    expect(await noteCard(NOTES[0]?.title ?? '').locator('.note-body').innerText()).toBe(EDITED);
    expect(await page.locator('#note-count').innerText()).toBe('1 encrypted note');
    await shot('09-logged-in-again');
  });

  test('no uncaught exception in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
