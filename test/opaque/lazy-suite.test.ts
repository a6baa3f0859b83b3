/**
 * P256-SHA256 is linked on demand on the client side (so a browser bundle
 * that never uses it does not ship P-256) and statically on the server
 * side. Each test starts from fresh module instances, i.e. a process that
 * has not loaded P-256 yet.
 */
import { expect, test, vi } from 'vitest';
import { expectCode } from './helpers.js';

import type * as clientApi from '../../src/opaque/client.js';
import type * as opaqueApi from '../../src/opaque/index.js';
import type * as suiteApi from '../../src/opaque/suite.js';

type ClientModule = typeof clientApi;
type SuiteModule = typeof suiteApi;
type OpaqueModule = typeof opaqueApi;

/** The Argon2id floor, to keep the real KSF quick. */
const FLOOR = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;

async function fresh(): Promise<{ client: ClientModule; suite: SuiteModule }> {
  vi.resetModules();
  return { client: await import('../../src/opaque/client.js'), suite: await import('../../src/opaque/suite.js') };
}

test('before anything loads it, P-256 is known but not resolvable synchronously; unknown ids stay unknown', async () => {
  const { suite } = await fresh();
  expect(suite.getSuite('ristretto255-SHA512').id).toBe(1);
  await expectCode(() => suite.getSuite('P256-SHA256'), 'UNSUPPORTED');
  await expectCode(() => suite.suiteById(2), 'UNSUPPORTED');
  await expectCode(() => suite.suiteById(3), 'UNSUPPORTED');
  await expectCode(() => suite.getSuite('P384-SHA384'), 'INVALID_INPUT');
  await expectCode(() => suite.loadSuite('P384-SHA384'), 'INVALID_INPUT');
  expect((await suite.loadSuite('P256-SHA256')).group.name).toBe('P-256');
  expect(suite.suiteById(2).name).toBe('P256-SHA256');
});

test('a P-256 client start loads the suite', async () => {
  const { client, suite } = await fresh();
  const start = await client.startLogin({ password: 'pw', suite: 'P256-SHA256' });
  expect(start.request.length).toBe(33 + 32 + 33);
  expect(suite.getSuite('P256-SHA256').Npk).toBe(33);
});

test('a P-256 client finish loads the suite from the state alone, in a process that never started one', async () => {
  const server: OpaqueModule = await import('../../src/opaque/index.js');
  const setup = server.createServerSetup({ suite: 'P256-SHA256' });
  const reg = await server.startRegistration({ password: 'pw', suite: 'P256-SHA256' });
  const { response } = server.createRegistrationResponse({ setup, userId: 'p256-user', request: reg.request });

  const { client, suite } = await fresh();
  await expectCode(() => suite.getSuite('P256-SHA256'), 'UNSUPPORTED');
  const done = await client.finishRegistration({ state: reg.state, response, password: 'pw', ksf: FLOOR });
  expect(done.serverPublicKey).toEqual(server.getServerPublicKey(setup));

  const again = await fresh();
  const login = await server.startLogin({ password: 'pw', suite: 'P256-SHA256' });
  const ke2 = server.startServerLogin({ setup, userId: 'p256-user', record: done.record, request: login.request });
  await expectCode(() => again.suite.getSuite('P256-SHA256'), 'UNSUPPORTED');
  const finished = await again.client.finishLogin({ state: login.state, response: ke2.response, password: 'pw', ksf: FLOOR });
  expect(server.finishServerLogin({ state: ke2.state, finalization: finished.finalization }).sessionKey).toEqual(finished.sessionKey);
});

test('the synchronous server resolves P-256 without any load step', async () => {
  vi.resetModules();
  const server: OpaqueModule = await import('../../src/opaque/index.js');
  const setup = server.createServerSetup({ suite: 'P256-SHA256' });
  expect(server.decodeServerSetup(setup).suite).toBe('P256-SHA256');
  expect(server.getServerPublicKey(setup).length).toBe(33);
});

test('a state that is not ours is rejected as before, without loading anything', async () => {
  const { client } = await fresh();
  await expectCode(() => client.finishLogin({ state: new Uint8Array(3), response: new Uint8Array(0), password: 'pw' }), 'INVALID_INPUT');
  const bogus = Uint8Array.from([0x5a, 0x56, 0x4f, 0x50, 1, 3, 9, 0, 0]);
  await expectCode(() => client.finishLogin({ state: bogus, response: new Uint8Array(0), password: 'pw' }), 'UNSUPPORTED');
});
