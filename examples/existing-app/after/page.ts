/**
 * The todo page: sign in, then list, search, add, tick off and delete todos
 * through the app's JSON API. Titles and notes are encrypted here, before
 * they leave the page (`vault.documents`, docs/documents.md); the title's
 * word tokens let the server find todos by word without reading them.
 */
import { Client, isZeroVaultError, type DocumentSchema, type Documents, type EncryptedRow, type Session } from 'zerovault';

/** What the page encrypts: titles and notes; `done` stays clear but signed. */
const SCHEMA = {
  collection: 'todos',
  version: 1,
  expectedRows: 10_000,
  fields: { title: { encrypt: true, index: 'words' }, notes: { encrypt: true }, done: 'signed' },
} as const satisfies DocumentSchema;

interface Doc {
  title: string;
  notes?: string;
  done: boolean;
}

/** A todo as the API sends it: the encrypted row, its id and its time. */
interface Row {
  id: string;
  title: string;
  notes?: string;
  done: boolean;
  _zv: string;
  createdAt: number;
}

interface Todo extends Doc {
  id: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const signInForm = byId<HTMLFormElement>('signin');
const signInError = byId('signin-error');
const todosPanel = byId('todos');
const list = byId<HTMLUListElement>('list');
const title = byId<HTMLInputElement>('title');
const notes = byId<HTMLInputElement>('notes');
const search = byId<HTMLInputElement>('search');
const client = new Client({ url: new URL('/zv', location.origin) });
let session: Session | undefined;
let docs: Documents<Doc, (typeof SCHEMA)['fields']> | undefined;

/** Calls the app's API as the signed-in user (a fresh access token and DPoP proof on each request). */
async function api(path: string, init: RequestInit = {}): Promise<Response> {
  try {
    if (session === undefined) return new Response(null, { status: 401 });
    return await session.fetch(new URL(path, location.origin), { ...init, headers: JSON_HEADERS });
  } catch (err) {
    // The zerovault session ended (logout elsewhere, expiry): the same as a 401 from the API.
    if (isZeroVaultError(err, 'CLOSED')) return new Response(null, { status: 401 });
    throw err;
  }
}

/** Signs in or creates the account; resolves to a message for the user, or null on success. */
async function signIn(mode: 'login' | 'register', username: string, password: string): Promise<string | null> {
  try {
    session = mode === 'login' ? await client.login({ userId: username, password }) : await client.register({ userId: username, password });
    // The keys of the user's vault "todos" encrypt the fields; they never leave the page.
    docs = (await session.vault('todos')).documents<Doc, typeof SCHEMA>(SCHEMA);
    return null;
  } catch (err) {
    if (isZeroVaultError(err, 'AUTH_FAILED')) return 'Wrong username or password.';
    if (isZeroVaultError(err, 'CONFLICT')) return 'That username is taken.';
    if (isZeroVaultError(err, 'RATE_LIMITED')) return 'Too many attempts. Wait a few minutes and try again.';
    return 'Something went wrong. Try again.';
  }
}

async function signOut(): Promise<void> {
  await session?.logout();
  session = undefined;
  docs = undefined;
}

function showSignIn(message?: string): void {
  todosPanel.hidden = true;
  signInForm.hidden = false;
  signInError.hidden = message === undefined;
  signInError.textContent = message ?? '';
}

function render(todos: readonly Todo[]): void {
  list.replaceChildren(
    ...todos.map((todo) => {
      const item = document.createElement('li');
      item.className = todo.done ? 'done' : '';
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = todo.done;
      box.id = `todo-${todo.id}`;
      box.addEventListener('change', () => void save({ ...todo, done: box.checked }, 'PATCH'));
      const label = document.createElement('label');
      label.htmlFor = box.id;
      label.textContent = todo.notes === undefined ? todo.title : `${todo.title} (${todo.notes})`;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'quiet';
      remove.textContent = 'Delete';
      remove.setAttribute('aria-label', `Delete ${todo.title}`);
      remove.addEventListener('click', () => void change(`/api/todos/${todo.id}`, { method: 'DELETE' }));
      item.append(box, label, remove);
      return item;
    }),
  );
}

/** Loads and shows the todos (those matching every word of the search, if any); a 401 means the session is over. */
async function refresh(): Promise<void> {
  if (docs === undefined) return showSignIn();
  const query = search.value.trim();
  const words = query === '' ? [] : await docs.index('title', query);
  const res = await api(words.length === 0 ? '/api/todos' : `/api/todos?words=${words.join(',')}`);
  if (res.status === 401) return showSignIn('Your session has ended. Sign in again.');
  const shown: Todo[] = [];
  for (const { id, createdAt: _createdAt, ...row } of (await res.json()) as Row[]) {
    const todo = await docs.decrypt(row, { id });
    // Tokens are short on purpose, so a search also returns a few other todos: drop them here.
    if (query === '' || (await docs.matches('title', todo.title, query))) shown.push({ id, ...todo });
  }
  render(shown);
}

/** Encrypts a todo and posts (or patches) it, with the tokens of its title's words. */
async function save(todo: Todo, method: 'POST' | 'PATCH'): Promise<void> {
  if (docs === undefined) return showSignIn();
  const { id, ...doc } = todo;
  const row: EncryptedRow = await docs.encrypt(doc, { id });
  const { title: words } = await docs.indexes(doc);
  const path = method === 'POST' ? '/api/todos' : `/api/todos/${id}`;
  await change(path, { method, body: JSON.stringify({ ...row, ...(method === 'POST' ? { id } : {}), words }) });
}

async function change(path: string, init: RequestInit): Promise<void> {
  const res = await api(path, init);
  if (res.status === 401) return showSignIn('Your session has ended. Sign in again.');
  await refresh();
}

async function showTodos(user: string): Promise<void> {
  byId('who').textContent = user;
  signInForm.hidden = true;
  todosPanel.hidden = false;
  await refresh();
}

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const mode = (event.submitter as HTMLButtonElement | null)?.value === 'register' ? 'register' : 'login';
  const username = byId<HTMLInputElement>('username').value.trim();
  const password = byId<HTMLInputElement>('password');
  if (username === '' || password.value.length < 8) return showSignIn('Enter a username and a password of at least 8 characters.');
  void signIn(mode, username, password.value).then((message) => {
    if (message !== null) return showSignIn(message);
    password.value = '';
    return showTodos(username);
  });
});

byId('add').addEventListener('submit', (event) => {
  event.preventDefault();
  if (title.value.trim() === '') return;
  const todo: Todo = { id: crypto.randomUUID(), title: title.value, done: false, ...(notes.value.trim() === '' ? {} : { notes: notes.value }) };
  title.value = '';
  notes.value = '';
  void save(todo, 'POST');
});

byId('find').addEventListener('submit', (event) => {
  event.preventDefault();
  void refresh();
});

byId('signout').addEventListener('click', () => void signOut().then(() => showSignIn()));

// Keys live in this tab's memory only: after a reload the user signs in again.
showSignIn();
