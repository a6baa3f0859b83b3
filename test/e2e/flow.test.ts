/**
 * End to end over real HTTP on 127.0.0.1, SDK `Client` against
 * `createServer(...).node()` on SQLite: accounts, vault CRUD, versions and
 * conflicts (412 → CONFLICT), logout.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { expectError, lowLogin, lowRegister, sdk, signedFetch, startServer, type Running } from './helpers.js';

let running: Running;

beforeAll(async () => {
  running = await startServer();
});
afterAll(async () => {
  await running.close();
});

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('accounts', () => {
  test('register, CRUD, paged list, logout, log in again and read back', async () => {
    const session = await sdk(running).register({ userId: 'alice@example.com', password: 'correct horse battery staple' });
    const notes = await session.vault('notes');
    expect(await notes.put('n1', utf8('one'))).toEqual({ version: 1 });
    expect(await notes.put('n1', utf8('one, edited'))).toEqual({ version: 2 });
    await notes.putJson('n2', { title: 'two' });
    for (let i = 0; i < 5; i++) await notes.put(`p${i}`, utf8(`page item ${i}`));
    expect(text((await notes.get('n1')).data)).toBe('one, edited');
    expect(await notes.getJson('n2')).toEqual({ value: { title: 'two' }, version: 1 });

    const listed: { id: string; version: number }[] = [];
    for await (const item of notes.list({ pageSize: 2 })) listed.push(item);
    expect(listed.map((i) => i.id)).toEqual(['n1', 'n2', 'p0', 'p1', 'p2', 'p3', 'p4']);
    expect(listed[0]).toEqual({ id: 'n1', version: 2 });

    await notes.delete('p4');
    await expect(notes.get('p4')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // A deleted id keeps its last version as a tombstone: versions never repeat.
    expect(await notes.put('p4', utf8('again'))).toEqual({ version: 2 });
    expect(await notes.getMany(['n1', 'missing'])).toEqual([{ data: utf8('one, edited'), version: 2 }, null]);

    await session.logout();
    await expect(notes.get('n1')).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(async () => session.vault('notes')).rejects.toMatchObject({ code: 'CLOSED' });

    const again = await sdk(running).login({ userId: 'alice@example.com', password: 'correct horse battery staple' });
    const notes2 = await again.vault('notes');
    expect(text((await notes2.get('n1')).data)).toBe('one, edited');
    expect(text((await notes2.get('p4')).data)).toBe('again');
    expect(again.vaults()).toEqual(['default', 'notes']);
    await again.logout();
    const lifecycle = new Set(['register', 'login', 'logout', 'auth_failed']);
    const types = running.events.filter((e) => e.userId === 'alice@example.com' && lifecycle.has(e.type)).map((e) => e.type);
    expect(types).toEqual(['register', 'login', 'logout', 'login', 'logout']);
  });

  test('user ids are normalized; a taken id is CONFLICT; wrong password and unknown user fail alike', async () => {
    const first = await sdk(running).register({ userId: 'Bob@Example.COM', password: 'pw-bob' });
    await first.logout();
    await expect(sdk(running).register({ userId: 'bob@example.com', password: 'other' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const session = await sdk(running).login({ userId: 'BOB@example.com', password: 'pw-bob' });
    await session.logout();
    const wrong = await sdk(running).login({ userId: 'bob@example.com', password: 'nope' }).catch((e: unknown) => e);
    const unknown = await sdk(running).login({ userId: 'nobody@example.com', password: 'pw-bob' }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'AUTH_FAILED' });
    expect(unknown).toMatchObject({ code: 'AUTH_FAILED' });
    expect((wrong as Error).message).toBe((unknown as Error).message);
    // The server never saw a finished login for either.
    expect(running.events.filter((e) => e.type === 'login' && e.userId === 'nobody@example.com')).toEqual([]);
  });
});

describe('versions and conflicts', () => {
  test('Vault: stale ifVersion, create-only and stale delete are CONFLICT and change nothing', async () => {
    const session = await sdk(running).register({ userId: 'carol', password: 'pw-carol' });
    const vault = await session.vault('v');
    const { version } = await vault.put('r', utf8('first'), { ifVersion: null });
    await expect(vault.put('r', utf8('dup'), { ifVersion: null })).rejects.toMatchObject({ code: 'CONFLICT' });
    const { version: v2 } = await vault.put('r', utf8('second'), { ifVersion: version });
    await expect(vault.put('r', utf8('lost'), { ifVersion: version })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(vault.delete('r', { ifVersion: version })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(vault.put('never', utf8('x'), { ifVersion: 3 })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await vault.get('r')).toEqual({ data: utf8('second'), version: v2 });

    // A second device racing on the same record: exactly one conditional write wins.
    const other = await sdk(running).login({ userId: 'carol', password: 'pw-carol' });
    const otherVault = await other.vault('v');
    const results = await Promise.allSettled([vault.put('r', utf8('mine'), { ifVersion: v2 }), otherVault.put('r', utf8('theirs'), { ifVersion: v2 })]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'CONFLICT' } });
    expect((await otherVault.get('r')).version).toBe(v2 + 1);
    await other.logout();
    await vault.delete('r', { ifVersion: v2 + 1 });
    await expect(vault.get('r')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await session.logout();
    // A later login sees the delete (the manifest records it). A delete while another
    // session of the user is still open: see cross-device-delete.test.ts.
    const later = await sdk(running).login({ userId: 'carol', password: 'pw-carol' });
    await expect((await later.vault('v')).get('r')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await later.logout();
  });

  test('HTTP: ETag / If-Match / If-None-Match; stale → 412 { error: { code: CONFLICT } }', async () => {
    expect((await lowRegister(running.base, 'dave', 'pw-dave')).status).toBe(201);
    const s = await lowLogin(running.base, 'dave', 'pw-dave');
    const body = (t: string): string => JSON.stringify({ data: toBase64url(utf8(t)) });
    const created = await signedFetch(running.base, s, 'PUT', '/blobs/v/r', { body: body('one'), headers: { 'if-none-match': '*' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(await created.json()).toEqual({ version: 1 });
    await expectError(await signedFetch(running.base, s, 'PUT', '/blobs/v/r', { body: body('dup'), headers: { 'if-none-match': '*' } }), 412, 'CONFLICT');
    expect((await signedFetch(running.base, s, 'PUT', '/blobs/v/r', { body: body('two'), headers: { 'if-match': '"1"' } })).status).toBe(200);
    await expectError(await signedFetch(running.base, s, 'PUT', '/blobs/v/r', { body: body('lost'), headers: { 'if-match': '"1"' } }), 412, 'CONFLICT');
    await expectError(await signedFetch(running.base, s, 'PUT', '/blobs/v/missing', { body: body('x'), headers: { 'if-match': '"1"' } }), 412, 'CONFLICT');
    await expectError(await signedFetch(running.base, s, 'DELETE', '/blobs/v/r', { headers: { 'if-match': '"1"' } }), 412, 'CONFLICT');
    const got = await signedFetch(running.base, s, 'GET', '/blobs/v/r');
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"2"');
    expect(got.headers.get('cache-control')).toBe('no-store');
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await got.json()).toEqual({ data: toBase64url(utf8('two')), version: 2 });
    expect((await signedFetch(running.base, s, 'DELETE', '/blobs/v/r', { headers: { 'if-match': '"2"' } })).status).toBe(204);
    await expectError(await signedFetch(running.base, s, 'GET', '/blobs/v/r'), 404, 'NOT_FOUND');
    expect((await signedFetch(running.base, s, 'POST', '/logout')).status).toBe(204);
  });
});

describe('logout', () => {
  test('revokes exactly that session: its requests are 401, another session of the user keeps working', async () => {
    expect((await lowRegister(running.base, 'erin', 'pw-erin')).status).toBe(201);
    const a = await lowLogin(running.base, 'erin', 'pw-erin');
    const b = await lowLogin(running.base, 'erin', 'pw-erin');
    expect((await signedFetch(running.base, a, 'GET', '/blobs/v')).status).toBe(200);
    expect((await signedFetch(running.base, a, 'POST', '/logout', { body: '{}' })).status).toBe(204);
    await expectError(await signedFetch(running.base, a, 'GET', '/blobs/v'), 401, 'CLOSED');
    await expectError(await signedFetch(running.base, a, 'POST', '/logout', { body: '{}' }), 401, 'CLOSED');
    expect((await signedFetch(running.base, b, 'GET', '/blobs/v')).status).toBe(200);
    const reasons = running.events.filter((e) => e.userId === undefined && e.type === 'auth_failed').map((e) => e.reason);
    expect(reasons).toContain('unknown-or-expired-session');
  });

  test('the SDK session: logout flushes manifests, then every call fails with CLOSED', async () => {
    const session = await sdk(running).register({ userId: 'frank', password: 'pw-frank' });
    const vault = await session.vault('v');
    await vault.put('r', utf8('x'));
    await session.logout();
    await session.logout(); // idempotent
    await expect(vault.get('r')).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(session.changePassword({ newPassword: 'n' })).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(session.createRecoveryKey()).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
