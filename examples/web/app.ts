/**
 * Vault Notes: an end-to-end encrypted notes page on zerovault.
 *
 * Sign-up and sign-in run OPAQUE (the password never leaves the tab); each
 * note is a JSON record in the vault "notes", sealed here and stored through
 * the server's blob routes. The right-hand panel shows what the server keeps.
 *
 * With "Keep me signed in on this device" the browser is remembered
 * (`rememberDevice`), and the next page load signs in without the password
 * (`client.resume()`). Signing in, out and noticing that the server ended
 * the session live in `account.ts`; the Devices view in `devices.ts`; the
 * Security view (two-step verification, recovery codes, passkeys) in
 * `security.ts`, the Activity view (the account's verified security log) in
 * `activity.ts`, and the sign-in form's code step in `signin-factor.ts`.
 */
import { Client, isZeroVaultError, type ClientOptions, type Session } from 'zerovault';
import { createWorkerKsf } from 'zerovault/ksf-worker';
import { Account, type SignOutReason } from './account.js';
import { devicesView } from './devices.js';
import { activityView } from './activity.js';
import { SIGNED_OUT, describeError } from './messages.js';
import { securityView } from './security.js';
import { CodeRefused, SignInCancelled, factorStep, signInWithCode } from './signin-factor.js';
import { byId, renderNotes, renderServerRows, setBusy, showError, type Note, type StoredRow } from './view.js';

/**
 * The Argon2id profile, set when the page is bundled (`buildApp({ ksf })`);
 * `null`: zerovault's default. Tests bundle the page with a cheaper one.
 */
declare const __VAULT_NOTES_KSF__: NonNullable<ClientOptions['ksf']> | null;

// Argon2id (~0.5 s at the default profile) runs in a Worker, so the page
// keeps drawing its spinner and answering clicks during sign-up and sign-in.
// With a bundler: new Worker(new URL('./ksf.worker.ts', import.meta.url), { type: 'module' }).
const ksf = createWorkerKsf(new Worker('/ksf.worker.js', { type: 'module' }));
const client = new Client({
  url: new URL('/zv', location.origin).href,
  ksfRunner: ksf.run,
  ...(__VAULT_NOTES_KSF__ === null ? {} : { ksf: __VAULT_NOTES_KSF__ }),
});

/** Text typed into the composer when the app signed out on its own: kept in this tab (never stored) for the same user. */
interface Draft {
  readonly userId: string;
  readonly title: string;
  readonly body: string;
  /** The note being edited, if any. */
  readonly editingId: string | null;
}

let mode: 'login' | 'signup' = 'login';
let notes: Note[] = [];
let editing: Note | null = null;
let draft: Draft | null = null;

const resumePanel = byId('resume-panel');
const authPanel = byId('auth-panel');
const authForm = byId<HTMLFormElement>('auth-form');
const authError = byId('auth-error');
const authNotice = byId('auth-notice');
const draftKept = byId('draft-kept');
const authSubmit = byId<HTMLButtonElement>('auth-submit');
const email = byId<HTMLInputElement>('email');
const password = byId<HTMLInputElement>('password');
const remember = byId<HTMLInputElement>('remember');
const tabLogin = byId<HTMLButtonElement>('tab-login');
const tabSignup = byId<HTMLButtonElement>('tab-signup');
const notesPanel = byId('notes-panel');
const devicesPanel = byId('devices-panel');
const securityPanel = byId('security-panel');
const navNotes = byId<HTMLButtonElement>('nav-notes');
const navDevices = byId<HTMLButtonElement>('nav-devices');
const navSecurity = byId<HTMLButtonElement>('nav-security');
const activityPanel = byId('activity-panel');
const navActivity = byId<HTMLButtonElement>('nav-activity');
const passkeySignIn = byId('passkey-signin');
const noteForm = byId<HTMLFormElement>('note-form');
const noteTitle = byId<HTMLInputElement>('note-title');
const noteBody = byId<HTMLTextAreaElement>('note-body');
const noteSave = byId<HTMLButtonElement>('note-save');
const noteCancel = byId<HTMLButtonElement>('note-cancel');
const noteError = byId('note-error');
const noteNotice = byId('note-notice');
const account = byId('account');

