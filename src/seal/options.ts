/**
 * Validation of the public `seal` / `open` options, shared by the
 * single-shot and streaming APIs. Each property is read once and copied, so
 * a caller mutating its objects during an operation cannot change what was
 * checked.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertBytes, assertObject, isBytes } from '../crypto/assert.js';
import { copy } from '../crypto/bytes.js';
import { KEM_KEY_LENGTH } from './kem.js';
import { MAX_RECIPIENTS } from './format.js';

/** Options of `seal` and `sealStream`. */
export interface SealOptions {
  /** The recipient's public key, or several (1 to 1024). */
  to: Uint8Array | readonly Uint8Array[];
  /**
   * The sender's secret key: seals in HPKE auth mode, so that the recipient
   * can require this sender (`open(…, { senderPublicKey })`). Allowed with
   * exactly one recipient.
   */
  senderSecretKey?: Uint8Array;
  /** Additional data the blob is bound to; `open` must pass the same bytes. */
  aad?: Uint8Array;
}

/** Options of `open` and `openStream`. */
export interface OpenOptions {
  /** The recipient's secret key. */
  secretKey: Uint8Array;
  /**
   * The sender's public key: the blob must have been sealed by this sender
   * (auth mode, `seal(…, { senderSecretKey })`). Required for, and only
   * for, sender-authenticated blobs.
   */
  senderPublicKey?: Uint8Array;
  /** The additional data the blob was sealed with. */
  aad?: Uint8Array;
}

/** Checked, copied {@link SealOptions}. */
export interface SealParams {
  readonly recipients: readonly Uint8Array[];
  readonly senderSecretKey: Uint8Array | undefined;
  readonly aad: Uint8Array;
}

/** Checked, copied {@link OpenOptions}. */
export interface OpenParams {
  readonly secretKey: Uint8Array;
  readonly senderPublicKey: Uint8Array | undefined;
  readonly aad: Uint8Array;
}

function optionalAad(value: unknown): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  assertBytes(value, 'options.aad');
  return copy(value);
}

/**
 * Validates {@link SealOptions}.
 *
 * @throws `INVALID_INPUT` naming the bad option
 */
export function sealParams(options: unknown): SealParams {
  assertObject(options, 'options');
  const { to, senderSecretKey: sender, aad } = options;
  if (!isBytes(to) && !Array.isArray(to)) throw new ZeroVaultError('INVALID_INPUT', 'options.to must be a public key or an array of them');
  const list: readonly unknown[] = isBytes(to) ? [to] : [...(to as readonly unknown[])];
  if (list.length < 1 || list.length > MAX_RECIPIENTS) {
    throw new ZeroVaultError('INVALID_INPUT', `options.to must hold 1 to ${MAX_RECIPIENTS} public keys`);
  }
  const recipients = list.map((key) => {
    assertBytes(key, 'options.to', KEM_KEY_LENGTH);
    return copy(key);
  });
  let senderSecretKey: Uint8Array | undefined;
  if (sender !== undefined) {
    assertBytes(sender, 'options.senderSecretKey', KEM_KEY_LENGTH);
    if (recipients.length !== 1) {
      // With a shared file key, any recipient could forge content "from" the
      // sender to the others; seal once per recipient instead.
      throw new ZeroVaultError('INVALID_INPUT', 'options.senderSecretKey allows exactly one recipient in options.to');
    }
    senderSecretKey = copy(sender);
  }
  return { recipients, senderSecretKey, aad: optionalAad(aad) };
}

/**
 * Validates {@link OpenOptions}.
 *
 * @throws `INVALID_INPUT` naming the bad option
 */
export function openParams(options: unknown): OpenParams {
  assertObject(options, 'options');
  const { secretKey, senderPublicKey, aad } = options;
  assertBytes(secretKey, 'options.secretKey', KEM_KEY_LENGTH);
  if (senderPublicKey !== undefined) assertBytes(senderPublicKey, 'options.senderPublicKey', KEM_KEY_LENGTH);
  return { secretKey: copy(secretKey), senderPublicKey: senderPublicKey === undefined ? undefined : copy(senderPublicKey), aad: optionalAad(aad) };
}
