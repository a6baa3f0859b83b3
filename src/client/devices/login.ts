/**
 * A remembered device logging in: without a password (`client.resume`), and
 * the proof it adds to a password login (`knownDevice`). The bytes are
 * `formats/device.ts`.
 *
 * Resume, in order: read what this device kept; device login (challenge,
 * signature over it and a fresh X25519 ephemeral, session key from the
 * ephemerals' shared secret); read the device slot through the new session;
 * open it with the device's unlock key; check the root key against the
 * check value kept on the device. Answers:
 * - nothing kept → `null`;
 * - the server refuses the device (401 on login) or its slot is gone →
 *   what the device kept is deleted, `null` (revoked or forgotten elsewhere);
 * - a slot that does not open, or opens to another root key →
 *   `DECRYPT_FAILED`, the new server session is logged out, and what the
 *   device kept stays (a misbehaving server must not make a device forget
 *   more than a revocation would);
 * - rate limits and network failures throw and delete nothing.
 *
 * @module
 */
import { toBase64url, wipe } from '../../crypto/bytes.js';
import { ZeroVaultError, decryptFailed, isZeroVaultError } from '../../errors.js';
import {
  deviceEphemeral,
  deviceKeys,
  deviceLoginMessage,
  deviceSessionKey,
  knownDeviceMessage,
  signDeviceMessage,
} from '../../formats/device.js';
import type { BlobStore } from '../../store/types.js';
import type { DeviceProver } from '../account/auth.js';
import type { DevicePlace } from '../account/device-place.js';
import { bytesField, postJson, stringField, type Endpoint, type SigningKey } from '../api.js';
import { keyedSession } from '../ephemeral-session.js';
import { localDevices, rootKeyMatches, type LocalDevices, type RememberedDevice } from './local.js';
import { readDeviceSlot } from './registry.js';
import { openDeviceSlot } from './slot.js';

const LOGIN_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** The device a password login proves, when this device remembers the account. */
export interface KnownDevice {
  readonly deviceId: string;
  readonly prove: DeviceProver;
  /** Marks the device used now (after the login succeeded; never throws). */
  readonly touch: () => Promise<void>;
}

/**
 * The remembered device of `userId` here, with a prover for its login
 * proof, or `null`. Never throws: a device that cannot be read only means
 * a login without the proof.
 */
export async function knownDevice(endpoint: Endpoint, place: DevicePlace, userId: string): Promise<KnownDevice | null> {
  let device: RememberedDevice | null;
  let local: LocalDevices;
  try {
    local = await localDevices(endpoint.baseUrl, place);
    device = await local.load(userId);
  } catch {
    return null;
  }
  if (device === null) return null;
  const { deviceId, secret, rootCheck } = device;
  wipe(rootCheck);
  return {
    deviceId,
    // One proof per login: the secret is wiped once it has signed.
    prove: async (request) => {
      const keys = deviceKeys(secret);
      try {
        return { id: deviceId, signature: signDeviceMessage(keys.signingSeed, knownDeviceMessage({ userId, deviceId, request })) };
      } finally {
        wipe(keys.signingSeed, keys.unlockSecret, secret);
      }
    },
    touch: () => local.touch(userId, deviceId),
  };
}

/**
 * Logs a remembered device in (no password).
 * @returns the session's signing key, or `null` when the server refuses the device (`AUTH_FAILED`)
 * @throws `RATE_LIMITED`; `NETWORK`
 */
export async function deviceLogin(endpoint: Endpoint, device: RememberedDevice, signal: AbortSignal | undefined): Promise<SigningKey | null> {
  const { userId, deviceId } = device;
  const keys = deviceKeys(device.secret);
  const ephemeral = deviceEphemeral();
  try {
    const started = await postJson(endpoint, '/device/login/start', { userId, deviceId }, { signal });
    const loginId = stringField(started, 'loginId', LOGIN_ID);
    const challenge = bytesField(started, 'challenge');
    if (challenge.length !== 32) throw new ZeroVaultError('NETWORK', 'invalid server response');
    const signature = signDeviceMessage(keys.signingSeed, deviceLoginMessage({ userId, deviceId, challenge, ephemeral: ephemeral.publicKey }));
    let done: Record<string, unknown>;
    try {
      done = await postJson(endpoint, '/device/login/finish', { loginId, ephemeral: toBase64url(ephemeral.publicKey), signature: toBase64url(signature) }, { signal });
    } catch (err) {
      if (isZeroVaultError(err, 'AUTH_FAILED')) return null;
      throw err;
    }
    return keyedSession(done, ephemeral.secretKey, (shared, serverEphemeral) => deviceSessionKey({ shared, challenge, clientEphemeral: ephemeral.publicKey, serverEphemeral }));
  } finally {
    wipe(keys.signingSeed, keys.unlockSecret, ephemeral.secretKey);
  }
}

/** Inputs of {@link resumeDevice}. */
export interface ResumeInput {
  readonly endpoint: Endpoint;
  readonly place: DevicePlace;
  /** The normalized user id, or the most recently used account. */
  readonly userId: string | undefined;
  readonly signal: AbortSignal | undefined;
  /** The client's store for a session signing with `signing`. */
  readonly storeFor: (signing: SigningKey) => BlobStore;
}

/** A resumed device: what `Client` opens the session with. */
export interface Resumed {
  readonly userId: string;
  readonly deviceId: string;
  readonly signing: SigningKey;
  readonly rootKey: Uint8Array;
}

/** Resumes a remembered device (see the module comment for every answer). */
export async function resumeDevice(input: ResumeInput): Promise<Resumed | null> {
  const local = await localDevices(input.endpoint.baseUrl, input.place);
  const device = await local.load(input.userId);
  if (device === null) return null;
  const { userId, deviceId } = device;
  try {
    const signing = await deviceLogin(input.endpoint, device, input.signal);
    if (signing === null) {
      await local.remove(userId, deviceId);
      return null;
    }
    let rootKey: Uint8Array | null = null;
    try {
      const slot = await readDeviceSlot(input.storeFor(signing), deviceId);
      if (slot !== null) {
        const keys = deviceKeys(device.secret);
        try {
          rootKey = await openDeviceSlot({ slot, unlockSecret: keys.unlockSecret, userId, deviceId });
        } finally {
          wipe(keys.signingSeed, keys.unlockSecret);
        }
        if (!rootKeyMatches(device, rootKey)) {
          wipe(rootKey);
          throw decryptFailed();
        }
      }
    } catch (err) {
      await abandon(input.endpoint, signing);
      throw err;
    }
    if (rootKey === null) {
      // The device was forgotten (its slot deleted) from another session.
      await abandon(input.endpoint, signing);
      await local.remove(userId, deviceId);
      return null;
    }
    await local.touch(userId, deviceId);
    return { userId, deviceId, signing, rootKey };
  } finally {
    wipe(device.secret, device.rootCheck);
  }
}

/** Ends a server session that will not be handed out (best effort) and wipes its key. */
async function abandon(endpoint: Endpoint, signing: SigningKey): Promise<void> {
  await postJson(endpoint, '/logout', {}, { key: signing }).catch(() => undefined);
  wipe(signing.macKey);
}
