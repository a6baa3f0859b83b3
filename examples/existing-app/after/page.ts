/**
 * The todo page: sign in, then list, add, tick off and delete todos through
 * the app's JSON API.
 */
import { Client, isZeroVaultError, type Session } from 'zerovault';

interface Todo {
  id: number;
  title: string;
  done: boolean;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const signInForm = byId<HTMLFormElement>('signin');
const signInError = byId('signin-error');
const todosPanel = byId('todos');
const list = byId<HTMLUListElement>('list');
const title = byId<HTMLInputElement>('title');
const client = new Client({ url: new URL('/zv', location.origin) });
let session: Session | undefined;

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
      box.addEventListener('change', () => void change(`/api/todos/${todo.id}`, { method: 'PATCH', body: JSON.stringify({ done: box.checked }) }));
      const label = document.createElement('label');
      label.htmlFor = box.id;
      label.textContent = todo.title;
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

/** Loads and shows the todos; a 401 means the session is over. */
async function refresh(): Promise<void> {
  const res = await api('/api/todos');
  if (res.status === 401) return showSignIn('Your session has ended. Sign in again.');
  render((await res.json()) as Todo[]);
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
  const body = JSON.stringify({ title: title.value });
  title.value = '';
  void change('/api/todos', { method: 'POST', body });
});

byId('signout').addEventListener('click', () => void signOut().then(() => showSignIn()));

// Keys live in this tab's memory only: after a reload the user signs in again.
showSignIn();
