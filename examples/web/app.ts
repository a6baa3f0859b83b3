/**
 * Vault Notes: an end-to-end encrypted notes page on zerovault.
 *
 * Sign-up and log-in run OPAQUE (the password never leaves the tab); each
 * note is a JSON record in the vault "notes", sealed here and stored through
 * the server's blob routes. The right-hand panel shows what the server keeps.
 */
import { Client, isZeroVaultError, type Session, type Vault } from 'zerovault';
import { createWorkerKsf } from 'zerovault/ksf-worker';
import { byId, renderNotes, renderServerRows, setBusy, showError, type Note, type StoredRow } from './view.js';

// Argon2id (~0.5 s at the default profile) runs in a Worker, so the page
// keeps drawing its spinner and answering clicks during sign-up and log-in.
// With a bundler: new Worker(new URL('./ksf.worker.ts', import.meta.url), { type: 'module' }).
const ksf = createWorkerKsf(new Worker('/ksf.worker.js', { type: 'module' }));
const client = new Client({ url: new URL('/zv', location.origin).href, ksfRunner: ksf.run });

let mode: 'login' | 'signup' = 'login';
let session: Session | null = null;
let vault: Vault | null = null;
let notes: Note[] = [];
let editing: Note | null = null;

const authPanel = byId('auth-panel');
const authForm = byId<HTMLFormElement>('auth-form');
const authError = byId('auth-error');
const authSubmit = byId<HTMLButtonElement>('auth-submit');
const email = byId<HTMLInputElement>('email');
const password = byId<HTMLInputElement>('password');
const tabLogin = byId<HTMLButtonElement>('tab-login');
const tabSignup = byId<HTMLButtonElement>('tab-signup');
const notesPanel = byId('notes-panel');
const noteForm = byId<HTMLFormElement>('note-form');
const noteTitle = byId<HTMLInputElement>('note-title');
const noteBody = byId<HTMLTextAreaElement>('note-body');
const noteSave = byId<HTMLButtonElement>('note-save');
const noteCancel = byId<HTMLButtonElement>('note-cancel');
const noteError = byId('note-error');
const account = byId('account');

/** A message for the user; never the error's own text (it is for developers). */
function messageOf(err: unknown): string {
  if (!isZeroVaultError(err)) return 'Something went wrong. See the console for details.';
  switch (err.code) {
    case 'AUTH_FAILED':
      return session === null ? 'Wrong email or password.' : 'Your session has ended. Please log in again.';
    case 'CONFLICT':
      return session === null ? 'An account with this email already exists. Log in instead.' : 'This note was changed elsewhere. The latest version is shown.';
    case 'RATE_LIMITED':
      return 'Too many attempts. Wait a few minutes and try again.';
    case 'NETWORK':
      return 'Cannot reach the server. Check your connection.';
    case 'INVALID_INPUT':
      return 'That input is not valid.';
    case 'WORKER':
      return 'The page’s background worker stopped. Reload the page and try again.';
    default:
      return `Something went wrong (${err.code}).`;
  }
}

function setMode(next: 'login' | 'signup'): void {
  mode = next;
  tabLogin.setAttribute('aria-selected', String(next === 'login'));
  tabSignup.setAttribute('aria-selected', String(next === 'signup'));
  authSubmit.textContent = next === 'login' ? 'Log in' : 'Create account';
  password.autocomplete = next === 'login' ? 'current-password' : 'new-password';
  showError(authError, null);
}

/** Lets the busy overlay paint before Argon2id keeps the main thread busy. */
const nextFrame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

async function refreshServerPanel(): Promise<void> {
  if (session === null) return renderServerRows(null);
  try {
    const response = await fetch(`/dev/stored?user=${encodeURIComponent(session.userId)}`);
    const body = (await response.json()) as { rows?: StoredRow[] };
    renderServerRows(body.rows ?? []);
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
  if (vault === null) return;
  const loaded: Note[] = [];
  for await (const { id, data, version } of vault.entries()) {
    loaded.push(parseNote(id, version, JSON.parse(new TextDecoder().decode(data)) as unknown));
  }
  notes = loaded;
  renderNotes(notes);
}

function showSignedIn(userId: string): void {
  authPanel.hidden = true;
  notesPanel.hidden = false;
  account.hidden = false;
  byId('whoami').textContent = userId;
  byId('avatar').textContent = userId.slice(0, 1);
  password.value = '';
  noteTitle.focus();
}

async function authenticate(): Promise<void> {
  const userId = email.value.trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(userId)) return showError(authError, 'Enter your email address.');
  if (password.value.length < (mode === 'signup' ? 8 : 1)) return showError(authError, 'Use a password of at least 8 characters.');
  showError(authError, null);
  setBusy(mode === 'signup' ? 'Creating your keys…' : 'Unlocking your notes…');
  await nextFrame();
  try {
    const credentials = { userId, password: password.value };
    session = mode === 'signup' ? await client.register(credentials) : await client.login(credentials);
    vault = await session.vault('notes');
    await loadNotes();
    showSignedIn(session.userId);
    await refreshServerPanel();
  } catch (err) {
    console.error(err);
    session = null;
    vault = null;
    showError(authError, messageOf(err));
  } finally {
    setBusy(null);
  }
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
  if (vault === null) return;
  const title = noteTitle.value.trim();
  const body = noteBody.value.trim();
  if (title === '' && body === '') return showError(noteError, 'Write a title or some text first.');
  const value = { title, body, updated: Date.now() };
  noteSave.disabled = true;
  try {
    if (editing !== null) {
      const { version } = await vault.putJson(editing.id, value, { ifVersion: editing.version });
      const id = editing.id;
      notes = notes.map((note) => (note.id === id ? { id, version, ...value } : note));
    } else {
      const id = randomId();
      const { version } = await vault.putJson(id, value, { ifVersion: null });
      notes = [...notes, { id, version, ...value }];
    }
    resetComposer();
    renderNotes(notes);
  } catch (err) {
    console.error(err);
    showError(noteError, messageOf(err));
    if (isZeroVaultError(err, 'CONFLICT')) await loadNotes();
  } finally {
    noteSave.disabled = false;
    await refreshServerPanel();
  }
}

async function deleteNote(note: Note): Promise<void> {
  if (vault === null) return;
  try {
    await vault.delete(note.id, { ifVersion: note.version });
    notes = notes.filter((n) => n.id !== note.id);
    if (editing?.id === note.id) resetComposer();
    renderNotes(notes);
  } catch (err) {
    console.error(err);
    showError(noteError, messageOf(err));
  } finally {
    await refreshServerPanel();
  }
}

async function logout(): Promise<void> {
  const ending = session;
  session = null;
  vault = null;
  notes = [];
  resetComposer();
  renderNotes([]);
  renderServerRows(null);
  notesPanel.hidden = true;
  account.hidden = true;
  authPanel.hidden = false;
  setMode('login');
  email.focus();
  try {
    await ending?.logout();
  } catch (err) {
    console.error(err); // the keys are forgotten either way
  }
}

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
byId('logout').addEventListener('click', () => void logout());
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
