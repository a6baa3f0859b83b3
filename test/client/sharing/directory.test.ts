/**
 * The key directory over HTTP: publication at first login, safety numbers,
 * pins, legitimate key changes, and a server that swaps, forks or truncates
 * a user's key log (in memory and in real SQLite rows).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toBase64url, utf8 } from '../../../src/crypto/bytes.js';
import { randomBytes } from '../../../src/crypto/random.js';
import { GENESIS_PREV, createKeyEvent, decodeKeyEvent } from '../../../src/formats/key-event.js';
import { generateKeyPair } from '../../../src/seal/index.js';
import { sqliteServerStore } from '../../../src/server/sqlite.js';
import { register as rawRegister } from '../../server/harness.js';
import { PASSWORD, keyringOf, rawRequest, startServer, tamperableStore, type LoopbackServer, type Tamper } from './helpers.js';

let server: LoopbackServer;
let tamper: Tamper;

beforeAll(async () => {
  const made = tamperableStore();
  tamper = made.tamper;
  server = await startServer(made.store);
});

afterAll(async () => {
  await server.close();
});

/** A fresh identity a test controls, and its log events. */
function identity(userId: string, seq = 1, prev: Uint8Array = GENESIS_PREV, signingKey?: Uint8Array): { event: Uint8Array; seed: Uint8Array } {
  const seed = randomBytes(32);
  const event = createKeyEvent({ seq, prev, userId, x25519: generateKeyPair().publicKey, ed25519: ed25519.getPublicKey(seed), signingKey: signingKey ?? seed });
  return { event, seed };
}

describe('publication', () => {
  test('the first login publishes the keyring keys; every login checks them', async () => {
    const alice = await server.register('pub-alice');
    const log = (await server.store.getKeyEvents?.('pub-alice')) ?? [];
    expect(log).toHaveLength(1);
    const event = decodeKeyEvent(log[0] as Uint8Array);
    expect(event.seq).toBe(1);
    expect(event.x25519).toEqual(alice.publicKeys.x25519);
    expect(event.ed25519).toEqual(alice.publicKeys.ed25519);
    expect(server.events).toContainEqual(expect.objectContaining({ type: 'key_published', userId: 'pub-alice', reason: 'first' }));
    await alice.logout();
    await (await server.login('pub-alice')).logout();
    expect(await server.store.getKeyEvents?.('pub-alice')).toHaveLength(1);
  });

  test('the server only appends events signed by the previous key, for the session user', async () => {
    await rawRegister(server.zv, 'raw-user', PASSWORD);
    const first = identity('raw-user');
    const notMine = identity('someone-else');
    expect((await rawRequest(server, 'raw-user', 'POST', '/keys', { body: { event: toBase64url(notMine.event) } })).status).toBe(400);
    expect((await rawRequest(server, 'raw-user', 'POST', '/keys', { body: { event: toBase64url(first.event) } })).status).toBe(201);
    // Idempotent for the same bytes, refused for a second genesis.
    expect((await rawRequest(server, 'raw-user', 'POST', '/keys', { body: { event: toBase64url(first.event) } })).status).toBe(200);
    expect((await rawRequest(server, 'raw-user', 'POST', '/keys', { body: { event: toBase64url(identity('raw-user').event) } })).status).toBe(400);
    const prev = decodeKeyEvent(first.event).hash;
    const unauthorized = identity('raw-user', 2, prev); // self-signed by the new key, not by the old one
    expect((await rawRequest(server, 'raw-user', 'POST', '/keys', { body: { event: toBase64url(unauthorized.event) } })).status).toBe(400);
    const change = identity('raw-user', 2, prev, first.seed);
    expect((await rawRequest(server, 'raw-user', 'POST', '/keys', { body: { event: toBase64url(change.event) } })).status).toBe(201);
    expect(await server.store.getKeyEvents?.('raw-user')).toHaveLength(2);
    const unknown = await rawRequest(server, 'raw-user', 'GET', '/users/no-such-user/keys');
    expect(unknown.status).toBe(404);
  });
});

