/**
 * HPKE encryption contexts (RFC 9180 §5.2, §5.3): a sender seals and a
 * recipient opens a sequence of messages under nonces
 * `base_nonce XOR I2OSP(seq, Nn)`, and either side can export secrets.
 *
 * Contexts are the one stateful part of HPKE (the sequence number), hence
 * classes. The sequence number is taken synchronously when `seal` is called,
 * so overlapping `seal` calls still get distinct nonces. `open` advances it
 * only on success, as the RFC says, so overlapping `open` calls are refused.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { assertBytes, assertInteger } from '../crypto/assert.js';
import { wipe } from '../crypto/bytes.js';
import type { KeyScheduleResult } from './keyschedule.js';
import { labeledExpand } from './labeled.js';
import type { AeadCipher, HpkeSuite } from './suite.js';

const EMPTY = new Uint8Array(0);

/** The shared machinery of both roles. */
class ContextCore {
  readonly #suite: HpkeSuite;
  readonly #cipher: AeadCipher;
  readonly #baseNonce: Uint8Array;
  readonly #exporterSecret: Uint8Array;
  #seq = 0;
  #destroyed = false;

  constructor(suite: HpkeSuite, cipher: AeadCipher, baseNonce: Uint8Array, exporterSecret: Uint8Array) {
    this.#suite = suite;
    this.#cipher = cipher;
    this.#baseNonce = baseNonce;
    this.#exporterSecret = exporterSecret;
  }

  get cipher(): AeadCipher {
    return this.#cipher;
  }

  get seq(): number {
    return this.#seq;
  }

  /** Refuses use after {@link destroy}: a wiped base nonce must never reach the AEAD. */
  #alive(): void {
    if (this.#destroyed) throw new ZeroVaultError('INVALID_INPUT', 'HPKE context was destroyed');
  }

  /** `ComputeNonce(seq)`: the base nonce XOR the big-endian sequence number. */
  nonce(seq: number): Uint8Array {
    this.#alive();
    const nonce = Uint8Array.from(this.#baseNonce);
    let v = seq;
    for (let i = nonce.length - 1; i >= 0 && v > 0; i--) {
      nonce[i] = (nonce[i] as number) ^ (v % 256);
      v = Math.floor(v / 256);
    }
    return nonce;
  }

  /**
   * `IncrementSeq`. The RFC bound is 2^(8·Nn) − 1; JS integers stop at
   * 2^53 − 1 first, which no real context reaches.
   */
  increment(): void {
    if (this.#seq >= Number.MAX_SAFE_INTEGER) throw new ZeroVaultError('INVALID_INPUT', 'HPKE context message limit reached');
    this.#seq += 1;
  }

  export(exporterContext: Uint8Array, length: number): Uint8Array {
    this.#alive();
    assertBytes(exporterContext, 'exporterContext');
    const { backend, kdf, id } = this.#suite;
    assertInteger(length, 'length', 0, 255 * kdf.nh);
    return labeledExpand(backend, kdf.hash, id, this.#exporterSecret, 'sec', exporterContext, length);
  }

  destroy(): void {
    this.#destroyed = true;
    wipe(this.#exporterSecret, this.#baseNonce);
  }
}

function core(suite: HpkeSuite, cipher: AeadCipher, schedule: KeyScheduleResult): ContextCore {
  wipe(schedule.key, schedule.secret);
  return new ContextCore(suite, cipher, schedule.baseNonce, schedule.exporterSecret);
}

/** Builds the context core: imports the AEAD key once, wipes what it no longer needs. */
export async function createCore(suite: HpkeSuite, schedule: KeyScheduleResult): Promise<ContextCore> {
  try {
    const cipher = await suite.aead.init(schedule.key, suite.backend);
    return core(suite, cipher, schedule);
  } catch (err) {
    wipe(schedule.key, schedule.secret, schedule.baseNonce, schedule.exporterSecret);
    throw err;
  }
}

export type { ContextCore };

/** The sender's context (`ContextS`). */
export class SenderContext {
  readonly #core: ContextCore;

  /** Internal: built by `setupSender` in `hpke.ts`. */
  constructor(core: ContextCore) {
    this.#core = core;
  }

  /** The next sequence number. */
  get seq(): number {
    return this.#core.seq;
  }

  /** `ContextS.Seal(aad, pt)`: returns `ciphertext || tag`. */
  async seal(plaintext: Uint8Array, aad: Uint8Array = EMPTY): Promise<Uint8Array> {
    assertBytes(plaintext, 'plaintext');
    assertBytes(aad, 'aad');
    // Runs synchronously up to the first await: overlapping calls get distinct nonces.
    const nonce = this.#core.nonce(this.#core.seq);
    this.#core.increment();
    return await this.#core.cipher.seal(nonce, aad, plaintext);
  }

  /** `Context.Export(exporter_context, L)` (RFC 9180 §5.3); `L ≤ 255·Nh`. */
  export(exporterContext: Uint8Array, length: number): Uint8Array {
    return this.#core.export(exporterContext, length);
  }

  /** Wipes the base nonce and exporter secret this context holds. */
  destroy(): void {
    this.#core.destroy();
  }
}

/** The recipient's context (`ContextR`). */
export class RecipientContext {
  readonly #core: ContextCore;
  #busy = false;

  /** Internal: built by `setupRecipient` in `hpke.ts`. */
  constructor(core: ContextCore) {
    this.#core = core;
  }

  /** The next sequence number. */
  get seq(): number {
    return this.#core.seq;
  }

  /**
   * `ContextR.Open(aad, ct)`. The sequence number advances only on success.
   *
   * @throws `DECRYPT_FAILED` when the ciphertext does not authenticate;
   *   `INVALID_INPUT` when called while a previous `open` is pending
   */
  async open(ciphertext: Uint8Array, aad: Uint8Array = EMPTY): Promise<Uint8Array> {
    assertBytes(ciphertext, 'ciphertext');
    assertBytes(aad, 'aad');
    if (this.#busy) throw new ZeroVaultError('INVALID_INPUT', 'HPKE open calls must not overlap');
    this.#busy = true;
    try {
      const plaintext = await this.#core.cipher.open(this.#core.nonce(this.#core.seq), aad, ciphertext);
      this.#core.increment();
      return plaintext;
    } finally {
      this.#busy = false;
    }
  }

  /** `Context.Export(exporter_context, L)` (RFC 9180 §5.3); `L ≤ 255·Nh`. */
  export(exporterContext: Uint8Array, length: number): Uint8Array {
    return this.#core.export(exporterContext, length);
  }

  /** Wipes the base nonce and exporter secret this context holds. */
  destroy(): void {
    this.#core.destroy();
  }
}
