/**
 * The device slot: the account's root key sealed to one remembered device,
 * kept as the meta record `device-slot.<deviceId>` in the reserved vault
 * `_zv`. Sealing and opening (which need `zerovault/seal`'s HPKE) are the
 * client's (`client/devices/slot.ts`); this module holds the bytes.
 * Vectors: `test/vectors/zerovault/device-slot-v1.json`.
 *
 *     "ZU" (0x5a 0x55) | 0x01 (version) | 0x01 (suite) | enc (32) | ciphertext (48)
 *
 * Suite 1 is HPKE base mode (RFC 9180 §5.1.1, single-shot §6.1) with
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256 and AES-256-GCM:
 *
 *     pkR        = the device's X25519 unlock key (HKDF(deviceSecret, "zerovault/v1/device/unlock"))
 *     info       = "zerovault/v1/device-slot"
 *     aad        = "zerovault/v1/device-slot" || 0x00 || lp(userId) || lp(deviceId) || the 4 header bytes
 *     plaintext  = the 32-byte root key
 *     ciphertext = Seal(pkR, info, aad, plaintext)  (32 + 16 bytes)
 *
 * `userId` is the normalized user id and `deviceId` the 22-character
 * base64url text of the device id, both UTF-8. The AAD binds the slot to
 * its account and device: a server moving a slot between devices or
 * accounts makes it fail to open. A slot is 84 bytes exactly; anything else
 * is refused before any crypto.
 *
 * Compatibility: a reader refuses versions and suites it does not know
 * (`UNSUPPORTED`); a new suite gets a new number, never a new meaning.
 *
 * @module
 */
import { concat, utf8 } from '../crypto/bytes.js';
import { ZeroVaultError } from '../errors.js';
import { labelled, lp } from './codec.js';
import { isDeviceId } from './device.js';

const MAGIC_0 = 0x5a;
const MAGIC_1 = 0x55;
const VERSION = 1;
/** The one suite: HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM. */
export const DEVICE_SLOT_SUITE = 1;
const LABEL = 'zerovault/v1/device-slot';
/** Bytes of the clear header. */
export const DEVICE_SLOT_HEADER_LENGTH = 4;
const ENC_LENGTH = 32;
const CIPHERTEXT_LENGTH = 32 + 16;
/** Bytes of a device slot. */
export const DEVICE_SLOT_LENGTH = DEVICE_SLOT_HEADER_LENGTH + ENC_LENGTH + CIPHERTEXT_LENGTH;
/** The HPKE `info` of every device slot. */
export const DEVICE_SLOT_INFO: Uint8Array = utf8(LABEL);
/** Prefix of a device slot's meta record id; the device id follows. */
export const DEVICE_SLOT_PREFIX = 'device-slot.';

/** A device slot's parts. */
export interface DeviceSlot {
  /** The HPKE encapsulated key (32 bytes). */
  readonly enc: Uint8Array;
  /** The sealed root key, `ciphertext || tag` (48 bytes). */
  readonly ciphertext: Uint8Array;
}

/** What a device slot is bound to. */
export interface DeviceSlotPlace {
  /** The normalized user id. */
  readonly userId: string;
  /** The device id (22 characters of base64url). */
  readonly deviceId: string;
}

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'device slot is malformed');
}

/**
 * The meta record id of a device's slot, `device-slot.<deviceId>`.
 * @throws `INVALID_INPUT` for a malformed device id
 */
export function deviceSlotId(deviceId: string): string {
  if (!isDeviceId(deviceId)) throw new ZeroVaultError('INVALID_INPUT', 'deviceId must be a device id');
  return `${DEVICE_SLOT_PREFIX}${deviceId}`;
}

/** The clear header of a suite-1 slot. */
export function deviceSlotHeader(): Uint8Array {
  return Uint8Array.of(MAGIC_0, MAGIC_1, VERSION, DEVICE_SLOT_SUITE);
}

/**
 * The AAD a slot is sealed with.
 * @throws `INVALID_INPUT` for a malformed device id or an empty user id
 */
export function deviceSlotAad(place: DeviceSlotPlace): Uint8Array {
  if (!isDeviceId(place.deviceId)) throw new ZeroVaultError('INVALID_INPUT', 'deviceId must be a device id');
  if (typeof place.userId !== 'string' || place.userId.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'userId must be a non-empty string');
  return labelled(LABEL, lp(utf8(place.userId)), lp(utf8(place.deviceId)), deviceSlotHeader());
}

/**
 * Encodes a slot.
 * @throws `INVALID_INPUT` unless `enc` is 32 bytes and `ciphertext` 48
 */
export function encodeDeviceSlot(slot: DeviceSlot): Uint8Array {
  if (slot.enc.length !== ENC_LENGTH || slot.ciphertext.length !== CIPHERTEXT_LENGTH) throw new ZeroVaultError('INVALID_INPUT', 'a device slot holds a 32-byte enc and a 48-byte ciphertext');
  return concat(deviceSlotHeader(), slot.enc, slot.ciphertext);
}

/**
 * Decodes a slot strictly (no crypto). The parts are copies.
 * @throws `UNSUPPORTED` for an unknown version or suite; `INVALID_INPUT` when malformed
 */
export function decodeDeviceSlot(bytes: Uint8Array): DeviceSlot {
  if (bytes.length < 4 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) throw malformed();
  if (bytes[2] !== VERSION) throw new ZeroVaultError('UNSUPPORTED', 'unknown device slot version');
  if (bytes[3] !== DEVICE_SLOT_SUITE) throw new ZeroVaultError('UNSUPPORTED', 'unknown device slot suite');
  if (bytes.length !== DEVICE_SLOT_LENGTH) throw malformed();
  const body = DEVICE_SLOT_HEADER_LENGTH;
  return { enc: bytes.slice(body, body + ENC_LENGTH), ciphertext: bytes.slice(body + ENC_LENGTH) };
}
