/**
 * What a remembered device keeps on the device itself, per (server base
 * URL, user id): its id, its 32-byte secret `ds` and a check value of the
 * account's root key, wrapped (AES-256-GCM) under a local key `W`.
 *
 * - Browsers (`local-idb.ts`): IndexedDB, `W` a non-extractable `CryptoKey`
 *   stored by structured clone: script on the page can use it but never
 *   read it out, and the wrapped secret alone is useless.
 * - Node (`local-files.ts`): one file per (server, user) in a folder, mode
 *   0600. Node cannot keep a non-extractable key across restarts, so the
 *   file holds `W` beside the wrap: the protection is the file's
 *   permissions and the disk's encryption.
 *
 * The wrapped plaintext is `ds (32) || rootCheck (32)`, AAD
 * `"zerovault/v1/device-local" || 0x00 || lp(server) || lp(userId) || lp(deviceId)`.
 * `rootCheck = HKDF(rootKey, "zerovault/v1/device/root-check", userId || 0x00 || deviceId)`
 * pins the root key this device was remembered with: a server that seals
 * another root key to the device (it knows the device's public keys only
 * if it swapped them, but it controls the store) cannot make `resume`
 * succeed with it.
 *
 * An entry that does not open (corrupted, or moved between servers or
 * users) is deleted and reads as nothing remembered; a storage that fails
 * is `STORAGE` and deletes nothing.
 *
 * @module
 */
import { concat, equal, utf8, wipe } from '../../crypto/bytes.js';
import { deriveKey } from '../../crypto/kdf.js';
import { ZeroVaultError, isZeroVaultError } from '../../errors.js';
import { labelled, lp } from '../../formats/codec.js';
import { isDeviceId } from '../../formats/device.js';
import type { DevicePlace } from '../account/device-place.js';
import { loadOnDemand } from '../../crypto/lazy.js';

/** A remembered device, unwrapped. The caller owns (and wipes) `secret` and `rootCheck`. */
export interface RememberedDevice {
  /** The normalized user id. */
  readonly userId: string;
  readonly deviceId: string;
  /** The device secret `ds` (32 bytes). */
  readonly secret: Uint8Array;
  /** The root key check value (32 bytes). */
  readonly rootCheck: Uint8Array;
}

/** One entry as a platform keeps it; `K` is the platform's local key (a `CryptoKey`, or raw bytes in a file). */
export interface StoredEntry<K> {
  readonly v: 1;
  readonly server: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly wrapped: Uint8Array;
  readonly usedAt: number;
  readonly key: K;
}

