/**
 * Passkeys in real Chromium (issue 15), with the DevTools-protocol virtual
 * authenticator (CTAP2, internal, resident keys, user verification, PRF):
 * register an account, add a passkey (PRF: a passkey slot), log out, log in
 * with the passkey alone (no user id, no password) and read a record; every
 * request body the browser sent during the whole ceremony is recorded and
 * searched for the PRF output and every secret of the slot (slot key, X25519
 * secret key, sealer seed, root key), raw, hex, base64 and base64url; then a
 * second authenticator without PRF: its passkey logs in but the vault needs
 * the password (UNSUPPORTED without it, asked for exactly once with a
 * function), and removing the passkey a session logged in with ends it.
 * Also: a password login of an account with a passkey is pending, and the
 * passkey passes its second factor (amr pwd+hwk+user), through the pieces
 * and through `client.login({ passkey: true })`, also for the re-login of
 * a credential change (`currentPassword` with `passkey: true`); and on a
 * server with `mfa: 'required'` (mounted at /zvr) a passkey is the first
 * factor a pending session enrols, which opens it before the slot is written.
 *
 * And root-key rotation (`session.rotateRootKey`): register, add a PRF
 * passkey, log out, log in with the passkey alone, rotate, log out, log in
 * with the passkey again and with the password; the passkey slot opens to
 * the new root key (re-sealed without the authenticator), and the old root
 * key opens none of the account's meta records.
 *
 * Credentials injected through the protocol give no PRF output, so the
 * passkey is registered and used within this one browser session. The page
 * runs on http://localhost (a secure context, and a valid RP id).
 */
import { createDecipheriv } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openPasskeySlot } from '../../src/client/passkeys/slot.js';
import { loadMeta } from '../../src/client/account/meta-record.js';
import { loadKeyring } from '../../src/client/account/keyring-store.js';
import { fromBase64url, toBase64url, toHex } from '../../src/crypto/bytes.js';
import { decodePasskeyRegistry } from '../../src/formats/passkey-registry.js';
import { decodePasskeySlot, passkeySlotId, passkeySlotKey } from '../../src/formats/passkey-slot.js';
import { createServer, createServerSetup, memoryServerStore, sqliteServerStore, type NodeHandler, type ServerStore } from '../../src/server/index-node.js';
import { ROOT, bundleForBrowser, describeBrowser, launchChromium, listenLocal, type Browser, type LocalServer } from './harness.js';
import type { PasskeyPageApi } from './passkey-page/page.js';

const PAGE_HTML = '<!doctype html><html><head><meta charset="utf-8"><title>zerovault passkeys</title></head><body><script type="module" src="/bundle.js"></script></body></html>';
const ALICE = { userId: 'alice@example.com', password: 'correct horse battery staple', note: 'the mill at nine' };
const BOB = { userId: 'bob@example.com', password: 'tr0ub4dor & 3', note: 'left at the fountain' };
const CAROL = { userId: 'carol@example.com', password: 'a passkey as my second factor', note: 'under the bridge' };
const DAVE = { userId: 'dave@example.com', password: 'required from day one', note: 'behind the clock' };
const FRANK = { userId: 'frank@example.com', password: 'rotate me tonight', note: 'by the old oak' };
const ERIN = { userId: 'erin@example.com', password: 'lost my only passkey', note: 'in the second drawer' };
const RECOVERY_CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

interface Sent {
  readonly method: string;
  readonly url: string;
  readonly body: Buffer;
}

type Result<K extends keyof PasskeyPageApi> = Awaited<ReturnType<PasskeyPageApi[K]>>;

