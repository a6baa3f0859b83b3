/**
 * In-page end-to-end checks: OPAQUE against the real server, vault CRUD
 * through the server's blob routes (`restStore`), and through
 * `indexedDbStore` on the browser's real IndexedDB, including failures that
 * must leave earlier data intact and a page reload in between.
 */
import { fromUtf8, utf8 } from '../../../src/crypto/bytes.js';
import { indexedDbStore, type IndexedDbStore } from '../../../src/idb.js';
import { Client, isZeroVaultError, type Session, type Vault } from '../../../src/index.js';
import { CheckFailed, check, codeOf, describeError, runGroup, same, since } from './check.js';
import { SCENARIO_CHECKS, type CheckResult, type GroupInputs, type WorkerReply, type WorkerRequest } from './protocol.js';

/** The Argon2id floor: fast enough for many logins; one check uses the default profile. */
const FLOOR = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;

const server = (): string => `${location.origin}/zv`;

async function expectRecord(vault: Vault, id: string, text: string, version: number): Promise<void> {
  const { data, version: got } = await vault.get(id);
  same(fromUtf8(data), text, `plaintext of ${id}`);
  same(got, version, `version of ${id}`);
}

async function listOf(vault: Vault): Promise<string> {
  const items: string[] = [];
  for await (const { id, version } of vault.list()) items.push(`${id}@${version}`);
  return items.join(',');
}

/** Runs `work` and measures the longest gap between timer ticks meanwhile: how long this thread froze. */
export async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stallMs: number }> {
  let last = performance.now();
  let max = 0;
  const tick = (): void => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
  };
  const timer = setInterval(tick, 10);
  try {
    const result = await work();
    tick();
    return { result, stallMs: Math.round(max) };
  } finally {
    clearInterval(timer);
  }
}

export function opaqueDefaultChecks({ userId, password }: GroupInputs['opaque-default']): Promise<CheckResult[]> {
  const [name] = SCENARIO_CHECKS['opaque-default'];
  return runGroup(async (steps) => {
    await steps.step(name, async () => {
      const client = new Client({ url: server() });
      let start = performance.now();
      const first = await client.register({ userId, password });
      const registered = since(start);
      await first.logout();
      start = performance.now();
      const { result: session, stallMs } = await longestStall(() => client.login({ userId, password }));
      const loggedIn = since(start);
      same(await codeOf(() => client.login({ userId, password: `${password}!` })), 'AUTH_FAILED', 'wrong password');
      await session.logout();
      return `register+login ${registered}, login ${loggedIn} (main thread stalled up to ${stallMs} ms)`;
    });
  });
}

export function workerChecks({ userId, password }: GroupInputs['worker']): Promise<CheckResult[]> {
  const [name] = SCENARIO_CHECKS.worker;
  return runGroup(async (steps) => {
    await steps.step(name, async () => {
      const worker = new Worker('/worker.js', { type: 'module' });
      try {
        const { result: reply, stallMs } = await longestStall(
          () =>
            new Promise<WorkerReply>((resolve, reject) => {
              worker.onmessage = (event: MessageEvent<WorkerReply>) => resolve(event.data);
              worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
              worker.postMessage({ server: server(), userId, password } satisfies WorkerRequest);
            }),
        );
        if (!reply.ok) throw new CheckFailed(reply.error);
        same(reply.backend, 'web', 'backend in the worker');
        same(reply.text, 'written in a worker', 'record read back');
        return `login ${reply.loginMs} ms inside the worker; meanwhile the main thread stalled at most ${stallMs} ms`;
      } finally {
        worker.terminate();
      }
    });
  });
}

