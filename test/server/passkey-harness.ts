/**
 * Test harness for passkeys: a software authenticator (an ES256 key pair,
 * its COSE key and attestation object encoded with the CBOR encoder
 * `@simplewebauthn/server/helpers` ships, signatures from node:crypto), the
 * registration and login ceremonies over a server's fetch handler, and the
 * session key as the client derives it.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { concat, fromBase64url, toBase64url, utf8 } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { requestMacKey } from '../../src/crypto/request-mac.js';
import { deviceEphemeral, deviceSharedSecret } from '../../src/formats/device.js';
import { passkeyLoginChallenge, passkeySessionKey } from '../../src/formats/passkey.js';
import type { ZeroVaultServer } from '../../src/server/index.js';
import { post, signed, type TestSession } from './harness.js';

export const RP_ID = 'zv.test';
export const ORIGIN = 'https://zv.test';

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest());

/** A software authenticator holding one credential. */
export interface SoftKey {
  readonly id: Uint8Array;
  readonly privateKey: KeyObject;
  readonly cose: Uint8Array;
  counter: number;
  /** The `user.id` it was registered with (base64url), returned as `userHandle`. */
  userHandle?: string;
}

/** A fresh credential; `counter` starts where the authenticator's would (0 = no counter). */
export function newSoftKey(counter = 0): SoftKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, fromBase64url(jwk.x ?? '')],
      [-3, fromBase64url(jwk.y ?? '')],
    ]),
  );
  return { id: randomBytes(32), privateKey, cose, counter };
}

function u32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

/** Flags: UP (0x01) and UV (0x04) by default. */
function authData(key: SoftKey, flags: number, attested: boolean, rpId = RP_ID): Uint8Array {
  const head = concat(sha256(utf8(rpId)), Uint8Array.of(flags | (attested ? 0x40 : 0)), u32(key.counter));
  if (!attested) return head;
  return concat(head, new Uint8Array(16), Uint8Array.of(key.id.length >> 8, key.id.length & 255), key.id, key.cose);
}

/** What a ceremony may get wrong on purpose. */
export interface Tamper {
  readonly origin?: string;
  readonly rpId?: string;
  readonly flags?: number;
  readonly challenge?: string;
  readonly userHandle?: string;
}

/** The `RegistrationResponseJSON` for creation `options`. */
export function attest(key: SoftKey, options: { challenge: string; user: { id: string } }, tamper: Tamper = {}): Record<string, unknown> {
  key.userHandle = options.user.id;
  const clientDataJSON = utf8(JSON.stringify({ type: 'webauthn.create', challenge: tamper.challenge ?? options.challenge, origin: tamper.origin ?? ORIGIN, crossOrigin: false }));
  const attestationObject = isoCBOR.encode(
    new Map<string, string | Uint8Array | Map<string, string>>([
      ['fmt', 'none'],
      ['attStmt', new Map<string, string>()],
      ['authData', authData(key, tamper.flags ?? 0x05, true, tamper.rpId)],
    ]),
  );
  const id = toBase64url(key.id);
  return { id, rawId: id, type: 'public-key', clientExtensionResults: {}, response: { clientDataJSON: toBase64url(clientDataJSON), attestationObject: toBase64url(attestationObject), transports: ['internal'] } };
}

/** The `AuthenticationResponseJSON` for request `options`; the counter moves on first when the key has one. */
export function assert(key: SoftKey, options: { challenge: string }, tamper: Tamper = {}): Record<string, unknown> {
  if (key.counter > 0) key.counter += 1;
  const clientDataJSON = utf8(JSON.stringify({ type: 'webauthn.get', challenge: tamper.challenge ?? options.challenge, origin: tamper.origin ?? ORIGIN, crossOrigin: false }));
  const data = authData(key, tamper.flags ?? 0x05, false, tamper.rpId);
  const signature = new Uint8Array(sign('sha256', concat(data, sha256(clientDataJSON)), { key: key.privateKey, dsaEncoding: 'der' }));
  const id = toBase64url(key.id);
  const userHandle = tamper.userHandle ?? key.userHandle;
  return {
    id,
    rawId: id,
    type: 'public-key',
    clientExtensionResults: {},
    response: { clientDataJSON: toBase64url(clientDataJSON), authenticatorData: toBase64url(data), signature: toBase64url(signature), ...(userHandle === undefined ? {} : { userHandle }) },
  };
}

