/**
 * The example web app's remembered devices, in real Chromium, driven like a
 * person: two browsers with their own profiles are two devices of one
 * account. Staying signed in across reloads, the Devices view, revoking a
 * device from another one, a session that expires, and "Sign out".
 * Screenshots go to test-artifacts/browser/devices-*.png.
 *
 * One server for the whole file; the app is bundled with Argon2id at
 * zerovault's floor, so each password sign-in stays short.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { buildApp, buildKsfWorker } from '../../examples/web/build.js';
import { notesHandler, storedRows } from '../../examples/web/host.js';
import { ARGON2ID_FLOOR } from '../../src/crypto/ksf.js';
import { createServer, createServerSetup, memoryServerStore, normalizeUserId, type ServerStore } from '../../src/server/index.js';
import { ROOT, describeBrowser, launchChromium, listenLocal, type Browser, type LocalServer } from './harness.js';

const SHOTS = join(ROOT, 'test-artifacts/browser');
const USER = 'grace@example.com';
const PASSWORD = 'compiler for COBOL 1959';
/** zerovault's floor (OWASP's weakest recommended Argon2id), far cheaper than the default profile. */
const KSF = { iterations: ARGON2ID_FLOOR.work / ARGON2ID_FLOOR.memoryKiB, memoryKiB: ARGON2ID_FLOOR.memoryKiB, parallelism: 1 };
const SLOW = 90_000;
const POLL = { timeout: 30_000 };
const REVOKED = 'This device was revoked from another device.';
const EXPIRED = 'Your session expired.';
const SIGNED_OUT = 'You signed out.';

/** One device: a browser with its own profile, and its page. */
interface Device {
  readonly browser: Browser;
  readonly page: Page;
}

