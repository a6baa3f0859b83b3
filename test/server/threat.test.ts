/**
 * `createServer({ onThreat })`: forged and replayed requests are counted per
 * session, wrong second factors per account; the policy sees each signal
 * with its count and may revoke the session or all of the account's
 * sessions. The default policy revokes a session at its third forged request.
 */
import { describe, expect, test, vi } from 'vitest';
import { randomBytes } from '../../src/crypto/random.js';
import { createServerSetup as createOpaqueSetup } from '../../src/opaque/index.js';
import {
  createServer,
  defaultThreatPolicy,
  memoryServerStore,
  type CreateServerOptions,
  type ServerEvent,
  type ThreatOptions,
  type ThreatSignal,
  type ZeroVaultServer,
} from '../../src/server/index.js';
import { login, register, signed, type TestSession } from './harness.js';
import { codeAt, mfaLogin } from './mfa-harness.js';

const setup = createOpaqueSetup();

function make(options: Partial<CreateServerOptions> = {}): { server: ZeroVaultServer; events: ServerEvent[] } {
  const server = createServer({ setup, store: memoryServerStore(), basePath: '/zv', ...options });
  const events: ServerEvent[] = [];
  server.on('*', (e) => events.push(e));
  return { server, events };
}

const forged = (session: TestSession): Request => signed({ ...session, macKey: new Uint8Array(32).fill(9) }, 'GET', '/blobs/v');
const ok = (session: TestSession): Request => signed(session, 'GET', '/blobs/v');

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

describe('onThreat', () => {
  test('default: the third forged request of a session revokes it on the spot; other sessions of the account live on', async () => {
    const { server, events } = make();
    expect((await register(server, 'victim', 'pw')).status).toBe(201);
    const stolen = await login(server, 'victim', 'pw');
    const other = await login(server, 'victim', 'pw');
    for (let i = 0; i < 2; i++) expect((await server.fetch(forged(stolen))).status).toBe(401);
    // Two are tolerated (a client bug, a proxy rewriting a header): the session still works.
    expect((await server.fetch(ok(stolen))).status).toBe(200);
    expect((await server.fetch(forged(stolen))).status).toBe(401);
    const after = await server.fetch(ok(stolen));
    expect(after.status).toBe(401);
    expect(await codeOf(after)).toBe('CLOSED');
    expect(events).toContainEqual(expect.objectContaining({ type: 'session_revoked', userId: 'victim', reason: 'threat-forged' }));
    expect((await server.fetch(ok(other))).status).toBe(200);
  });

  test('the policy sees forged and replayed requests per session, with counts, and may revoke every session of the account', async () => {
    const signals: ThreatSignal[] = [];
    const { server } = make({
      onThreat: (signal) => {
        signals.push(signal);
        return signal.kind === 'replay' && signal.count >= 2 ? 'revoke-sessions' : undefined;
      },
    });
    expect((await register(server, 'target', 'pw')).status).toBe(201);
    const a = await login(server, 'target', 'pw');
    const b = await login(server, 'target', 'pw');
    expect((await server.fetch(forged(a))).status).toBe(401);
    const nonce = randomBytes(16);
    expect((await server.fetch(signed(a, 'GET', '/blobs/v', { nonce }))).status).toBe(200);
    expect((await server.fetch(signed(a, 'GET', '/blobs/v', { nonce }))).status).toBe(401);
    expect(signals.map((s) => [s.kind, s.userId, s.sessionId, s.count])).toEqual([
      ['forged', 'target', a.sessionId, 1],
      ['replay', 'target', a.sessionId, 1],
    ]);
    // A forged request without the default policy revokes nothing.
    expect((await server.fetch(ok(a))).status).toBe(200);
    expect((await server.fetch(signed(a, 'GET', '/blobs/v', { nonce }))).status).toBe(401);
    expect(signals.at(-1)).toMatchObject({ kind: 'replay', count: 2, windowMs: 600_000 });
    for (const s of [a, b]) expect(await codeOf(await server.fetch(ok(s)))).toBe('CLOSED');
  });

  test('wrong second factors are counted per account, across sessions', async () => {
    const signals: ThreatSignal[] = [];
    const { server } = make({
      onThreat: {
        policy: (signal) => {
          signals.push(signal);
          return signal.kind === 'factor_failed' && signal.count >= 2 ? 'revoke-sessions' : 'none';
        },
        windowMs: 60_000,
      },
    });
    expect((await register(server, 'mfa-user', 'pw')).status).toBe(201);
    const { session } = await mfaLogin(server, 'mfa-user', 'pw');
    const enrol = await server.fetch(signed(session, 'POST', '/mfa/totp/enroll', { body: {} }));
    const { secret } = (await enrol.json()) as { secret: string };
    expect((await server.fetch(signed(session, 'POST', '/mfa/totp/confirm', { body: { code: codeAt(secret, Date.now()) } }))).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const pending = await mfaLogin(server, 'mfa-user', 'pw');
      expect((await server.fetch(signed(pending.session, 'POST', '/mfa/verify', { body: { totp: '000000' } }))).status).toBe(401);
    }
    await vi.waitFor(() => expect(signals.map((s) => [s.kind, s.userId, s.count, s.windowMs])).toEqual([
      ['factor_failed', 'mfa-user', 1, 60_000],
      ['factor_failed', 'mfa-user', 2, 60_000],
    ]));
    await vi.waitFor(async () => expect(await codeOf(await server.fetch(ok(session)))).toBe('CLOSED'));
  });

  test('a policy that throws is an error event, never a failed request; options are validated', async () => {
    const { server, events } = make({
      onThreat: () => {
        throw new Error('policy bug');
      },
    });
    expect((await register(server, 'u', 'pw')).status).toBe(201);
    const s = await login(server, 'u', 'pw');
    expect((await server.fetch(forged(s))).status).toBe(401);
    expect(events).toContainEqual(expect.objectContaining({ type: 'error', reason: 'threat-policy-failed' }));
    expect((await server.fetch(ok(s))).status).toBe(200);
    expect(() => make({ onThreat: { policy: defaultThreatPolicy, windowMs: 0 } })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => make({ onThreat: 'off' as unknown as ThreatOptions })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
