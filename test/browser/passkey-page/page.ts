/**
 * The passkey test page, bundled for the browser: the SDK as an app uses it
 * (register, add a passkey, log out, log in with the passkey), plus one
 * test-only probe that asks the authenticator for a credential's PRF output
 * the way the SDK does, so the Node side can look for it in what the
 * browser sent. Every call answers JSON: a result, or `{ error: code }`.
 * `requiring` talks to a second server, which requires a second factor.
 */
import { fromUtf8, toBase64url, utf8 } from '../../../src/crypto/bytes.js';
import { PASSKEY_PRF_INPUT } from '../../../src/formats/passkey.js';
import { loginCredential } from '../../../src/client/account/auth.js';
import { normalizeBaseUrl, requestJson, transportOptions } from '../../../src/client/api.js';
import { passkeyFactor } from '../../../src/client/passkeys/factor.js';
import { Client, isZeroVaultError, type Session } from '../../../src/index.js';

const FLOOR = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;
const client = new Client({ url: `${location.origin}/zv`, ksf: FLOOR });
/** A client of the server mounted at /zvr, which requires a second factor (`mfa: 'required'`). */
const requiring = new Client({ url: `${location.origin}/zvr`, ksf: FLOOR });

type Answer<T> = T | { error: string };

async function answer<T>(work: () => Promise<T>): Promise<Answer<T>> {
  try {
    return await work();
  } catch (err) {
    return { error: isZeroVaultError(err) ? err.code : err instanceof Error ? `${err.name}: ${err.message}` : 'unknown' };
  }
}

function codeOf(err: unknown): string {
  return isZeroVaultError(err) ? err.code : 'other';
}

async function readNote(session: Session): Promise<string> {
  const vault = await session.vault('notes');
  return fromUtf8((await vault.get('note')).data);
}

