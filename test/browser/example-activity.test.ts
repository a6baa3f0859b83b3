/**
 * The example web app's Activity view (the account's security log), in real
 * Chromium, driven like a person: two browsers with their own profiles are
 * two devices of one account. The view lists sign-ins, the devices added and
 * signing out with time, device and address, newest first, and marks this
 * device's entries; an entry the other device signed is named with that
 * device. When the server drops an entry, the view refuses to show a
 * doctored history. Screenshots go to test-artifacts/browser/activity-*.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { buildApp, buildKsfWorker } from '../../examples/web/build.js';
import { notesHandler } from '../../examples/web/host.js';
import { ARGON2ID_FLOOR } from '../../src/crypto/ksf.js';
import { createServer, createServerSetup, memoryServerStore, normalizeUserId, type ServerStore } from '../../src/server/index.js';
import { ROOT, describeBrowser, launchChromium, listenLocal, type Browser, type LocalServer } from './harness.js';

const SHOTS = join(ROOT, 'test-artifacts/browser');
const USER = 'ada@example.com';
const PASSWORD = 'analytical engine 1843';
const KSF = { iterations: ARGON2ID_FLOOR.work / ARGON2ID_FLOOR.memoryKiB, memoryKiB: ARGON2ID_FLOOR.memoryKiB, parallelism: 1 };
const SLOW = 90_000;
const POLL = { timeout: 30_000 };

interface Device {
  readonly browser: Browser;
  readonly page: Page;
}

describeBrowser('example web app: the Activity view, driven like a person', () => {
  let http: LocalServer | undefined;
  let store: ServerStore | undefined;
  /** Set by a test: the server leaves this entry out of every read (a dropped row). */
  let withhold: number | undefined;
  let a: Device;
  let b: Device;
  const devices: Device[] = [];
  const pageErrors: string[] = [];

  const shot = (device: Device, name: string): Promise<Buffer> => device.page.screenshot({ path: join(SHOTS, `activity-${name}.png`), fullPage: true });
  const rows = (page: Page): Locator => page.locator('#activity-rows tr');
  const events = async (page: Page): Promise<string[]> => rows(page).evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.type ?? ''));

  async function openDevice(): Promise<Device> {
    const browser = await launchChromium({ viewport: { width: 1360, height: 900 } });
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
    page.on('dialog', (dialog) => void dialog.accept());
    const device = { browser, page };
    devices.push(device);
    await page.goto(`${(http as LocalServer).origin}/`);
    return device;
  }

  async function signIn(page: Page, signup: boolean): Promise<void> {
    await page.getByRole('tab', { name: signup ? 'Create account' : 'Sign in' }).click();
    await page.getByLabel('Email').fill('');
    await page.getByLabel('Email').pressSequentially(USER);
    await page.getByLabel('Password', { exact: true }).fill('');
    await page.getByLabel('Password', { exact: true }).pressSequentially(PASSWORD);
    await page.getByLabel('Keep me signed in on this device').setChecked(true);
    await page.locator('#auth-submit').click();
    await page.getByRole('heading', { name: 'Notes', exact: true }).waitFor();
  }

  async function openActivity(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Activity' }).click();
    await page.getByRole('heading', { name: 'Activity', exact: true }).waitFor();
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const resolve = { zerovault: join(ROOT, 'src/index.ts'), 'zerovault/ksf-worker': join(ROOT, 'src/ksf-worker.ts') };
    const [script, ksfWorker] = await Promise.all([buildApp({ resolve, minify: false, ksf: KSF }), buildKsfWorker({ resolve, minify: false })]);
    const base = memoryServerStore();
    // The server's own store, able to leave one entry out of what it serves (as a dishonest server would).
    store = {
      ...base,
      getLogEntries: async (userId, since, limit) => ((await base.getLogEntries?.(userId, since, limit)) ?? []).filter((row) => row.seq !== withhold),
    };
    const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv' });
    http = await listenLocal(notesHandler({ zeroVault: zv.node(), store, normalizeUserId, script, ksfWorker }));
    a = await openDevice();
    b = await openDevice();
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    const name = context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-');
    for (const [i, device] of devices.entries()) await device.page.screenshot({ path: join(SHOTS, `failed-activity-${name}-${i}.png`), fullPage: true }).catch(() => {});
  });

  afterAll(async () => {
    for (const device of devices) await device.browser.close();
    await http?.close();
    await store?.close();
  });

  test('device A: create the account; Activity shows the sign-in and this device added, marked, with time and address', { timeout: SLOW }, async () => {
    await signIn(a.page, true);
    await openActivity(a.page);
    await expect.poll(() => events(a.page), POLL).toEqual(['device_added', 'login']);
    const text = await a.page.locator('#activity-panel').innerText();
    expect(text).toMatch(/Time\s+Event\s+Device\s+Address/);
    expect(text).toContain('Signed in');
    expect(text).toContain('Device added');
    // The device added is this one: its row is marked, and names the device.
    const added = a.page.locator('#activity-rows tr[data-type="device_added"]');
    expect(await added.getByText('This device', { exact: true }).isVisible()).toBe(true);
    expect(await added.getAttribute('class')).toContain('current');
    expect(await added.innerText()).toContain('✓ you');
    // The sign-in came before the device was remembered: the server saw the address, no device yet.
    expect(await a.page.locator('#activity-rows tr[data-type="login"]').innerText()).toMatch(/(::ffff:)?127\.0\.0\.1/);
    expect(await a.page.locator('#activity-rows time').first().getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await shot(a, '01-a-first-activity');
  });

  test('device B: sign in; A’s Activity lists B’s sign-in and device, unmarked, newest first', { timeout: SLOW }, async () => {
    await signIn(b.page, false);
    await openActivity(a.page);
    await expect.poll(() => events(a.page), POLL).toEqual(['device_added', 'login', 'device_added', 'login']);
    const newest = rows(a.page).first();
    expect(await newest.getAttribute('class')).not.toContain('current');
    expect(await newest.getByText('This device', { exact: true }).count()).toBe(0);
    expect(await a.page.locator('#activity-rows tr.current').count()).toBe(1);
    await shot(a, '02-a-sees-b');
    // B sees the same history, with its own entry marked instead.
    await openActivity(b.page);
    await expect.poll(() => events(b.page), POLL).toEqual(['device_added', 'login', 'device_added', 'login']);
    expect(await b.page.locator('#activity-rows tr.current').count()).toBe(1);
    expect(await rows(b.page).first().getAttribute('class')).toContain('current');
    await shot(b, '03-b-activity');
  });

  test('a server that drops an entry: the view says the history was changed and shows none of it', async () => {
    withhold = 2;
    await b.page.getByRole('button', { name: 'Notes' }).click();
    await openActivity(b.page);
    await b.page.locator('#activity-error').getByText(/does not match what your devices saw before/).waitFor();
    expect(await rows(b.page).count()).toBe(0);
    await shot(b, '04-b-dropped-entry');
    withhold = undefined;
    await b.page.getByRole('button', { name: 'Notes' }).click();
    await openActivity(b.page);
    await expect.poll(() => rows(b.page).count(), POLL).toBe(4);
    expect(await b.page.locator('#activity-error').isHidden()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