describeBrowser('example web app: remembered devices, driven like a person', () => {
  let http: LocalServer | undefined;
  let store: ServerStore | undefined;
  let a: Device;
  let b: Device;
  const devices: Device[] = [];
  const pageErrors: string[] = [];
  let secondTab: Page | undefined;

  const shot = (device: Device, name: string): Promise<Buffer> => device.page.screenshot({ path: join(SHOTS, `devices-${name}.png`), fullPage: true });
  const noteCard = (page: Page, title: string): Locator => page.locator('#note-list .note', { has: page.locator('h3', { hasText: title }) });
  const signInForm = (page: Page): Locator => page.locator('#auth-panel');
  const notice = (page: Page): Promise<string> => page.locator('#auth-notice').innerText();
  /** How many device slots (the root key sealed to one device) the server keeps for the account. */
  const deviceSlots = async (): Promise<number> => (await storedRows(store as ServerStore, normalizeUserId(USER))).filter((row) => row.vault === '_zv' && row.id.startsWith('device-slot.')).length;

  async function openDevice(): Promise<Device> {
    const browser = await launchChromium({ viewport: { width: 1360, height: 900 } });
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(60_000);
    const device: Device = { browser, page };
    page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
    // "Leave the page?" when a kept note would be lost: the person says yes.
    page.on('dialog', (dialog) => void dialog.accept());
    devices.push(device);
    await page.goto(`${(http as LocalServer).origin}/`);
    return device;
  }

  /** Types email and password, sets "Keep me signed in", clicks the submit button. */
  async function signIn(page: Page, options: { signup?: boolean; keep: boolean }): Promise<void> {
    await page.getByRole('tab', { name: options.signup === true ? 'Create account' : 'Sign in' }).click();
    await page.getByLabel('Email').fill('');
    await page.getByLabel('Email').pressSequentially(USER);
    await page.getByLabel('Password', { exact: true }).fill('');
    await page.getByLabel('Password', { exact: true }).pressSequentially(PASSWORD);
    await page.getByLabel('Keep me signed in on this device').setChecked(options.keep);
    await page.locator('#auth-submit').click();
  }

  async function addNote(page: Page, title: string, body: string): Promise<void> {
    await page.getByPlaceholder('Title').pressSequentially(title);
    await page.getByPlaceholder('Write something only you can read…').pressSequentially(body);
    await page.getByRole('button', { name: 'Add note' }).click();
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const resolve = { zerovault: join(ROOT, 'src/index.ts'), 'zerovault/ksf-worker': join(ROOT, 'src/ksf-worker.ts') };
    const [script, ksfWorker] = await Promise.all([buildApp({ resolve, minify: false, ksf: KSF }), buildKsfWorker({ resolve, minify: false })]);
    store = memoryServerStore();
    const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv' });
    http = await listenLocal(notesHandler({ zeroVault: zv.node(), store, normalizeUserId, script, ksfWorker }));
    a = await openDevice();
    b = await openDevice();
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const name = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-');
    for (const [i, device] of devices.entries()) await device.page.screenshot({ path: join(SHOTS, `failed-devices-${name}-${i === 0 ? 'a' : 'b'}.png`), fullPage: true }).catch(() => {});
  });

  afterAll(async () => {
    for (const device of devices) await device.browser.close();
    await http?.close();
    await store?.close();
  });

  test('a fresh browser shows the sign-in form, "Keep me signed in on this device" ticked', async () => {
    await signInForm(a.page).waitFor();
    expect(await a.page.getByLabel('Keep me signed in on this device').isChecked()).toBe(true);
    expect(await a.page.locator('#remember-hint').innerText()).toContain('“Sign out” always forgets this device');
    await shot(a, '01-sign-in-form');
  });

  test('device A: create the account, keep signed in, add a note', { timeout: SLOW }, async () => {
    await signIn(a.page, { signup: true, keep: true });
    await a.page.getByRole('heading', { name: 'Notes', exact: true }).waitFor();
    await addNote(a.page, 'Door code', 'The side door code is 4417.');
    await noteCard(a.page, 'Door code').waitFor();
    await shot(a, '02-a-signed-in');
  });

  test('device A: reload → "Signing you in…", never the sign-in form, then the notes without a password', async () => {
    // Hold the device sign-in for a moment, so the page's waiting state can be seen.
    let release = (): void => {};
    const held = new Promise<void>((done) => (release = done));
    await a.page.route('**/zv/device/login/**', async (route) => {
      await held;
      await route.continue();
    });
    await a.page.reload({ waitUntil: 'domcontentloaded' });
    await a.page.getByText('Signing you in…').waitFor({ state: 'visible' });
    expect(await signInForm(a.page).isHidden()).toBe(true);
    // It fades in after a moment (no flash when nothing is remembered): wait until it has.
    await a.page.locator('#resume-panel').evaluate((panel) => Promise.all(panel.getAnimations().map((animation) => animation.finished)));
    await shot(a, '03-a-signing-in');
    release();
    await noteCard(a.page, 'Door code').waitFor();
    await a.page.unroute('**/zv/device/login/**');
    expect(await signInForm(a.page).isHidden()).toBe(true);
    expect(await a.page.locator('#whoami').innerText()).toBe(USER);
    expect(await noteCard(a.page, 'Door code').locator('.note-body').innerText()).toBe('The side door code is 4417.');
    await shot(a, '04-a-after-reload');
  });

  test('device B: sign in with the password, keep signed in → the same notes', { timeout: SLOW }, async () => {
    await signInForm(b.page).waitFor();
    await signIn(b.page, { keep: true });
    await noteCard(b.page, 'Door code').waitFor();
    expect(await deviceSlots()).toBe(2);
    await shot(b, '05-b-signed-in');
  });

  test('device A: Devices lists both, "This device" on A only, with when and where; a device the server slipped in is "Unverified"', async () => {
    // A server (or whoever controls it) adds a device of its own: it is in no registry this account sealed.
    await (store as ServerStore).addDevice?.(
      { userId: normalizeUserId(USER), id: randomBytes(16).toString('base64url'), name: 'Firefox on Windows', signingKey: randomBytes(32), createdAt: Date.now(), lastSeenAt: Date.now(), lastAddress: '198.51.100.23' },
      'no-session',
      32,
    );
    await a.page.getByRole('button', { name: 'Devices' }).click();
    await expect.poll(() => a.page.locator('#device-list .device').count(), POLL).toBe(3);
    const current = a.page.locator('#device-list .device.current');
    expect(await current.count()).toBe(1);
    expect(await current.getByText('This device', { exact: true }).isVisible()).toBe(true);
    expect(await a.page.locator('#device-list .device:not(.current)').getByText('This device', { exact: true }).count()).toBe(0);
    const text = await a.page.locator('#device-list').innerText();
    expect(text).toContain('Added');
    expect(text).toContain('Last seen');
    expect(text).toMatch(/Last address\s+(::ffff:)?127\.0\.0\.1/);
    // Only the slipped-in one is marked; both real devices were added from this account.
    const unverified = a.page.locator('#device-list .device', { has: a.page.getByText('Unverified', { exact: true }) });
    expect(await unverified.count()).toBe(1);
    expect(await unverified.locator('h3').innerText()).toBe('Firefox on Windows');
    expect(await unverified.innerText()).toContain('your encrypted device list does not hold it');
    await shot(a, '06-a-devices');
  });

  test('device A: Revoke B → asked for the password (this session was resumed) → B leaves the list; then the unverified one, without asking again', { timeout: SLOW }, async () => {
    await a.page.locator('#device-list .device:not(.current)', { hasNotText: 'Firefox on Windows' }).getByRole('button', { name: /^Revoke / }).click();
    const prompt = a.page.getByLabel(/^Your password, to revoke/);
    await prompt.waitFor();
    await shot(a, '07-a-revoke-asks-password');
    await prompt.pressSequentially('not my password');
    await a.page.getByRole('button', { name: 'Revoke device' }).click();
    await a.page.locator('#device-list .confirm .error').getByText('Wrong password.').waitFor();
    await prompt.fill('');
    await prompt.pressSequentially(PASSWORD);
    await a.page.getByRole('button', { name: 'Revoke device' }).click();
    await expect.poll(() => a.page.locator('#device-list .device').count(), POLL).toBe(2);
    expect(await a.page.locator('#device-list .device.current').count()).toBe(1);
    expect(await deviceSlots()).toBe(1);
    await shot(a, '08-a-b-revoked');
    // The password sign-in just now is fresh: no second prompt.
    await a.page.getByRole('button', { name: 'Revoke Firefox on Windows' }).click();
    await expect.poll(() => a.page.locator('#device-list .device').count(), POLL).toBe(1);
    expect(await a.page.getByLabel(/^Your password, to revoke/).count()).toBe(0);
  });

  test('device B: its next action shows why it was signed out, and keeps the unsaved note', async () => {
    await addNote(b.page, 'Draft on B', 'Typed before B knew it was revoked.');
    await signInForm(b.page).waitFor();
    expect(await notice(b.page)).toContain(REVOKED);
    expect(await b.page.locator('#notes-panel').isHidden()).toBe(true);
    expect(await b.page.locator('#draft-kept').innerText()).toContain('Your unsaved note is kept in this tab.');
    expect(await b.page.getByLabel('Email').inputValue()).toBe(USER);
    // Closing or reloading the tab would lose the kept note: the page asks the browser to warn first.
    expect(await b.page.evaluate(() => !window.dispatchEvent(new Event('beforeunload', { cancelable: true })))).toBe(true);
    await shot(b, '09-b-revoked');
  });

  test('device B: reload (leaving the kept note) → the sign-in form: B is forgotten', async () => {
    await b.page.reload();
    await signInForm(b.page).waitFor();
    await expect.poll(() => b.page.locator('#resume-panel').isHidden(), POLL).toBe(true);
    expect(await b.page.locator('#notes-panel').isHidden()).toBe(true);
    await shot(b, '10-b-reloaded');
  });

  test('device B: sign in without "Keep me signed in"; the session expires → "Your session expired", the draft is kept, and back after signing in', { timeout: SLOW }, async () => {
    await signIn(b.page, { keep: false });
    await noteCard(b.page, 'Door code').waitFor();
    // The server forgets every session of the account, as when they expire.
    await (store as ServerStore).deleteUserSessions(normalizeUserId(USER));
    await addNote(b.page, 'Shopping', 'Eggs, flour, stamps.');
    await signInForm(b.page).waitFor();
    expect(await notice(b.page)).toContain(EXPIRED);
    await shot(b, '11-b-expired');
    await signIn(b.page, { keep: false });
    await b.page.getByText('Your unsaved note is back.').waitFor();
    expect(await b.page.getByPlaceholder('Title').inputValue()).toBe('Shopping');
    expect(await b.page.getByPlaceholder('Write something only you can read…').inputValue()).toBe('Eggs, flour, stamps.');
    await shot(b, '12-b-draft-back');
    await b.page.getByRole('button', { name: 'Add note' }).click();
    await noteCard(b.page, 'Shopping').waitFor();
  });

  test('device A: its session expired too, but A is remembered: the next action signs in again silently', async () => {
    await a.page.getByRole('button', { name: 'Notes' }).click();
    await addNote(a.page, 'Milk', 'Two litres.');
    await noteCard(a.page, 'Milk').waitFor();
    expect(await signInForm(a.page).isHidden()).toBe(true);
    expect(await a.page.locator('#note-error').isHidden()).toBe(true);
  });

  test('device A, a second tab: opens signed in too', async () => {
    secondTab = await a.browser.context.newPage();
    secondTab.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
    await secondTab.goto(`${(http as LocalServer).origin}/`);
    await noteCard(secondTab, 'Milk').waitFor();
  });

  test('device A: "Sign out" → says so, and so does the other tab; a reload shows the sign-in form (the device is forgotten)', async () => {
    await a.page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await signInForm(a.page).waitFor();
    expect(await notice(a.page)).toContain(SIGNED_OUT);
    expect(await notice(a.page)).toContain('no longer keeps you signed in');
    // Forgotten on the server too: no device slot is left.
    await expect.poll(deviceSlots, POLL).toBe(0);
    await shot(a, '13-a-signed-out');
    const other = secondTab as Page;
    await signInForm(other).waitFor();
    expect(await notice(other)).toContain('You signed out in another tab.');
    await other.screenshot({ path: join(SHOTS, 'devices-14-a-other-tab-signed-out.png'), fullPage: true });
    await other.close();
    await a.page.reload();
    await signInForm(a.page).waitFor();
    await expect.poll(() => a.page.locator('#resume-panel').isHidden(), POLL).toBe(true);
    expect(await a.page.locator('#notes-panel').isHidden()).toBe(true);
    await shot(a, '15-a-reloaded-after-sign-out');
  });

  test('device B: Devices is empty now, and says this browser is not remembered', async () => {
    await b.page.getByRole('button', { name: 'Devices' }).click();
    await b.page.getByText('No device keeps you signed in.').waitFor();
    expect(await b.page.locator('#device-list .device').count()).toBe(0);
    await shot(b, '16-b-no-devices');
  });

  test('no uncaught exception in either page', () => {
    expect(pageErrors).toEqual([]);
  });
});
