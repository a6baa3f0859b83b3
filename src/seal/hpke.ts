/**
 * HPKE, RFC 9180: context setup in the four modes (§5.1.1–§5.1.4), the
 * single-shot APIs (§6) and secret export (§5.3, §6.2), over
 * DHKEM(X25519, HKDF-SHA256) and any suite from `suite.ts`.
 *
 * Internal to zerovault (the sealed-blob format is built on it); it is
 * complete enough to pass every X25519 vector of RFC 9180 and to interoperate
 * with other RFC 9180 libraries, which the tests check.
 *
 * The mode follows from the options: `senderSecretKey` / `senderPublicKey`
 * select an authenticated mode, `psk` + `pskId` a PSK mode.
 *
 * @module
 */
import { assertBytes } from '../crypto/assert.js';
import { wipe } from '../crypto/bytes.js';
import { randomBytes } from '../crypto/random.js';
import { RecipientContext, SenderContext, createCore } from './context.js';
import { KEM_KEY_LENGTH, decap, deriveKeyPair, encap, type KemKeyPair } from './kem.js';
import { MODE, keySchedule, type Mode } from './keyschedule.js';
import type { HpkeSuite } from './suite.js';

const EMPTY = new Uint8Array(0);

/** Key-schedule inputs common to both roles. */
interface ScheduleOptions {
  /** Application `info`; default empty. */
  info?: Uint8Array;
  /** Pre-shared key (PSK modes); at least 32 bytes of entropy (RFC 9180 §9.5). */
  psk?: Uint8Array;
  /** Identifier of `psk`. */
  pskId?: Uint8Array;
}

/** Options for {@link setupSender}. */
export interface SetupSenderOptions extends ScheduleOptions {
  /** `pkR`, 32 bytes. */
  recipientPublicKey: Uint8Array;
  /** `skS`, 32 bytes: selects the auth modes. */
  senderSecretKey?: Uint8Array;
  /**
   * Test hook: `ikmE` for `DeriveKeyPair`, so that RFC vectors reproduce.
   * Absent in production, where the ephemeral key is fresh CSPRNG output.
   */
  ikmE?: Uint8Array;
  /** Test hook: the randomness source for the ephemeral secret key. */
  random?: (length: number) => Uint8Array;
}

/** Options for {@link setupRecipient}. */
export interface SetupRecipientOptions extends ScheduleOptions {
  /** The encapsulated key from the sender, 32 bytes. */
  enc: Uint8Array;
  /** `skR`, 32 bytes. */
  recipientSecretKey: Uint8Array;
  /** `pkR`, when known, to skip one scalar multiplication. Must match `recipientSecretKey`. */
  recipientPublicKey?: Uint8Array;
  /** `pkS`, 32 bytes: selects the auth modes. */
  senderPublicKey?: Uint8Array;
}

/** What {@link setupSender} returns. */
export interface SenderSetup {
  /** The encapsulated key to send along. */
  enc: Uint8Array;
  /** The context that seals and exports. */
  context: SenderContext;
}

function modeOf(auth: boolean, psk: Uint8Array | undefined): Mode {
  const withPsk = psk !== undefined && psk.length > 0;
  if (auth) return withPsk ? MODE.authPsk : MODE.auth;
  return withPsk ? MODE.psk : MODE.base;
}

function checkSchedule(options: ScheduleOptions): void {
  if (options.info !== undefined) assertBytes(options.info, 'info');
  if (options.psk !== undefined) assertBytes(options.psk, 'psk');
  if (options.pskId !== undefined) assertBytes(options.pskId, 'pskId');
}

function ephemeralKeyPair(suite: HpkeSuite, options: SetupSenderOptions): KemKeyPair {
  if (options.ikmE !== undefined) return deriveKeyPair(suite.backend, options.ikmE);
  // GenerateKeyPair: any 32 random bytes are a valid X25519 secret key.
  const secretKey = (options.random ?? randomBytes)(KEM_KEY_LENGTH);
  assertBytes(secretKey, 'random output', KEM_KEY_LENGTH);
  return { secretKey, publicKey: suite.backend.x25519PublicKey(secretKey) };
}