const user = new Account(client, (reason, userId) => showSignedOut(reason, userId));

/** A message for the user about `err`; never the error's own text (it is for developers). */
const messageOf = (err: unknown): string => describeError(err, user.session !== null);

function setMode(next: 'login' | 'signup'): void {
  mode = next;
  tabLogin.setAttribute('aria-selected', String(next === 'login'));
  tabSignup.setAttribute('aria-selected', String(next === 'signup'));
  authSubmit.textContent = next === 'login' ? 'Sign in' : 'Create account';
  passkeySignIn.hidden = next !== 'login' || typeof PublicKeyCredential !== 'function';
  password.autocomplete = next === 'login' ? 'current-password' : 'new-password';
  showError(authError, null);
}

async function refreshServerPanel(): Promise<void> {
  const session = user.session;
  if (session === null) return renderServerRows(null);
  try {
    const response = await fetch(`/dev/stored?user=${encodeURIComponent(session.userId)}`);
    const body = (await response.json()) as { rows?: StoredRow[] };
    if (user.session !== null) renderServerRows(body.rows ?? []);
  } catch {
    renderServerRows([]);
  }
}

function parseNote(id: string, version: number, value: unknown): Note {
  const v = (typeof value === 'object' && value !== null ? value : {}) as { title?: unknown; body?: unknown; updated?: unknown };
  return {
    id,
    version,
    title: typeof v.title === 'string' ? v.title : '',
    body: typeof v.body === 'string' ? v.body : '',
    updated: typeof v.updated === 'number' ? v.updated : 0,
  };
}

async function loadNotes(): Promise<void> {
  notes = await user.run(async (session) => {
    const vault = await session.vault('notes');
    const loaded: Note[] = [];
    for await (const { id, data, version } of vault.entries()) {
      loaded.push(parseNote(id, version, JSON.parse(new TextDecoder().decode(data)) as unknown));
    }
    return loaded;
  });
  renderNotes(notes);
}

function showView(view: 'notes' | 'devices' | 'security' | 'activity'): void {
  notesPanel.hidden = view !== 'notes';
  devicesPanel.hidden = view !== 'devices';
  securityPanel.hidden = view !== 'security';
  activityPanel.hidden = view !== 'activity';
  navActivity.setAttribute('aria-pressed', String(view === 'activity'));
  if (view === 'activity') void activity.show();
  navNotes.setAttribute('aria-pressed', String(view === 'notes'));
  navDevices.setAttribute('aria-pressed', String(view === 'devices'));
  navSecurity.setAttribute('aria-pressed', String(view === 'security'));
  if (view === 'devices') void devices.show();
  if (view === 'security') void security.show();
  void refreshServerPanel(); // devices come and go elsewhere: show the rows as they are now (also on sign-in)
}

/** Puts a kept draft back into the composer, if it is this user's. */
function restoreDraft(userId: string): void {
  const kept = draft;
  setDraft(null);
  if (kept === null || kept.userId !== userId) return; // never show one account's text to another
  const note = notes.find((n) => n.id === kept.editingId);
  if (note !== undefined) startEditing(note);
  noteTitle.value = kept.title;
  noteBody.value = kept.body;
  showError(noteNotice, 'Your unsaved note is back. Save it when you are ready.');
}

/** Loads the notes and shows them: after a sign-in, sign-up or resume. */
async function enter(session: Session): Promise<void> {
  let failure: unknown = null;
  try {
    await loadNotes();
  } catch (err) {
    if (isZeroVaultError(err, 'CLOSED')) return; // signed out already, and told why
    console.error(err);
    failure = err;
  }
  resumePanel.hidden = true;
  authPanel.hidden = true;
  account.hidden = false;
  showView('notes');
  byId('whoami').textContent = session.userId;
  byId('avatar').textContent = session.userId.slice(0, 1);
  password.value = '';
  showError(authNotice, null);
  showError(noteError, failure === null ? null : messageOf(failure));
  restoreDraft(session.userId);
  noteTitle.focus();
}

