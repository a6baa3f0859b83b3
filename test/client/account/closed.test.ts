/**
 * Defect 1 of the client-core rebuild: after logout, every method of the
 * session and of the vaults it handed out fails with `CLOSED` before any
 * store call or crypto; no record is ever sealed under a wiped (all-zero)
 * key, not even by an operation that was in flight when the user logged out.
 */
import { describe, expect, test } from 'vitest';
import { utf8 } from '../../../src/crypto/bytes.js';
import { memoryStore } from '../../../src/store/memory.js';
import { clientOf, newServer, spyStore } from '../helpers.js';

const PASSWORD = 'correct horse battery staple';

async function expectClosed(call: () => unknown): Promise<void> {
  await expect((async () => call())()).rejects.toMatchObject({ name: 'ZeroVaultError', code: 'CLOSED' });
}

describe('after logout', () => {
  test('every Vault method is CLOSED before any store call (memory store)', async () => {
    const server = newServer();
    const store = spyStore(memoryStore());
    const session = await clientOf(server, { store }).register({ userId: 'alice', password: PASSWORD });
    const vault = await session.vault('notes');
    await vault.put('a', utf8('before'));
    await session.logout();
    store.calls.length = 0;

    await expectClosed(() => vault.put('b', utf8('after')));
    await expectClosed(() => vault.putJson('b', { after: true }));
    await expectClosed(() => vault.get('a'));
    await expectClosed(() => vault.getJson('a'));
    await expectClosed(() => vault.getMany(['a']));
    await expectClosed(() => vault.delete('a'));
    await expectClosed(() => vault.flush());
    await expectClosed(() => vault.rotate());
    await expectClosed(() => vault.share({ userId: 'bob', role: 'read' }));
    await expectClosed(() => vault.revoke({ userId: 'bob' }));
    await expectClosed(() => vault.members());
    await expectClosed(() => vault.role);
    await expectClosed(async () => {
      for await (const item of vault.list()) return item;
    });
    await expectClosed(async () => {
      for await (const item of vault.entries()) return item;
    });
    expect(store.calls).toEqual([]);
  });

  test('every Session method is CLOSED, and no request reaches the server', async () => {
    const server = newServer();
    let requests = 0;
    const session = await clientOf(server, {
      fetch: (request) => {
        requests++;
        return server.fetch(request);
      },
    }).register({ userId: 'carol', password: PASSWORD });
    await session.vault('notes');
    await session.logout();
    expect(session.isOpen).toBe(false);
    requests = 0;

    await expectClosed(() => session.vault('notes'));
    await expectClosed(() => session.vault('other'));
    await expectClosed(() => session.vaults());
    await expectClosed(() => session.publicKeys);
    await expectClosed(() => session.sharedVaults());
    await expectClosed(() => session.contact('dave'));
    await expectClosed(() => session.safetyNumber('dave'));
    await expectClosed(() => session.verify('dave', '0'.repeat(60)));
    await expectClosed(() => session.trust('dave'));
    await expectClosed(() => session.changePassword({ newPassword: 'new' }));
    await expectClosed(() => session.createRecoveryKey());
    await expectClosed(() => session.mfa());
    await expectClosed(() => session.enrollTotp());
    await expectClosed(() => session.disableTotp({ code: '123456' }));
    await expectClosed(() => session.regenerateRecoveryCodes({ code: '123456' }));
    await expectClosed(() => session.setStrictMfa({ enabled: true, code: '123456' }));
    await session.logout(); // a second logout is a no-op
    expect(requests).toBe(0);
  });

  test('a server that replays an old keyring response gets nothing: the put fails before any request', async () => {
    const server = newServer();
    const seen: string[] = [];
    const session = await clientOf(server, {
      fetch: (request) => {
        seen.push(`${request.method} ${new URL(request.url).pathname}`);
        return server.fetch(request);
      },
    }).register({ userId: 'erin', password: PASSWORD });
    const vault = await session.vault('notes');
    await session.logout();
    seen.length = 0;
    await expectClosed(() => vault.put('x', utf8('never sealed')));
    expect(seen).toEqual([]);
  });

  test('a put in flight at logout either lands sealed under the real key or fails; nothing is sealed under a wiped key', async () => {
    const server = newServer();
    const inner = memoryStore();
    const store = spyStore(inner);
    const client = clientOf(server, { store });
    const session = await client.register({ userId: 'frank', password: PASSWORD });
    const vault = await session.vault('notes');
    await vault.put('warm', utf8('warm'));
    // Hold the keyring re-read every write starts with, log out meanwhile, then let it go.
    const release = store.hold('get');
    const inFlight = vault.put('late', utf8('written while logging out')).then(
      () => 'landed',
      (err: { code?: string }) => err.code,
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    const loggingOut = session.logout();
    release();
    await loggingOut;
    const outcome = await inFlight;
    expect(['landed', 'CLOSED']).toContain(outcome);
    const stored = await inner.get('notes', 'late');
    if (outcome === 'CLOSED') expect(stored).toBeNull();
    if (stored !== null) {
      // Whatever reached the store opens with the account's real key.
      const again = await clientOf(server, { store: inner }).login({ userId: 'frank', password: PASSWORD });
      expect((await (await again.vault('notes')).get('late')).data).toEqual(utf8('written while logging out'));
      await again.logout();
    }
  });

  test('a session the server revoked (a password change elsewhere) closes itself: CLOSED, then no more requests', async () => {
    const server = newServer();
    let requests = 0;
    const counting = (request: Request): Promise<Response> => {
      requests++;
      return server.fetch(request);
    };
    const a = await clientOf(server, { fetch: counting }).register({ userId: 'gina', password: PASSWORD });
    const notes = await a.vault('notes');
    await notes.put('r', utf8('kept'));
    const b = await clientOf(server).login({ userId: 'gina', password: PASSWORD });
    await b.changePassword({ newPassword: 'a new password' }); // revokes every other session
    await expectClosed(() => notes.get('r'));
    expect(a.isOpen).toBe(false);
    requests = 0;
    await expectClosed(() => notes.put('r', utf8('again')));
    await expectClosed(() => a.vault('other'));
    await a.logout(); // nothing left to revoke
    expect(requests).toBe(0);
    await b.logout();
  });
});
