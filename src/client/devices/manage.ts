/**
 * Remembering, listing, revoking and forgetting devices from a session.
 *
 * Order of every multi-step change, so that a crash at any step loses
 * nothing (the password always still unlocks the account) and leaves
 * nothing half-made that could be used:
 *
 * - **Remember**: (1) keep the device secret on this device; (2) add the
 *   device to the registry (sealed under the root key); (3) write its slot
 *   (the root key sealed to it); (4) `POST /devices`, which registers its
 *   key and binds this session to it. Until (4) the server does not know
 *   the device, so nothing before it can log in: a crash leaves at most
 *   local material (the next `resume` gets 401 and deletes it), a registry
 *   entry the server does not list (never shown), and a slot sealed to a
 *   key that cannot log in. A failure undoes (3), (2), (1), best effort.
 * - **Remember a device the login proved** (`known`): kept when the server
 *   still lists it as this session's; if its check value pins another root
 *   key (a rotation crashed half way through this device), its slot is
 *   sealed again and then its check value updated (`repin`).
 * - **Revoke another device**: (1) `DELETE /devices/:id` (its credential and
 *   every session bound to it end at once); (2) delete its slot; (3) remove
 *   its registry entry. The credential goes first: removing the slot first
 *   and then failing the delete (a stale session) would leave a half-revoked
 *   device.
 * - **Forget this device** (`logout({ forgetDevice: true })`): (1) delete
 *   what this device keeps (from then on it cannot resume, whatever else
 *   fails); (2) delete its slot; (3) remove its registry entry; (4) `DELETE
 *   /devices/:id` (ends this session too).
 *
 * @module
 */
import { fromBase64url, toBase64url, wipe } from '../../crypto/bytes.js';
import { randomBytes } from '../../crypto/random.js';
import { ZeroVaultError, isZeroVaultError } from '../../errors.js';
import { assertDeviceName, deviceKeys, isDeviceId } from '../../formats/device.js';
import type { BlobStore } from '../../store/types.js';
import type { DevicePlace } from '../account/device-place.js';
import type { DeviceInfo } from '../account/types.js';
import { postJson, requestJson, type Endpoint, type SigningKey } from '../api.js';
import { localDevices, rootCheckOf, rootKeyMatches, type LocalDevices } from './local.js';
import { META_VAULT } from '../account/meta.js';
import { deviceSlotId } from '../../formats/device-slot.js';
import { defaultDeviceName } from './name.js';
import { addToRegistry, deleteDeviceSlot, readRegistry, removeFromRegistry, writeDeviceSlot } from './registry.js';
import { sealDeviceSlot } from './slot.js';
import type { AppendHost, AppendKeys } from '../log/host.js';
import { recordEvent } from '../log/append.js';

/** What the device code needs of a session; keys are borrowed (they throw `CLOSED` once it is closed). */
export interface DeviceHost {
  readonly endpoint: Endpoint;
  readonly place: DevicePlace;
  readonly store: BlobStore;
  /** The normalized user id. */
  readonly userId: string;
  readonly signing: () => SigningKey;
  readonly rootKey: () => Uint8Array;
  readonly signal?: AbortSignal | undefined;
  /** Where `device_revoked` entries are recorded (docs/security-log.md); none when absent. */
  readonly log?: AppendHost | undefined;
  /** The session's keys, when it has them: a device remembered at login signs its `device_added` entry with them. */
  readonly keys?: AppendKeys | undefined;
}

/** Options of {@link rememberDevice}. */
export interface RememberInput {
  /** The name; default {@link defaultDeviceName}. */
  readonly name: string | undefined;
  /** The device this login proved, if any: kept when the server still binds the session to it. */
  readonly known: string | undefined;
}

/**
 * Remembers this device for the session's account (see the module comment for the order).
 * @returns the device id
 */
export async function rememberDevice(host: DeviceHost, input: RememberInput): Promise<string> {
  const name = input.name ?? defaultDeviceName();
  assertDeviceName(name);
  const local = await localDevices(host.endpoint.baseUrl, host.place);
  if (input.known !== undefined) {
    const listed = await serverDevices(host);
    if (listed.some((d) => d.id === input.known && d.current)) {
      await repin(host, local, input.known);
      return input.known;
    }
    // The server no longer knows it (revoked while this device was away): start over.
    await local.remove(host.userId, input.known);
  }
  const deviceId = toBase64url(randomBytes(16));
  const secret = randomBytes(32);
  const keys = deviceKeys(secret);
  const { userId, store } = host;
  const undo: (() => Promise<void>)[] = [];
  try {
    const rootKey = host.rootKey();
    const rootCheck = rootCheckOf(rootKey, userId, deviceId);
    try {
      await local.save({ userId, deviceId, secret, rootCheck });
    } finally {
      wipe(rootCheck);
    }
    undo.push(() => local.remove(userId, deviceId));
    await addToRegistry(store, host.rootKey, { deviceId, name, createdAt: Date.now(), signingKey: keys.signingKey, unlockKey: keys.unlockKey });
    undo.push(() => removeFromRegistry(store, host.rootKey, deviceId));
    await writeDeviceSlot(store, deviceId, await sealDeviceSlot({ rootKey: host.rootKey(), unlockKey: keys.unlockKey, userId, deviceId }));
    undo.push(() => deleteDeviceSlot(store, deviceId));
    await postJson(host.endpoint, '/devices', { deviceId, name, signingKey: toBase64url(keys.signingKey) }, { key: host.signing(), signal: host.signal });
    await recordEvent(host.keys && { ...host, keys: host.keys, deviceId }, 'device_added', deviceId);
    return deviceId;
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw err;
  } finally {
    wipe(secret, keys.signingSeed, keys.unlockSecret);
  }
}

