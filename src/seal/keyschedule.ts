/**
 * The HPKE key schedule (RFC 9180 §5.1): from the KEM shared secret, the
 * mode, `info` and the optional PSK to the AEAD key, base nonce and
 * exporter secret of a context.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { concat, wipe } from '../crypto/bytes.js';
import { labeledExpand, labeledExtract } from './labeled.js';
import type { HpkeSuite } from './suite.js';

/** HPKE modes (RFC 9180 §5, Table 1). */
export const MODE = Object.freeze({ base: 0x00, psk: 0x01, auth: 0x02, authPsk: 0x03 } as const);

/** One of the {@link MODE} values. */
export type Mode = (typeof MODE)[keyof typeof MODE];

/** What the key schedule produces; the caller owns and wipes every field. */
export interface KeyScheduleResult {
  /** AEAD key, `Nk` bytes. */
  readonly key: Uint8Array;
  /** AEAD base nonce, `Nn` bytes. */
  readonly baseNonce: Uint8Array;
  /** Exporter secret, `Nh` bytes. */
  readonly exporterSecret: Uint8Array;
  /** `mode || psk_id_hash || info_hash`, exposed for test vectors. */
  readonly keyScheduleContext: Uint8Array;
  /** The intermediate `secret`, exposed for test vectors. */
  readonly secret: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * `VerifyPSKInputs` (RFC 9180 §5.1.1): `psk` and `pskId` come together, and
 * only in the PSK modes.
 *
 * @throws `INVALID_INPUT` on an inconsistent combination
 */
function verifyPskInputs(mode: Mode, psk: Uint8Array, pskId: Uint8Array): void {
  const gotPsk = psk.length > 0;
  const gotPskId = pskId.length > 0;
  if (gotPsk !== gotPskId) throw new ZeroVaultError('INVALID_INPUT', 'psk and pskId must be given together');
  const pskMode = mode === MODE.psk || mode === MODE.authPsk;
  if (gotPsk && !pskMode) throw new ZeroVaultError('INVALID_INPUT', 'psk given in a mode without a PSK');
  if (!gotPsk && pskMode) throw new ZeroVaultError('INVALID_INPUT', 'psk required in a PSK mode');
}

/**
 * `KeySchedule<ROLE>(mode, shared_secret, info, psk, psk_id)` (RFC 9180 §5.1).
 *
 * @throws `INVALID_INPUT` on inconsistent PSK inputs
 */
export function keySchedule(
  suite: HpkeSuite,
  mode: Mode,
  sharedSecret: Uint8Array,
  info: Uint8Array,
  psk: Uint8Array = EMPTY,
  pskId: Uint8Array = EMPTY,
): KeyScheduleResult {
  verifyPskInputs(mode, psk, pskId);
  const { backend, kdf, aead, id } = suite;
  const pskIdHash = labeledExtract(backend, kdf.hash, id, EMPTY, 'psk_id_hash', pskId);
  const infoHash = labeledExtract(backend, kdf.hash, id, EMPTY, 'info_hash', info);
  const keyScheduleContext = concat(Uint8Array.of(mode), pskIdHash, infoHash);
  const secret = labeledExtract(backend, kdf.hash, id, sharedSecret, 'secret', psk);
  const key = labeledExpand(backend, kdf.hash, id, secret, 'key', keyScheduleContext, aead.nk);
  const baseNonce = labeledExpand(backend, kdf.hash, id, secret, 'base_nonce', keyScheduleContext, aead.nn);
  const exporterSecret = labeledExpand(backend, kdf.hash, id, secret, 'exp', keyScheduleContext, kdf.nh);
  wipe(pskIdHash, infoHash);
  return { key, baseNonce, exporterSecret, keyScheduleContext, secret };
}
