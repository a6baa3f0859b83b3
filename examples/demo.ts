/**
 * `npm run demo`: the whole system on one machine, end to end.
 *
 * Starts a zerovault server on 127.0.0.1 with the SQLite store in a
 * temporary folder, registers a user with OPAQUE, stores and reads records
 * through `Client`, rotates a vault key, shows a wrong password and a
 * replayed request being refused, then prints what the server actually
 * holds — ciphertext — and cleans up. Imports the built package, as an app
 * would.
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client, isZeroVaultError } from 'zerovault';
import { createServer, createServerSetup, sqliteServerStore } from 'zerovault/server';

const dir = mkdtempSync(join(tmpdir(), 'zerovault-demo-'));
const dbPath = join(dir, 'zerovault.db');
const hex = (bytes: Uint8Array, n = 16): string => Buffer.from(bytes.subarray(0, n)).toString('hex') + (bytes.length > n ? '…' : '');
const step = (text: string): void => console.log(`\n▸ ${text}`);

const store = sqliteServerStore({ path: dbPath });
const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv' });
zv.on('*', (event) => console.log(`    [server event] ${event.type}${event.reason ? ` (${event.reason})` : ''}${event.userId ? ` user=${event.userId}` : ''}`));
const http = createHttpServer(zv.node());
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/zv`;

// A fetch that remembers the last signed request, so the demo can replay it.
let lastSigned: Request | undefined;
const recordingFetch = async (request: Request): Promise<Response> => {
  if (request.headers.has('authorization')) lastSigned = request.clone();
  return fetch(request);
};

try {
  console.log(`zerovault demo — server at ${base}, SQLite database in a temporary folder`);
  const client = new Client({ url: base, fetch: recordingFetch });
  const password = 'correct horse battery staple';
  const secrets = ['Meet at the old mill at 9.', 'Wi-Fi password: hunter2-but-longer', 'Grandma’s recipe: more butter.'];

  step('Register alice@example.com (OPAQUE + Argon2id on this side; the password never leaves)');
  let started = Date.now();
  const first = await client.register({ userId: 'alice@example.com', password });
  console.log(`    registered and logged in in ${Date.now() - started} ms`);
  await first.logout();

  step('Log in again with OPAQUE and write three notes');
  started = Date.now();
  const session = await client.login({ userId: 'alice@example.com', password });
  console.log(`    logged in in ${Date.now() - started} ms`);
  const notes = await session.vault('notes');
  for (const [i, text] of secrets.entries()) {
    const { version } = await notes.put(`note-${i + 1}`, new TextEncoder().encode(text));
    console.log(`    put note-${i + 1} → version ${version}`);
  }

  step('Read them back and update one with a version check');
  for await (const { id, version } of notes.list()) {
    const { data } = await notes.get(id);
    console.log(`    ${id} v${version}: "${new TextDecoder().decode(data)}"`);
  }
  const { version } = await notes.put('note-1', new TextEncoder().encode('Meet at the NEW mill at 9.'), { ifVersion: 1 });
  console.log(`    note-1 updated to version ${version}`);
  try {
    await notes.put('note-1', new TextEncoder().encode('stale write'), { ifVersion: 1 });
  } catch (err) {
    if (isZeroVaultError(err, 'CONFLICT')) console.log('    a stale write (ifVersion 1) is refused: CONFLICT — no lost update');
    else throw err;
  }

  step('Rotate the vault key: every DEK is re-wrapped, no payload re-encrypted');
  const rotation = await notes.rotate({ onProgress: ({ done }) => console.log(`    re-wrapped ${done}`) });
  console.log(`    vault key is now version ${rotation.kekVersion}; note-2 still reads "${new TextDecoder().decode((await notes.get('note-2')).data)}"`);

  step('A replayed request is rejected');
  const replay = lastSigned as Request;
  const replayed = await fetch(replay);
  console.log(`    replaying ${replay.method} ${new URL(replay.url).pathname} → HTTP ${replayed.status}`);

  step('A wrong password is refused');
  try {
    await client.login({ userId: 'alice@example.com', password: 'correct horse battery stapler' });
  } catch (err) {
    console.log(`    ${isZeroVaultError(err) ? err.code : String(err)}: the client could not open its OPAQUE envelope and stopped; the server saw only an unfinished login, which its rate limiter counts`);
  }
  await session.logout();

  step('What the server holds (assume breach: this is the whole database)');
  const db = new Database(dbPath, { readonly: true });
  for (const row of db.prepare('SELECT user_id, length(record) AS size, record FROM zv_users').all() as { user_id: string; size: number; record: Uint8Array }[]) {
    console.log(`    zv_users    ${row.user_id.replace('\u0000', '\\0')}: OPAQUE record, ${row.size} B, ${hex(row.record)}`);
  }
  for (const row of db.prepare('SELECT vault, id, version, length(data) AS size, data FROM zv_blobs WHERE deleted = 0 ORDER BY vault, id').all() as {
    vault: string;
    id: string;
    version: number;
    size: number;
    data: Uint8Array;
  }[]) {
    console.log(`    zv_blobs    ${row.vault}/${row.id} v${row.version}: ${row.size} B, ${hex(row.data)}`);
  }
  const sessions = db.prepare('SELECT count(*) AS n FROM zv_sessions').get() as { n: number };
  console.log(`    zv_sessions ${sessions.n} live (their MAC keys are sealed under a key derived from the server setup, which is not in the database)`);
  db.close();

  step('Searching the database file for the password and every plaintext');
  const file = readFileSync(dbPath);
  const wal = (() => {
    try {
      return readFileSync(`${dbPath}-wal`);
    } catch {
      return Buffer.alloc(0);
    }
  })();
  let leaks = 0;
  for (const needle of [password, ...secrets, 'Meet at the NEW mill']) {
    const found = file.includes(needle) || wal.includes(needle);
    if (found) leaks++;
    console.log(`    ${found ? 'FOUND' : 'absent'}: "${needle.slice(0, 24)}…"`);
  }
  if (leaks > 0) throw new Error('plaintext found in the database');
  console.log('\nDone: the server only ever held ciphertext.');
} finally {
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
