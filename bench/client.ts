/**
 * `npm run bench:client`: the client SDK's overhead over the bare envelope.
 *
 * 1. `vault.put` / `vault.get` of 1 KiB through `memoryStore` against bare
 *    `sealRecord` / `openRecord`, with a raw KEK (as the keyring holds them)
 *    and with a KEK imported once (`importKek`). The vault adds a store read
 *    before each write (the content version), framing and the rollback
 *    manifest; the target is ≥ 0.75× the fastest bare route.
 * 2. 10,000 records: put them, list them, list and get each, and
 *    `vault.entries()` (list and open a page at a time, concurrently).
 * 3. `fake-indexeddb`: 1,000 sealed 1 KiB records written one by one and with
 *    `putMany` batches (`indexedDbStore` with an explicit `IDBFactory`),
 *    read back with `getMany`.
 *
 * Timings are medians (tinybench), best of BENCH_ROUNDS (default 5) rounds
 * of BENCH_TIME_MS (default 300 ms) per case, the routes of a group taking
 * turns; the bulk cases run once each and are bounded by their counts.
 */
import { IDBCursor, IDBDatabase, IDBFactory, IDBIndex, IDBKeyRange, IDBObjectStore, IDBRequest, IDBTransaction } from 'fake-indexeddb';
import { availableParallelism, loadavg } from 'node:os';
import { Bench } from 'tinybench';
import { Client } from '../src/client/index.js';
import { randomBytes } from '../src/crypto/random.js';
import { importKek, openRecord, sealRecord } from '../src/envelope/index.js';
import { createServer, createServerSetup, memoryServerStore } from '../src/server/index.js';
import { indexedDbStore } from '../src/store/idb.js';
import { memoryStore } from '../src/store/memory.js';
import type { PutManyEntry } from '../src/store/types.js';

// `idb` recognises IndexedDB objects with `instanceof` against the global classes (as in a
// browser); the factory itself is passed explicitly to each store.
Object.assign(globalThis, { IDBCursor, IDBDatabase, IDBIndex, IDBObjectStore, IDBRequest, IDBTransaction });

const KSF_FLOOR = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;
const TARGET = 0.75;
const BULK = 10_000;
const IDB_RECORDS = 1_000;

function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

const TIME_MS = envInt('BENCH_TIME_MS', 300, 20, 10_000);
const ROUNDS = envInt('BENCH_ROUNDS', 5, 1, 50);

function fixed(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('');
}

/** Best median latency (ms) of each function over the rounds; the order rotates every round. */
async function group(fns: readonly (() => Promise<unknown>)[]): Promise<number[]> {
  const best = fns.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: TIME_MS, warmupTime: Math.round(TIME_MS / 4), iterations: 5, warmupIterations: 2, throws: true });
    for (let k = 0; k < fns.length; k++) {
      const i = (k + round) % fns.length;
      bench.add(String(i), fns[i] as () => Promise<unknown>);
    }
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (!('latency' in result)) throw new Error(`bench case ${task.name} did not complete`);
      const i = Number(task.name);
      best[i] = Math.min(best[i] as number, result.latency.p50);
    }
  }
  return best;
}