/** A platform's raw storage of entries, and its AES-256-GCM under `K`. */
export interface EntryStorage<K> {
  get(server: string, userId: string): Promise<StoredEntry<K> | null>;
  /** Every entry of `server`. */
  all(server: string): Promise<StoredEntry<K>[]>;
  put(entry: StoredEntry<K>): Promise<void>;
  /** Deletes the entry of (server, userId), only if it is still `deviceId`'s when given. */
  delete(server: string, userId: string, deviceId?: string): Promise<void>;
  /** A fresh local key. */
  newKey(): Promise<K>;
  seal(key: K, plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** @throws `DECRYPT_FAILED` */
  open(key: K, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

/** The remembered devices of one server on this device. */
export interface LocalDevices {
  /** Remembers a device for its user (replacing an earlier one). */
  save(device: RememberedDevice): Promise<void>;
  /**
   * The device remembered for `userId`, or without it the most recently
   * used one; `null` when none (an entry that does not open is deleted).
   * @throws `STORAGE`
   */
  load(userId: string | undefined): Promise<RememberedDevice | null>;
  /** Marks the device of `userId` used now (best effort: never throws). */
  touch(userId: string, deviceId: string): Promise<void>;
  /** Forgets the device of `userId`, only if it is still `deviceId` when given. @throws `STORAGE` */
  remove(userId: string, deviceId?: string): Promise<void>;
}

const LOCAL_LABEL = 'zerovault/v1/device-local';
const ROOT_CHECK_LABEL = 'zerovault/v1/device/root-check';

/** The root key check value of a device (see the module comment). */
export function rootCheckOf(rootKey: Uint8Array, userId: string, deviceId: string): Uint8Array {
  return deriveKey({ ikm: rootKey, label: ROOT_CHECK_LABEL, context: concat(utf8(userId), Uint8Array.of(0), utf8(deviceId)) });
}

/** Whether `rootKey` is the one the device was remembered with (constant time). */
export function rootKeyMatches(device: RememberedDevice, rootKey: Uint8Array): boolean {
  const check = rootCheckOf(rootKey, device.userId, device.deviceId);
  try {
    return equal(check, device.rootCheck);
  } finally {
    wipe(check);
  }
}

function aadOf(server: string, userId: string, deviceId: string): Uint8Array {
  return labelled(LOCAL_LABEL, lp(utf8(server)), lp(utf8(userId)), lp(utf8(deviceId)));
}

class Local<K> implements LocalDevices {
  readonly #server: string;
  readonly #storage: EntryStorage<K>;

  constructor(server: string, storage: EntryStorage<K>) {
    this.#server = server;
    this.#storage = storage;
  }

  async save(device: RememberedDevice): Promise<void> {
    const key = await this.#storage.newKey();
    const plaintext = concat(device.secret, device.rootCheck);
    try {
      const wrapped = await this.#storage.seal(key, plaintext, aadOf(this.#server, device.userId, device.deviceId));
      await this.#storage.put({ v: 1, server: this.#server, userId: device.userId, deviceId: device.deviceId, wrapped, usedAt: Date.now(), key });
    } finally {
      wipe(plaintext);
    }
  }

  async load(userId: string | undefined): Promise<RememberedDevice | null> {
    let entry: StoredEntry<K> | null;
    if (userId !== undefined) entry = await this.#storage.get(this.#server, userId);
    else entry = (await this.#storage.all(this.#server)).reduce<StoredEntry<K> | null>((best, e) => (best === null || e.usedAt > best.usedAt ? e : best), null);
    if (entry === null) return null;
    const opened = await this.#open(entry);
    if (opened === null) await this.#storage.delete(this.#server, entry.userId, entry.deviceId);
    return opened;
  }

  async #open(entry: StoredEntry<K>): Promise<RememberedDevice | null> {
    if (entry.server !== this.#server || !isDeviceId(entry.deviceId)) return null;
    let plaintext: Uint8Array;
    try {
      plaintext = await this.#storage.open(entry.key, entry.wrapped, aadOf(this.#server, entry.userId, entry.deviceId));
    } catch (err) {
      if (isZeroVaultError(err, 'DECRYPT_FAILED') || isZeroVaultError(err, 'INVALID_INPUT')) return null;
      throw err;
    }
    if (plaintext.length !== 64) return null;
    const device = { userId: entry.userId, deviceId: entry.deviceId, secret: plaintext.slice(0, 32), rootCheck: plaintext.slice(32) };
    wipe(plaintext);
    return device;
  }

  async touch(userId: string, deviceId: string): Promise<void> {
    try {
      const entry = await this.#storage.get(this.#server, userId);
      if (entry !== null && entry.deviceId === deviceId) await this.#storage.put({ ...entry, usedAt: Math.max(Date.now(), entry.usedAt + 1) });
    } catch {
      // Only the "most recently used" order depends on it.
    }
  }

  async remove(userId: string, deviceId?: string): Promise<void> {
    await this.#storage.delete(this.#server, userId, deviceId);
  }
}

/** Wraps an entry storage's foreign failures as `STORAGE`. */
export function storageFailure(operation: string, cause: unknown): ZeroVaultError {
  return isZeroVaultError(cause) ? cause : new ZeroVaultError('STORAGE', `device storage ${operation} failed`, { cause });
}

/**
 * The remembered devices of `server` at `place`.
 * @throws `UNSUPPORTED` when the place is none, or a folder on a platform without files
 */
export async function localDevices(server: string, place: DevicePlace): Promise<LocalDevices> {
  if (place.kind === 'dir') {
    const { fileStorage } = await loadOnDemand(() => import('./local-files.js'));
    return new Local(server, fileStorage(place.dir));
  }
  if (place.kind === 'indexeddb') {
    const { indexedDbStorage } = await loadOnDemand(() => import('./local-idb.js'));
    return new Local(server, indexedDbStorage());
  }
  throw new ZeroVaultError('UNSUPPORTED', 'this platform has nowhere to remember devices');
}
