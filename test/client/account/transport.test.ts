/**
 * Defects 7 and 8 of the client-core rebuild, through the one transport:
 * every client call has a timeout and takes an `AbortSignal`; `RATE_LIMITED`
 * carries the server's `Retry-After`; no text the server sends reaches an
 * error message.
 */
import { describe, expect, test } from 'vitest';
import { createServer, createServerSetup, memoryServerStore } from '../../../src/server/index.js';
import { clientOf, newServer } from '../helpers.js';

const PASSWORD = 'correct horse battery staple';

describe('client calls over the transport', () => {
  test('a server that never answers: register and login fail with NETWORK after timeoutMs', async () => {
    const server = newServer();
    const silent = (): Promise<Response> => new Promise<Response>(() => undefined);
    const client = clientOf(server, { fetch: silent, timeoutMs: 150 });
    const started = Date.now();
    await expect(client.login({ userId: 'alice', password: PASSWORD })).rejects.toMatchObject({ code: 'NETWORK' });
    await expect(client.register({ userId: 'alice', password: PASSWORD })).rejects.toMatchObject({ code: 'NETWORK' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('an AbortSignal cancels a login (NETWORK, "request aborted"); an aborted signal fails at once', async () => {
    const server = newServer();
    const slow = async (request: Request): Promise<Response> => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      return server.fetch(request);
    };
    const client = clientOf(server, { fetch: slow });
    const controller = new AbortController();
    const pending = client.login({ userId: 'alice', password: PASSWORD, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'NETWORK', message: 'request aborted' });
    await expect(client.register({ userId: 'a', password: PASSWORD, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'NETWORK' });
    await expect(client.login({ userId: 'a', password: PASSWORD, signal: 'nope' as unknown as AbortSignal })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  test('RATE_LIMITED carries retryAfterMs from the server limiter', async () => {
    const server = createServer({ setup: createServerSetup(), store: memoryServerStore(), basePath: '/zv', userLoginLimit: { capacity: 1, refillMs: 60_000 } });
    const client = clientOf(server);
    await (await client.register({ userId: 'grace', password: PASSWORD })).logout();
    let limited: { code?: string; retryAfterMs?: number } | undefined;
    for (let i = 0; i < 4 && limited === undefined; i++) {
      const err = (await client.login({ userId: 'grace', password: 'wrong' }).catch((e: unknown) => e)) as { code?: string; retryAfterMs?: number };
      if (err.code === 'RATE_LIMITED') limited = err;
    }
    expect(limited?.code).toBe('RATE_LIMITED');
    expect(limited?.retryAfterMs).toBeGreaterThan(0);
    expect(limited?.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  test('the server text never reaches an error message', async () => {
    const server = newServer();
    const chatty = async (): Promise<Response> => Response.json({ error: { code: 'CONFLICT', message: 'user alice@example.com exists <b>' } }, { status: 409 });
    const err = (await clientOf(server, { fetch: chatty })
      .register({ userId: 'alice@example.com', password: PASSWORD })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('CONFLICT');
    expect(err.message).not.toContain('alice');
    expect(err.message).not.toContain('<b>');
  });
});

describe('a store of the app', () => {
  test('a foreign error from a custom store is STORAGE with the original as cause, and its message is not copied', async () => {
    const server = newServer();
    const { memoryStore } = await import('../../../src/store/memory.js');
    const inner = memoryStore();
    let fail = false;
    const flaky = {
      get: (v: string, id: string) => inner.get(v, id),
      put: async (v: string, id: string, d: Uint8Array, o?: Parameters<typeof inner.put>[3]) => {
        if (fail) throw new TypeError('disk /home/alice/secret.db is full');
        return inner.put(v, id, d, o);
      },
      delete: (v: string, id: string, o?: Parameters<typeof inner.delete>[2]) => inner.delete(v, id, o),
      list: (v: string, o?: Parameters<typeof inner.list>[1]) => inner.list(v, o),
    };
    const session = await clientOf(server, { store: flaky }).register({ userId: 'sam', password: PASSWORD });
    const vault = await session.vault('notes');
    fail = true;
    const err = (await vault.put('r', new Uint8Array(1)).catch((e: unknown) => e)) as Error & { code: string; cause: unknown };
    expect(err.code).toBe('STORAGE');
    expect(err.cause).toBeInstanceOf(TypeError);
    expect(err.message).not.toContain('alice');
    fail = false;
    await session.logout();
  });
});
