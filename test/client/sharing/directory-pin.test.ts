/**
 * Defect 3 of the client-core rebuild: once this account has pinned a
 * contact's key log, a server that withholds the log (answers "no keys") is
 * a `ROLLBACK`, not a benign `NOT_FOUND`.
 */
import { describe, expect, test } from 'vitest';
import { clientOf, newServer } from '../helpers.js';

const PASSWORD = 'correct horse battery staple';

describe('key directory pins', () => {
  test('a pinned contact whose key log the server withholds is ROLLBACK; an unknown user is NOT_FOUND', async () => {
    const server = newServer();
    let withhold = false;
    const fetchFn = async (request: Request): Promise<Response> => {
      if (withhold && request.method === 'GET' && new URL(request.url).pathname === '/zv/users/bob/keys') {
        return Response.json({ error: { code: 'NOT_FOUND', message: 'no keys' } }, { status: 404 });
      }
      return server.fetch(request);
    };
    const bob = await clientOf(server).register({ userId: 'bob', password: PASSWORD });
    await bob.logout();
    const alice = await clientOf(server, { fetch: fetchFn }).register({ userId: 'alice', password: PASSWORD });

    await expect(alice.contact('nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const first = await alice.contact('bob'); // pins bob's log
    expect(first.verified).toBe(false);

    withhold = true;
    await expect(alice.contact('bob')).rejects.toMatchObject({ code: 'ROLLBACK' });
    // The pin is sealed in the account: a later session notices too.
    const later = await clientOf(server, { fetch: fetchFn }).login({ userId: 'alice', password: PASSWORD });
    await expect(later.contact('bob')).rejects.toMatchObject({ code: 'ROLLBACK' });
    withhold = false;
    expect((await later.contact('bob')).safetyNumber).toBe(first.safetyNumber);
    await alice.logout();
    await later.logout();
  });
});
