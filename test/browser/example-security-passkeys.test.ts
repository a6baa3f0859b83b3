/**
 * The example web app's passkeys, in real Chromium, driven like a person,
 * with the DevTools-protocol virtual authenticator standing in for the
 * device's own (CTAP2, internal, resident keys, user verification, PRF):
 * add a passkey from the Security view, sign out, reload, sign in with the
 * passkey alone (no password typed), remove it, and see it no longer signs
 * in. Screenshots go to test-artifacts/browser/security-passkeys-*.png.
 *
 * The page runs on http://localhost: WebAuthn takes a domain as RP id, never
 * an IP address. One server for the file; Argon2id at zerovault's floor.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { buildApp, buildKsfWorker } from '../../examples/web/build.js';
import { notesHandler } from '../../examples/web/host.js';
import { ARGON2ID_FLOOR } from '../../src/crypto/ksf.js';
import { createServer, createServerSetup, memoryServerStore, normalizeUserId, type ServerStore } from '../../src/server/index.js';
import { ROOT, describeBrowser, launchChromium, listenLocal, type Browser, type LocalServer } from './harness.js';

const SHOTS = join(ROOT, 'test-artifacts/browser');
const USER = 'grace@example.com';
const PASSWORD = 'compiler for COBOL 1959';
const KSF = { iterations: ARGON2ID_FLOOR.work / ARGON2ID_FLOOR.memoryKiB, memoryKiB: ARGON2ID_FLOOR.memoryKiB, parallelism: 1 };
const SLOW = 90_000;
const POLL = { timeout: 30_000 };

describeBrowser('example web app: passkeys, driven like a person (virtual authenticator with PRF)', () => {
  let http: LocalServer | undefined;
  let store: ServerStore | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let cdp: CDPSession;
  let origin = '';
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(SHOTS, `security-passkeys-${name}.png`), fullPage: true });
  const passkeyItems = (): Locator => page.locator('#passkey-list .device');
  const noteCard = (title: string): Locator => page.locator('#note-list .note', { has: page.locator('h3', { hasText: title }) });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const resolve = { zerovault: join(ROOT, 'src/index.ts'), 'zerovault/ksf-worker': join(ROOT, 'src/ksf-worker.ts') };
    const [script, ksfWorker] = await Promise.all([buildApp({ resolve, minify: false, ksf: KSF }), buildKsfWorker({ resolve, minify: false })]);
    store = memoryServerStore();
    // The server needs the page's origin, known once the port is.
    const mounted: { handler?: ReturnType<typeof notesHandler> } = {};
    http = await listenLocal((req, res) => mounted.handler?.(req, res));
    origin = http.origin.replace('127.0.0.1', 'localhost');
    const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv', passkeys: { rpId: 'localhost', origins: [origin] } });
    mounted.handler = notesHandler({ zeroVault: zv.node(), store, normalizeUserId, script, ksfWorker });
    browser = await launchChromium({ viewport: { width: 1360, height: 900 } });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) consoleErrors.push(msg.text());
    });
    // The device's authenticator: it says yes at once, with user verification and PRF.
    cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, hasPrf: true, automaticPresenceSimulation: true },
    });
    await page.goto(`${origin}/`);
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || browser === undefined) return;
    await page.screenshot({ path: join(SHOTS, `failed-security-passkeys-${context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true }).catch(() => {});
    if (consoleErrors.length > 0) console.log(`app errors so far: ${consoleErrors.join(' | ')}`);
  });

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await store?.close();
  });

  test('create the account and a note; Security lists no passkey', { timeout: SLOW }, async () => {
    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.getByLabel('Email').pressSequentially(USER);
    await page.getByLabel('Password', { exact: true }).pressSequentially(PASSWORD);
    await page.getByLabel('Keep me signed in on this device').setChecked(false);
    await page.locator('#auth-submit').click();
    await page.getByRole('heading', { name: 'Notes', exact: true }).waitFor();
    await page.getByPlaceholder('Title').pressSequentially('Launch codes');
    await page.getByPlaceholder('Write something only you can read…').pressSequentially('Only readable with my passkey or my password.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await noteCard('Launch codes').waitFor();
    await page.getByRole('button', { name: 'Security', exact: true }).click();
    await page.getByText('No passkey yet.').waitFor();
  });

  test('"Add a passkey", name it, create it: listed, and it unlocks the notes', { timeout: SLOW }, async () => {
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    const name = page.getByLabel('Passkey name');
    await name.fill('');
    await name.pressSequentially('Work laptop');
    await shot('01-naming');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    // The account's first second step: ten recovery codes, shown once, before the list comes back.
    await page.locator('#recovery-codes-panel').waitFor();
    expect(await page.locator('#recovery-codes-panel h3').innerText()).toContain('Your passkey is now your second step');
    expect(await page.locator('#recovery-codes li').count()).toBe(10);
    await shot('01b-recovery-codes');
    await page.getByText('I saved these codes somewhere safe').click();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.locator('#recovery-codes-panel').waitFor({ state: 'detached' });
    await expect.poll(() => passkeyItems().count(), POLL).toBe(1);
    expect(await passkeyItems().locator('h3').innerText()).toBe('Work laptop');
    expect(await passkeyItems().innerText()).toContain('Unlocks your notes');
    expect(await page.locator('#passkey-empty').isHidden()).toBe(true);
    await shot('02-added');
  });

  test('sign out, reload, "Sign in with a passkey" with nothing typed: the notes open, no password asked', { timeout: SLOW }, async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.locator('#auth-form').waitFor();
    await page.reload();
    await page.locator('#auth-form').waitFor();
    await page.getByLabel('Email').fill('');
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    await shot('03-sign-in-form');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await noteCard('Launch codes').waitFor();
    expect(await page.locator('#whoami').innerText()).toBe(USER);
    await page.getByRole('button', { name: 'Security', exact: true }).click();
    await expect.poll(() => page.locator('#security-session').innerText(), POLL).toContain('a passkey');
    expect(await passkeyItems().innerText()).toContain('This session');
    await shot('04-signed-in-with-passkey');
  });

  test('remove the passkey: this session ends with it, and it no longer signs in', { timeout: SLOW }, async () => {
    await passkeyItems().getByRole('button', { name: 'Remove Work laptop' }).click();
    await shot('05-removing');
    await page.getByRole('button', { name: 'Remove passkey' }).click();
    await page.locator('#auth-form').waitFor();
    expect(await page.locator('#auth-notice').innerText()).toContain('You removed the passkey you signed in with');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.locator('#auth-error').getByText('No passkey signed you in').waitFor();
    expect(await page.locator('#notes-panel').isHidden()).toBe(true);
    await shot('06-removed-refused');
  });

  test('no uncaught exception in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