/**
 * A device kept by a login that remembers it: when its check value pins
 * another root key than this session's (a root-key rotation crashed
 * between re-sealing its slot and updating the check), its slot is sealed
 * to it again and the check updated. Safe because the session's root key
 * came from a password, recovery or passkey login, never from the store alone.
 */
async function repin(host: DeviceHost, local: LocalDevices, deviceId: string): Promise<void> {
  const kept = await local.load(host.userId);
  if (kept === null || kept.deviceId !== deviceId) return;
  const keys = deviceKeys(kept.secret);
  const rootKey = host.rootKey();
  const rootCheck = rootCheckOf(rootKey, host.userId, deviceId);
  try {
    if (rootKeyMatches(kept, rootKey)) return;
    await host.store.put(META_VAULT, deviceSlotId(deviceId), await sealDeviceSlot({ rootKey, unlockKey: keys.unlockKey, userId: host.userId, deviceId }));
    await local.save({ userId: host.userId, deviceId, secret: kept.secret, rootCheck });
  } finally {
    wipe(kept.secret, kept.rootCheck, keys.signingSeed, keys.unlockSecret, rootCheck);
  }
}

function invalidResponse(): ZeroVaultError {
  return new ZeroVaultError('NETWORK', 'invalid server response');
}

/** `GET /devices`, parsed strictly. */
export async function serverDevices(host: DeviceHost): Promise<Omit<DeviceInfo, 'verified'>[]> {
  const reply = await requestJson(host.endpoint, 'GET', '/devices', undefined, { key: host.signing(), signal: host.signal });
  const list = reply.devices;
  if (!Array.isArray(list)) throw invalidResponse();
  return (list as unknown[]).map((item) => {
    if (typeof item !== 'object' || item === null) throw invalidResponse();
    const { id, name, createdAt, lastSeenAt, lastAddress, current } = item as Record<string, unknown>;
    if (!isDeviceId(id) || typeof name !== 'string' || typeof current !== 'boolean') throw invalidResponse();
    if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || typeof lastSeenAt !== 'number' || !Number.isSafeInteger(lastSeenAt)) throw invalidResponse();
    if (lastAddress !== null && typeof lastAddress !== 'string') throw invalidResponse();
    return { id, name, createdAt, lastSeenAt, lastAddress, current };
  });
}

/** The account's devices as the server lists them, each checked against the registry (whose names win). */
export async function listDevices(host: DeviceHost): Promise<DeviceInfo[]> {
  const listed = await serverDevices(host);
  const registry = await readRegistry(host.store, host.rootKey());
  try {
    return listed.map((d) => {
      const own = registry.find((r) => r.deviceId === d.id);
      // The registry's name is the one the device was remembered with; the server's could be any.
      return own === undefined ? { ...d, verified: false } : { ...d, name: own.name, verified: true };
    });
  } finally {
    for (const r of registry) wipe(r.signingKey, r.unlockKey);
  }
}

function deletePath(deviceId: string): string {
  if (!isDeviceId(deviceId)) throw new ZeroVaultError('INVALID_INPUT', 'id must be a device id');
  // Canonical base64url: the id is its own path segment.
  fromBase64url(deviceId, 'id');
  return `/devices/${deviceId}`;
}

/**
 * Revokes another device (see the module comment for the order).
 * @throws `AUTH_FAILED` when the session is not fresh; `NOT_FOUND` when the server does not know it (its slot and entry are removed anyway)
 */
export async function revokeDevice(host: DeviceHost, deviceId: string): Promise<void> {
  let notFound: ZeroVaultError | undefined;
  try {
    await requestJson(host.endpoint, 'DELETE', deletePath(deviceId), undefined, { key: host.signing(), signal: host.signal });
  } catch (err) {
    if (!isZeroVaultError(err, 'NOT_FOUND')) throw err;
    notFound = err;
  }
  await deleteDeviceSlot(host.store, deviceId);
  await removeFromRegistry(host.store, host.rootKey, deviceId);
  if (notFound === undefined) await recordEvent(host.log, 'device_revoked', deviceId);
  if (notFound !== undefined) throw notFound;
}

/**
 * Forgets this session's own device (see the module comment for the order).
 * Every step runs even when an earlier one failed; the first failure is thrown.
 */
export async function forgetDevice(host: DeviceHost, deviceId: string): Promise<void> {
  let failure: Error | undefined;
  const step = async (run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
    } catch (err) {
      failure ??= err instanceof Error ? err : new ZeroVaultError('STORAGE', 'forgetting the device failed', { cause: err });
    }
  };
  await step(async () => (await localDevices(host.endpoint.baseUrl, host.place)).remove(host.userId, deviceId));
  await step(() => deleteDeviceSlot(host.store, deviceId));
  await step(() => removeFromRegistry(host.store, host.rootKey, deviceId));
  // Before the server forgets the device, which ends this session (and its right to append).
  await recordEvent(host.log, 'device_revoked', deviceId);
  await step(async () => {
    try {
      await requestJson(host.endpoint, 'DELETE', deletePath(deviceId), undefined, { key: host.signing(), signal: host.signal });
    } catch (err) {
      // Already gone on the server (revoked elsewhere) is what forgetting wants.
      if (!isZeroVaultError(err, 'NOT_FOUND') && !isZeroVaultError(err, 'CLOSED')) throw err;
    }
  });
  if (failure !== undefined) throw failure;
}
