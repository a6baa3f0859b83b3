/**
 * The example web app's Security view and two-step sign-in, in real
 * Chromium, driven like a person: set up an authenticator app (the test is
 * the app: it reads the setup key from the page and computes codes with
 * `otpauth`), save the recovery codes, sign out, sign in with password and
 * code, sign in with a recovery code (and see it spent), make new recovery
 * codes, turn two-step verification off. Screenshots go to
 * test-artifacts/browser/security-*.png.
 *
 * One server for the whole file; the app is bundled with Argon2id at
 * zerovault's floor, so each password sign-in stays short.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP, URI } from 'otpauth';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { buildApp, buildKsfWorker } from '../../examples/web/build.js';
import { notesHandler } from '../../examples/web/host.js';
import { qrPath } from '../../examples/web/qr.js';
import { ARGON2ID_FLOOR } from '../../src/crypto/ksf.js';
import { Client } from '../../src/index.js';
import { createServer, createServerSetup, memoryServerStore, normalizeUserId, type ServerStore } from '../../src/server/index.js';
import { ROOT, describeBrowser, launchChromium, listenLocal, type Browser, type LocalServer } from './harness.js';

const SHOTS = join(ROOT, 'test-artifacts/browser');
const USER = 'hedy@example.com';
const PASSWORD = 'frequency hopping 1942';
/** zerovault's floor (OWASP's weakest recommended Argon2id), far cheaper than the default profile. */
const KSF = { iterations: ARGON2ID_FLOOR.work / ARGON2ID_FLOOR.memoryKiB, memoryKiB: ARGON2ID_FLOOR.memoryKiB, parallelism: 1 };
/** A sign-in may wait for the authenticator's next 30 s step, and runs Argon2id. */
const SLOW = 120_000;
const POLL = { timeout: 30_000 };
const RECOVERY_CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

