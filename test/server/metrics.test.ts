/**
 * Metrics through `@opentelemetry/api`, read with the OpenTelemetry SDK's
 * in-memory exporter: the documented names and labels appear, `route` is
 * the route table's pattern (never the raw path), and no label or value
 * carries a user id, an address, a vault name or a record id.
 */
import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { createServerSetup as createOpaqueSetup } from '../../src/opaque/index.js';
import { createServer, memoryServerStore, type CreateServerOptions, type ZeroVaultServer } from '../../src/server/index.js';
import { BASE, login, register, signed } from './harness.js';

const setup = createOpaqueSetup();
const USER = 'metrics-user@example.com';
const ADDRESS = '192.0.2.1';

/** A meter provider whose metrics a test reads on demand. */
function inMemory(): { provider: MeterProvider; read: () => Promise<MetricData[]> } {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    read: async () => {
      await reader.forceFlush();
      const batches = exporter.getMetrics();
      const last = batches[batches.length - 1];
      return (last?.scopeMetrics ?? []).flatMap((s) => s.metrics);
    },
  };
}

/** Some traffic: a registration, a login, a blob write and read, a forged request, an unknown route. */
async function traffic(server: ZeroVaultServer): Promise<void> {
  expect((await register(server, USER, 'pw')).status).toBe(201);
  const session = await login(server, USER, 'pw', ADDRESS);
  const put = await server.fetch(signed(session, 'PUT', '/blobs/secret-vault-name/secret-record-id', { body: { data: toBase64url(utf8('x')) } }), { address: ADDRESS });
  expect(put.status).toBe(200);
  expect((await server.fetch(signed(session, 'GET', '/blobs/secret-vault-name/secret-record-id'), { address: ADDRESS })).status).toBe(200);
  const forged = signed({ ...session, macKey: new Uint8Array(32).fill(7) }, 'GET', '/blobs/secret-vault-name/secret-record-id');
  expect((await server.fetch(forged, { address: ADDRESS })).status).toBe(401);
  expect((await server.fetch(new Request(`${BASE}/no/such/route/${USER}`), { address: ADDRESS })).status).toBe(404);
}

function points(metric: MetricData | undefined): { attributes: Record<string, unknown>; value: unknown }[] {
  return (metric?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }));
}

function make(options: Partial<CreateServerOptions>): ZeroVaultServer {
  return createServer({ setup, store: memoryServerStore(), basePath: '/zv', ...options });
}

afterEach(() => {
  metrics.disable();
});

describe('metrics', () => {
  test('the documented instruments and labels, route patterns only, no user data', async () => {
    const { provider, read } = inMemory();
    await traffic(make({ meterProvider: provider }));
    const all = await read();
    const byName = new Map(all.map((m) => [m.descriptor.name, m]));
    expect([...byName.keys()].sort()).toEqual(['zerovault.auth.events', 'zerovault.request.duration', 'zerovault.requests']);
    expect(byName.get('zerovault.request.duration')?.descriptor.unit).toBe('s');

    const requests = points(byName.get('zerovault.requests'));
    for (const p of requests) expect(Object.keys(p.attributes).sort()).toEqual(['route', 'status']);
    expect(requests).toContainEqual({ attributes: { route: '/login/start', status: 200 }, value: 1 });
    expect(requests).toContainEqual({ attributes: { route: '/blobs/:vault/:id', status: 200 }, value: 2 });
    expect(requests).toContainEqual({ attributes: { route: '/blobs/:vault/:id', status: 401 }, value: 1 });
    expect(requests).toContainEqual({ attributes: { route: 'unmatched', status: 404 }, value: 1 });
    for (const p of points(byName.get('zerovault.request.duration'))) expect(Object.keys(p.attributes)).toEqual(['route']);

    const auth = points(byName.get('zerovault.auth.events'));
    for (const p of auth) expect(Object.keys(p.attributes).sort()).toEqual(['event', 'outcome']);
    expect(auth).toContainEqual({ attributes: { event: 'register', outcome: 'success' }, value: 1 });
    expect(auth).toContainEqual({ attributes: { event: 'login', outcome: 'success' }, value: 1 });
    expect(auth).toContainEqual({ attributes: { event: 'forged', outcome: 'failure' }, value: 1 });

    // Nothing the client chose or that identifies it, anywhere in what is exported.
    const text = JSON.stringify(all);
    for (const secret of [USER, 'metrics-user', ADDRESS, 'secret-vault-name', 'secret-record-id', '/no/such']) expect(text).not.toContain(secret);
  });

  test('a global provider registered before createServer is used; without one nothing is recorded and nothing fails', async () => {
    await traffic(make({}));
    const { provider, read } = inMemory();
    metrics.setGlobalMeterProvider(provider);
    const server = make({});
    expect((await register(server, USER, 'pw')).status).toBe(201);
    const names = (await read()).map((m) => m.descriptor.name);
    expect(names).toContain('zerovault.requests');
    expect(names).toContain('zerovault.auth.events');
  });

  test('requests through the Node adapter are counted as through fetch (one way in for both)', async () => {
    const { provider, read } = inMemory();
    const server = make({ meterProvider: provider });
    const http = createHttpServer(server.node());
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = http.address() as AddressInfo;
      expect((await fetch(`http://127.0.0.1:${port}/zv/no/such/route`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/zv/blobs/v/r`)).status).toBe(401);
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
    const requests = points((await read()).find((m) => m.descriptor.name === 'zerovault.requests'));
    expect(requests).toContainEqual({ attributes: { route: 'unmatched', status: 404 }, value: 1 });
    expect(requests).toContainEqual({ attributes: { route: '/blobs/:vault/:id', status: 401 }, value: 1 });
  });
});