/**
 * `SetupBaseS` / `SetupPSKS` / `SetupAuthS` / `SetupAuthPSKS` (RFC 9180 §5.1).
 *
 * @throws `INVALID_INPUT` on a malformed key, a low-order recipient key, or
 *   inconsistent PSK inputs
 */
export async function setupSender(suite: HpkeSuite, options: SetupSenderOptions): Promise<SenderSetup> {
  const { recipientPublicKey, senderSecretKey, info = EMPTY, psk = EMPTY, pskId = EMPTY } = options;
  assertBytes(recipientPublicKey, 'recipientPublicKey', KEM_KEY_LENGTH);
  if (senderSecretKey !== undefined) assertBytes(senderSecretKey, 'senderSecretKey', KEM_KEY_LENGTH);
  checkSchedule(options);
  const mode = modeOf(senderSecretKey !== undefined, psk);
  const ephemeral = ephemeralKeyPair(suite, options);
  let sharedSecret: Uint8Array;
  try {
    ({ sharedSecret } = encap(suite.backend, recipientPublicKey, ephemeral, senderSecretKey));
  } finally {
    wipe(ephemeral.secretKey);
  }
  try {
    const schedule = keySchedule(suite, mode, sharedSecret, info, psk, pskId);
    return { enc: ephemeral.publicKey, context: new SenderContext(await createCore(suite, schedule)) };
  } finally {
    wipe(sharedSecret);
  }
}

/**
 * `SetupBaseR` / `SetupPSKR` / `SetupAuthR` / `SetupAuthPSKR` (RFC 9180 §5.1).
 *
 * @throws `INVALID_INPUT` on a malformed key, a low-order `enc` or sender
 *   key, or inconsistent PSK inputs
 */
export async function setupRecipient(suite: HpkeSuite, options: SetupRecipientOptions): Promise<RecipientContext> {
  const { enc, recipientSecretKey, recipientPublicKey, senderPublicKey, info = EMPTY, psk = EMPTY, pskId = EMPTY } = options;
  assertBytes(enc, 'enc', KEM_KEY_LENGTH);
  assertBytes(recipientSecretKey, 'recipientSecretKey', KEM_KEY_LENGTH);
  if (recipientPublicKey !== undefined) assertBytes(recipientPublicKey, 'recipientPublicKey', KEM_KEY_LENGTH);
  if (senderPublicKey !== undefined) assertBytes(senderPublicKey, 'senderPublicKey', KEM_KEY_LENGTH);
  checkSchedule(options);
  const mode = modeOf(senderPublicKey !== undefined, psk);
  const sharedSecret =
    recipientPublicKey === undefined
      ? decap(suite.backend, enc, recipientSecretKey, senderPublicKey)
      : decap(suite.backend, enc, recipientSecretKey, senderPublicKey, recipientPublicKey);
  try {
    const schedule = keySchedule(suite, mode, sharedSecret, info, psk, pskId);
    return new RecipientContext(await createCore(suite, schedule));
  } finally {
    wipe(sharedSecret);
  }
}

/** `SetupBaseS(pkR, info)`. */
export function setupBaseSender(suite: HpkeSuite, recipientPublicKey: Uint8Array, info?: Uint8Array): Promise<SenderSetup> {
  return setupSender(suite, info === undefined ? { recipientPublicKey } : { recipientPublicKey, info });
}

/** `SetupBaseR(enc, skR, info)`. */
export function setupBaseRecipient(
  suite: HpkeSuite,
  enc: Uint8Array,
  recipientSecretKey: Uint8Array,
  info?: Uint8Array,
): Promise<RecipientContext> {
  return setupRecipient(suite, info === undefined ? { enc, recipientSecretKey } : { enc, recipientSecretKey, info });
}

