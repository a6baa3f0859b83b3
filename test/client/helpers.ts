/**
 * Client test helpers: an in-process server, clients of it at the KSF floor,
 * and a store that records (and can hold back) every call.
 */
import { Client } from '../../src/client/index.js';
import { createServer, createServerSetup, memoryServerStore, type ZeroVaultServer } from '../../src/server/index.js';
import type { BlobStore } from '../../src/store/types.js';
import { TEST_KSF } from '../server/harness.js';

const SETUP = createServerSetup();

/** A fresh in-process server under `/zv`. */
export function newServer(): ZeroVaultServer {
  return createServer({ setup: SETUP, store: memoryServerStore(), basePath: '/zv' });
}

/** A client of `server` (in process), optionally with its own store and fetch wrapper. */
export function clientOf(server: ZeroVaultServer, options: { store?: BlobStore; fetch?: (request: Request) => Promise<Response>; timeoutMs?: number } = {}): Client {
  return new Client({
    url: 'http://localhost/zv',
    fetch: options.fetch ?? ((request) => server.fetch(request)),
    ksf: TEST_KSF,
    ...(options.store === undefined ? {} : { store: options.store }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
}

/** A store wrapper that counts calls per method and can hold them until released. */
export function spyStore(inner: BlobStore): BlobStore & { calls: string[]; hold(method: string): () => void } {
  const calls: string[] = [];
  const holds = new Map<string, Promise<void>>();
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      calls.push(name);
      await holds.get(name);
      return fn(...args);
    };
  return {
    calls,
    hold(method: string) {
      let release!: () => void;
      holds.set(method, new Promise<void>((resolve) => (release = resolve)));
      return () => {
        holds.delete(method);
        release();
      };
    },
    get: wrap('get', (v: string, id: string) => inner.get(v, id)),
    put: wrap('put', (v: string, id: string, d: Uint8Array, o?: Parameters<BlobStore['put']>[3]) => inner.put(v, id, d, o)),
    delete: wrap('delete', (v: string, id: string, o?: Parameters<BlobStore['delete']>[2]) => inner.delete(v, id, o)),
    list: wrap('list', (v: string, o?: Parameters<BlobStore['list']>[1]) => inner.list(v, o)),
  };
}
