/**
 * The existing-app example over loopback HTTP, both variants: the plain app
 * with its own cookie login, and the same app with zerovault, whose every
 * `/api` request must carry a valid access token and a fresh DPoP proof.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { Client } from '../../src/client/index.js';
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

describe('after: zerovault mounted, every /api request verified', () => {
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

  test('register, then add, list, tick off and delete todos through session.fetch; the owner is the zerovault user', async () => {
    const ada = await client().register({ userId: 'ada', password: 'analytical engine' });
    const created = await ada.fetch(api('/api/todos'), { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ title: 'Buy milk' }) });
    expect(created.status).toBe(201);
    const milk = (await created.json()) as Todo;
    const patched = await ada.fetch(api(`/api/todos/${milk.id}`), { method: 'PATCH', headers: JSON_HEADERS, body: '{"done":true}' });
    expect((await patched.json()) as Todo).toMatchObject({ id: milk.id, done: true });
    expect((await (await ada.fetch(api('/api/todos'))).json()) as Todo[]).toEqual([{ ...milk, done: true }]);

    const db = new Database(app.dbPath, { readonly: true });
    try {
      // The app's table is unchanged, its owner column holds the zerovault user id, and
      // zerovault's accounts and the burned proof ids live in the same file.
      expect(db.prepare('SELECT owner, title, done FROM todos').all()).toEqual([{ owner: 'ada', title: 'Buy milk', done: 1 }]);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name);
      expect(tables).toEqual(expect.arrayContaining(['todos', 'zv_users', 'zv_sessions', 'zv_replay']));
      expect(tables).not.toContain('users');
      expect((db.prepare('SELECT count(*) AS n FROM zv_replay').get() as { n: number }).n).toBeGreaterThanOrEqual(3);
    } finally {
      db.close();
    }
    expect((await ada.fetch(api(`/api/todos/${milk.id}`), { method: 'DELETE' })).status).toBe(204);
    await ada.logout();
    await expect(ada.fetch(api('/api/todos'))).rejects.toMatchObject({ code: 'CLOSED' });
  });

  test('a replayed request (same token, same DPoP proof) is 401; a proof for GET does not work for DELETE', async () => {
    const ada = await client().login({ userId: 'ada', password: 'analytical engine' });
    const created = (await (await ada.fetch(api('/api/todos'), { method: 'POST', headers: JSON_HEADERS, body: '{"title":"Call mum"}' })).json()) as Todo;
    sent.length = 0;
    expect((await ada.fetch(api('/api/todos'))).status).toBe(200);
    const original = sent[0] as Request;
    expect(original.headers.get('authorization')).toMatch(/^DPoP /);

    const replay = await fetch(original.clone());
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
    // The same headers on another method and URL: the proof names GET /api/todos only.
    const retarget = await fetch(api(`/api/todos/${created.id}`), { method: 'DELETE', headers: original.headers });
    expect(retarget.status).toBe(401);
    // The token without its proof (a stolen token alone) is refused.
    const stolen = await fetch(api('/api/todos'), { headers: { authorization: original.headers.get('authorization') ?? '' } });
    expect(stolen.status).toBe(401);
    expect(((await (await ada.fetch(api('/api/todos'))).json()) as Todo[]).map((t) => t.title)).toEqual(['Call mum']);
    await ada.logout();
  });

  test("user B cannot see, change or delete user A's todos", async () => {
    const ada = await client().login({ userId: 'ada', password: 'analytical engine' });
    const bob = await client().register({ userId: 'bob', password: 'difference engine' });
    const [mine] = (await (await ada.fetch(api('/api/todos'))).json()) as Todo[];
    expect(mine?.title).toBe('Call mum');
    expect((await (await bob.fetch(api('/api/todos'))).json()) as Todo[]).toEqual([]);
    const id = mine?.id ?? 0;
    expect((await bob.fetch(api(`/api/todos/${id}`), { method: 'PATCH', headers: JSON_HEADERS, body: '{"done":true}' })).status).toBe(404);
    expect((await bob.fetch(api(`/api/todos/${id}`), { method: 'DELETE' })).status).toBe(404);
    expect((await (await ada.fetch(api('/api/todos'))).json()) as Todo[]).toEqual([{ ...mine, done: false }]);
    await Promise.all([ada.logout(), bob.logout()]);
  });
});
