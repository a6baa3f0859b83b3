/**
 * Crash safety of `session.changePassword` (see `changePasswordWith` in
 * src/client/session.ts: local OPAQUE registration → both wraps of the root
 * key in the password slot → the server swaps the OPAQUE record (the commit
 * point) → the old wrap is dropped).
 *
 * The store crashes at write N, for every N in turn, and stays down until
 * the operation has failed; then it comes back. Whatever N, exactly one of
 * the old and the new password logs in (the server holds one record), every
 * record still opens with it, and the change can then be completed.
 *
 * Two placements of the crashing store:
 * - server side: the SQLite server store under the HTTP server, counting
 *   every write attributable to the user (request nonces, blob writes, the
 *   record swap, the revocation of other sessions); the client uses the
 *   server's blob routes;
 * - client side: a `BlobStore` given to `Client({ store })`, plus the
 *   password-change request itself failing before it is sent or after the
 *   server committed it (response lost).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, type Session } from '../../src/client/index.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { ZeroVaultError, isZeroVaultError } from '../../src/errors.js';
import type { ServerStore } from '../../src/server/index.js';
import { memoryStore } from '../../src/store/memory.js';
import type { BlobStore } from '../../src/store/types.js';
import { TEST_KSF, sdk, startServer, type Running } from './helpers.js';

const OLD = 'the old password';
const NEW = 'the new password';
const RECORDS: [vault: string, id: string, text: string][] = [
  ['notes', 'n1', 'first note'],
  ['notes', 'n2', 'second note'],
  ['diary', 'd1', 'dear diary'],
];

/** A crash plan for one user: writes counted while armed; write `at` and every later one fail. */
interface Plan {
  at: number;
  armed: boolean;
  count: number;
  crashed: boolean;
}

const plans = new Map<string, Plan>();
const owners = new Map<string, string>(); // session id → user id

function hit(userId: string | undefined): void {
  const plan = userId === undefined ? undefined : plans.get(userId);
  if (plan === undefined || !plan.armed) return;
  plan.count += 1;
  if (plan.count >= plan.at) {
    plan.crashed = true;
    throw new Error('simulated crash');
  }
}

/** The server store, crashing per plan. */
function crashable(store: ServerStore): ServerStore {
  return {
    ...store,
    createSession: async (session) => {
      owners.set(session.id, session.userId);
      return store.createSession(session);
    },
    rememberNonce: async (sessionId, nonce, expiresAt) => {
      hit(owners.get(sessionId));
      return store.rememberNonce(sessionId, nonce, expiresAt);
    },
    // The server records nonces through useNonce when the store has it: the same write.
    ...(store.useNonce === undefined
      ? {}
      : {
          useNonce: async (sessionId: string, nonce: string, expiresAt: number, now: number) => {
            hit(owners.get(sessionId));
            return (store.useNonce as NonNullable<ServerStore['useNonce']>)(sessionId, nonce, expiresAt, now);
          },
        }),
    updateUserRecord: async (userId, record, now) => {
      hit(userId.split('\u0000')[0]);
      return store.updateUserRecord(userId, record, now);
    },
    deleteUserSessions: async (userId, exceptId) => {
      hit(userId);
      return store.deleteUserSessions(userId, exceptId);
    },
    blobs(userId): BlobStore {
      const blobs = store.blobs(userId);
      return {
        get: (vault, id) => blobs.get(vault, id),
        list: (vault, options) => blobs.list(vault, options),
        put: async (vault, id, data, options) => {
          hit(userId);
          return blobs.put(vault, id, data, options);
        },
        delete: async (vault, id, options) => {
          hit(userId);
          return blobs.delete(vault, id, options);
        },
      };
    },
  };
}

let running: Running;

beforeAll(async () => {
  running = await startServer({ wrap: crashable });
});
afterAll(async () => {
  await running.close();
});

async function seed(session: Session): Promise<void> {
  for (const [vault, id, text] of RECORDS) await (await session.vault(vault)).put(id, utf8(text));
}

async function tryLogin(client: Client, userId: string, password: string): Promise<Session | null> {
  try {
    return await client.login({ userId, password });
  } catch (err) {
    if (isZeroVaultError(err, 'AUTH_FAILED')) return null;
    throw err;
  }
}

/** After a crash: exactly one password works, everything opens, and the change can be completed. */
async function checkAfterCrash(client: Client, userId: string, label: string): Promise<'old' | 'new'> {
  const withOld = await tryLogin(client, userId, OLD);
  const withNew = await tryLogin(client, userId, NEW);
  expect(withOld === null && withNew === null, `${label}: no password works`).toBe(false);
  expect(withOld !== null && withNew !== null, `${label}: both passwords work`).toBe(false);
  const live = (withOld ?? withNew) as Session;
  for (const [vault, id, text] of RECORDS) expect((await (await live.vault(vault)).get(id)).data, `${label}: ${vault}/${id}`).toEqual(utf8(text));
  if (withOld === null) {
    await live.logout();
    return 'new';
  }
  // Completing the change from the surviving password works.
  await withOld.changePassword({ newPassword: NEW });
  await withOld.logout();
  const done = await client.login({ userId, password: NEW });
  for (const [vault, id, text] of RECORDS) expect((await (await done.vault(vault)).get(id)).data).toEqual(utf8(text));
  await done.logout();
  return 'old';
}

