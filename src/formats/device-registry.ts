/**
 * The device registry: the account's own list of its remembered devices,
 * sealed under the root key as the meta record `devices` (sealed record v1,
 * `client/account/meta-record.ts`), so the server can neither add, rename
 * nor swap a device key in it. `session.devices()` marks a device the
 * server lists but the registry does not hold as unverified. This module is
 * the plaintext's bytes (vectors: `test/vectors/zerovault/device-slot-v1.json`,
 * `registry`):
 *
 *     "ZR" (0x5a 0x52) | 0x01 | count (u8, 0..32)
 *       | count × ( deviceId (16) | createdAt (u64, ms) | signingKey (32) | unlockKey (32) | name (u8 length 1..255, UTF-8) )
 *
 * `signingKey` is the device's Ed25519 public key, `unlockKey` its X25519
 * public key (the device slot's recipient). Ids are distinct.
 *
 * @module
 */
import { concat, fromBase64url, toBase64url } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { Reader, str8, u64, u8 } from './codec.js';
import { isDeviceId } from './device.js';

const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x52;
const VERSION = 1;
/** Most devices an account remembers (the server's limit too). */
export const MAX_DEVICES = 32;
/** The meta record id of the registry. */
export const DEVICE_REGISTRY_ID = 'devices';

/** One remembered device, as the account's own registry holds it. */
export interface RegistryDevice {
  /** The device id (22 characters of base64url). */
  readonly deviceId: string;
  /** The name it was remembered with. */
  readonly name: string;
  /** When it was remembered, ms since the epoch (the remembering device's clock). */
  readonly createdAt: number;
  /** Its Ed25519 public key (32 bytes). */
  readonly signingKey: Uint8Array;
  /** Its X25519 public key (32 bytes). */
  readonly unlockKey: Uint8Array;
}

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'device registry is malformed');
}

function check(devices: readonly RegistryDevice[], bad: () => ZeroVaultError): void {
  if (devices.length > MAX_DEVICES) throw bad();
  devices.forEach((d, i) => {
    if (!isDeviceId(d.deviceId) || d.signingKey.length !== 32 || d.unlockKey.length !== 32) throw bad();
    if (!Number.isSafeInteger(d.createdAt) || d.createdAt < 0) throw bad();
    if (devices.slice(0, i).some((other) => other.deviceId === d.deviceId)) throw bad();
  });
}

/**
 * Encodes the registry.
 * @throws `INVALID_INPUT` for more than 32 devices, a malformed or repeated id, a wrong key size, or a name outside 1..255 UTF-8 bytes
 */
export function encodeDeviceRegistry(devices: readonly RegistryDevice[]): Uint8Array {
  check(devices, () => new ZeroVaultError('INVALID_INPUT', 'a device registry holds at most 32 well-formed devices with distinct ids'));
  const parts: Uint8Array[] = [Uint8Array.of(MAGIC_0, MAGIC_1, VERSION), u8(devices.length)];
  for (const d of devices) parts.push(fromBase64url(d.deviceId, 'deviceId'), u64(d.createdAt), d.signingKey, d.unlockKey, str8(d.name, 'name'));
  return concat(...parts);
}

/**
 * Decodes the registry strictly (no trailing bytes). Keys are copies.
 * @throws `UNSUPPORTED` for an unknown version; `INVALID_INPUT` when malformed
 */
export function decodeDeviceRegistry(bytes: Uint8Array): RegistryDevice[] {
  if (bytes.length < 3 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  if (bytes[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown device registry version');
  const reader = new Reader(bytes, malformed);
  reader.bytes(3);
  const count = reader.u8();
  if (count > MAX_DEVICES) throw malformed();
  const devices: RegistryDevice[] = [];
  for (let i = 0; i < count; i++) {
    const deviceId = toBase64url(reader.bytes(16));
    const createdAt = reader.u64();
    const signingKey = reader.bytes(32);
    const unlockKey = reader.bytes(32);
    devices.push({ deviceId, createdAt, signingKey, unlockKey, name: reader.str8() });
  }
  reader.end();
  check(devices, malformed);
  return devices;
}