function showSignInForm(): void {
  resumePanel.hidden = true;
  notesPanel.hidden = true;
  devicesPanel.hidden = true;
  securityPanel.hidden = true;
  activityPanel.hidden = true;
  account.hidden = true;
  factor.hide();
  authPanel.hidden = false;
}

/** Holds `next` as the kept draft, says so on the sign-in form, and warns before the tab is closed or reloaded. */
function setDraft(next: Draft | null): void {
  draft = next;
  draftKept.hidden = next === null;
  if (next === null) return draftKept.replaceChildren();
  const strong = document.createElement('strong');
  strong.textContent = 'Your unsaved note is kept in this tab.';
  draftKept.replaceChildren(strong, `Sign in again as ${next.userId} to get it back. Closing or reloading this tab loses it.`);
}

// Closing or reloading the tab would lose a kept draft: the browser asks first.
// So would recovery codes on screen that the person has not marked as saved.
window.addEventListener('beforeunload', (event) => {
  if (draft !== null || security.holdsUnsavedCodes) event.preventDefault();
});

/** Called by `Account` whenever the session ends: says why, keeps unsaved text if the app signed out on its own. */
function showSignedOut(reason: SignOutReason, userId: string): void {
  const automatic = reason !== 'signed-out' && reason !== 'forgot-device';
  const title = noteTitle.value.trim();
  const body = noteBody.value.trim();
  if (automatic && (title !== '' || body !== '')) setDraft({ userId, title, body, editingId: editing?.id ?? null });
  else if (draft?.userId === userId) setDraft(null);
  notes = [];
  resetComposer();
  renderNotes([]);
  renderServerRows(null);
  devices.clear();
  security.clear();
  activity.clear();
  showError(noteNotice, null);
  showSignInForm();
  showError(authNotice, SIGNED_OUT[reason]);
  setMode('login');
  email.value = userId;
  password.value = '';
  password.focus();
}

/** Signs in or up with the password (and the code step when the account has one). */
async function authenticate(): Promise<void> {
  const userId = email.value.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(userId)) return showError(authError, 'Enter your email address.');
  if (password.value.length < (mode === 'signup' ? 8 : 1)) return showError(authError, 'Use a password of at least 8 characters.');
  showError(authError, null);
  try {
    await enter(await signInWithCode({ account: user, step: factor, setBusy, credentials: { mode, userId, password: password.value, remember: remember.checked } }));
  } catch (err) {
    if (err instanceof SignInCancelled) return password.focus();
    if (!(err instanceof CodeRefused)) console.error(err);
    showError(authError, err instanceof CodeRefused ? err.text : messageOf(err));
  } finally {
    setBusy(null);
  }
}

/** "Sign in with a passkey": the browser asks for it; the email, when typed, picks the account. */
async function authenticateWithPasskey(): Promise<void> {
  const userId = email.value.trim();
  showError(authError, null);
  setBusy('Waiting for your passkey…');
  try {
    await enter(await user.signInWithPasskey(userId === '' ? undefined : userId, password.value === '' ? undefined : password.value));
  } catch (err) {
    console.error(err);
    showError(
      authError,
      isZeroVaultError(err, 'UNSUPPORTED')
        ? password.value === ''
          ? 'This passkey signs you in but cannot unlock your notes by itself. Type your password, then choose “Sign in with a passkey” again.'
          : 'This browser cannot use passkeys.'
        : isZeroVaultError(err, 'AUTH_FAILED')
          ? `No passkey signed you in: it was cancelled, or it is not one of this account’s${password.value === '' ? '' : ', or the password is wrong'}.`
          : messageOf(err),
    );
  } finally {
    setBusy(null);
  }
}

/** On page load: sign in without a password when this browser is remembered. */
async function start(): Promise<void> {
  try {
    const session = await user.resume();
    if (session !== null) return await enter(session);
  } catch (err) {
    console.error(err);
    // The device stays remembered: a reload tries again.
    showError(authNotice, `Could not sign you in automatically. ${messageOf(err)} Reload to try again, or sign in with your password.`);
  }
  showSignInForm();
  email.focus();
}

