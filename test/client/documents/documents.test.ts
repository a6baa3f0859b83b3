/**
 * `vault.documents(schema)` (issue 16): the API of the issue, typed, with
 * rows that round-trip every JSON value, schema versions 1 → 2, `migrate`,
 * rotation with a `reencrypt` sweep, blind indexes and the planner, shared
 * vaults (read members decrypt, write members encrypt), and `CLOSED`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { DocumentSchema } from '../../../src/client/documents/types.js';
import { PASSWORD as SHARING_PASSWORD, startServer } from '../sharing/helpers.js';
import { TODOS, codeOf, newSession, type Todo } from './helpers.js';

describe('documents: the API of the issue', () => {
  test('encrypt returns the row: encrypted fields are zv1. strings, others keep their values, _zv carries version and MAC', async () => {
    const session = await newSession();
    const todos = (await session.vault('app')).documents<Todo, typeof TODOS>(TODOS);
    const doc: Todo = { title: 'buy milk', email: 'bob@example.com', notes: { lines: ['2 litres', null, 3.5, true] }, done: false, due: '2026-12-24' };
    const row = await todos.encrypt(doc, { id: 'todo-1' });
    expect(Object.keys(row).sort()).toEqual(['_zv', 'done', 'due', 'email', 'notes', 'title']);
    for (const field of ['title', 'email', 'notes'] as const) expect(row[field]).toMatch(/^zv1\.1\.[A-Za-z0-9_-]+$/);
    expect(row.done).toBe(false);
    expect(row.due).toBe('2026-12-24');
    expect(row._zv).toMatch(/^zv1\.1\.1\.[A-Za-z0-9_-]{43}$/);
    expect(await todos.decrypt(row, { id: 'todo-1' })).toEqual(doc);
    // The input is not changed.
    expect(doc.title).toBe('buy milk');
  });

  test('an encrypted field decrypts to the same value and type: null, numbers, strings, arrays, objects', async () => {
    const session = await newSession();
    const docs = (await session.vault('app')).documents({ collection: 'any', version: 1, fields: { v: { encrypt: true } } });
    for (const v of [null, 0, -1.5, 1e21, '', 'ünïcødé 🎉', [], [1, 'two', [null]], {}, { b: 1, a: { c: [false] } }, true, false]) {
      const row = await docs.encrypt({ v }, { id: 7 });
      expect(await docs.decrypt(row, { id: 7 })).toEqual({ v });
    }
    // Absent stays absent.
    expect(await docs.decrypt(await docs.encrypt({}, { id: 'x' }), { id: 'x' })).toEqual({});
  });

  test('values JSON cannot carry are refused, not changed', async () => {
    const session = await newSession();
    const docs = (await session.vault('app')).documents({ collection: 'any', version: 1, fields: { v: { encrypt: true }, s: 'signed' } });
    for (const v of [Number.NaN, Infinity, 10n, new Date(0), { a: undefined }, [undefined], () => 1]) {
      expect(await codeOf(docs.encrypt({ v }, { id: 1 }))).toBe('INVALID_INPUT');
      expect(await codeOf(docs.encrypt({ s: v }, { id: 1 }))).toBe('INVALID_INPUT');
    }
  });

  test('undeclared fields: INVALID_INPUT unless rest: "clear"; _zv is reserved', async () => {
    const session = await newSession();
    const vault = await session.vault('app');
    const strict = vault.documents({ collection: 'c', version: 1, fields: { a: { encrypt: true } } });
    expect(await codeOf(strict.encrypt({ a: 1, extra: 2 }, { id: 1 }))).toBe('INVALID_INPUT');
    expect(await codeOf(strict.encrypt({ a: 1, _zv: 'x' }, { id: 1 }))).toBe('INVALID_INPUT');
    const loose = vault.documents({ collection: 'c', version: 1, rest: 'clear', fields: { a: { encrypt: true } } });
    const row = await loose.encrypt({ a: 1, extra: 2 }, { id: 1 });
    expect(row.extra).toBe(2);
    expect(await loose.decrypt(row, { id: 1 })).toEqual({ a: 1, extra: 2 });
    // The strict schema refuses the loose row on the way back too.
    expect(await codeOf(strict.decrypt(row, { id: 1 }))).toBe('DECRYPT_FAILED');
  });

  test('nested dotted paths and array elements', async () => {
    const session = await newSession();
    const docs = (await session.vault('app')).documents({
      collection: 'people',
      version: 1,
      fields: { 'address.city': { encrypt: true }, 'address.zip': 'clear', 'contacts[].email': { encrypt: true, index: 'exact' }, 'contacts[].kind': 'signed', 'tags[]': { encrypt: true } },
      expectedRows: 1_000_000,
    });
    const doc = { address: { city: 'Lyon', zip: '69001' }, contacts: [{ email: 'a@x.org', kind: 'work' }, { email: 'b@x.org', kind: 'home' }], tags: ['x', 'y', 'z'] };
    const row = await docs.encrypt(doc, { id: 'p' });
    const stored = row as unknown as typeof doc;
    expect(stored.address.city).toMatch(/^zv1\./);
    expect(stored.address.zip).toBe('69001');
    expect(stored.contacts[1]?.email).toMatch(/^zv1\./);
    expect(stored.contacts[1]?.kind).toBe('home');
    expect(stored.tags.every((t) => t.startsWith('zv1.'))).toBe(true);
    expect(await docs.decrypt(row, { id: 'p' })).toEqual(doc);
    const indexes = await docs.indexes(doc);
    expect(indexes['contacts[].email']).toHaveLength(2);
    expect(indexes['contacts[].email']).toContain(await docs.index('contacts[].email', 'A@X.org'));
    // A declared object holding something else is refused.
    expect(await codeOf(docs.encrypt({ address: 'Lyon' }, { id: 'p' }))).toBe('INVALID_INPUT');
    expect(await codeOf(docs.encrypt({ tags: 'x' }, { id: 'p' }))).toBe('INVALID_INPUT');
  });

  test('malformed schemas are INVALID_INPUT on first use', async () => {
    const session = await newSession();
    const vault = await session.vault('app');
    const bad: unknown[] = [
      { collection: '', version: 1, fields: { a: 'clear' } },
      { collection: 'c', version: 0, fields: { a: 'clear' } },
      { collection: 'c', version: 1, fields: {} },
      { collection: 'c', version: 1, fields: { a: 'secret' } },
      { collection: 'c', version: 1, fields: { 'a..b': 'clear' } },
      { collection: 'c', version: 1, fields: { a: 'clear', 'a.b': 'clear' } },
      { collection: 'c', version: 1, fields: { _zv: 'clear' } },
      { collection: 'c', version: 1, fields: { a: { encrypt: true, index: 'fuzzy' } } },
      { collection: 'c', version: 1, fields: { a: { encrypt: true, index: 'exact' } } }, // no expectedRows
      { collection: 'c', version: 2, fields: { a: 'clear' }, previous: [{ version: 2, fields: { a: 'clear' } }] },
    ];
    for (const schema of bad) expect(await codeOf(vault.documents(schema as DocumentSchema).encrypt({ a: 1 }, { id: 1 })), JSON.stringify(schema)).toBe('INVALID_INPUT');
    const ok = vault.documents({ collection: 'c', version: 1, fields: { a: 'clear' } });
    expect(await codeOf(ok.encrypt({ a: 1 }, { id: '' }))).toBe('INVALID_INPUT');
    expect(await codeOf(ok.encrypt({ a: 1 }, { id: 1.5 }))).toBe('INVALID_INPUT');
  });

  test('schema version 1 → 2: old rows still open, new rows are v2, reencrypt upgrades', async () => {
    const session = await newSession();
    const vault = await session.vault('app');
    const v1 = vault.documents({ collection: 'todos', version: 1, fields: { title: { encrypt: true }, due: 'clear' } });
    const old = await v1.encrypt({ title: 'old', due: 'soon' }, { id: 1 });
    const v2 = vault.documents({
      collection: 'todos',
      version: 2,
      fields: { title: { encrypt: true }, due: { encrypt: true }, tag: 'signed' },
      previous: [{ version: 1, fields: { title: { encrypt: true }, due: 'clear' } }],
    });
    expect(await v2.decrypt(old, { id: 1 })).toEqual({ title: 'old', due: 'soon' });
    expect(await v2.isCurrent(old)).toBe(false);
    const upgraded = await v2.reencrypt(old, { id: 1 });
    expect(upgraded._zv).toMatch(/^zv1\.2\.1\./);
    expect(upgraded.due).toMatch(/^zv1\./);
    expect(await v2.isCurrent(upgraded)).toBe(true);
    expect(await v2.decrypt(upgraded, { id: 1 })).toEqual({ title: 'old', due: 'soon' });
    // v1 code cannot read a v2 row: an unknown schema version fails closed.
    expect(await codeOf(v1.decrypt(upgraded, { id: 1 }))).toBe('DECRYPT_FAILED');
    // A v2 row relabelled as v1 fails (the MAC binds the version).
    const relabelled = { ...upgraded, _zv: upgraded._zv.replace(/^zv1\.2\./, 'zv1.1.') };
    expect(await codeOf(v2.decrypt(relabelled, { id: 1 }))).toBe('DECRYPT_FAILED');
  });

  test('migrate encrypts a legacy clear row once; a bare value is never read as a migrated one', async () => {
    const session = await newSession();
    const todos = (await session.vault('app')).documents<Todo, typeof TODOS>(TODOS);
    const legacy = { title: 'legacy', notes: 'plain', done: true, due: null };
    const first = await todos.migrate(legacy, { id: 9 });
    expect(first.migrated).toBe(true);
    expect(first.row.title).toMatch(/^zv1\./);
    const again = await todos.migrate(first.row, { id: 9 });
    expect(again).toEqual({ row: first.row, migrated: false });
    expect(await todos.decrypt(first.row, { id: 9 })).toEqual(legacy);
    // decrypt never accepts the legacy row.
    expect(await codeOf(todos.decrypt(legacy, { id: 9 }))).toBe('DECRYPT_FAILED');
    // A "legacy" row (no _zv) that already holds an encrypted value is half-migrated or forged.
    const { _zv: _dropped, ...stripped } = first.row;
    expect(await codeOf(todos.migrate(stripped, { id: 9 }))).toBe('DECRYPT_FAILED');
  });

  test('rotation with keepOldKeys: old rows still open, reencrypt sweeps, dropOldKeys ends it; an unknown KEK version is DECRYPT_FAILED', async () => {
    const session = await newSession();
    const vault = await session.vault('app');
    const todos = vault.documents<Todo, typeof TODOS>(TODOS);
    const rows = await todos.encryptMany([
      { id: 1, doc: { title: 'one', done: false } },
      { id: 2, doc: { title: 'two', email: 'x@y.z', done: true } },
    ]);
    const oldToken = await todos.index('email', 'x@y.z');
    const { kekVersion } = await vault.rotate({ keepOldKeys: true });
    expect(kekVersion).toBe(2);
    expect(await todos.kekVersions()).toEqual([1, 2]);
    expect(await todos.decryptMany(rows.map((row, i) => ({ row, id: i + 1 })))).toEqual([
      { title: 'one', done: false },
      { title: 'two', email: 'x@y.z', done: true },
    ]);
    // Tokens follow the active KEK; the old version's stay computable during the sweep.
    expect(await todos.index('email', 'x@y.z')).not.toBe(oldToken);
    expect(await todos.index('email', 'x@y.z', { kekVersion: 1 })).toBe(oldToken);
    const swept = [];
    for (const [i, row] of rows.entries()) {
      expect(await todos.isCurrent(row)).toBe(false);
      swept.push(await todos.reencrypt(row, { id: i + 1 }));
    }
    for (const row of swept) {
      expect(await todos.isCurrent(row)).toBe(true);
      expect(row.title).toMatch(/^zv1\.2\./);
    }
    await todos.dropOldKeys();
    expect(await todos.kekVersions()).toEqual([2]);
    expect(await todos.decrypt(swept[1], { id: 2 })).toEqual({ title: 'two', email: 'x@y.z', done: true });
    // A row left under the dropped version no longer opens, with the one error.
    expect(await codeOf(todos.decrypt(rows[0], { id: 1 }))).toBe('DECRYPT_FAILED');
    // A value naming a version the vault never had: the same.
    const future = { ...swept[0], title: (swept[0]?.title as string).replace(/^zv1\.2\./, 'zv1.77.') };
    expect(await codeOf(todos.decrypt(future, { id: 1 }))).toBe('DECRYPT_FAILED');
  });

  test('a plain rotate still drops old versions (documented: rotate with keepOldKeys when documents use the vault)', async () => {
    const session = await newSession();
    const vault = await session.vault('app');
    const docs = vault.documents({ collection: 'c', version: 1, fields: { a: { encrypt: true } } });
    const row = await docs.encrypt({ a: 1 }, { id: 1 });
    await vault.rotate();
    expect(await docs.kekVersions()).toEqual([2]);
    expect(await codeOf(docs.decrypt(row, { id: 1 }))).toBe('DECRYPT_FAILED');
  });

  test('every method fails with CLOSED after logout, before any crypto', async () => {
    const session = await newSession();
    const todos = (await session.vault('app')).documents<Todo, typeof TODOS>(TODOS);
    const row = await todos.encrypt({ title: 't', done: false }, { id: 1 });
    await session.logout();
    expect(await codeOf(todos.encrypt({ title: 't', done: false }, { id: 1 }))).toBe('CLOSED');
    expect(await codeOf(todos.decrypt(row, { id: 1 }))).toBe('CLOSED');
    expect(await codeOf(todos.index('email', 'a'))).toBe('CLOSED');
    expect(await codeOf(todos.indexes({ title: 't', done: false }))).toBe('CLOSED');
    expect(await codeOf(todos.reencrypt(row, { id: 1 }))).toBe('CLOSED');
    expect(await codeOf(todos.kekVersions())).toBe('CLOSED');
  });
});

describe('blind indexes', () => {
  test('exact: NFKC + case fold; index() returns one base64url token, words one per distinct word', async () => {
    const session = await newSession();
    // A large table: long tokens, so distinct words keep distinct tokens here.
    const big = { ...TODOS, expectedRows: 2 ** 40 } as const;
    const todos = (await session.vault('app')).documents<Todo, typeof big>(big);
    const token: string = await todos.index('email', 'Bob@Example.com');
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await todos.index('email', 'bob@example.com')).toBe(token);
    expect(await todos.index('email', 'ｂｏｂ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toBe(token); // NFKC
    expect(await todos.index('email', 'alice@example.com')).not.toBe(token);
    const words: string[] = await todos.index('title', 'Buy MILK, buy bread!');
    expect(words).toHaveLength(3);
    expect(await todos.index('title', 'milk')).toEqual([expect.any(String)]);
    expect(words).toContain((await todos.index('title', 'milk'))[0]);
    expect(await todos.index('title', 'STRASSE')).toEqual(await todos.index('title', 'straße'));
    expect(await codeOf(todos.index('notes' as 'email', 'x'))).toBe('INVALID_INPUT');
    expect(await codeOf(todos.index('title', 42))).toBe('INVALID_INPUT');
  });

  test('the planner: bits from expectedRows by the coincidence rule; identifying configurations refused unless insisted', async () => {
    const session = await newSession();
    const vault = await session.vault('app');
    const todos = vault.documents<Todo, typeof TODOS>(TODOS);
    // 100 000 rows: floor(log2(50 000)) = 15 bits shared by two indexes.
    expect(await todos.plan()).toEqual([
      { field: 'title', kind: 'words', bits: 7, coincidences: 100_000 / 2 ** 14 },
      { field: 'email', kind: 'exact', bits: 7, coincidences: 100_000 / 2 ** 14 },
    ]);
    for (const plan of await todos.plan()) expect(plan.coincidences).toBeGreaterThanOrEqual(2);
    const token = await todos.index('email', 'a@b.c');
    expect(token).toHaveLength(2); // 7 bits: one byte
    const fields = { email: { encrypt: true, index: 'exact', bits: 32 } } as const;
    expect(await codeOf(vault.documents({ collection: 'c', version: 1, expectedRows: 1000, fields }).plan())).toBe('INVALID_INPUT');
    const insisted = vault.documents({ collection: 'c', version: 1, expectedRows: 1000, fields: { email: { ...fields.email, identifying: true } } });
    expect(await insisted.plan()).toEqual([{ field: 'email', kind: 'exact', bits: 32, coincidences: 1000 / 2 ** 32 }]);
    expect(await insisted.index('email', 'a@b.c')).toHaveLength(6);
    expect(await codeOf(vault.documents({ collection: 'c', version: 1, expectedRows: 3, fields: { a: { encrypt: true, index: 'exact' } } }).plan())).toBe('INVALID_INPUT');
  });

  test('prefix: indexes() stores every prefix, index() gives the query prefix; matches() filters false positives', async () => {
    const session = await newSession();
    const docs = (await session.vault('app')).documents({ collection: 'names', version: 1, expectedRows: 1 << 20, fields: { name: { encrypt: true, index: 'prefix' }, bio: { encrypt: true, index: 'words' } } });
    const stored = await docs.indexes({ name: 'Robert', bio: 'likes tea' });
    // The tokens of every prefix of the normalized value, each once, and nothing else. At these few bits two
    // prefixes' truncated tokens sometimes coincide (then five are stored, not six), and whether 'robin''s
    // token is among them is chance too: that is what matches() is for.
    const prefixes = await Promise.all(['r', 'ro', 'rob', 'robe', 'rober', 'robert'].map((prefix) => docs.index('name', prefix)));
    expect([...(stored.name as string[])].sort()).toEqual([...new Set(prefixes)].sort());
    expect(await docs.matches('name', 'Robert', 'robin')).toBe(false);
    expect(await docs.matches('name', 'Robert', 'ROB')).toBe(true);
    expect(await docs.matches('name', 'Robert', 'rot')).toBe(false);
    expect(await docs.matches('bio', 'Likes tea and cake', 'tea LIKES')).toBe(true);
    expect(await docs.matches('bio', 'Likes tea and cake', 'tea coffee')).toBe(false);
  });

  test('tokens of two vaults, or two collections, are unrelated', async () => {
    const alice = await newSession('alice');
    const bob = await newSession('bob');
    const schema = (collection: string): DocumentSchema => ({ collection, version: 1, expectedRows: 1 << 30, fields: { email: { encrypt: true, index: 'exact' } } });
    const a1 = await (await alice.vault('app')).documents(schema('c1')).index('email', 'x@y.z');
    const a2 = await (await alice.vault('app')).documents(schema('c2')).index('email', 'x@y.z');
    const a3 = await (await alice.vault('other')).documents(schema('c1')).index('email', 'x@y.z');
    const b1 = await (await bob.vault('app')).documents(schema('c1')).index('email', 'x@y.z');
    expect(new Set([a1, a2, a3, b1]).size).toBe(4);
  });
});

describe('shared vaults', () => {
  test('read members decrypt and search; write members encrypt; read-only members get FORBIDDEN; a lazy revoke keeps old rows open until the sweep', async () => {
    expect(SHARING_PASSWORD.length).toBeGreaterThan(0);
    const server = await startServer();
    try {
      const owner = await server.register('owner');
      const reader = await server.register('reader');
      const writer = await server.register('writer');
      const vault = await owner.vault('team');
      await vault.share({ userId: 'reader', role: 'read' });
      await vault.share({ userId: 'writer', role: 'write' });
      const mine = vault.documents<Todo, typeof TODOS>(TODOS);
      const row = await mine.encrypt({ title: 'ship it', email: 'o@x.y', done: false }, { id: 1 });
      const asReader = (await reader.vault('team', { owner: 'owner' })).documents<Todo, typeof TODOS>(TODOS);
      const asWriter = (await writer.vault('team', { owner: 'owner' })).documents<Todo, typeof TODOS>(TODOS);
      expect(await asReader.decrypt(row, { id: 1 })).toEqual({ title: 'ship it', email: 'o@x.y', done: false });
      expect(await asReader.index('email', 'o@x.y')).toBe(await mine.index('email', 'o@x.y'));
      expect(await codeOf(asReader.encrypt({ title: 'nope', done: true }, { id: 2 }))).toBe('FORBIDDEN');
      expect(await codeOf(asReader.reencrypt(row, { id: 1 }))).toBe('FORBIDDEN');
      const written = await asWriter.encrypt({ title: 'from writer', done: true }, { id: 2 });
      expect(await mine.decrypt(written, { id: 2 })).toEqual({ title: 'from writer', done: true });
      expect(await asReader.decrypt(written, { id: 2 })).toEqual({ title: 'from writer', done: true });
      expect(await codeOf(asWriter.dropOldKeys())).toBe('FORBIDDEN');
      // Revoking lazily keeps the old KEK version: old rows still open, new rows use the new one.
      await vault.revoke({ userId: 'reader', rewrap: 'lazy' });
      expect(await mine.decrypt(row, { id: 1 })).toEqual({ title: 'ship it', email: 'o@x.y', done: false });
      const fresh = await mine.encrypt({ title: 'after revoke', done: false }, { id: 3 });
      expect(fresh._zv).toMatch(/^zv1\.1\.2\./);
      expect(await mine.kekVersions()).toEqual([1, 2]);
      const swept = await mine.reencrypt(row, { id: 1 });
      await mine.dropOldKeys();
      expect(await mine.decrypt(swept, { id: 1 })).toEqual({ title: 'ship it', email: 'o@x.y', done: false });
      expect(await codeOf(mine.decrypt(row, { id: 1 }))).toBe('DECRYPT_FAILED');
    } finally {
      await server.close();
    }
  });
});

describe('bundle', () => {
  test('client/documents/ is a lazy boundary: outside it, only import() and import type reach it', () => {
    const src = resolve(__dirname, '../../../src');
    const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
    const IMPORT = /(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
    const violations: string[] = [];
    let dynamic = 0;
    for (const file of walk(src).filter((f) => f.endsWith('.ts') && !f.includes('/client/documents/'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const spec = (m[2] ?? m[3]) as string;
        if (!spec.includes('documents/')) continue;
        if (m[3] !== undefined) dynamic++;
        else if (m[1] === undefined) violations.push(relative(src, file));
      }
    }
    expect(violations).toEqual([]);
    expect(dynamic).toBeGreaterThan(0);
  });
});
