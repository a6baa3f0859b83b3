/**
 * The public `zerovault/opaque` API end to end: both suites with the real
 * default Argon2id profile, then the negative paths (with the identity KSF
 * through the internal hook where a test needs hundreds of runs).
 */
import { describe, expect, test } from 'vitest';
import { toHex } from '../../src/crypto/bytes.js';
import * as opaque from '../../src/opaque/index.js';
import { finishLoginWith, finishRegistrationWith, ke2Length } from '../../src/opaque/internal.js';
import { getSuite } from '../../src/opaque/suite.js';
import { expectCode, flip, identityStretch } from './helpers.js';

type SuiteName = opaque.SuiteName;

async function register(setup: Uint8Array, userId: string, password: string, suite: SuiteName, extra: { identities?: opaque.Identities } = {}) {
  const start = await opaque.startRegistration({ password, suite });
  const { response } = opaque.createRegistrationResponse({ setup, userId, request: start.request });
  return finishRegistrationWith({ state: start.state, response, password, ...extra }, identityStretch);
}

async function login(
  setup: Uint8Array,
  userId: string,
  record: Uint8Array | null,
  password: string,
  suite: SuiteName,
  extra: { identities?: opaque.Identities; context?: string; serverIdentities?: opaque.Identities; serverContext?: string } = {},
) {
  const start = await opaque.startLogin({ password, suite });
  const server = opaque.startServerLogin({
    setup,
    userId,
    record,
    request: start.request,
    ...(extra.serverIdentities ?? extra.identities ? { identities: extra.serverIdentities ?? extra.identities } : {}),
    ...(extra.serverContext ?? extra.context ? { context: extra.serverContext ?? extra.context } : {}),
  });
  return { start, server };
}

describe.each(opaque.SUITE_NAMES)('%s with the default Argon2id profile', (suite) => {
  test('register, log in, agree on keys', async () => {
    const setup = opaque.createServerSetup({ suite });
    const password = 'correct horse battery staple';
    const reg = await opaque.startRegistration({ password, suite });
    const { response } = opaque.createRegistrationResponse({ setup, userId: 'alice@example.com', request: reg.request });
    const done = await opaque.finishRegistration({ state: reg.state, response, password });
    expect(done.exportKey.length).toBe(getSuite(suite).Nh);
    expect(toHex(done.serverPublicKey)).toBe(toHex(opaque.getServerPublicKey(setup)));

    const start = await opaque.startLogin({ password, suite });
    const server = opaque.startServerLogin({ setup, userId: 'alice@example.com', record: done.record, request: start.request });
    const client = await opaque.finishLogin({ state: start.state, response: server.response, password });
    const { sessionKey } = opaque.finishServerLogin({ state: server.state, finalization: client.finalization });
    expect(toHex(client.sessionKey)).toBe(toHex(sessionKey));
    expect(toHex(client.exportKey)).toBe(toHex(done.exportKey));
    expect(toHex(client.serverPublicKey)).toBe(toHex(done.serverPublicKey));
  });
});

test('wrong password fails with AUTH_FAILED and the fixed message (real KSF)', async () => {
  const setup = opaque.createServerSetup();
  const reg = await opaque.startRegistration({ password: 'right' });
  const { response } = opaque.createRegistrationResponse({ setup, userId: 'u', request: reg.request });
  const { record } = await opaque.finishRegistration({ state: reg.state, response, password: 'right' });
  const start = await opaque.startLogin({ password: 'wrong' });
  const server = opaque.startServerLogin({ setup, userId: 'u', record, request: start.request });
  const err = await opaque.finishLogin({ state: start.state, response: server.response, password: 'wrong' }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'AUTH_FAILED', message: 'authentication failed' });
});

test('a login KSF profile different from registration fails (the client pins the profile)', async () => {
  const setup = opaque.createServerSetup();
  const reg = await opaque.startRegistration({ password: 'pw' });
  const { response } = opaque.createRegistrationResponse({ setup, userId: 'u', request: reg.request });
  const { record } = await opaque.finishRegistration({ state: reg.state, response, password: 'pw' });
  const start = await opaque.startLogin({ password: 'pw' });
  const server = opaque.startServerLogin({ setup, userId: 'u', record, request: start.request });
  const floor = { iterations: 2, memoryKiB: opaque.ARGON2ID_FLOOR.memoryKiB, parallelism: 1 };
  await expectCode(() => opaque.finishLogin({ state: start.state, response: server.response, password: 'pw', ksf: floor }), 'AUTH_FAILED');
});