function resetComposer(): void {
  editing = null;
  noteForm.reset();
  noteForm.classList.remove('editing');
  noteSave.textContent = 'Add note';
  noteCancel.hidden = true;
  showError(noteError, null);
}

function startEditing(note: Note): void {
  editing = note;
  noteTitle.value = note.title;
  noteBody.value = note.body;
  noteForm.classList.add('editing');
  noteSave.textContent = 'Save changes';
  noteCancel.hidden = false;
  noteTitle.focus();
}

const randomId = (): string => `note-${Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

async function saveNote(): Promise<void> {
  const title = noteTitle.value.trim();
  const body = noteBody.value.trim();
  if (title === '' && body === '') return showError(noteError, 'Write a title or some text first.');
  const value = { title, body, updated: Date.now() };
  const edited = editing;
  noteSave.disabled = true;
  showError(noteNotice, null);
  try {
    if (edited !== null) {
      const { version } = await user.run(async (session) => (await session.vault('notes')).putJson(edited.id, value, { ifVersion: edited.version }));
      notes = notes.map((note) => (note.id === edited.id ? { id: edited.id, version, ...value } : note));
    } else {
      const id = randomId();
      const { version } = await user.run(async (session) => (await session.vault('notes')).putJson(id, value, { ifVersion: null }));
      notes = [...notes, { id, version, ...value }];
    }
    resetComposer();
    renderNotes(notes);
  } catch (err) {
    if (isZeroVaultError(err, 'CLOSED')) return; // signed out: the sign-in form says why and keeps the draft
    console.error(err);
    showError(noteError, messageOf(err));
    if (isZeroVaultError(err, 'CONFLICT')) await loadNotes().catch(console.error);
  } finally {
    noteSave.disabled = false;
    await refreshServerPanel();
  }
}

async function deleteNote(note: Note): Promise<void> {
  try {
    await user.run(async (session) => (await session.vault('notes')).delete(note.id, { ifVersion: note.version }));
    notes = notes.filter((n) => n.id !== note.id);
    if (editing?.id === note.id) resetComposer();
    renderNotes(notes);
  } catch (err) {
    if (isZeroVaultError(err, 'CLOSED')) return;
    console.error(err);
    showError(noteError, messageOf(err));
  } finally {
    await refreshServerPanel();
  }
}

/** "Sign out" (and revoking this device): ends the session and forgets this device. */
async function signOut(reason: 'signed-out' | 'forgot-device'): Promise<void> {
  setBusy('Signing out…');
  try {
    await user.signOut(reason);
  } catch (err) {
    console.error(err); // signed out here either way
    showError(authError, `${messageOf(err)} The server may still list this device: revoke it from another device if so.`);
  } finally {
    setBusy(null);
  }
}

const devices = devicesView({ account: user, forgetThisDevice: () => signOut('forgot-device'), messageOf, setBusy });
const security = securityView({ account: user, messageOf, setBusy });
const activity = activityView({ account: user, messageOf });
const factor = factorStep();

tabLogin.addEventListener('click', () => setMode('login'));
tabSignup.addEventListener('click', () => setMode('signup'));
authForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void authenticate();
});
noteForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void saveNote();
});
noteBody.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    void saveNote();
  }
});
noteCancel.addEventListener('click', resetComposer);
navNotes.addEventListener('click', () => showView('notes'));
navDevices.addEventListener('click', () => showView('devices'));
navSecurity.addEventListener('click', () => showView('security'));
navActivity.addEventListener('click', () => showView('activity'));
byId('passkey-submit').addEventListener('click', () => void authenticateWithPasskey());
byId('logout').addEventListener('click', () => void signOut('signed-out'));
byId('note-list').addEventListener('click', (event) => {
  const button = (event.target as Element).closest<HTMLButtonElement>('button[data-action]');
  const note = notes.find((n) => n.id === button?.dataset.id);
  if (button === null || note === undefined) return;
  if (button.dataset.action === 'edit') startEditing(note);
  else void deleteNote(note);
});

setMode('login');
renderNotes([]);
renderServerRows(null);
void start();
