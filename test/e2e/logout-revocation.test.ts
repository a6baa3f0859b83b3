/**
 * Logout revokes the server session even when the store fails while the
 * client saves its manifests, over loopback HTTP + SQLite. Found by the
 * end-to-end suite; the comment describes the bug as it was found (fixed
 * since), and the test pins the intended behaviour.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.js';
import type { ServerStore } from '../../src/server/index.js';
import type { BlobStore } from '../../src/store/types.js';
import { sdk, startServer, type Running } from './helpers.js';

let running: Running;
let failManifestWrites = false;

/** Writes of vault manifests (private `_zv/own.*` records) fail, as a database outage would, while `failManifestWrites` is set. */
function failingManifests(store: ServerStore): ServerStore {
  return {
    ...store,
    blobs(userId): BlobStore {
      const blobs = store.blobs(userId);
      return {
        get: (vault, id) => blobs.get(vault, id),
        list: (vault, options) => blobs.list(vault, options),
        delete: (vault, id, options) => blobs.delete(vault, id, options),
        put: async (vault, id, data, options) => {
          if (failManifestWrites && vault === '_zv' && id.startsWith('own.')) throw new Error('disk full');
          return blobs.put(vault, id, data, options);
        },
      };
    },
  };
}

beforeAll(async () => {
  running = await startServer({ wrap: failingManifests });
});
afterAll(async () => {
  await running.close();
});

describe('client: logout must revoke even when saving the manifest fails', () => {
  // Session.logout() flushed every vault's manifest first and only then POSTed
  // /logout, inside a try whose finally wiped the keys. If a flush threw (the
  // store is down: NETWORK; or, with several sessions logging out at once,
  // CONFLICT after 8 retries — 20 sessions of one user logging out together
  // over HTTP + SQLite: 6 of the 20 logouts failed that way), the revocation
  // request was never sent: the client threw and forgot its keys, but the
  // server session stayed valid until it expired (an hour by default).
  // Whoever copied the session's MAC key kept access after the user "logged
  // out".
  test('a failed manifest flush still revokes the server session', async () => {
    const s = await sdk(running).register({ userId: 'fd', password: 'pw-fd' });
    await (await s.vault('v')).put('r', utf8('x')); // the manifest is now dirty
    failManifestWrites = true;
    try {
      await s.logout().catch(() => undefined);
    } finally {
      failManifestWrites = false;
    }
    const db = new Database(running.dbPath, { readonly: true });
    try {
      const { n } = db.prepare('SELECT count(*) AS n FROM zv_sessions WHERE user_id = ?').get('fd') as { n: number };
      expect(n).toBe(0);
    } finally {
      db.close();
    }
  });
});