/** `POST /passkeys/register/start` then finish with `key`; returns the finish response. */
export async function registerPasskey(server: ZeroVaultServer, session: TestSession, key: SoftKey, name = 'Test key', tamper: Tamper = {}): Promise<Response> {
  const started = await server.fetch(signed(session, 'POST', '/passkeys/register/start', { body: {} }));
  if (started.status !== 200) return started;
  const { registrationId, options } = (await started.json()) as { registrationId: string; options: { challenge: string; user: { id: string } } };
  return server.fetch(signed(session, 'POST', '/passkeys/register/finish', { body: { registrationId, name, response: attest(key, options, tamper) } }));
}

/** A passkey login's pieces, up to the finish request. */
export interface PasskeyStart {
  readonly loginId: string;
  readonly nonce: Uint8Array;
  readonly challenge: string;
  readonly ephemeral: { secretKey: Uint8Array; publicKey: Uint8Array };
}

/** `POST /passkey/login/start`; throws on a non-200. */
export async function passkeyStart(server: ZeroVaultServer, userId?: string, address = '192.0.2.1'): Promise<PasskeyStart> {
  const ephemeral = deviceEphemeral();
  const res = await post(server, '/passkey/login/start', { ...(userId === undefined ? {} : { userId }), ephemeral: toBase64url(ephemeral.publicKey) }, {}, address);
  if (res.status !== 200) throw Object.assign(new Error(`passkey/login/start ${res.status}`), { status: res.status });
  const body = (await res.json()) as { loginId: string; nonce: string; options: { challenge: string } };
  return { loginId: body.loginId, nonce: fromBase64url(body.nonce), challenge: body.options.challenge, ephemeral };
}

/** `POST /passkey/login/finish` with an assertion of `key`. */
export function passkeyFinish(server: ZeroVaultServer, start: PasskeyStart, key: SoftKey, tamper: Tamper = {}, address = '192.0.2.1'): Promise<Response> {
  return post(server, '/passkey/login/finish', { loginId: start.loginId, response: assert(key, { challenge: start.challenge }, tamper) }, {}, address);
}

/** The session of a successful finish, keyed as the client derives it (and the challenge checked as the client does). */
export async function passkeySession(response: Response, start: PasskeyStart): Promise<TestSession & { userId: string }> {
  if (response.status !== 200) throw Object.assign(new Error(`passkey/login/finish ${response.status}`), { status: response.status });
  const body = (await response.json()) as { sessionId: string; ephemeral: string; userId: string };
  const challenge = passkeyLoginChallenge(start.nonce, start.ephemeral.publicKey);
  if (toBase64url(challenge) !== start.challenge) throw new Error('the challenge does not commit to the ephemeral');
  const serverEphemeral = fromBase64url(body.ephemeral);
  const shared = deviceSharedSecret(start.ephemeral.secretKey, serverEphemeral);
  const sessionKey = passkeySessionKey({ shared, challenge, clientEphemeral: start.ephemeral.publicKey, serverEphemeral });
  return { sessionId: body.sessionId, sessionKey, macKey: requestMacKey(sessionKey, body.sessionId), userId: body.userId };
}

/** Register + login with a soft key in one go. */
export async function passkeyLogin(server: ZeroVaultServer, key: SoftKey, userId?: string): Promise<TestSession & { userId: string }> {
  const start = await passkeyStart(server, userId);
  return passkeySession(await passkeyFinish(server, start, key), start);
}