async function timeOnce<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function main(): Promise<void> {
  console.log(
    `zerovault client bench: node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} CPUs, ` +
      `load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}; medians, best of ${ROUNDS} rounds (BENCH_ROUNDS) of ${TIME_MS} ms (BENCH_TIME_MS)\n`,
  );
  const server = createServer({ setup: createServerSetup(), store: memoryServerStore(), basePath: '/zv' });
  const client = new Client({ url: 'http://localhost/zv', fetch: (request) => server.fetch(request), store: memoryStore(), ksf: KSF_FLOOR });
  const session = await client.register({ userId: 'bench', password: 'bench password' });
  const vault = await session.vault('bench');

  // 1. Vault vs bare envelope, 1 KiB. The keyring holds raw KEKs (imported per call, as here);
  //    a caller of the bare API can also import the KEK once (`importKek`): the fastest bare route.
  const plaintext = randomBytes(1024);
  const kek = { id: 'bench', version: 1, key: randomBytes(32) };
  const imported = await importKek(kek);
  const location = { vaultId: 'bench', recordId: 'r', version: 1 };
  const sealed = await sealRecord({ kek, ...location, plaintext });
  await vault.put('r', plaintext);
  const puts = await group([() => vault.put('r', plaintext), () => sealRecord({ kek, ...location, plaintext }), () => sealRecord({ kek: imported, ...location, plaintext })]);
  const gets = await group([() => vault.get('r'), () => openRecord({ kek, ...location, sealed }), () => openRecord({ kek: imported, ...location, sealed })]);
  const rows1: string[][] = [];
  for (const [op, ms, names] of [
    ['put', puts, ['vault.put (memoryStore)', 'sealRecord, raw KEK', 'sealRecord, imported KEK']],
    ['get', gets, ['vault.get (memoryStore)', 'openRecord, raw KEK', 'openRecord, imported KEK']],
  ] as const) {
    const fastestBare = Math.min(ms[1] as number, ms[2] as number);
    ms.forEach((latency, i) => {
      const ratio = fastestBare / latency;
      const verdict = i === 0 ? `${fixed(ratio, 2)}× ${ratio >= TARGET ? 'ok' : `MISS (< ${TARGET})`}` : '';
      rows1.push([`${op}: ${names[i] as string}`, fixed(1000 / latency, 0), fixed(latency * 1000, 1), verdict]);
    });
  }
  printTable(['1 KiB record', 'ops/s', 'median µs', `vault / fastest bare (target ≥ ${TARGET}×)`], rows1);

  // 2. 10,000 records through a vault on memoryStore.
  const bulk = await session.vault('bulk');
  const small = randomBytes(256);
  const ids = Array.from({ length: BULK }, (_, i) => `rec-${String(i).padStart(5, '0')}`);
  const put = await timeOnce(async () => {
    for (const id of ids) await bulk.put(id, small);
  });
  const list = await timeOnce(async () => {
    let n = 0;
    for await (const item of bulk.list({ pageSize: 1000 })) if (item.version > 0) n++;
    return n;
  });
  const listGet = await timeOnce(async () => {
    let n = 0;
    for await (const { id } of bulk.list({ pageSize: 1000 })) n += (await bulk.get(id)).data.length > 0 ? 1 : 0;
    return n;
  });
  const entries = await timeOnce(async () => {
    let n = 0;
    for await (const entry of bulk.entries({ pageSize: 500 })) n += entry.data.length > 0 ? 1 : 0;
    return n;
  });
  for (const [name, n] of [['list', list.value], ['list + get', listGet.value], ['entries', entries.value]] as const) {
    if (n !== BULK) throw new Error(`${name} saw ${n} records, not ${BULK}`);
  }
  const bulkRow = (name: string, ms: number): string[] => [name, fixed(ms, 0), fixed((ms * 1000) / BULK, 1), fixed(BULK / (ms / 1000), 0)];
  printTable(
    [`${BULK.toLocaleString('en-US')} records of 256 B (memoryStore)`, 'total ms', 'µs / record', 'records/s'],
    [
      bulkRow('put, one after another', put.ms),
      bulkRow('list (ids and versions only, pages of 1000)', list.ms),
      bulkRow('list + get each, one after another', listGet.ms),
      bulkRow('vault.entries() (list + open a page concurrently)', entries.ms),
    ],
  );

  // 3. fake-indexeddb batch writes of sealed 1 KiB records.
  const records: PutManyEntry[] = await Promise.all(
    Array.from({ length: IDB_RECORDS }, async (_, i) => ({
      id: `r${String(i).padStart(4, '0')}`,
      data: await sealRecord({ kek, vaultId: 'idb', recordId: `r${i}`, version: 1, plaintext }),
    })),
  );
  const idbRow = async (name: string, write: (store: ReturnType<typeof indexedDbStore>) => Promise<void>): Promise<string[]> => {
    const store = indexedDbStore({ name: 'bench', indexedDB: new IDBFactory(), IDBKeyRange });
    try {
      await store.get('warm', 'up'); // opens the database outside the timing
      const { ms } = await timeOnce(() => write(store));
      const listed = await store.list('idb', { limit: 1000 });
      if (listed.items.length !== Math.min(1000, IDB_RECORDS)) throw new Error(`${name}: wrote ${listed.items.length} records`);
      return [name, fixed(ms, 0), fixed(IDB_RECORDS / (ms / 1000), 0)];
    } finally {
      store.close();
    }
  };
  const batches = (size: number) => async (store: ReturnType<typeof indexedDbStore>) => {
    for (let i = 0; i < records.length; i += size) await store.putMany('idb', records.slice(i, i + size));
  };
  const rows = [
    await idbRow('put, one transaction each', async (store) => {
      for (const r of records) await store.put('idb', r.id, r.data);
    }),
    await idbRow('putMany, batches of 10', batches(10)),
    await idbRow('putMany, batches of 100', batches(100)),
    await idbRow(`putMany, one batch of ${IDB_RECORDS}`, batches(IDB_RECORDS)),
  ];
  const readStore = indexedDbStore({ name: 'bench-read', indexedDB: new IDBFactory(), IDBKeyRange });
  await readStore.putMany('idb', records);
  const ids100 = records.map((r) => r.id);
  const read = await timeOnce(async () => {
    for (let i = 0; i < ids100.length; i += 100) await readStore.getMany('idb', ids100.slice(i, i + 100));
  });
  readStore.close();
  rows.push(['getMany, batches of 100 (read back)', fixed(read.ms, 0), fixed(IDB_RECORDS / (read.ms / 1000), 0)]);
  printTable([`fake-indexeddb: ${IDB_RECORDS.toLocaleString('en-US')} sealed 1 KiB records`, 'total ms', 'records/s'], rows);

  await session.logout();
}

await main();
