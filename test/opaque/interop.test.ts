/**
 * Interoperability with a real peer: `@serenity-kit/opaque` (opaque-ke
 * compiled to WASM), both directions, with the real Argon2id profile on both
 * sides. Its default ("memory-constrained": t=3, m=65536 KiB, p=4) equals our
 * default, so neither side passes KSF options. Messages cross as unpadded
 * base64url, as serenity-kit encodes them.
 */
import * as serenity from '@serenity-kit/opaque';
import { beforeAll, describe, expect, test } from 'vitest';
import { fromBase64url, toBase64url, toHex } from '../../src/crypto/bytes.js';
import * as ours from '../../src/opaque/index.js';
import { expectCode } from './helpers.js';

const b64 = toBase64url;
const bytes = (text: string) => fromBase64url(text);

beforeAll(async () => {
  await serenity.ready;
});

interface Ids {
  client: string;
  server: string;
}

/** Our client registers with serenity's server. */
async function ourClientRegistersWithThem(serverSetup: string, userIdentifier: string, password: string, identifiers?: Ids) {
  const start = await ours.startRegistration({ password });
  const { registrationResponse } = serenity.server.createRegistrationResponse({ serverSetup, userIdentifier, registrationRequest: b64(start.request) });
  return ours.finishRegistration({ state: start.state, response: bytes(registrationResponse), password, ...(identifiers ? { identities: identifiers } : {}) });
}

/** Our client logs in with serenity's server; returns both session keys. */
async function ourClientLogsInWithThem(serverSetup: string, userIdentifier: string, record: Uint8Array, password: string, identifiers?: Ids) {
  const start = await ours.startLogin({ password });
  const { loginResponse, serverLoginState } = serenity.server.startLogin({
    serverSetup,
    userIdentifier,
    registrationRecord: b64(record),
    startLoginRequest: b64(start.request),
    ...(identifiers ? { identifiers } : {}),
  });
  const client = await ours.finishLogin({ state: start.state, response: bytes(loginResponse), password, ...(identifiers ? { identities: identifiers } : {}) });
  const server = serenity.server.finishLogin({ serverLoginState, finishLoginRequest: b64(client.finalization), ...(identifiers ? { identifiers } : {}) });
  return { client, serverSessionKey: bytes(server.sessionKey) };
}

/** Serenity's client registers with our server. */
function theirClientRegistersWithUs(setup: Uint8Array, userId: string, password: string, identifiers?: Ids) {
  const { clientRegistrationState, registrationRequest } = serenity.client.startRegistration({ password });
  const { response } = ours.createRegistrationResponse({ setup, userId, request: bytes(registrationRequest) });
  return serenity.client.finishRegistration({ clientRegistrationState, registrationResponse: b64(response), password, ...(identifiers ? { identifiers } : {}) });
}

/** Serenity's client logs in with our server. */
function theirClientLogsInWithUs(setup: Uint8Array, userId: string, record: Uint8Array, password: string, identifiers?: Ids) {
  const { clientLoginState, startLoginRequest } = serenity.client.startLogin({ password });
  const server = ours.startServerLogin({ setup, userId, record, request: bytes(startLoginRequest), ...(identifiers ? { identities: identifiers } : {}) });
  const client = serenity.client.finishLogin({ clientLoginState, loginResponse: b64(server.response), password, ...(identifiers ? { identifiers } : {}) });
  if (client === undefined) return { client, serverSessionKey: undefined };
  const { sessionKey } = ours.finishServerLogin({ state: server.state, finalization: bytes(client.finishLoginRequest) });
  return { client, serverSessionKey: sessionKey };
}