describeBrowser('example web app: two-step verification and recovery codes, driven like a person', () => {
  let http: LocalServer | undefined;
  let store: ServerStore | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  /** Errors the app logged (it logs every failure it shows to the user). */
  const consoleErrors: string[] = [];
  /** The authenticator app: set once the page has shown the setup key. */
  let app: TOTP | undefined;
  /** The last 30 s step a code was used for: the server refuses a step twice (RFC 6238 §5.2). */
  let lastStep = -1;
  let recoveryCodes: string[] = [];
  /** Where the second device (a Node client) keeps its device key. */
  const laptopDir = mkdtempSync(join(tmpdir(), 'zerovault-security-laptop-'));

  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(SHOTS, `security-${name}.png`), fullPage: true });
  const totpCard = (): Locator => page.locator('#totp-card');
  /** The sign-in form's code field (the Security view has one with the same label). */
  const signInCode = (): Locator => page.locator('#mfa-form').getByLabel('6-digit code');

  /** Waits for the sign-in form to ask for the code (typing into a hidden field would be lost), then types it. */
  async function typeSignInCode(code: string): Promise<void> {
    await signInCode().waitFor();
    await signInCode().pressSequentially(code);
  }
  const notesHeading = (): Locator => page.getByRole('heading', { name: 'Notes', exact: true });

  /** What the authenticator app shows now, waiting for its next step if this one was used already. */
  async function freshCode(): Promise<string> {
    const totp = app as TOTP;
    let step = Math.floor(Date.now() / 30_000);
    if (step <= lastStep) {
      await new Promise((done) => setTimeout(done, (lastStep + 1) * 30_000 - Date.now() + 200));
      step = Math.floor(Date.now() / 30_000);
    }
    lastStep = step;
    return totp.generate({ timestamp: step * 30_000 });
  }

  /** A 6-digit code the app will not show in the next minutes. */
  function wrongCode(): string {
    const totp = app as TOTP;
    const near = new Set([-2, -1, 0, 1, 2].map((k) => totp.generate({ timestamp: Date.now() + k * 30_000 })));
    for (let hours = 1; ; hours++) {
      const code = totp.generate({ timestamp: Date.now() - hours * 3_600_000 });
      if (!near.has(code)) return code;
    }
  }

  async function signIn(options: { signup?: boolean; keep?: boolean } = {}): Promise<void> {
    await page.getByRole('tab', { name: options.signup === true ? 'Create account' : 'Sign in' }).click();
    await page.getByLabel('Email').fill('');
    await page.getByLabel('Email').pressSequentially(USER);
    await page.getByLabel('Password', { exact: true }).fill('');
    await page.getByLabel('Password', { exact: true }).pressSequentially(PASSWORD);
    // Not remembered, unless asked: a remembered device counts as the second step and skips the code.
    await page.getByLabel('Keep me signed in on this device').setChecked(options.keep === true);
    await page.locator('#auth-submit').click();
  }

  async function signOut(): Promise<void> {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.locator('#auth-form').waitFor();
  }

  async function openSecurity(): Promise<void> {
    await page.getByRole('button', { name: 'Security', exact: true }).click();
    await page.locator('#totp-badge').waitFor();
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const resolve = { zerovault: join(ROOT, 'src/index.ts'), 'zerovault/ksf-worker': join(ROOT, 'src/ksf-worker.ts') };
    const [script, ksfWorker] = await Promise.all([buildApp({ resolve, minify: false, ksf: KSF }), buildKsfWorker({ resolve, minify: false })]);
    store = memoryServerStore();
    const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv' });
    http = await listenLocal(notesHandler({ zeroVault: zv.node(), store, normalizeUserId, script, ksfWorker }));
    browser = await launchChromium({ viewport: { width: 1360, height: 900 } });
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: http.origin });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
    page.on('dialog', (dialog) => void dialog.accept());
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) consoleErrors.push(msg.text());
    });
    await page.goto(`${http.origin}/`);
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail' || browser === undefined) return;
    await page.screenshot({ path: join(SHOTS, `failed-security-${context.task.name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true }).catch(() => {});
    if (consoleErrors.length > 0) console.log(`app errors so far: ${consoleErrors.join(' | ')}`);
  });

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await store?.close();
    rmSync(laptopDir, { recursive: true, force: true });
  });

  test('create the account, kept signed in; after a reload (no password) Security says two-step verification is off', { timeout: SLOW }, async () => {
    await signIn({ signup: true, keep: true });
    await notesHeading().waitFor();
    await page.reload();
    await notesHeading().waitFor();
    expect(await page.locator('#auth-panel').isHidden()).toBe(true);
    await openSecurity();
    expect(await page.locator('#security-session').innerText()).toContain('this remembered device');
    expect(await page.locator('#totp-badge').innerText()).toBe('Off');
    expect(await page.locator('#passkey-empty').isVisible()).toBe(true);
    await shot('01-off');
  });

  test('"Set up authenticator app" asks for the password (this session opened without it) → a QR code of the otpauth:// URI, and the same key as text', { timeout: SLOW }, async () => {
    await page.getByRole('button', { name: 'Set up authenticator app' }).click();
    const again = page.getByLabel('Your password, to set up two-step verification');
    await again.pressSequentially('not my password');
    await page.getByRole('button', { name: 'Continue' }).click();
    await totpCard().getByText('Wrong password.').waitFor();
    await again.pressSequentially(PASSWORD);
    await shot('02-password-asked');
    await page.getByRole('button', { name: 'Continue' }).click();
    const qr = page.getByRole('img', { name: 'QR code for your authenticator app' });
    await qr.waitFor();
    const uri = (await page.locator('#totp-uri').getAttribute('href')) ?? '';
    // What an authenticator app reads from the QR code: SHA-1, 6 digits, 30 s.
    const scanned = URI.parse(uri);
    expect(scanned).toBeInstanceOf(TOTP);
    expect(scanned.algorithm).toBe('SHA1');
    expect(scanned.digits).toBe(6);
    expect((scanned as TOTP).period).toBe(30);
    // The QR code on screen encodes exactly that URI.
    expect(await qr.locator('path').getAttribute('d')).toBe(qrPath(uri).d);
    // The person who cannot scan types the key shown as text: the same secret.
    const typed = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
    expect(typed).toMatch(/^[A-Z2-7]{32}$/);
    expect(typed).toBe(scanned.secret.base32);
    app = new TOTP({ secret: Secret.fromBase32(typed), algorithm: 'SHA1', digits: 6, period: 30 });
    await shot('03-scan');
  });

  test('a wrong code is refused in plain words; the right one turns it on and shows ten recovery codes once', async () => {
    await totpCard().getByLabel('6-digit code').pressSequentially(wrongCode());
    await page.getByRole('button', { name: 'Turn on' }).click();
    await totpCard().getByText('That code does not work.').waitFor();
    await shot('04-wrong-code');
    await totpCard().getByLabel('6-digit code').fill('');
    await totpCard().getByLabel('6-digit code').pressSequentially(await freshCode());
    await page.getByRole('button', { name: 'Turn on' }).click();
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    recoveryCodes = (await list.locator('li').allInnerTexts()).map((text) => text.trim());
    expect(recoveryCodes).toHaveLength(10);
    for (const code of recoveryCodes) expect(code).toMatch(RECOVERY_CODE);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(await page.locator('#totp-badge').innerText()).toBe('On');
    await shot('05-recovery-codes');
  });

  test('copy and download the codes; Done only once "I saved them" is ticked; then they are gone from the page', async () => {
    await page.getByRole('button', { name: 'Copy codes' }).click();
    await page.getByText('Copied.').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    for (const code of recoveryCodes) expect(copied).toContain(code);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .txt' }).click()]);
    expect(download.suggestedFilename()).toBe('vault-notes-recovery-codes.txt');
    const file = readFileSync((await download.path()) ?? '', 'utf8');
    expect(file).toContain(USER);
    for (const code of recoveryCodes) expect(file).toContain(code);
    // Leaving the page now would lose them: the page asks first.
    expect(await page.evaluate(() => !window.dispatchEvent(new Event('beforeunload', { cancelable: true })))).toBe(true);
    const done = page.getByRole('button', { name: 'Done' });
    expect(await done.isDisabled()).toBe(true);
    await page.getByLabel('I saved these codes somewhere safe').check();
    await done.click();
    await expect.poll(() => page.locator('#recovery-left').innerText(), POLL).toBe('10 of 10 left');
    const text = await page.locator('body').innerText();
    for (const code of recoveryCodes) expect(text.includes(code)).toBe(false);
    await shot('06-on');
  });

  test('sign out, sign in with the password: the form asks for the code; a wrong one is refused, the right one opens the notes', { timeout: SLOW }, async () => {
    await signOut();
    await signIn();
    const code = signInCode();
    await code.waitFor();
    expect(await page.locator('#mfa-lead').innerText()).toContain('Your password is right.');
    expect(await page.locator('#auth-form').isHidden()).toBe(true);
    await shot('07-code-asked');
    await code.pressSequentially(wrongCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('#mfa-error').getByText('That code does not work.').waitFor();
    expect(await code.inputValue()).toBe('');
    await shot('08-code-refused');
    await code.pressSequentially(await freshCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await notesHeading().waitFor();
    await openSecurity();
    expect(await page.locator('#security-session').innerText()).toContain('a code from your authenticator app');
  });

  test('sign in with a recovery code instead; it is spent: used again it is refused, another one works', { timeout: SLOW }, async () => {
    await signOut();
    await signIn();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    const field = page.locator('#mfa-form').getByLabel('Recovery code');
    await field.pressSequentially((recoveryCodes[0] ?? '').toLowerCase()); // typed as read, any case
    await shot('09-recovery-code');
    await page.getByRole('button', { name: 'Verify' }).click();
    await notesHeading().waitFor();
    await openSecurity();
    await expect.poll(() => page.locator('#recovery-left').innerText(), POLL).toBe('9 of 10 left');
    await signOut();
    await signIn();
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await field.pressSequentially(recoveryCodes[0] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('#mfa-error').getByText('That recovery code does not work.').waitFor();
    await shot('10-recovery-code-spent');
    await field.pressSequentially(recoveryCodes[1] ?? '');
    await page.getByRole('button', { name: 'Verify' }).click();
    await notesHeading().waitFor();
    await openSecurity();
    await expect.poll(() => page.locator('#recovery-left').innerText(), POLL).toBe('8 of 10 left');
  });

  test('too many wrong codes: the page says how long to wait', { timeout: SLOW }, async () => {
    await signOut();
    // The server's limit, as it answers past it (its backoff itself is tested with the server).
    await page.route('**/zv/mfa/verify', (route) => route.fulfill({ status: 429, headers: { 'retry-after': '120', 'content-type': 'application/json' }, body: JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'rate limited' } }) }));
    await signIn();
    await typeSignInCode(wrongCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.locator('#auth-error').getByText('Too many wrong codes.').waitFor();
    expect(await page.locator('#auth-error').innerText()).toContain('wait about 2 minutes');
    await shot('11-rate-limited');
    await page.unroute('**/zv/mfa/verify');
  });

  test('Devices, with two-step verification on: revoking another device from a remembered session asks for the password, then a code too', { timeout: SLOW }, async () => {
    await signIn({ keep: true });
    await typeSignInCode(await freshCode());
    await page.getByRole('button', { name: 'Verify' }).click();
    await notesHeading().waitFor();
    // A second device of the account: a Node client, remembered, signed in with a recovery code.
    const laptop = new Client({ url: `${(http as LocalServer).origin}/zv`, deviceDir: laptopDir, ksf: KSF });
    await laptop.login({ userId: USER, password: PASSWORD, rememberDevice: true, deviceName: 'Old laptop', recoveryCode: recoveryCodes[2] ?? '' });
    // This browser opens without the password now: its session is not a fresh password sign-in.
    await page.reload();
    await notesHeading().waitFor();
    await page.getByRole('button', { name: 'Devices', exact: true }).click();
    await page.getByRole('button', { name: 'Revoke Old laptop' }).click();
    await page.getByLabel('Your password, to revoke “Old laptop”').pressSequentially(PASSWORD);
    await page.getByRole('button', { name: 'Revoke device' }).click();
    await page.locator('#device-list').getByText('Your password is right. Enter a code too.').waitFor();
    // The password stays typed: only the code is asked for.
    expect(await page.getByLabel('Your password, to revoke “Old laptop”').inputValue()).toBe(PASSWORD);
    await page.getByLabel('A code from your authenticator app, or a recovery code').pressSequentially(recoveryCodes[3] ?? '');
    await shot('12-revoke-asks-code');
    await page.getByRole('button', { name: 'Revoke device' }).click();
    await expect.poll(() => page.locator('#device-list .device').count(), POLL).toBe(1);
    expect(await page.locator('#device-list .device h3').innerText()).not.toBe('Old laptop');
  });

  test('"New recovery codes" asks for a code and shows ten new ones; the old ones no longer work', { timeout: SLOW }, async () => {
    await openSecurity();
    await expect.poll(() => page.locator('#recovery-left').innerText(), POLL).toBe('6 of 10 left');
    await page.getByRole('button', { name: 'New recovery codes' }).click();
    await page.getByLabel('A code, to make new recovery codes').pressSequentially(await freshCode());
    await shot('13-new-codes-asked');
    await page.getByRole('button', { name: 'Make new codes' }).click();
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    const fresh = (await list.locator('li').allInnerTexts()).map((text) => text.trim());
    expect(fresh).toHaveLength(10);
    for (const code of fresh) expect(recoveryCodes.includes(code)).toBe(false);
    expect(await page.getByText('Your old recovery codes no longer work.').isVisible()).toBe(true);
    await shot('14-new-codes');
    await page.getByLabel('I saved these codes somewhere safe').check();
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.locator('#recovery-left').innerText(), POLL).toBe('10 of 10 left');
    recoveryCodes = fresh;
  });

  test('"Turn off" asks for a code; then the password alone signs in again', { timeout: SLOW }, async () => {
    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.getByLabel('A code, to turn off two-step verification').pressSequentially(await freshCode());
    await totpCard().getByRole('button', { name: 'Turn off two-step verification' }).click();
    await expect.poll(() => page.locator('#totp-badge').innerText(), POLL).toBe('Off');
    expect(await page.locator('#security-note').innerText()).toContain('Two-step verification is off.');
    await shot('15-off-again');
    await signOut();
    await signIn();
    await notesHeading().waitFor();
    expect(await page.locator('#mfa-form').isHidden()).toBe(true);
  });

  test('no uncaught exception in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