/** `SetupAuthS(pkR, info, skS)`. */
export function setupAuthSender(
  suite: HpkeSuite,
  recipientPublicKey: Uint8Array,
  senderSecretKey: Uint8Array,
  info?: Uint8Array,
): Promise<SenderSetup> {
  return setupSender(suite, info === undefined ? { recipientPublicKey, senderSecretKey } : { recipientPublicKey, senderSecretKey, info });
}

/** `SetupAuthR(enc, skR, info, pkS)`. */
export function setupAuthRecipient(
  suite: HpkeSuite,
  enc: Uint8Array,
  recipientSecretKey: Uint8Array,
  senderPublicKey: Uint8Array,
  info?: Uint8Array,
): Promise<RecipientContext> {
  const options: SetupRecipientOptions = { enc, recipientSecretKey, senderPublicKey };
  if (info !== undefined) options.info = info;
  return setupRecipient(suite, options);
}

/** Options for {@link hpkeSeal}: a sender setup plus one message. */
export interface HpkeSealOptions extends SetupSenderOptions {
  /** The message. */
  plaintext: Uint8Array;
  /** Additional authenticated data; default empty. */
  aad?: Uint8Array;
}

/** Options for {@link hpkeOpen}: a recipient setup plus one message. */
export interface HpkeOpenOptions extends SetupRecipientOptions {
  /** `ciphertext || tag` from {@link hpkeSeal}. */
  ciphertext: Uint8Array;
  /** Additional authenticated data; default empty. */
  aad?: Uint8Array;
}

/** The output of {@link hpkeSeal}. */
export interface HpkeSealed {
  /** The encapsulated key. */
  enc: Uint8Array;
  /** `ciphertext || tag`. */
  ciphertext: Uint8Array;
}

/**
 * Single-shot `Seal<MODE>` (RFC 9180 §6.1): setup, then one `Seal` at
 * sequence number 0.
 */
export async function hpkeSeal(suite: HpkeSuite, options: HpkeSealOptions): Promise<HpkeSealed> {
  const { enc, context } = await setupSender(suite, options);
  try {
    return { enc, ciphertext: await context.seal(options.plaintext, options.aad ?? EMPTY) };
  } finally {
    context.destroy();
  }
}

/**
 * Single-shot `Open<MODE>` (RFC 9180 §6.1).
 *
 * @throws `DECRYPT_FAILED` when the ciphertext does not authenticate (wrong
 *   key, sender, info, PSK or AAD, or a changed byte)
 */
export async function hpkeOpen(suite: HpkeSuite, options: HpkeOpenOptions): Promise<Uint8Array> {
  const context = await setupRecipient(suite, options);
  try {
    return await context.open(options.ciphertext, options.aad ?? EMPTY);
  } finally {
    context.destroy();
  }
}

/** Options for {@link sendExport}. */
export interface SendExportOptions extends SetupSenderOptions {
  /** `exporter_context`. */
  exporterContext: Uint8Array;
  /** `L`, at most 255·Nh. */
  length: number;
}

/** Options for {@link receiveExport}. */
export interface ReceiveExportOptions extends SetupRecipientOptions {
  /** `exporter_context`. */
  exporterContext: Uint8Array;
  /** `L`, at most 255·Nh. */
  length: number;
}

/** Single-shot `SendExport<MODE>` (RFC 9180 §6.2). */
export async function sendExport(suite: HpkeSuite, options: SendExportOptions): Promise<{ enc: Uint8Array; secret: Uint8Array }> {
  const { enc, context } = await setupSender(suite, options);
  try {
    return { enc, secret: context.export(options.exporterContext, options.length) };
  } finally {
    context.destroy();
  }
}

/** Single-shot `ReceiveExport<MODE>` (RFC 9180 §6.2). */
export async function receiveExport(suite: HpkeSuite, options: ReceiveExportOptions): Promise<Uint8Array> {
  const context = await setupRecipient(suite, options);
  try {
    return context.export(options.exporterContext, options.length);
  } finally {
    context.destroy();
  }
}
