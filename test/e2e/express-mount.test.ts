/**
 * Mounting the server in Express the way Express users mount everything:
 * `app.use('/zv', zv.node())`. Express strips `/zv` from `req.url`, but the
 * browser's DPoP proof for `POST /zv/token` names the full URL; the Node
 * adapter reads the full target from `req.originalUrl`, so `session.fetch`
 * works with this mount, with or without `basePath`, and with the `app.all`
 * mount that keeps `req.url` whole.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, describe, expect, test } from 'vitest';
import { Client } from '../../src/client/index.js';
import { createServer, memoryServerStore } from '../../src/server/index-node.js';
import { SETUP, TEST_KSF } from './helpers.js';

const servers: Server[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(mount: (app: express.Express) => void): Promise<string> {
  const app = express();
  mount(app);
  app.get('/api/me', (_req, res) => {
    res.json({ ok: true });
  });
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Registers a user and asks the server for an access token through `session.fetch`. */
async function tokenFlow(origin: string): Promise<number> {
  const client = new Client({ url: `${origin}/zv`, ksf: TEST_KSF });
  const session = await client.register({ userId: `u${Math.random().toString(36).slice(2)}@example.com`, password: 'correct horse' });
  try {
    const response = await session.fetch(`${origin}/api/me`);
    expect(response.headers.get('authorization') ?? '').toBe(''); // a response, not the request
    return response.status;
  } finally {
    await session.logout();
  }
}

describe('Express mounts', () => {
  test("app.use('/zv', zv.node()) without basePath", async () => {
    const zv = createServer({ setup: SETUP, store: memoryServerStore() });
    const origin = await listen((app) => app.use('/zv', zv.node()));
    expect(await tokenFlow(origin)).toBe(200);
  });

  test("app.use('/zv', zv.node()) with basePath '/zv'", async () => {
    const zv = createServer({ setup: SETUP, store: memoryServerStore(), basePath: '/zv' });
    const origin = await listen((app) => app.use('/zv', zv.node()));
    expect(await tokenFlow(origin)).toBe(200);
  });

  test("app.all('/zv/{*route}', zv.node()) with basePath '/zv'", async () => {
    const zv = createServer({ setup: SETUP, store: memoryServerStore(), basePath: '/zv' });
    const origin = await listen((app) => app.all('/zv/{*route}', zv.node()));
    expect(await tokenFlow(origin)).toBe(200);
  });

  test('a nested router mount', async () => {
    const zv = createServer({ setup: SETUP, store: memoryServerStore() });
    const origin = await listen((app) => {
      const outer = express.Router();
      outer.use('/zv', zv.node());
      app.use('/', outer);
    });
    expect(await tokenFlow(origin)).toBe(200);
  });
});