describe('safety numbers and pins', () => {
  test('both sides compute the same number; verify accepts only it, and the mark persists', async () => {
    const alice = await server.register('sn-alice');
    const bob = await server.register('sn-bob');
    const number = await alice.safetyNumber('sn-bob');
    expect(number).toMatch(/^(\d{5} ){11}\d{5}$/);
    expect(await bob.safetyNumber('SN-Alice')).toBe(number);
    expect((await alice.contact('sn-bob')).verified).toBe(false);
    const digits = number.replace(/ /g, '');
    const wrong = `${digits.slice(0, 59)}${(Number(digits[59]) + 1) % 10}`;
    await expect(alice.verify('sn-bob', wrong)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(alice.verify('sn-bob', '12345')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await alice.verify('sn-bob', digits);
    expect((await alice.contact('sn-bob')).verified).toBe(true);
    await alice.logout();
    const again = await server.login('sn-alice');
    expect((await again.contact('sn-bob')).verified).toBe(true);
    await expect(again.contact('nobody-at-all')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await again.logout();
    await bob.logout();
  });

  test('a legitimate key change (signed by the old key) is not used until accepted again', async () => {
    const alice = await server.register('kc-alice');
    await rawRegister(server.zv, 'kc-dave', PASSWORD);
    const first = identity('kc-dave');
    await rawRequest(server, 'kc-dave', 'POST', '/keys', { body: { event: toBase64url(first.event) } });
    const vault = await alice.vault('for-dave');
    await vault.share({ userId: 'kc-dave', role: 'read' });
    await alice.verify('kc-dave', await alice.safetyNumber('kc-dave'));

    const change = identity('kc-dave', 2, decodeKeyEvent(first.event).hash, first.seed);
    await rawRequest(server, 'kc-dave', 'POST', '/keys', { body: { event: toBase64url(change.event) } });
    const contact = await alice.contact('kc-dave');
    expect(contact).toMatchObject({ changed: true, verified: false });
    expect(contact.publicKeys.ed25519).toEqual(decodeKeyEvent(change.event).ed25519);
    await expect(vault.share({ userId: 'kc-dave', role: 'write' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await alice.trust('kc-dave');
    expect(await alice.contact('kc-dave')).toMatchObject({ changed: false, verified: false });
    await vault.share({ userId: 'kc-dave', role: 'write' });
    await alice.verify('kc-dave', contact.safetyNumber);
    expect(await alice.contact('kc-dave')).toMatchObject({ changed: false, verified: true });
    await alice.logout();
  });
});

describe('a malicious server', () => {
  test('swapping a pinned user’s keys is caught by everyone who saw them, and by the user at login', async () => {
    const alice = await server.register('sw-alice');
    const bob = await server.register('sw-bob');
    const vault = await bob.vault('bobs');
    await vault.put('r', utf8('secret'));
    await vault.share({ userId: 'sw-alice', role: 'read' });
    const honest = await alice.safetyNumber('sw-bob');
    await alice.vault('bobs', { owner: 'sw-bob' });

    const attacker = identity('sw-bob');
    tamper.keyEvents = (userId, events) => (userId === 'sw-bob' ? [attacker.event] : events);
    try {
      await expect(alice.contact('sw-bob')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      const fresh = await server.login('sw-alice');
      await expect(fresh.vault('bobs', { owner: 'sw-bob' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      const mine = await fresh.vault('mine');
      await expect(mine.share({ userId: 'sw-bob', role: 'read' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      await fresh.logout();
      // Bob's own client refuses a directory that lies about him.
      await expect(server.login('sw-bob')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      // Someone who never saw bob's keys takes them on first use, but the safety number gives it away.
      const carol = await server.register('sw-carol');
      const seen = await carol.safetyNumber('sw-bob');
      tamper.keyEvents = undefined;
      expect(seen).not.toBe(await bob.safetyNumber('sw-carol'));
      await expect(carol.contact('sw-bob')).rejects.toMatchObject({ code: 'AUTH_FAILED' }); // the honest log now forks from carol's pin
      await carol.logout();
    } finally {
      tamper.keyEvents = undefined;
    }
    expect(await alice.safetyNumber('sw-bob')).toBe(honest);
    await alice.logout();
    await bob.logout();
  });

  test('a truncated log is a rollback; a broken chain or signature is refused', async () => {
    const alice = await server.register('tr-alice');
    await rawRegister(server.zv, 'tr-dave', PASSWORD);
    const first = identity('tr-dave');
    const second = identity('tr-dave', 2, decodeKeyEvent(first.event).hash, first.seed);
    await rawRequest(server, 'tr-dave', 'POST', '/keys', { body: { event: toBase64url(first.event) } });
    await rawRequest(server, 'tr-dave', 'POST', '/keys', { body: { event: toBase64url(second.event) } });
    await alice.contact('tr-dave');
    try {
      tamper.keyEvents = (userId, events) => (userId === 'tr-dave' ? events.slice(0, 1) : events);
      await expect(alice.contact('tr-dave')).rejects.toMatchObject({ code: 'ROLLBACK' });
      tamper.keyEvents = (userId, events) => (userId === 'tr-dave' ? [first.event, identity('tr-dave', 2, decodeKeyEvent(first.event).hash).event] : events);
      await expect(alice.contact('tr-dave')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      const flipped = Uint8Array.from(second.event);
      flipped[60] = (flipped[60] as number) ^ 1;
      tamper.keyEvents = (userId, events) => (userId === 'tr-dave' ? [first.event, flipped] : events);
      await expect(alice.contact('tr-dave')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    } finally {
      tamper.keyEvents = undefined;
    }
    expect((await alice.contact('tr-dave')).changed).toBe(false);
    await alice.logout();
  });
});

describe('SQLite rows rewritten under the server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zv-sharing-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a key log row swapped in the database is detected by a client that pinned it', async () => {
    const path = join(dir, 'zv.db');
    const sq = await startServer(sqliteServerStore({ path }));
    try {
      const alice = await sq.register('db-alice');
      const bob = await sq.register('db-bob');
      const vault = await alice.vault('v');
      await vault.share({ userId: 'db-bob', role: 'read' });
      const attacker = identity('db-alice');
      const db = new Database(path);
      db.prepare('UPDATE zv_key_events SET event = ? WHERE user_id = ? AND seq = 1').run(Buffer.from(attacker.event), 'db-alice');
      db.close();
      const again = await sq.login('db-bob');
      await expect(again.vault('v', { owner: 'db-alice' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      await expect(sq.login('db-alice')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
      // Its own keys, as the keyring holds them, are what the honest row said.
      expect((await keyringOf(sq, 'db-alice')).ed25519.publicKey).toEqual(alice.publicKeys.ed25519);
      await again.logout();
      await bob.logout();
    } finally {
      await sq.close();
    }
  });
});