export function restChecks({ userId, password, secrets }: GroupInputs['rest']): Promise<CheckResult[]> {
  const names = SCENARIO_CHECKS.rest;
  const [s0, s1, s2] = secrets as [string, string, string];
  return runGroup(async (steps) => {
    const client = new Client({ url: server(), ksf: FLOOR });
    let session: Session | undefined;
    await steps.step(names[0], async () => {
      const start = performance.now();
      session = await client.register({ userId, password });
      return `register+login ${since(start)}`;
    });
    await steps.step(names[1], async () => same(await codeOf(() => client.login({ userId, password: `${password}x` })), 'AUTH_FAILED', 'login'));
    await steps.step(names[2], async () => same(await codeOf(() => client.login({ userId: `nobody-${userId}`, password })), 'AUTH_FAILED', 'login'));
    await steps.step(names[3], async () => same(await codeOf(() => client.register({ userId, password })), 'CONFLICT', 'register'));
    const vault = await (session as Session).vault('notes');
    await steps.step(names[4], async () => {
      const versions = await Promise.all([s0, s1, s2].map((text, i) => vault.put(`r${i}`, utf8(text))));
      same(versions.map((v) => v.version).join(','), '1,1,1', 'versions');
    });
    await steps.step(names[5], async () => {
      await expectRecord(vault, 'r0', s0, 1);
      await expectRecord(vault, 'r1', s1, 1);
      await expectRecord(vault, 'r2', s2, 1);
    });
    await steps.step(names[6], async () => {
      same((await vault.put('r0', utf8(`${s0} (edited)`), { ifVersion: 1 })).version, 2, 'new version');
      same(await codeOf(() => vault.put('r0', utf8('stale write'), { ifVersion: 1 })), 'CONFLICT', 'stale write');
      await expectRecord(vault, 'r0', `${s0} (edited)`, 2);
    });
    await steps.step(names[7], async () => same(await listOf(vault), 'r0@2,r1@1,r2@1', 'list'));
    await steps.step(names[8], async () => {
      await vault.delete('r2');
      same(await codeOf(() => vault.get('r2')), 'NOT_FOUND', 'get after delete');
      same(await listOf(vault), 'r0@2,r1@1', 'list');
    });
    await steps.step(names[9], async () => {
      await (session as Session).logout();
      // The vault still holds the store; its requests now carry a revoked session.
      same(await codeOf(() => vault.get('r0')), 'CLOSED', 'request after logout');
    });
    await steps.step(names[10], async () => {
      const again = await client.login({ userId, password });
      const notes = await again.vault('notes');
      await expectRecord(notes, 'r0', `${s0} (edited)`, 2);
      await expectRecord(notes, 'r1', s1, 1);
      same(await listOf(notes), 'r0@2,r1@1', 'list');
      await again.logout();
    });
  });
}

/** State kept between the IndexedDB groups of one page load. */
let idb: { store: IndexedDbStore; session: Session; vault: Vault } | undefined;

type PutFn = (this: IDBObjectStore, value: unknown, key?: IDBValidKey) => IDBRequest<IDBValidKey>;

/** Makes object-store puts fail after `after` calls, as a full disk or a dying tab does; returns the undo. */
function failPuts(mode: 'abort' | 'throw', after = 0): () => void {
  const proto = IDBObjectStore.prototype as { put: PutFn };
  const original = proto.put;
  let calls = 0;
  proto.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    if (calls++ < after) return original.call(this, value, key);
    if (mode === 'throw') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    const request = original.call(this, value, key);
    this.transaction.abort();
    return request;
  };
  return () => {
    proto.put = original;
  };
}

/** Every value in the `data` object store, read with the raw IndexedDB API. */
async function rawValues(dbName: string): Promise<Uint8Array[]> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(dbName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('open failed'));
  });
  try {
    return await new Promise<Uint8Array[]>((resolve, reject) => {
      const request = db.transaction('data', 'readonly').objectStore('data').getAll();
      request.onsuccess = () => resolve(request.result as Uint8Array[]);
      request.onerror = () => reject(request.error ?? new Error('getAll failed'));
    });
  } finally {
    db.close();
  }
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

async function expectIntact(vault: Vault, s0: string, s1: string): Promise<void> {
  await expectRecord(vault, 'a', s0, 1);
  await expectRecord(vault, 'b', `${s1} v2`, 2);
  same(await codeOf(() => vault.get('lost')), 'NOT_FOUND', 'the failed write');
  same(await listOf(vault), 'a@1,b@2', 'list');
}

