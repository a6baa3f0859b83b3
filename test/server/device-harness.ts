/**
 * Test harness for remembered devices: a device (its secret and keys, as
 * `formats/device.ts` derives them), its registration from a session, a
 * device login that ends in a signed-request session, and a password login
 * carrying a known-device proof.
 */
import { fromBase64url, toBase64url } from '../../src/crypto/bytes.js';
import { randomBytes } from '../../src/crypto/random.js';
import { requestMacKey } from '../../src/crypto/request-mac.js';
import {
  deviceEphemeral,
  deviceKeys,
  deviceLoginMessage,
  deviceSessionKey,
  deviceSharedSecret,
  knownDeviceMessage,
  signDeviceMessage,
  type DeviceKeys,
} from '../../src/formats/device.js';
import { normalizeUserId } from '../../src/formats/user-id.js';
import { finishLogin, startLogin } from '../../src/opaque/index.js';
import type { ZeroVaultServer } from '../../src/server/index.js';
import { TEST_KSF, post, signed, type TestSession } from './harness.js';

/** A device: its id and keys. */
export interface TestDevice {
  readonly id: string;
  readonly keys: DeviceKeys;
}

/** A fresh device (random id and secret). */
export function newDevice(): TestDevice {
  return { id: toBase64url(randomBytes(16)), keys: deviceKeys(randomBytes(32)) };
}

/** `POST /devices` from `session`. */
export function addDevice(server: ZeroVaultServer, session: TestSession, device: TestDevice, name = 'Test device', address = '192.0.2.1'): Promise<Response> {
  return server.fetch(signed(session, 'POST', '/devices', { body: { deviceId: device.id, name, signingKey: toBase64url(device.keys.signingKey) } }), { address });
}

/** `POST /device/login/start` → `{ loginId, challenge }` (or the failing response). */
export async function deviceStart(server: ZeroVaultServer, userId: string, deviceId: string, address = '192.0.2.1'): Promise<Response> {
  return post(server, '/device/login/start', { userId, deviceId }, {}, address);
}

/** The pieces of a device login's finish request. */
export interface DeviceFinish {
  readonly loginId: string;
  readonly challenge: Uint8Array;
  readonly ephemeral: { secretKey: Uint8Array; publicKey: Uint8Array };
  readonly signature: Uint8Array;
}

/** Signs a challenge as the device does. */
export function answer(device: TestDevice, userId: string, loginId: string, challenge: Uint8Array): DeviceFinish {
  const ephemeral = deviceEphemeral();
  const message = deviceLoginMessage({ userId: normalizeUserId(userId), deviceId: device.id, challenge, ephemeral: ephemeral.publicKey });
  return { loginId, challenge, ephemeral, signature: signDeviceMessage(device.keys.signingSeed, message) };
}

/** `POST /device/login/finish`. */
export function deviceFinish(server: ZeroVaultServer, finish: DeviceFinish, address = '192.0.2.1'): Promise<Response> {
  return post(
    server,
    '/device/login/finish',
    { loginId: finish.loginId, ephemeral: toBase64url(finish.ephemeral.publicKey), signature: toBase64url(finish.signature) },
    {},
    address,
  );
}

/** The session a successful finish yields, keyed as the client derives it. */
export async function sessionOf(response: Response, finish: DeviceFinish): Promise<TestSession & { expiresAt: number }> {
  if (response.status !== 200) throw Object.assign(new Error(`device/login/finish ${response.status}`), { status: response.status });
  const body = (await response.json()) as { sessionId: string; expiresAt: number; ephemeral: string };
  const serverEphemeral = fromBase64url(body.ephemeral);
  const shared = deviceSharedSecret(finish.ephemeral.secretKey, serverEphemeral);
  const sessionKey = deviceSessionKey({ shared, challenge: finish.challenge, clientEphemeral: finish.ephemeral.publicKey, serverEphemeral });
  return { sessionId: body.sessionId, sessionKey, macKey: requestMacKey(sessionKey, body.sessionId), expiresAt: body.expiresAt };
}

/** A whole device login; throws with `status` when a step fails. */
export async function deviceLogin(server: ZeroVaultServer, userId: string, device: TestDevice, address = '192.0.2.1'): Promise<TestSession> {
  const start = await deviceStart(server, userId, device.id, address);
  if (start.status !== 200) throw Object.assign(new Error(`device/login/start ${start.status}`), { status: start.status });
  const { loginId, challenge } = (await start.json()) as { loginId: string; challenge: string };
  const finish = answer(device, userId, loginId, fromBase64url(challenge));
  return sessionOf(await deviceFinish(server, finish, address), finish);
}

/** The `device` field of a `login/start`: a known-device proof over this KE1. */
export function knownProof(device: TestDevice, userId: string, request: Uint8Array): { id: string; signature: string } {
  const message = knownDeviceMessage({ userId: normalizeUserId(userId), deviceId: device.id, request });
  return { id: device.id, signature: toBase64url(signDeviceMessage(device.keys.signingSeed, message)) };
}

/**
 * A password login, with a known-device proof when `proof` is given
 * (`'valid'` signs with the device's key; `'bad'` with another key).
 * Returns the session, or throws with the failing `status` (and its response).
 */
export async function passwordLogin(
  server: ZeroVaultServer,
  userId: string,
  password: string,
  options: { device?: TestDevice; badProof?: boolean; address?: string } = {},
): Promise<TestSession> {
  const address = options.address ?? '192.0.2.1';
  const start = await startLogin({ password });
  const device = options.device === undefined ? undefined : options.badProof === true ? { id: options.device.id, keys: newDevice().keys } : options.device;
  const body = { userId, request: toBase64url(start.request), ...(device === undefined ? {} : { device: knownProof(device, userId, start.request) }) };
  const r1 = await post(server, '/login/start', body, {}, address);
  if (r1.status !== 200) throw Object.assign(new Error(`login/start ${r1.status}`), { status: r1.status, response: r1 });
  const { loginId, response } = (await r1.json()) as { loginId: string; response: string };
  const finish = await finishLogin({ state: start.state, response: fromBase64url(response), password, ksf: TEST_KSF });
  const r2 = await post(server, '/login/finish', { loginId, finalization: toBase64url(finish.finalization) }, {}, address);
  if (r2.status !== 200) throw Object.assign(new Error(`login/finish ${r2.status}`), { status: r2.status, response: r2 });
  const { sessionId } = (await r2.json()) as { sessionId: string };
  return { sessionId, sessionKey: finish.sessionKey, macKey: requestMacKey(finish.sessionKey, sessionId) };
}
