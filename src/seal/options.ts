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
import { copy, wipe } from '../crypto/bytes.js';
import { KEM_KEY_LENGTH } from './kem.js';
import { MAX_RECIPIENTS, SUITES, type Suite } from './format.js';

/** X-Wing public keys (ML-KEM-768 encapsulation key || X25519 public key); `xwing.ts` has the same constant, loaded on demand. */
const XWING_PUBLIC_KEY_LENGTH = 1216;
/** The longest passphrase accepted, in UTF-8 bytes (the KSF's input limit). */
const MAX_PASSPHRASE_BYTES = 0xffff;

/** Options of `seal` and `sealStream`. */
export interface SealOptions {
  /**
   * The recipient's public key, or several (1 to 1024): all X25519 (32
   * bytes) or all X-Wing (1216 bytes), never mixed (a blob is only as
   * strong as its weakest stanza).
   */
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
  /**
   * The recipient's secret key (32 bytes, X25519 or X-Wing: the blob's suite
   * says which it is used as).
   */
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

/**
 * Internal: {@link SealOptions} with a passphrase instead of `to` (suite
 * `0x0003`; Argon2id, parameters stored in the blob). The NFC form of the
 * passphrase, as UTF-8, is what Argon2id gets. Only the CLI seals this way:
 * see `SealEnv.passphrase`.
 */
export type PassphraseSealOptions = Omit<SealOptions, 'to' | 'senderSecretKey'> & { passphrase: string };

/** Internal: {@link OpenOptions} with a passphrase instead of `secretKey`. */
export type PassphraseOpenOptions = Omit<OpenOptions, 'secretKey' | 'senderPublicKey'> & { passphrase: string };

/** Checked, copied {@link SealOptions}. */
export interface SealParams {
  /** The suite the stanzas will have. */
  readonly suite: Suite;
  readonly recipients: readonly Uint8Array[];
  /** UTF-8 of the NFC passphrase (passphrase suite only). */
  readonly passphrase: Uint8Array | undefined;
  readonly senderSecretKey: Uint8Array | undefined;
  readonly aad: Uint8Array;
}

/** Checked, copied {@link OpenOptions}; exactly one of `secretKey` and `passphrase` is set. */
export interface OpenParams {
  readonly secretKey: Uint8Array | undefined;
  readonly passphrase: Uint8Array | undefined;
  readonly senderPublicKey: Uint8Array | undefined;
  readonly aad: Uint8Array;
}

function passphraseOf(value: unknown, name: string): Uint8Array {
  if (typeof value !== 'string' || value.length === 0) throw new ZeroVaultError('INVALID_INPUT', `${name} must be a non-empty string`);
  const bytes = new TextEncoder().encode(value.normalize('NFC'));
  if (bytes.length > MAX_PASSPHRASE_BYTES) throw new ZeroVaultError('INVALID_INPUT', `${name} must be at most ${MAX_PASSPHRASE_BYTES} UTF-8 bytes`);
  return bytes;
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
  const { to, passphrase, senderSecretKey: sender, aad } = options;
  if (passphrase !== undefined) {
    if (to !== undefined) throw new ZeroVaultError('INVALID_INPUT', 'options.to and options.passphrase exclude each other');
    if (sender !== undefined) throw new ZeroVaultError('INVALID_INPUT', 'options.senderSecretKey needs options.to, not options.passphrase');
    return { suite: SUITES.passphrase, recipients: [], passphrase: passphraseOf(passphrase, 'options.passphrase'), senderSecretKey: undefined, aad: optionalAad(aad) };
  }
  if (!isBytes(to) && !Array.isArray(to)) throw new ZeroVaultError('INVALID_INPUT', 'options.to must be a public key or an array of them');
  const list: readonly unknown[] = isBytes(to) ? [to] : [...(to as readonly unknown[])];
  if (list.length < 1 || list.length > MAX_RECIPIENTS) {
    throw new ZeroVaultError('INVALID_INPUT', `options.to must hold 1 to ${MAX_RECIPIENTS} public keys`);
  }
  const first = list[0];
  const length = isBytes(first) && first.length === XWING_PUBLIC_KEY_LENGTH ? XWING_PUBLIC_KEY_LENGTH : KEM_KEY_LENGTH;
  // One kind per blob (the first key's): a blob is only as strong as its weakest stanza.
  const recipients = list.map((key) => {
    assertBytes(key, 'options.to', length);
    return copy(key);
  });
  const suite = length === XWING_PUBLIC_KEY_LENGTH ? SUITES.xwing : SUITES.x25519;
  let senderSecretKey: Uint8Array | undefined;
  if (sender !== undefined) {
    // HPKE's auth mode needs a Diffie–Hellman KEM: X-Wing has no AuthEncap.
    if (suite !== SUITES.x25519) throw new ZeroVaultError('INVALID_INPUT', 'options.senderSecretKey works with X25519 recipients only');
    assertBytes(sender, 'options.senderSecretKey', KEM_KEY_LENGTH);
    if (recipients.length !== 1) {
      // With a shared file key, any recipient could forge content "from" the
      // sender to the others; seal once per recipient instead.
      throw new ZeroVaultError('INVALID_INPUT', 'options.senderSecretKey allows exactly one recipient in options.to');
    }
    senderSecretKey = copy(sender);
  }
  return { suite, recipients, passphrase: undefined, senderSecretKey, aad: optionalAad(aad) };
}

/**
 * Validates {@link OpenOptions}.
 *
 * @throws `INVALID_INPUT` naming the bad option
 */
export function openParams(options: unknown): OpenParams {
  assertObject(options, 'options');
  const { secretKey, passphrase, senderPublicKey, aad } = options;
  if (passphrase !== undefined) {
    if (secretKey !== undefined) throw new ZeroVaultError('INVALID_INPUT', 'options.secretKey and options.passphrase exclude each other');
    if (senderPublicKey !== undefined) throw new ZeroVaultError('INVALID_INPUT', 'options.senderPublicKey needs options.secretKey, not options.passphrase');
    return { secretKey: undefined, passphrase: passphraseOf(passphrase, 'options.passphrase'), senderPublicKey: undefined, aad: optionalAad(aad) };
  }
  assertBytes(secretKey, 'options.secretKey', KEM_KEY_LENGTH);
  if (senderPublicKey !== undefined) assertBytes(senderPublicKey, 'options.senderPublicKey', KEM_KEY_LENGTH);
  return { secretKey: copy(secretKey), passphrase: undefined, senderPublicKey: senderPublicKey === undefined ? undefined : copy(senderPublicKey), aad: optionalAad(aad) };
}

/** Wipes the credential copies in {@link OpenParams} (once the header is open, or the stream is dead). */
export function wipeOpenParams(params: OpenParams): void {
  if (params.secretKey !== undefined) wipe(params.secretKey);
  if (params.passphrase !== undefined) wipe(params.passphrase);
}