describe.each([
  ['without identities', undefined],
  ['with custom identities', { client: 'alice@example.com', server: 'vault.example.com' }],
] as [string, Ids | undefined][])('interop %s', (_label, identifiers) => {
  test('our client ↔ their server: register and log in', async () => {
    const serverSetup = serenity.server.createSetup();
    const reg = await ourClientRegistersWithThem(serverSetup, 'user-1', 'correct horse', identifiers);
    expect(b64(reg.serverPublicKey)).toBe(serenity.server.getPublicKey(serverSetup));
    const { client, serverSessionKey } = await ourClientLogsInWithThem(serverSetup, 'user-1', reg.record, 'correct horse', identifiers);
    expect(toHex(client.sessionKey)).toBe(toHex(serverSessionKey));
    expect(toHex(client.exportKey)).toBe(toHex(reg.exportKey));
  });

  test('their client ↔ our server: register and log in', () => {
    const setup = ours.createServerSetup();
    const reg = theirClientRegistersWithUs(setup, 'user-2', 'battery staple', identifiers);
    expect(bytes(reg.serverStaticPublicKey)).toEqual(ours.getServerPublicKey(setup));
    const { client, serverSessionKey } = theirClientLogsInWithUs(setup, 'user-2', bytes(reg.registrationRecord), 'battery staple', identifiers);
    expect(client).toBeDefined();
    expect(toHex(bytes(client!.sessionKey))).toBe(toHex(serverSessionKey!));
    expect(client!.exportKey).toBe(reg.exportKey);
  });
});

describe('records cross clients', () => {
  test('a record made by our client is used by their client (their server)', async () => {
    const serverSetup = serenity.server.createSetup();
    const reg = await ourClientRegistersWithThem(serverSetup, 'user-3', 'pw-3');
    const { clientLoginState, startLoginRequest } = serenity.client.startLogin({ password: 'pw-3' });
    const { loginResponse, serverLoginState } = serenity.server.startLogin({
      serverSetup,
      userIdentifier: 'user-3',
      registrationRecord: b64(reg.record),
      startLoginRequest,
    });
    const client = serenity.client.finishLogin({ clientLoginState, loginResponse, password: 'pw-3' });
    expect(client).toBeDefined();
    expect(client!.exportKey).toBe(b64(reg.exportKey));
    expect(serenity.server.finishLogin({ serverLoginState, finishLoginRequest: client!.finishLoginRequest }).sessionKey).toBe(client!.sessionKey);
  });

  test('a record made by their client is used by our client (our server)', async () => {
    const setup = ours.createServerSetup();
    const reg = theirClientRegistersWithUs(setup, 'user-4', 'pw-4');
    const start = await ours.startLogin({ password: 'pw-4' });
    const server = ours.startServerLogin({ setup, userId: 'user-4', record: bytes(reg.registrationRecord), request: start.request });
    const client = await ours.finishLogin({ state: start.state, response: server.response, password: 'pw-4' });
    expect(b64(client.exportKey)).toBe(reg.exportKey);
    expect(toHex(ours.finishServerLogin({ state: server.state, finalization: client.finalization }).sessionKey)).toBe(toHex(client.sessionKey));
  });
});

describe('failures across implementations', () => {
  test('their client with a wrong password is refused by our server; our fake record fools it the same way', () => {
    const setup = ours.createServerSetup();
    const reg = theirClientRegistersWithUs(setup, 'user-5', 'right');
    expect(theirClientLogsInWithUs(setup, 'user-5', bytes(reg.registrationRecord), 'wrong').client).toBeUndefined();
    // Unknown user: serenity's client gets a well-formed KE2 it cannot open.
    const { clientLoginState, startLoginRequest } = serenity.client.startLogin({ password: 'right' });
    const server = ours.startServerLogin({ setup, userId: 'nobody', record: null, request: bytes(startLoginRequest) });
    expect(serenity.client.finishLogin({ clientLoginState, loginResponse: b64(server.response), password: 'right' })).toBeUndefined();
  });

  test('our client with a wrong password against their server: AUTH_FAILED; their fake response likewise', async () => {
    const serverSetup = serenity.server.createSetup();
    const reg = await ourClientRegistersWithThem(serverSetup, 'user-6', 'right');
    const start = await ours.startLogin({ password: 'wrong' });
    const { loginResponse } = serenity.server.startLogin({ serverSetup, userIdentifier: 'user-6', registrationRecord: b64(reg.record), startLoginRequest: b64(start.request) });
    await expectCode(() => ours.finishLogin({ state: start.state, response: bytes(loginResponse), password: 'wrong' }), 'AUTH_FAILED');
    const start2 = await ours.startLogin({ password: 'right' });
    const fake = serenity.server.startLogin({ serverSetup, userIdentifier: 'nobody', registrationRecord: null, startLoginRequest: b64(start2.request) });
    await expectCode(() => ours.finishLogin({ state: start2.state, response: bytes(fake.loginResponse), password: 'right' }), 'AUTH_FAILED');
  });
});
