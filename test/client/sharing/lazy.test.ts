/**
 * The sharing code loads on demand: a session whose vaults were never shared
 * never imports the owner-side sharing code (`sharing/owned-vault.ts`) or the member
 * side (`sharing/member-host.ts`); the first share imports the owner side, and
 * opening a vault shared with the account imports the member side. The
 * mocks only record that a module was loaded; they change nothing.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { utf8 } from '../../../src/crypto/bytes.js';
import type * as MemberHostModule from '../../../src/client/sharing/member-host.js';
import type * as SharingModule from '../../../src/client/sharing/owned-vault.js';
import { startServer, type LoopbackServer } from './helpers.js';

/** Any time (ms since the epoch): the server's record. */
const A_TIME = expect.any(Number) as unknown as number;

const loaded = vi.hoisted(() => ({ owner: 0, member: 0 }));

vi.mock('../../../src/client/sharing/owned-vault.js', async (importOriginal) => {
  loaded.owner++;
  return importOriginal<typeof SharingModule>();
});

vi.mock('../../../src/client/sharing/member-host.js', async (importOriginal) => {
  loaded.member++;
  return importOriginal<typeof MemberHostModule>();
});

let server: LoopbackServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server.close();
});

test('private vaults never load the sharing code; sharing loads it where it is needed', async () => {
  const alice = await server.register('lazy-alice');
  const notes = await alice.vault('notes');
  await notes.put('a', utf8('one'));
  expect(await notes.get('a')).toEqual({ data: utf8('one'), version: 1 });
  await notes.rotate();
  await notes.delete('a');
  await alice.logout();
  const again = await server.login('lazy-alice');
  await (await again.vault('notes')).put('b', utf8('two'));
  expect(loaded).toEqual({ owner: 0, member: 0 });

  const bob = await server.register('lazy-bob');
  const shared = await again.vault('shared');
  await shared.put('r', utf8('for bob'));
  await shared.share({ userId: 'lazy-bob', role: 'read' });
  expect(loaded).toEqual({ owner: 1, member: 0 });
  expect(await shared.members()).toEqual([
    { userId: 'lazy-alice', role: 'owner' },
    { userId: 'lazy-bob', role: 'read', grantedAt: A_TIME },
  ]);

  const theirs = await bob.vault('shared', { owner: 'lazy-alice' });
  expect((await theirs.get('r')).data).toEqual(utf8('for bob'));
  expect(loaded).toEqual({ owner: 1, member: 1 });
  await bob.logout();
  await again.logout();
});