export function idbWriteChecks({ userId, password, dbName, secrets }: GroupInputs['idb-write']): Promise<CheckResult[]> {
  const names = SCENARIO_CHECKS['idb-write'];
  const [s0, s1, s2] = secrets as [string, string, string];
  return runGroup(async (steps) => {
    const store = indexedDbStore({ name: dbName });
    const client = new Client({ url: server(), ksf: FLOOR, store });
    let session: Session | undefined;
    await steps.step(names[0], async () => {
      session = await client.register({ userId, password });
      const meta = (await store.list('_zv')).items.map((item) => item.id);
      check(meta.includes('keyring') && meta.includes('password-slot'), `IndexedDB meta records: ${meta.join(',')}`);
    });
    const vault = await (session as Session).vault('notes');
    idb = { store, session: session as Session, vault };
    await steps.step(names[1], async () => {
      await vault.put('a', utf8(s0));
      await vault.put('b', utf8(s1));
      await vault.put('c', utf8(s2));
      same((await vault.put('b', utf8(`${s1} v2`), { ifVersion: 1 })).version, 2, 'update');
      await vault.delete('c');
      same(await codeOf(() => vault.get('c')), 'NOT_FOUND', 'deleted record');
      await expectRecord(vault, 'a', s0, 1);
      same(await listOf(vault), 'a@1,b@2', 'list');
    });
    await steps.step(names[2], async () => {
      const values = await rawValues(dbName);
      check(values.length >= 4, `only ${values.length} values in IndexedDB`);
      for (const secret of [s0, s1, s2]) check(!values.some((v) => contains(v, utf8(secret))), 'a plaintext is in IndexedDB');
      return `${values.length} values, ${values.reduce((n, v) => n + v.length, 0)} B`;
    });
    for (const [name, mode] of [
      [names[3], 'abort'],
      [names[4], 'throw'],
    ] as const) {
      await steps.step(name, async () => {
        const undo = failPuts(mode);
        try {
          same(await codeOf(() => vault.put('a', utf8('lost'), { ifVersion: 1 })), 'STORAGE', 'update');
          same(await codeOf(() => vault.put('lost', utf8('lost'))), 'STORAGE', 'new record');
        } finally {
          undo();
        }
        await expectIntact(vault, s0, s1);
      });
    }
    await steps.step(names[5], async () => {
      await store.put('scratch', 'x', utf8('x1'));
      const undo = failPuts('abort', 2);
      try {
        const batch = store.putMany('scratch', [
          { id: 'x', data: utf8('x2'), ifVersion: 1 },
          { id: 'y', data: utf8('y1') },
        ]);
        same(await codeOf(() => batch), 'STORAGE', 'batch');
      } finally {
        undo();
      }
      const [x, y] = await store.getMany('scratch', ['x', 'y']);
      check(x !== null && x !== undefined && fromUtf8(x.data) === 'x1' && x.version === 1, 'x changed');
      same(y, null, 'y');
    });
  });
}

/** Incompressible bytes (getRandomValues fills at most 64 KiB per call). */
function noise(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65536)));
  return out;
}

export function idbQuotaChecks({ secrets }: GroupInputs['idb-quota']): Promise<CheckResult[]> {
  const [name] = SCENARIO_CHECKS['idb-quota'];
  const [s0, s1] = secrets as [string, string, string];
  return runGroup(async (steps) => {
    await steps.step(name, async () => {
      check(idb !== undefined, 'the idb-write group did not run');
      const { vault } = idb;
      let caught: unknown;
      try {
        await vault.put('lost', noise(8 * 1024 * 1024));
      } catch (err) {
        caught = err;
      }
      check(caught !== undefined, 'an 8 MiB write succeeded above the quota');
      check(isZeroVaultError(caught, 'STORAGE'), `oversized write: ${describeError(caught)}`);
      const inner = caught.cause;
      const cause = inner instanceof DOMException ? inner.name : describeError(inner);
      same(cause, 'QuotaExceededError', 'the cause IndexedDB reported');
      await expectIntact(vault, s0, s1);
      return `IndexedDB refused the write: ${cause}`;
    });
  });
}

export function idbReopenChecks({ userId, password, dbName, secrets }: GroupInputs['idb-reopen']): Promise<CheckResult[]> {
  const names = SCENARIO_CHECKS['idb-reopen'];
  const [s0, s1] = secrets as [string, string, string];
  return runGroup(async (steps) => {
    check(idb === undefined, 'the page was not reloaded');
    const store = indexedDbStore({ name: dbName });
    const client = new Client({ url: server(), ksf: FLOOR, store });
    let vault: Vault | undefined;
    let session: Session | undefined;
    await steps.step(names[0], async () => {
      session = await client.login({ userId, password });
      vault = await session.vault('notes');
      await expectIntact(vault, s0, s1);
      const notes = vault;
      same(await codeOf(() => notes.get('c')), 'NOT_FOUND', 'deleted record');
    });
    await steps.step(names[1], async () => {
      const notes = vault as Vault;
      same((await notes.put('a', utf8(`${s0} v2`), { ifVersion: 1 })).version, 2, 'update after reload');
      same((await notes.put('c', utf8('back'), { ifVersion: null })).version, 2, 'a deleted id continues after its tombstone');
      same(await listOf(notes), 'a@2,b@2,c@2', 'list');
      await (session as Session).logout();
      store.close();
    });
  });
}