describe('changePassword: the server store crashes at each write in turn', () => {
  test('server side: every crash point leaves exactly one working password and every record readable', async () => {
    // A dry run counts the writes.
    const dry: Plan = { at: Number.POSITIVE_INFINITY, armed: false, count: 0, crashed: false };
    plans.set('crash-dry', dry);
    const session = await sdk(running).register({ userId: 'crash-dry', password: OLD });
    await seed(session);
    dry.armed = true;
    await session.changePassword({ newPassword: NEW });
    dry.armed = false;
    const total = dry.count;
    expect(total).toBeGreaterThanOrEqual(6);

    // Each crash point on its own user, all at once (the plans are per user).
    const outcomes = await Promise.all(
      Array.from({ length: total }, async (_, i) => {
        const at = i + 1;
        const userId = `crash-${at}`;
        const plan: Plan = { at, armed: false, count: 0, crashed: false };
        plans.set(userId, plan);
        const client = sdk(running);
        const s = await client.register({ userId, password: OLD });
        await seed(s);
        plan.armed = true;
        const result = await s.changePassword({ newPassword: NEW }).then(
          () => 'resolved',
          (err: unknown) => (err instanceof ZeroVaultError ? err.code : 'non-ZeroVaultError'),
        );
        plan.armed = false;
        expect(plan.crashed, `crash point ${at} was reached`).toBe(true);
        await s.logout().catch(() => undefined);
        const works = await checkAfterCrash(client, userId, `crash at write ${at}/${total}`);
        return { at, result, works };
      }),
    );
    // Before the swap the old password works, after it the new one: one switch, in order.
    const works = outcomes.map((o) => o.works);
    const firstNew = works.indexOf('new');
    expect(firstNew).toBeGreaterThan(0);
    expect(works.slice(0, firstNew).every((w) => w === 'old')).toBe(true);
    expect(works.slice(firstNew).every((w) => w === 'new')).toBe(true);
    // A crash is reported (NETWORK) unless it hit only the best-effort clean-up after the swap.
    for (const o of outcomes) if (o.works === 'old') expect(o.result, `crash at ${o.at}`).toBe('NETWORK');
  });
});

describe('changePassword: a client-side BlobStore crashes at each write in turn', () => {
  type Step = 'store-write' | 'swap-request' | 'swap-response';

  /** A client whose store and password-swap request fail from event `at` on (events counted while armed). */
  function crashingClient(at: number): { client: Client; plan: { armed: boolean; events: Step[]; crashed: boolean } } {
    const plan = { armed: false, events: [] as Step[], crashed: false };
    const step = (kind: Step): void => {
      if (!plan.armed) return;
      plan.events.push(kind);
      if (plan.events.length >= at) {
        plan.crashed = true;
        throw new ZeroVaultError('STORAGE', 'simulated crash');
      }
    };
    const base = memoryStore();
    const store: BlobStore = {
      get: (vault, id) => base.get(vault, id),
      list: (vault, options) => base.list(vault, options),
      put: async (vault, id, data, options) => {
        step('store-write');
        return base.put(vault, id, data, options);
      },
      delete: async (vault, id, options) => {
        step('store-write');
        return base.delete(vault, id, options);
      },
    };
    const fetchFn = async (request: Request): Promise<Response> => {
      const swap = request.method === 'POST' && new URL(request.url).pathname.endsWith('/register/finish') && request.headers.has('authorization');
      if (swap) step('swap-request');
      const response = await fetch(request);
      if (swap && response.ok) step('swap-response'); // the server committed; the answer is lost
      return response;
    };
    return { client: new Client({ url: running.base, fetch: fetchFn, store, ksf: TEST_KSF }), plan };
  }

  test('client side: every crash point leaves exactly one working password and every record readable', async () => {
    const dry = crashingClient(Number.POSITIVE_INFINITY);
    const drySession = await dry.client.register({ userId: 'local-dry', password: OLD });
    await seed(drySession);
    dry.plan.armed = true;
    await drySession.changePassword({ newPassword: NEW });
    dry.plan.armed = false;
    expect(dry.plan.events).toEqual(['store-write', 'swap-request', 'swap-response', 'store-write']);

    const outcomes = await Promise.all(
      dry.plan.events.map(async (kind, i) => {
        const { client, plan } = crashingClient(i + 1);
        const userId = `local-${i + 1}`;
        const s = await client.register({ userId, password: OLD });
        await seed(s);
        plan.armed = true;
        const result = await s.changePassword({ newPassword: NEW }).then(
          () => 'resolved',
          (err: unknown) => (isZeroVaultError(err) ? err.code : 'non-ZeroVaultError'),
        );
        plan.armed = false;
        expect(plan.crashed).toBe(true);
        await s.logout().catch(() => undefined);
        return { kind, result, works: await checkAfterCrash(client, userId, `crash at ${kind} (#${i + 1})`) };
      }),
    );
    expect(outcomes.map((o) => o.works)).toEqual(['old', 'old', 'new', 'new']);
    // The clean-up write is best effort: a crash there is not reported, and the new password works.
    expect(outcomes.map((o) => o.result)).toEqual(['STORAGE', 'NETWORK', 'NETWORK', 'resolved']);
  });
});
