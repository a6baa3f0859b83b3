/**
 * Sharing test helpers: a real server on loopback (`http.createServer(zv.node())`,
 * port 0), clients that reach it over HTTP, and a way to dig a user's
 * keyring out of the server's database with their password (what a revoked
 * user legitimately holds).
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, type Session } from '../../../src/client/index.js';
import { loginCredential } from '../../../src/client/account/auth.js';
import { loadKeyring } from '../../../src/client/account/keyring-store.js';
import { transportOptions } from '../../../src/client/api.js';
import { unwrapRoot } from '../../../src/client/account/slots.js';
import { decodeSlot } from '../../../src/formats/slots.js';
import { wipe } from '../../../src/crypto/bytes.js';
import type { Keyring } from '../../../src/envelope/index.js';
import { DEFAULT_SUITE } from '../../../src/opaque/index.js';
import { createServer, createServerSetup, memoryServerStore, type CreateServerOptions, type ServerEvent, type ServerStore, type ZeroVaultServer } from '../../../src/server/index.js';
import type { StoredGrant } from '../../../src/server/types.js';
import { TEST_KSF, login, signed } from '../../server/harness.js';

export const PASSWORD = 'correct horse battery staple';

/** A zerovault server listening on 127.0.0.1. */
export interface LoopbackServer {
  readonly url: string;
  readonly zv: ZeroVaultServer;
  readonly store: ServerStore;
  readonly events: ServerEvent[];
  client(): Client;
  register(userId: string): Promise<Session>;
  login(userId: string): Promise<Session>;
  close(): Promise<void>;
}

/** Starts a server on an ephemeral loopback port (`options` are passed on to `createServer`). */
export async function startServer(store: ServerStore = memoryServerStore(), options: Partial<CreateServerOptions> = {}): Promise<LoopbackServer> {
  const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv', ...options });
  const events: ServerEvent[] = [];
  zv.on('*', (event) => events.push(event));
  const http: Server = createHttpServer(zv.node());
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/zv`;
  const client = (): Client => new Client({ url: url, ksf: TEST_KSF });
  return {
    url,
    zv,
    store,
    events,
    client,
    register: (userId) => client().register({ userId, password: PASSWORD }),
    login: (userId) => client().login({ userId, password: PASSWORD }),
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await store.close();
    },
  };
}

/**
 * A user's keyring, read from the server's database with their password:
 * the OPAQUE export key unwraps the root key, which opens the keyring.
 */
export async function keyringOf(server: LoopbackServer, userId: string): Promise<Keyring> {
  const endpoint = { baseUrl: server.url, transport: transportOptions(undefined, 30_000) };
  const { exportKey } = await loginCredential(endpoint, { ksf: TEST_KSF, suite: DEFAULT_SUITE }, userId, 'password', PASSWORD);
  const blobs = server.store.blobs(userId);
  const slot = await blobs.get('_zv', 'password-slot');
  if (slot === null) throw new Error('no password slot');
  const rootKey = await unwrapRoot('password', exportKey, decodeSlot(slot.data));
  wipe(exportKey);
  const loaded = await loadKeyring(blobs, rootKey);
  if (loaded === null) throw new Error('no keyring');
  return loaded.keyring;
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * A user's own signed request, bypassing the SDK (what a modified client
 * sends): logs in with the raw OPAQUE harness and sends over HTTP.
 */
export async function rawRequest(
  server: LoopbackServer,
  userId: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const session = await login(server.zv, userId, PASSWORD);
  const request = signed(session, method, path, options);
  const body = method === 'GET' || method === 'DELETE' ? undefined : new Uint8Array(await request.arrayBuffer());
  return fetch(`${server.url}${path}`, { method, headers: request.headers, ...(body === undefined || body.length === 0 ? {} : { body }) });
}

/** Hooks a test sets to make the server's database lie. */
export interface Tamper {
  keyEvents?: ((userId: string, events: Uint8Array[]) => Uint8Array[]) | undefined;
  grant?: ((grant: StoredGrant) => StoredGrant | null) | undefined;
}

/** A memory server store whose key-log and grant rows a test can rewrite as they are read. */
export function tamperableStore(): { store: ServerStore; tamper: Tamper } {
  const base = memoryServerStore();
  const tamper: Tamper = {};
  const store: ServerStore = {
    ...base,
    getKeyEvents: async (userId) => {
      const events = await (base.getKeyEvents as NonNullable<ServerStore['getKeyEvents']>)(userId);
      return tamper.keyEvents === undefined ? events : tamper.keyEvents(userId, events);
    },
    getGrant: async (owner, vault, grantee) => {
      const grant = await (base.getGrant as NonNullable<ServerStore['getGrant']>)(owner, vault, grantee);
      return grant === null || tamper.grant === undefined ? grant : tamper.grant(grant);
    },
  };
  return { store, tamper };
}
