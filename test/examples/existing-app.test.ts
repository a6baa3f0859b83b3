/**
 * The existing-app example over loopback HTTP, both variants: the plain app
 * with its own cookie login, and the same app with zerovault, whose every
 * `/api` request must carry a valid access token and a fresh DPoP proof, and
 * whose todos' titles and notes reach the server encrypted (searchable by
 * word through blind-index tokens).
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Client, type Session } from '../../src/client/index.js';
import type { DocumentSchema, Documents } from '../../src/client/documents/types.js';
import { createServerSetup } from '../../src/server/index.js';
import { startExample, type RunningExample } from './existing-app.js';

// The example imports the package by name; here it runs on the sources.
vi.mock('zerovault/server', () => import('../../src/server/index-node.js'));
vi.mock('zerovault/verify', () => import('../../src/verify.js'));

/** The KSF floor: real Argon2id, fast enough for tests. */
const TEST_KSF = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;
const JSON_HEADERS = { 'content-type': 'application/json' };

interface Todo {
  id: number;
  title: string;
  done: boolean;
}

/** The after page's schema (examples/existing-app/after/page.ts). */
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

/** A todo as the after API sends it. */
interface ApiRow {
  id: string;
  title: string;
  notes?: string;
  done: boolean;
  _zv: string;
  createdAt: number;
}

describe('before: the plain app, its own cookie login', () => {
  let app: RunningExample;
  beforeAll(async () => {
    app = await startExample('before');
  });
  afterAll(() => app.close());

  /** Registers (or logs in) and returns the session cookie. */
  async function signIn(mode: 'register' | 'login', username: string, password: string): Promise<{ status: number; cookie: string }> {
    const res = await fetch(`${app.origin}/${mode}`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ username, password }) });
    return { status: res.status, cookie: (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '' };
  }

  test('register, add, list, tick off, delete; each user sees only their own; no cookie is 401', async () => {
    const ada = await signIn('register', 'ada', 'analytical engine');
    expect(ada.status).toBe(201);
    const as = (cookie: string, path: string, init: RequestInit = {}): Promise<Response> =>
      fetch(`${app.origin}${path}`, { ...init, headers: { ...JSON_HEADERS, cookie } });

    const created = await as(ada.cookie, '/api/todos', { method: 'POST', body: JSON.stringify({ title: 'Buy milk' }) });
    expect(created.status).toBe(201);
    const milk = (await created.json()) as Todo;
    expect(milk).toMatchObject({ title: 'Buy milk', done: false });
    expect((await (await as(ada.cookie, `/api/todos/${milk.id}`, { method: 'PATCH', body: '{"done":true}' })).json()) as Todo).toMatchObject({ done: true });
    expect((await (await as(ada.cookie, '/api/todos')).json()) as Todo[]).toEqual([{ ...milk, done: true }]);
    expect(((await (await as(ada.cookie, '/api/me')).json()) as { user: string }).user).toBe('ada');

    expect((await signIn('register', 'ada', 'another password')).status).toBe(409);
    expect((await signIn('login', 'ada', 'wrong password')).status).toBe(401);
    const bob = await signIn('register', 'bob', 'difference engine');
    expect((await (await as(bob.cookie, '/api/todos')).json()) as Todo[]).toEqual([]);
    expect((await as(bob.cookie, `/api/todos/${milk.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${app.origin}/api/todos`)).status).toBe(401);

    expect((await as(ada.cookie, `/api/todos/${milk.id}`, { method: 'DELETE' })).status).toBe(204);
    await as(ada.cookie, '/logout', { method: 'POST' });
    expect((await as(ada.cookie, '/api/todos')).status).toBe(401);
  });
});