describeBrowser('passkeys in Chromium (virtual authenticator)', () => {
  let dir: string | undefined;
  let store: ServerStore | undefined;
  let http: LocalServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let cdp: CDPSession;
  let origin = '';
  const sent: Sent[] = [];
  /** Every virtual authenticator added, so a test can start from none. */
  const authenticators: string[] = [];

  async function call<K extends keyof PasskeyPageApi>(name: K, ...args: Parameters<PasskeyPageApi[K]>): Promise<Result<K>> {
    return page.evaluate(
      ({ n, a }) => {
        const api = (globalThis as unknown as { zvPasskeys: Record<string, (...x: unknown[]) => Promise<unknown>> }).zvPasskeys;
        return (api[n] as (...x: unknown[]) => Promise<unknown>)(...a);
      },
      { n: name, a: args as unknown[] },
    ) as Promise<Result<K>>;
  }

  async function authenticator(hasPrf: boolean): Promise<string> {
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, hasPrf, automaticPresenceSimulation: true },
    });
    authenticators.push(authenticatorId);
    return authenticatorId;
  }

  async function removeAuthenticators(): Promise<void> {
    for (const authenticatorId of authenticators.splice(0)) await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId }).catch(() => undefined);
  }

  beforeAll(async () => {
    const bundle = await bundleForBrowser(join(ROOT, 'test/browser/passkey-page/page.ts'));
    dir = mkdtempSync(join(tmpdir(), 'zerovault-passkeys-'));
    store = sqliteServerStore({ path: join(dir, 'zerovault.db') });
    // The server needs the page's origin, which is known once the port is.
    const mounted: { api?: NodeHandler; requiring?: NodeHandler } = {};
    http = await listenLocal((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path?.startsWith('/zv/') && mounted.api !== undefined) return mounted.api(req, res);
      if (path?.startsWith('/zvr/') && mounted.requiring !== undefined) return mounted.requiring(req, res);
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        return res.end(PAGE_HTML);
      }
      if (path === '/bundle.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
        return res.end(bundle.code);
      }
      res.writeHead(404).end();
    });
    // WebAuthn takes a domain as RP id, not an IP address: the page runs on localhost.
    origin = http.origin.replace('127.0.0.1', 'localhost');
    mounted.api = createServer({ setup: createServerSetup(), store, basePath: '/zv', passkeys: { rpId: 'localhost', origins: [origin] } }).node();
    // A second server that requires a second factor of every account (enrolment with a passkey).
    mounted.requiring = createServer({ setup: createServerSetup(), store: memoryServerStore(), basePath: '/zvr', mfa: 'required', passkeys: { rpId: 'localhost', origins: [origin] } }).node();
    browser = await launchChromium();
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('request', (request) => {
      const body = request.postDataBuffer();
      if (body !== null) sent.push({ method: request.method(), url: request.url(), body });
    });
    cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await page.goto(`${origin}/`);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached' });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await store?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  let aliceKey = '';
  let alicePrf = '';

  test('register, add a passkey with PRF, log out, log in with the passkey alone (no user id, no password) and read the record', async () => {
    const prfAuthenticator = await authenticator(true);
    const registered = await call('register', ALICE.userId, ALICE.password, ALICE.note, 'Laptop');
    expect(registered).not.toHaveProperty('error');
    const { added, listed } = registered as Exclude<Result<'register'>, { error: string }>;
    expect(added).toMatchObject({ name: 'Laptop', unlocks: true, verified: true });
    expect(listed).toEqual([expect.objectContaining({ id: added.id, name: 'Laptop', verified: true, unlocks: true, current: false })]);
    aliceKey = added.id;
    const loggedIn = await call('login', null, null);
    expect(loggedIn).toEqual({
      userId: ALICE.userId,
      passkeyId: aliceKey,
      note: ALICE.note,
      passwordAsked: 0,
      passkeys: [expect.objectContaining({ id: aliceKey, current: true, unlocks: true })],
    });
    // The account has a passkey now, so a password login is pending until the passkey passes as its second factor.
    expect(await call('secondFactor', ALICE.userId, ALICE.password)).toEqual({ before: 'MFA_REQUIRED', amr: ['pwd', 'hwk', 'user'], after: 'ok' });
    const prf = await call('prfOf', aliceKey);
    expect(typeof prf).toBe('string');
    alicePrf = prf as string;
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: prfAuthenticator });
  }, 120_000);

  test('no request body of the whole ceremony holds the PRF output or any slot secret', async () => {
    expect(alicePrf).not.toBe('');
    const blobs = (store as ServerStore).blobs(ALICE.userId);
    const stored = await blobs.get('_zv', passkeySlotId(aliceKey));
    if (stored === null) throw new Error('the passkey slot is not in the store');
    const slot = decodePasskeySlot(stored.data);
    const prfOutput = fromBase64url(alicePrf);
    const place = { userId: ALICE.userId, credentialId: aliceKey };
    // The probe's PRF output is the SDK's: it opens the slot.
    const rootKey = await openPasskeySlot({ ...place, slot: stored.data, prfOutput });
    const slotKey = passkeySlotKey(prfOutput, slot.salt, place);
    const decipher = createDecipheriv('aes-256-gcm', slotKey, slot.wrappedSecret.subarray(0, 12));
    decipher.setAAD(Buffer.from((await import('../../src/formats/passkey-slot.js')).passkeySecretAad(place, slot.salt, slot.publicKey)));
    decipher.setAuthTag(slot.wrappedSecret.subarray(slot.wrappedSecret.length - 16));
    const unwrapped = Buffer.concat([decipher.update(slot.wrappedSecret.subarray(12, slot.wrappedSecret.length - 16)), decipher.final()]);
    const secretKey = new Uint8Array(unwrapped.subarray(0, 32));
    const registry = await loadMeta(blobs, rootKey, 'passkeys');
    if (registry === null) throw new Error('the passkey registry is not in the store');
    const entry = decodePasskeyRegistry(registry.plaintext).find((p) => p.credentialId === aliceKey);
    if (entry === undefined || entry.slot === null) throw new Error('the registry holds no slot keys for the passkey');
    const secrets: Record<string, Uint8Array> = { prfOutput, slotKey, secretKey, sealerSeed: entry.slot.sealerSeed, rootKey };

    const forms = (bytes: Uint8Array): Buffer[] => [Buffer.from(bytes), Buffer.from(toHex(bytes)), Buffer.from(toBase64url(bytes)), Buffer.from(Buffer.from(bytes).toString('base64'))];
    // Each body as sent, and every base64url string inside a JSON body decoded (blob writes send `{ data: b64url }`).
    const haystacks = (body: Buffer): Buffer[] => {
      const found: Buffer[] = [body];
      const walk = (value: unknown): void => {
        if (typeof value === 'string') {
          if (/^[A-Za-z0-9_-]{16,}$/.test(value)) found.push(Buffer.from(value, 'base64url'));
        } else if (typeof value === 'object' && value !== null) {
          for (const inner of Object.values(value)) walk(inner);
        }
      };
      try {
        walk(JSON.parse(body.toString('utf8')));
      } catch {
        // not JSON: the raw body is all there is
      }
      return found;
    };
    const holds = (bytes: Uint8Array): string[] =>
      sent.filter((s) => haystacks(s.body).some((hay) => forms(bytes).some((form) => hay.includes(form)))).map((s) => `${s.method} ${s.url}`);

    // The recording covers the ceremony: registration, the slot write, the passkey login.
    const urls = sent.map((s) => `${s.method} ${new URL(s.url).pathname}`);
    expect(urls).toEqual(expect.arrayContaining(['POST /zv/passkeys/register/finish', 'POST /zv/passkey/login/start', 'POST /zv/passkey/login/finish']));
    expect(urls.some((u) => u.startsWith(`PUT /zv/blobs/_zv/${passkeySlotId(aliceKey)}`))).toBe(true);
    // And the search finds what was sent: the slot's public key went out with the slot.
    expect(holds(slot.publicKey).length).toBeGreaterThan(0);
    for (const [name, bytes] of Object.entries(secrets)) expect(holds(bytes), name).toEqual([]);
  });

  test('an authenticator without PRF: the passkey logs in, the vault needs the password (asked once), and removing it ends its session', async () => {
    await authenticator(false);
    const registered = await call('register', BOB.userId, BOB.password, BOB.note, 'Old key');
    expect(registered).not.toHaveProperty('error');
    const { added } = registered as Exclude<Result<'register'>, { error: string }>;
    expect(added).toMatchObject({ unlocks: false, verified: true });
    expect(await (store as ServerStore).blobs(BOB.userId).get('_zv', passkeySlotId(added.id))).toBeNull();
    expect(await call('login', null, null)).toEqual({ error: 'UNSUPPORTED' });
    expect(await call('login', BOB.userId, 'wrong password')).toEqual({ error: 'AUTH_FAILED' });
    expect(await call('login', null, BOB.password)).toEqual({
      userId: BOB.userId,
      passkeyId: added.id,
      note: BOB.note,
      passwordAsked: 1,
      passkeys: [expect.objectContaining({ id: added.id, current: true, unlocks: false })],
    });
    expect(await call('removeOwn', BOB.password)).toEqual({ id: added.id, open: false });
    expect(await call('login', null, BOB.password)).toEqual({ error: 'AUTH_FAILED' });
  }, 120_000);

  test('a passkey without PRF as the second factor of a password login (passkey: true), and of a re-login', async () => {
    await removeAuthenticators();
    await authenticator(false);
    const registered = await call('register', CAROL.userId, CAROL.password, CAROL.note, 'Security key');
    expect(registered).not.toHaveProperty('error');
    expect((registered as Exclude<Result<'register'>, { error: string }>).added).toMatchObject({ unlocks: false, verified: true });
    expect(await call('passwordAndPasskey', CAROL.userId, CAROL.password)).toEqual({ before: 'MFA_REQUIRED', amr: ['pwd', 'hwk', 'user'], pending: null, note: CAROL.note });
    expect(await call('reauthWithPasskey', CAROL.userId, CAROL.password)).toEqual({
      amrBefore: ['hwk', 'user'],
      stale: 'AUTH_FAILED',
      without: 'MFA_REQUIRED',
      stillReads: CAROL.note,
      recoveryKey: 'zvrk1-',
      amrAfter: ['pwd', 'hwk', 'user'],
      // The session went on as the password re-login's: no passkey is bound to it any more.
      passkeyIdAfter: null,
      totpUri: 'otpauth://totp/',
    });
  }, 120_000);

  test("mfa: 'required': a passkey as the first factor opens the pending session, then its slot unlocks a passkey login", async () => {
    await removeAuthenticators();
    await authenticator(true);
    const enrolled = await call('enrollWithPasskey', DAVE.userId, DAVE.password, DAVE.note, 'Laptop');
    expect(enrolled).not.toHaveProperty('error');
    const result = enrolled as Exclude<Result<'enrollWithPasskey'>, { error: string }>;
    expect(result).toMatchObject({ pendingBefore: 'enroll', vaultBefore: 'MFA_REQUIRED', after: { pending: null, amr: ['pwd', 'hwk', 'user'] } });
    expect(result.added).toMatchObject({ name: 'Laptop', unlocks: true, verified: true });
    expect(result.listed).toEqual([expect.objectContaining({ id: result.added.id, verified: true, unlocks: true })]);
    expect(result.read).toEqual({ note: DAVE.note, amr: ['hwk', 'user'], passkeyId: result.added.id });
    // The passkey was the account's first factor: it came with the recovery codes.
    expect(result.added.recoveryCodes).toHaveLength(10);
  }, 120_000);

  test("mfa: 'required': a passkey-only account gets ten recovery codes from addPasskey; with the passkey lost one logs in with the password, and regenerateRecoveryCodes({ passkey: true }) asks for the passkey", async () => {
    await removeAuthenticators();
    await authenticator(true);
    const ran = await call('passkeyOnlyRecovery', ERIN.userId, ERIN.password, ERIN.note, 'Phone');
    expect(ran).not.toHaveProperty('error');
    const result = ran as Exclude<Result<'passkeyOnlyRecovery'>, { error: string }>;
    expect(result.codes).toHaveLength(10);
    for (const code of result.codes) expect(code).toMatch(RECOVERY_CODE);
    expect(result.withoutCode).toBe('MFA_REQUIRED');
    expect(result.viaCode).toEqual({ amr: ['pwd', 'otp'], pending: null, note: ERIN.note });
    expect(result.regenerated).toHaveLength(10);
    expect(result.regenerated).not.toContain(result.codes[1]);
    expect(result.afterStepUp).toEqual({ amr: ['hwk', 'user'], boundToAdded: true, note: ERIN.note });
    expect(result.oldCode).toBe('AUTH_FAILED');
    expect(result.newCode).toEqual(['pwd', 'otp']);
  }, 120_000);

  test('root-key rotation: passkey alone before and after, the password after; the old root key opens nothing the account keeps', async () => {
    await removeAuthenticators();
    await authenticator(true);
    const registered = await call('register', FRANK.userId, FRANK.password, FRANK.note, 'Laptop');
    expect(registered).not.toHaveProperty('error');
    const { added } = registered as Exclude<Result<'register'>, { error: string }>;
    expect(added).toMatchObject({ unlocks: true });
    expect(await call('login', null, null)).toMatchObject({ userId: FRANK.userId, note: FRANK.note, passwordAsked: 0 });
    const blobs = (store as ServerStore).blobs(FRANK.userId);
    const prf = fromBase64url((await call('prfOf', added.id)) as string);
    const place = { userId: FRANK.userId, credentialId: added.id };
    const slotNow = async (): Promise<Uint8Array> => {
      const stored = await blobs.get('_zv', passkeySlotId(added.id));
      if (stored === null) throw new Error('no passkey slot');
      return openPasskeySlot({ ...place, slot: stored.data, prfOutput: prf });
    };
    const before = await slotNow();
    const rotated = await call('rotate', FRANK.userId, FRANK.password);
    expect(rotated).toEqual({
      viaPasskey: { notes: [FRANK.note, 'after the rotation'], amr: ['hwk', 'user'], unlocks: [true] },
      viaPassword: { notes: [FRANK.note, 'after the rotation'], amr: ['pwd', 'hwk', 'user'] },
    });
    const after = await slotNow();
    expect(toHex(after)).not.toBe(toHex(before));
    // Every framed meta record opens under the new root key and none under the old one; no chain is left.
    const ids = (await blobs.list('_zv', { limit: 1000 })).items.map((i) => i.id).filter((id) => ['passkeys', 'pins'].includes(id) || id.startsWith('own.'));
    expect(ids).toEqual(expect.arrayContaining(['passkeys', expect.stringMatching(/^own\./)]));
    expect(await loadKeyring(blobs, after)).not.toBeNull();
    await expect(loadKeyring(blobs, before)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    for (const id of ids) {
      await expect(loadMeta(blobs, after, id), id).resolves.not.toBeNull();
      await expect(loadMeta(blobs, before, id), id).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    }
    expect(await blobs.get('_zv', 'root-prev')).toBeNull();
  }, 180_000);
});