const api = {
  /** Registers an account, writes a note, adds a passkey, logs out. */
  register: (userId: string, password: string, note: string, name: string) =>
    answer(async () => {
      const session = await client.register({ userId, password });
      await (await session.vault('notes')).put('note', utf8(note));
      const added = await session.addPasskey({ name });
      const listed = await session.passkeys();
      await session.logout();
      return { added, listed };
    }),
  /** Logs in with the password, adds a passkey, logs out. */
  addWithPassword: (userId: string, password: string, name: string) =>
    answer(async () => {
      const session = await client.login({ userId, password });
      const added = await session.addPasskey({ name });
      await session.logout();
      return { added };
    }),
  /** Logs in with a passkey (and the password when given) and reads the note. */
  login: (userId: string | null, password: string | null) =>
    answer(async () => {
      let asked = 0;
      const session = await client.loginWithPasskey({
        ...(userId === null ? {} : { userId }),
        ...(password === null ? {} : { password: async () => (asked++, password) }),
      });
      const note = await readNote(session);
      const passkeys = await session.passkeys();
      const result = { userId: session.userId, passkeyId: session.passkeyId, note, passwordAsked: asked, passkeys };
      await session.logout();
      return result;
    }),
  /** Logs in with a passkey and removes it (this session's own): the session ends. */
  removeOwn: (password: string) =>
    answer(async () => {
      const session = await client.loginWithPasskey({ password });
      const id = session.passkeyId ?? '';
      await session.removePasskey(id);
      return { id, open: session.isOpen };
    }),
  /**
   * A password login of an account with a passkey is pending; the passkey
   * passes its second factor (`passkeyFactor`, what the login code calls),
   * and the session reaches the blob routes. (The SDK's login flow for
   * pending sessions lives on the MFA branch; this drives the pieces.)
   */
  secondFactor: (userId: string, password: string) =>
    answer(async () => {
      const endpoint = { baseUrl: normalizeBaseUrl(`${location.origin}/zv`), transport: transportOptions(undefined, 30_000) };
      const login = await loginCredential(endpoint, { ksf: FLOOR, suite: 'ristretto255-SHA512' }, userId, 'password', password);
      const before = await requestJson(endpoint, 'GET', '/blobs/notes', undefined, { key: login.signing }).then(() => 'ok', codeOf);
      const reply = await passkeyFactor(endpoint, login.signing, undefined);
      const after = await requestJson(endpoint, 'GET', '/blobs/notes', undefined, { key: login.signing }).then(() => 'ok', codeOf);
      await requestJson(endpoint, 'POST', '/logout', {}, { key: login.signing });
      return { before, amr: reply.amr, after };
    }),
  /**
   * A password login of an account whose factor is a passkey: refused
   * without a factor, full with `passkey: true` (the passkey passes the
   * factor, the password unlocks the vault).
   */
  /**
   * Root-key rotation of an account with a PRF passkey: a password login
   * (the passkey passes its second factor), `rotateRootKey` (its re-login
   * takes the passkey too), a second note, log out; then a passkey login
   * alone and a password login, each reading both notes.
   */
  rotate: (userId: string, password: string) =>
    answer(async () => {
      const session = await client.login({ userId, password, passkey: true });
      await session.rotateRootKey({ currentPassword: password, passkey: true });
      await (await session.vault('notes')).put('second', utf8('after the rotation'));
      await session.logout();
      const both = async (s: Session): Promise<string[]> => [await readNote(s), fromUtf8((await (await s.vault('notes')).get('second')).data)];
      const byPasskey = await client.loginWithPasskey({ userId });
      const viaPasskey = { notes: await both(byPasskey), amr: byPasskey.amr, unlocks: (await byPasskey.passkeys()).map((p) => p.unlocks) };
      await byPasskey.logout();
      const byPassword = await client.login({ userId, password, passkey: true });
      const viaPassword = { notes: await both(byPassword), amr: byPassword.amr };
      await byPassword.logout();
      return { viaPasskey, viaPassword };
    }),
  passwordAndPasskey: (userId: string, password: string) =>
    answer(async () => {
      const before = await client.login({ userId, password }).then(() => 'ok', codeOf);
      const session = await client.login({ userId, password, passkey: true });
      const result = { before, amr: session.amr, pending: session.mfaPending ?? null, note: await readNote(session) };
      await session.logout();
      return result;
    }),
  /**
   * Re-authentication of a passkey session (not a password login, so not
   * fresh) on an account whose factor is a passkey: no currentPassword is
   * AUTH_FAILED, the password alone MFA_REQUIRED (the session still reads),
   * the password with `passkey: true` works (createRecoveryKey, enrollTotp).
   */
  reauthWithPasskey: (userId: string, password: string) =>
    answer(async () => {
      const session = await client.loginWithPasskey({ userId, password });
      const amrBefore = session.amr;
      const stale = await session.createRecoveryKey().then(() => 'ok', codeOf);
      const without = await session.createRecoveryKey({ currentPassword: password }).then(() => 'ok', codeOf);
      const stillReads = await readNote(session);
      const recoveryKey = await session.createRecoveryKey({ currentPassword: password, passkey: true });
      const amrAfter = session.amr;
      const passkeyIdAfter = session.passkeyId ?? null;
      const totp = await session.enrollTotp({ currentPassword: password, passkey: true });
      await session.logout();
      return { amrBefore, stale, without, stillReads, recoveryKey: recoveryKey.slice(0, 6), amrAfter, passkeyIdAfter, totpUri: totp.uri.slice(0, 15) };
    }),
  /**
   * On a server with `mfa: 'required'`: register (pending enrolment), add a
   * passkey as the first factor (the session opens), write a note, log out;
   * then the passkey alone logs in and reads it (its slot holds the root key).
   */
  enrollWithPasskey: (userId: string, password: string, note: string, name: string) =>
    answer(async () => {
      const session = await requiring.register({ userId, password });
      const pendingBefore = session.mfaPending ?? null;
      const vaultBefore = await session.vault('notes').then(() => 'ok', codeOf);
      const added = await session.addPasskey({ name });
      const after = { pending: session.mfaPending ?? null, amr: session.amr };
      await (await session.vault('notes')).put('note', utf8(note));
      const listed = await session.passkeys();
      await session.logout();
      const again = await requiring.loginWithPasskey({ userId });
      const read = { note: await readNote(again), amr: again.amr, passkeyId: again.passkeyId };
      await again.logout();
      return { pendingBefore, vaultBefore, added, after, listed, read };
    }),
  /**
   * On a server with `mfa: 'required'`: a passkey as the only factor comes
   * with ten recovery codes; with the passkey lost, the password alone is
   * MFA_REQUIRED and one code gets the login through. That session (no
   * passkey in its `amr`) regenerates the codes with `passkey: true`: the
   * browser asks for the passkey first, and the session goes on as the
   * passkey's. The old codes are void, the new ones work.
   */
  passkeyOnlyRecovery: (userId: string, password: string, note: string, name: string) =>
    answer(async () => {
      const session = await requiring.register({ userId, password });
      const added = await session.addPasskey({ name });
      await (await session.vault('notes')).put('note', utf8(note));
      await session.logout();
      const codes = added.recoveryCodes ?? [];
      const withoutCode = await requiring.login({ userId, password }).then(() => 'ok', codeOf);
      const recovered = await requiring.login({ userId, password, recoveryCode: codes[0] ?? '' });
      const viaCode = { amr: recovered.amr, pending: recovered.mfaPending ?? null, note: await readNote(recovered) };
      const { recoveryCodes } = await recovered.regenerateRecoveryCodes({ passkey: true });
      const afterStepUp = { amr: recovered.amr, boundToAdded: recovered.passkeyId === added.id, note: await readNote(recovered) };
      await recovered.logout();
      const oldCode = await requiring.login({ userId, password, recoveryCode: codes[1] ?? '' }).then(() => 'ok', codeOf);
      const fresh = await requiring.login({ userId, password, recoveryCode: recoveryCodes[0] ?? '' });
      const newCode = fresh.amr;
      await fresh.logout();
      return { id: added.id, codes, withoutCode, viaCode, regenerated: recoveryCodes, afterStepUp, oldCode, newCode };
    }),
  /** Test probe: the credential's PRF output for the SDK's input, as the SDK would get it. */
  prfOf: (credentialId: string) =>
    answer(async () => {
      const raw = Uint8Array.from(atob(credentialId.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(credentialId.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
      const credential = (await navigator.credentials.get({
        publicKey: {
          challenge: crypto.getRandomValues(new Uint8Array(32)),
          allowCredentials: [{ type: 'public-key', id: raw }],
          userVerification: 'required',
          extensions: { prf: { eval: { first: Uint8Array.from(PASSKEY_PRF_INPUT) } } },
        },
      })) as PublicKeyCredential;
      const results = credential.getClientExtensionResults() as { prf?: { results?: { first?: ArrayBuffer } } };
      const first = results.prf?.results?.first;
      return first === undefined ? null : toBase64url(new Uint8Array(first));
    }),
};

export type PasskeyPageApi = typeof api;
Object.assign(globalThis, { zvPasskeys: api });
document.body.dataset.ready = 'true';