describe('after: zerovault mounted, every /api request verified, titles and notes encrypted', () => {
  let app: RunningExample;
  /** Every app request the clients sent, cloned before sending (headers: token and proof). */
  const sent: Request[] = [];
  const client = (): Client =>
    new Client({
      url: `${app.origin}/zv`,
      ksf: TEST_KSF,
      fetch: (request) => {
        if (new URL(request.url).pathname.startsWith('/api/')) sent.push(request.clone());
        return fetch(request);
      },
    });
  const api = (path: string): URL => new URL(path, app.origin);

  /** What the page does: the user's documents of collection "todos", in their vault "todos". */
  async function docsOf(session: Session): Promise<Documents<Doc, (typeof SCHEMA)['fields']>> {
    return (await session.vault('todos')).documents<Doc, typeof SCHEMA>(SCHEMA);
  }

  /** Encrypts and posts (or patches) a todo as the page does. */
  async function save(session: Session, todo: Doc & { id: string }, method: 'POST' | 'PATCH' = 'POST'): Promise<Response> {
    const docs = await docsOf(session);
    const { id, ...doc } = todo;
    const row = await docs.encrypt(doc, { id });
    const { title: words } = await docs.indexes(doc);
    const path = method === 'POST' ? '/api/todos' : `/api/todos/${id}`;
    return session.fetch(api(path), { method, headers: JSON_HEADERS, body: JSON.stringify({ ...row, ...(method === 'POST' ? { id } : {}), words }) });
  }

  /** Lists (or searches) and decrypts, as the page does. */
  async function list(session: Session, query = ''): Promise<(Doc & { id: string })[]> {
    const docs = await docsOf(session);
    const words = query === '' ? [] : await docs.index('title', query);
    const res = await session.fetch(api(words.length === 0 ? '/api/todos' : `/api/todos?words=${words.join(',')}`));
    const out: (Doc & { id: string })[] = [];
    for (const { id, createdAt: _createdAt, ...row } of (await res.json()) as ApiRow[]) {
      const todo = await docs.decrypt(row, { id });
      if (query === '' || (await docs.matches('title', todo.title, query))) out.push({ id, ...todo });
    }
    return out;
  }

  beforeAll(async () => {
    app = await startExample('after', { setup: createServerSetup() });
  });
  afterAll(() => app.close());

  test('a request without a token is 401 with a DPoP challenge; so is a cookie or a bare token', async () => {
    const res = await fetch(api('/api/todos'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('DPoP algs="ES256"');
    const bearer = await fetch(api('/api/todos'), { headers: { authorization: 'Bearer abc.def.ghi' } });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    // The old routes are gone with the old login.
    expect((await fetch(api('/login'), { method: 'POST', headers: JSON_HEADERS, body: '{}' })).status).toBe(404);
  });

  test('register, then add, list, tick off and delete encrypted todos through session.fetch; the database holds no plaintext', async () => {
    const ada = await client().register({ userId: 'ada', password: 'analytical engine' });
    const milk = { id: randomUUID(), title: 'Buy milk', notes: 'two litres, semi-skimmed', done: false };
    expect((await save(ada, milk)).status).toBe(201);
    // A clear title is refused: the API stores encrypted values only.
    const clear = await ada.fetch(api('/api/todos'), { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ id: randomUUID(), title: 'Buy milk', done: false, _zv: 'x', words: [] }) });
    expect(clear.status).toBe(400);
    expect((await save(ada, { ...milk, done: true }, 'PATCH')).status).toBe(200);
    expect(await list(ada)).toEqual([{ ...milk, done: true }]);

    const db = new Database(app.dbPath, { readonly: true });
    try {
      // The owner column holds the zerovault user id; title and notes hold zv1. values.
      const rows = db.prepare('SELECT owner, title, notes, done, zv FROM todos').all() as { owner: string; title: string; notes: string; done: number; zv: string }[];
      expect(rows).toEqual([{ owner: 'ada', title: expect.stringMatching(/^zv1\./) as string, notes: expect.stringMatching(/^zv1\./) as string, done: 1, zv: expect.stringMatching(/^zv1\./) as string }]);
      expect((db.prepare('SELECT count(*) AS n FROM todo_words').get() as { n: number }).n).toBeGreaterThanOrEqual(1);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name);
      expect(tables).toEqual(expect.arrayContaining(['todos', 'todo_words', 'zv_users', 'zv_sessions', 'zv_replay']));
      expect(tables).not.toContain('users');
      expect((db.prepare('SELECT count(*) AS n FROM zv_replay').get() as { n: number }).n).toBeGreaterThanOrEqual(3);
    } finally {
      db.close();
    }
    const file = readFileSync(app.dbPath).toString('latin1') + (existsSync(`${app.dbPath}-wal`) ? readFileSync(`${app.dbPath}-wal`).toString('latin1') : '');
    expect(file.includes('Buy milk')).toBe(false);
    expect(file.includes('semi-skimmed')).toBe(false);

    expect((await ada.fetch(api(`/api/todos/${milk.id}`), { method: 'DELETE' })).status).toBe(204);
    await ada.logout();
    await expect(ada.fetch(api('/api/todos'))).rejects.toMatchObject({ code: 'CLOSED' });
  });

  test('search by word: the server matches tokens, the page drops false positives; a server that flips done is caught', async () => {
    const ada = await client().login({ userId: 'ada', password: 'analytical engine' });
    const titles = ['Call the plumber', 'Buy bread', 'Call mum', 'Return library books'];
    const added = titles.map((title) => ({ id: randomUUID(), title, done: false }));
    for (const todo of added) expect((await save(ada, todo)).status).toBe(201);
    expect((await list(ada, 'call')).map((t) => t.title)).toEqual(['Call the plumber', 'Call mum']);
    expect((await list(ada, 'CALL plumber')).map((t) => t.title)).toEqual(['Call the plumber']);
    expect(await list(ada, 'nothing')).toEqual([]);

    // The server (or anyone with the file) ticks a todo off: the document MAC covers done.
    const db = new Database(app.dbPath);
    try {
      db.prepare('UPDATE todos SET done = 1 WHERE id = ?').run(added[1]?.id);
    } finally {
      db.close();
    }
    await expect(list(ada)).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    expect((await ada.fetch(api(`/api/todos/${added[1]?.id ?? ''}`), { method: 'DELETE' })).status).toBe(204);
    for (const todo of added.slice(2)) expect((await ada.fetch(api(`/api/todos/${todo.id}`), { method: 'DELETE' })).status).toBe(204);
    expect((await list(ada)).map((t) => t.title)).toEqual(['Call the plumber']);
    await ada.logout();
  });

  test('a replayed request (same token, same DPoP proof) is 401; a proof for GET does not work for DELETE', async () => {
    const ada = await client().login({ userId: 'ada', password: 'analytical engine' });
    const [created] = await list(ada);
    sent.length = 0;
    expect((await ada.fetch(api('/api/todos'))).status).toBe(200);
    const original = sent[0] as Request;
    expect(original.headers.get('authorization')).toMatch(/^DPoP /);

    const replay = await fetch(original.clone());
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
    // The same headers on another method and URL: the proof names GET /api/todos only.
    const retarget = await fetch(api(`/api/todos/${created?.id ?? ''}`), { method: 'DELETE', headers: original.headers });
    expect(retarget.status).toBe(401);
    // The token without its proof (a stolen token alone) is refused.
    const stolen = await fetch(api('/api/todos'), { headers: { authorization: original.headers.get('authorization') ?? '' } });
    expect(stolen.status).toBe(401);
    expect((await list(ada)).map((t) => t.title)).toEqual(['Call the plumber']);
    await ada.logout();
  });

  test("user B cannot see, change or delete user A's todos", async () => {
    const ada = await client().login({ userId: 'ada', password: 'analytical engine' });
    const bob = await client().register({ userId: 'bob', password: 'difference engine' });
    const [mine] = await list(ada);
    expect(mine?.title).toBe('Call the plumber');
    expect(await list(bob)).toEqual([]);
    const id = mine?.id ?? '';
    expect((await save(bob, { id, title: 'Mine now', done: true }, 'PATCH')).status).toBe(404);
    expect((await bob.fetch(api(`/api/todos/${id}`), { method: 'DELETE' })).status).toBe(404);
    expect(await list(ada)).toEqual([mine]);
    await Promise.all([ada.logout(), bob.logout()]);
  });
});