test('KSF parameters outside the bounds are rejected before any work', async () => {
  const setup = opaque.createServerSetup();
  const reg = await opaque.startRegistration({ password: 'pw' });
  const { response } = opaque.createRegistrationResponse({ setup, userId: 'u', request: reg.request });
  for (const ksf of [
    { iterations: 1, memoryKiB: 1024, parallelism: 1 },
    { iterations: 3, memoryKiB: 2 ** 22, parallelism: 4 },
    { iterations: 100, memoryKiB: 65536, parallelism: 4 },
  ]) {
    await expectCode(() => opaque.finishRegistration({ state: reg.state, response, password: 'pw', ksf }), 'INVALID_INPUT');
  }
});

describe.each(opaque.SUITE_NAMES)('%s negative paths (identity KSF via the test hook)', (suite) => {
  const setup = opaque.createServerSetup({ suite });
  const s = getSuite(suite);

  test('every single-bit change of KE2 fails with a typed error, every byte', async () => {
    const { record } = await register(setup, 'bob', 'pw', suite);
    const { start, server } = await login(setup, 'bob', record, 'pw', suite);
    expect(server.response.length).toBe(ke2Length(s));
    const codes = new Set<string>();
    for (let i = 0; i < server.response.length; i++) {
      const err = await finishLoginWith({ state: start.state, response: flip(server.response, i, i % 8), password: 'pw' }, identityStretch).catch((e: unknown) => e);
      expect(err, `byte ${i}`).toMatchObject({ code: 'AUTH_FAILED', message: 'authentication failed' });
      codes.add((err as { code: string }).code);
    }
    expect([...codes]).toEqual(['AUTH_FAILED']);
    // Untampered still works.
    const ok = await finishLoginWith({ state: start.state, response: server.response, password: 'pw' }, identityStretch);
    expect(toHex(opaque.finishServerLogin({ state: server.state, finalization: ok.finalization }).sessionKey)).toBe(toHex(ok.sessionKey));
  });

  test('every single-bit change of KE3 fails with AUTH_FAILED', async () => {
    const { record } = await register(setup, 'bob', 'pw', suite);
    const { start, server } = await login(setup, 'bob', record, 'pw', suite);
    const ok = await finishLoginWith({ state: start.state, response: server.response, password: 'pw' }, identityStretch);
    for (let i = 0; i < ok.finalization.length; i++) {
      await expectCode(() => opaque.finishServerLogin({ state: server.state, finalization: flip(ok.finalization, i, i % 8) }), 'AUTH_FAILED');
    }
  });

  test('truncated or extended messages are INVALID_INPUT', async () => {
    const reg = await opaque.startRegistration({ password: 'pw', suite });
    const { response } = opaque.createRegistrationResponse({ setup, userId: 'u', request: reg.request });
    const { record } = await finishRegistrationWith({ state: reg.state, response, password: 'pw' }, identityStretch);
    const { start, server } = await login(setup, 'u', record, 'pw', suite);
    const ok = await finishLoginWith({ state: start.state, response: server.response, password: 'pw' }, identityStretch);
    const variants = (m: Uint8Array) => [m.subarray(0, m.length - 1), new Uint8Array([...m, 0]), new Uint8Array(0)];
    for (const request of variants(reg.request)) await expectCode(() => opaque.createRegistrationResponse({ setup, userId: 'u', request }), 'INVALID_INPUT');
    for (const r of variants(response)) await expectCode(() => finishRegistrationWith({ state: reg.state, response: r, password: 'pw' }, identityStretch), 'INVALID_INPUT');
    for (const r of variants(record)) await expectCode(() => opaque.startServerLogin({ setup, userId: 'u', record: r, request: start.request }), 'INVALID_INPUT');
    for (const request of variants(start.request)) await expectCode(() => opaque.startServerLogin({ setup, userId: 'u', record, request }), 'INVALID_INPUT');
    for (const r of variants(server.response)) await expectCode(() => finishLoginWith({ state: start.state, response: r, password: 'pw' }, identityStretch), 'INVALID_INPUT');
    for (const f of variants(ok.finalization)) await expectCode(() => opaque.finishServerLogin({ state: server.state, finalization: f }), 'INVALID_INPUT');
  });

  test('invalid elements in client messages are INVALID_INPUT at the server', async () => {
    const reg = await opaque.startRegistration({ password: 'pw', suite });
    await expectCode(() => opaque.createRegistrationResponse({ setup, userId: 'u', request: new Uint8Array(reg.request.length) }), 'INVALID_INPUT');
    const { start } = await login(setup, 'u', null, 'pw', suite);
    const ke1 = Uint8Array.from(start.request);
    ke1.fill(0, ke1.length - s.Npk);
    await expectCode(() => opaque.startServerLogin({ setup, userId: 'u', record: null, request: ke1 }), 'INVALID_INPUT');
  });

  test('a server echoing the blinded element is rejected (registration and login)', async () => {
    const reg = await opaque.startRegistration({ password: 'pw', suite });
    const echo = new Uint8Array([...reg.request, ...opaque.getServerPublicKey(setup)]);
    await expectCode(() => finishRegistrationWith({ state: reg.state, response: echo, password: 'pw' }, identityStretch), 'AUTH_FAILED');
    const { record } = await register(setup, 'e', 'pw', suite);
    const { start, server } = await login(setup, 'e', record, 'pw', suite);
    const ke2 = Uint8Array.from(server.response);
    ke2.set(start.request.subarray(0, s.Noe), 0);
    await expectCode(() => finishLoginWith({ state: start.state, response: ke2, password: 'pw' }, identityStretch), 'AUTH_FAILED');
  });

  test('a server with another key (same OPRF seed) is rejected', async () => {
    const { record } = await register(setup, 'k', 'pw', suite);
    const original = opaque.decodeServerSetup(setup);
    const other = opaque.decodeServerSetup(opaque.createServerSetup({ suite }));
    const impostor = opaque.encodeServerSetup({ ...original, serverPrivateKey: other.serverPrivateKey, serverPublicKey: other.serverPublicKey });
    const { start, server } = await login(impostor, 'k', record, 'pw', suite);
    await expectCode(() => finishLoginWith({ state: start.state, response: server.response, password: 'pw' }, identityStretch), 'AUTH_FAILED');
  });

  test('identities: the same on both sides works; a mismatch fails', async () => {
    const identities = { client: 'alice', server: 'vault.example' };
    const { record } = await register(setup, 'i', 'pw', suite, { identities });
    const ok = await login(setup, 'i', record, 'pw', suite, { identities });
    const c = await finishLoginWith({ state: ok.start.state, response: ok.server.response, password: 'pw', identities }, identityStretch);
    expect(toHex(opaque.finishServerLogin({ state: ok.server.state, finalization: c.finalization }).sessionKey)).toBe(toHex(c.sessionKey));
    // Client omits them.
    const a = await login(setup, 'i', record, 'pw', suite, { identities });
    await expectCode(() => finishLoginWith({ state: a.start.state, response: a.server.response, password: 'pw' }, identityStretch), 'AUTH_FAILED');
    // Server claims another identity.
    const b = await login(setup, 'i', record, 'pw', suite, { identities, serverIdentities: { client: 'alice', server: 'evil.example' } });
    await expectCode(() => finishLoginWith({ state: b.start.state, response: b.server.response, password: 'pw', identities }, identityStretch), 'AUTH_FAILED');
    await expectCode(() => register(setup, 'i', 'pw', suite, { identities: { client: '' } }), 'INVALID_INPUT');
  });

  test('context must match', async () => {
    const { record } = await register(setup, 'c', 'pw', suite);
    const ok = await login(setup, 'c', record, 'pw', suite, { context: 'app-v1' });
    const c = await finishLoginWith({ state: ok.start.state, response: ok.server.response, password: 'pw', context: 'app-v1' }, identityStretch);
    expect(toHex(opaque.finishServerLogin({ state: ok.server.state, finalization: c.finalization }).sessionKey)).toBe(toHex(c.sessionKey));
    const bad = await login(setup, 'c', record, 'pw', suite, { context: 'app-v2' });
    await expectCode(() => finishLoginWith({ state: bad.start.state, response: bad.server.response, password: 'pw', context: 'app-v1' }, identityStretch), 'AUTH_FAILED');
  });

  test('the same password for two users gives different records and export keys', async () => {
    const a = await register(setup, 'user-a', 'same password', suite);
    const b = await register(setup, 'user-b', 'same password', suite);
    expect(toHex(a.record)).not.toBe(toHex(b.record));
    expect(toHex(a.exportKey)).not.toBe(toHex(b.exportKey));
    // A record does not work under another user id (different OPRF key).
    const { start, server } = await login(setup, 'user-b', a.record, 'same password', suite);
    await expectCode(() => finishLoginWith({ state: start.state, response: server.response, password: 'same password' }, identityStretch), 'AUTH_FAILED');
  });

  test('unknown user: same lengths, same failure as a wrong password, same timing class', async () => {
    const { record } = await register(setup, 'known', 'pw', suite);
    const real = await login(setup, 'known', record, 'pw', suite);
    const fake = await login(setup, 'nobody', null, 'pw', suite);
    expect(fake.server.response.length).toBe(real.server.response.length);
    expect(fake.server.state.length).toBe(real.server.state.length);
    const err = await finishLoginWith({ state: fake.start.state, response: fake.server.response, password: 'pw' }, identityStretch).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AUTH_FAILED', message: 'authentication failed' });
    // Timing class: fastest runs within a factor of 2 (same code path). The
    // minimum of many interleaved runs, not the median: on a shared machine a
    // burst of load lengthens some runs of one kind, never shortens the fastest.
    const time = (rec: Uint8Array | null, id: string): number => {
      const t = performance.now();
      opaque.startServerLogin({ setup, userId: id, record: rec, request: real.start.request });
      return performance.now() - t;
    };
    const realTimes: number[] = [];
    const fakeTimes: number[] = [];
    for (let i = 0; i < 31; i++) {
      realTimes.push(time(record, 'known'));
      fakeTimes.push(time(null, 'nobody'));
    }
    const ratio = Math.min(...fakeTimes) / Math.min(...realTimes);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  test('states are bound to their kind and suite', async () => {
    const reg = await opaque.startRegistration({ password: 'pw', suite });
    const { start, server } = await login(setup, 'u', null, 'pw', suite);
    const { response } = opaque.createRegistrationResponse({ setup, userId: 'u', request: reg.request });
    await expectCode(() => finishRegistrationWith({ state: start.state, response, password: 'pw' }, identityStretch), 'INVALID_INPUT');
    await expectCode(() => finishLoginWith({ state: reg.state, response: server.response, password: 'pw' }, identityStretch), 'INVALID_INPUT');
    await expectCode(() => opaque.finishServerLogin({ state: start.state, finalization: new Uint8Array(s.Nm) }), 'INVALID_INPUT');
    await expectCode(() => opaque.createRegistrationResponse({ setup: server.state, userId: 'u', request: reg.request }), 'INVALID_INPUT');
  });
});

test('a KE1 from the other suite is rejected', async () => {
  const setup = opaque.createServerSetup({ suite: 'ristretto255-SHA512' });
  const start = await opaque.startLogin({ password: 'pw', suite: 'P256-SHA256' });
  await expectCode(() => opaque.startServerLogin({ setup, userId: 'u', record: null, request: start.request }), 'INVALID_INPUT');
});

test('boundary checks name parameters and reject bad options', async () => {
  await expectCode(() => opaque.startRegistration({ password: '' }), 'INVALID_INPUT');
  await expectCode(() => opaque.startRegistration({ password: 'x'.repeat(opaque.MAX_PASSWORD_BYTES + 1) }), 'INVALID_INPUT');
  await expectCode(() => opaque.startLogin({ password: 'pw', suite: 'P384-SHA384' as SuiteName }), 'INVALID_INPUT');
  await expectCode(() => opaque.createServerSetup({ suite: 'nope' as SuiteName }), 'INVALID_INPUT');
  const setup = opaque.createServerSetup();
  const reg = await opaque.startRegistration({ password: 'pw' });
  await expectCode(() => opaque.createRegistrationResponse({ setup, userId: '', request: reg.request }), 'INVALID_INPUT');
  await expectCode(() => opaque.startRegistration({ password: 'pass\uD800word' }), 'INVALID_INPUT');
  await expectCode(() => opaque.startLogin({ password: '\uDC00' }), 'INVALID_INPUT');
  expect((await opaque.startLogin({ password: 'emoji \u{1F511} ok' })).request.length).toBe(96);
  const err = await opaque.startRegistration({ password: 42 as unknown as string }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'INVALID_INPUT', message: 'password must be a string or a Uint8Array' });
});
