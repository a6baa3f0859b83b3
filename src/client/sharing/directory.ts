/**
 * The key directory, client side: publishing this account's keys, fetching
 * and verifying other users' key logs, pinning what was seen, safety numbers.
 *
 * - **Publish.** At login the account's log is read back: when empty, the
 *   first event (self-signed, the keyring's keys) is appended; when present,
 *   it must verify and its head must hold the keyring's keys, else the
 *   server is lying about this account (`AUTH_FAILED`).
 * - **Resolve.** Another user's log is verified end to end (`key-event.ts`)
 *   and compared with the pin: a log shorter than the pinned head is
 *   `ROLLBACK`; a log whose event at the pinned `seq` is not the pinned one is
 *   a fork, i.e. a swapped key (`AUTH_FAILED`). A valid extension moves the
 *   pinned head; if it changes the keys, the contact is *changed* and is not
 *   used (no grant is sealed to it, none of its signatures accepted) until
 *   this user accepts the new keys with `verify` (safety number) or `trust`.
 * - **First use.** A user never seen before is pinned as served (trust on
 *   first use). Comparing safety numbers is what makes it verified.
 *
 * @module
 */
import { equal } from '../../crypto/bytes.js';
import { ZeroVaultError, authFailed, isZeroVaultError } from '../../errors.js';
import type { Keyring } from '../../envelope/index.js';
import { GENESIS_PREV, createKeyEvent, verifyKeyLog, type KeyEvent } from '../../formats/key-event.js';
import type { PinStore } from './pins.js';
import { retryOnConflict } from '../retry.js';
import { safetyNumber, sameSafetyNumber } from '../../formats/safety-number.js';
import type { SharingApi } from './api.js';
import { normalizeUserId } from '../../formats/user-id.js';

/** What this account knows of another user's keys. */
export interface Contact {
  /** The normalized user id. */
  readonly userId: string;
  /** The keys of the user's current log head. */
  readonly publicKeys: { readonly x25519: Uint8Array; readonly ed25519: Uint8Array };
  /** The safety number of this account and the user, for the current keys. */
  readonly safetyNumber: string;
  /** The current keys were accepted by comparing safety numbers. */
  readonly verified: boolean;
  /**
   * The user's keys changed since this account accepted them (a new log
   * event). Nothing is sealed to or accepted from the user until `verify`
   * or `trust` accepts the new keys.
   */
  readonly changed: boolean;
}

/** Keys usable for sharing: accepted, unchanged. */
export interface AcceptedKeys {
  readonly userId: string;
  readonly x25519: Uint8Array;
  readonly ed25519: Uint8Array;
}

/**
 * Makes sure this account's keys are in its log (see the module comment).
 * A server without the sharing routes (`NOT_FOUND`) is left alone.
 * @throws `AUTH_FAILED` when the log does not verify or holds other keys
 */
export async function publishOwnKeys(api: SharingApi, userId: string, keyring: Keyring): Promise<void> {
  const self = normalizeUserId(userId);
  // One retry: a CONFLICT means another device of the account published first; read it back.
  await retryOnConflict(
    async () => {
      const log = await api.keyLog(self);
      if (log === null || log.length === 0) {
        const event = createKeyEvent({
          seq: 1,
          prev: GENESIS_PREV,
          userId: self,
          x25519: keyring.x25519.publicKey,
          ed25519: keyring.ed25519.publicKey,
          signingKey: keyring.ed25519.secretKey,
        });
        try {
          await api.publish(event);
        } catch (err) {
          if (!isZeroVaultError(err, 'NOT_FOUND')) throw err; // NOT_FOUND: no key directory on this server
        }
        return;
      }
      const head = verifyKeyLog(self, log).at(-1) as KeyEvent;
      if (!equal(head.x25519, keyring.x25519.publicKey) || !equal(head.ed25519, keyring.ed25519.publicKey)) throw authFailed();
    },
    { retries: 1 },
  );
}

/** Other users' keys, verified and pinned, for one session. */
export class Directory {
  readonly #api: SharingApi;
  readonly #pins: PinStore;
  readonly #self: AcceptedKeys;

  /** @param self - this account's normalized id and public keys */
  constructor(api: SharingApi, pins: PinStore, self: AcceptedKeys) {
    this.#api = api;
    this.#pins = pins;
    this.#self = self;
  }

  /** This account's id and keys. */
  get self(): AcceptedKeys {
    return this.#self;
  }

  /**
   * Fetches, verifies and pins a user's log (see the module comment).
   * @throws `NOT_FOUND` when the user has no keys and none are pinned;
   *   `AUTH_FAILED` for an invalid or forked log; `ROLLBACK` for a log
   *   shorter than the pinned head, or none at all although pinned
   */
  async contact(userId: string): Promise<Contact> {
    const id = normalizeUserId(userId);
    if (id === this.#self.userId) {
      return { userId: id, publicKeys: this.#self, safetyNumber: safetyNumber(this.#self, this.#self), verified: true, changed: false };
    }
    const log = await this.#api.keyLog(id);
    const state = await this.#pins.state();
    let pin = state.contacts.get(id);
    if (log === null || log.length === 0) {
      // Keys this account pinned cannot honestly disappear: a server withholding them is a rollback.
      if (pin !== undefined) throw new ZeroVaultError('ROLLBACK', 'the server withheld a key log this account has pinned');
      throw new ZeroVaultError('NOT_FOUND', 'the user has no published keys');
    }
    const events = verifyKeyLog(id, log);
    const head = events.at(-1) as KeyEvent;
    if (pin !== undefined) {
      if (events.length < pin.seq) throw new ZeroVaultError('ROLLBACK', 'the server served an older key log than this account has seen');
      if (!equal((events[pin.seq - 1] as KeyEvent).hash, pin.head)) throw authFailed();
    }
    if (pin === undefined || head.seq > pin.seq) {
      const next = pin === undefined ? { userId: id, x25519: head.x25519, ed25519: head.ed25519, verified: false } : pin;
      pin = { ...next, seq: head.seq, head: head.hash };
      const saved = pin;
      await this.#pins.update((s) => s.contacts.set(id, saved));
    }
    const changed = !equal(pin.x25519, head.x25519) || !equal(pin.ed25519, head.ed25519);
    return {
      userId: id,
      publicKeys: { x25519: head.x25519, ed25519: head.ed25519 },
      safetyNumber: safetyNumber(this.#self, { userId: id, x25519: head.x25519, ed25519: head.ed25519 }),
      verified: pin.verified && !changed,
      changed,
    };
  }

  /**
   * The keys to share with, or accept signatures from, a user.
   * @throws as {@link contact}, and `AUTH_FAILED` when the keys changed since accepted
   */
  async accepted(userId: string): Promise<AcceptedKeys> {
    const contact = await this.contact(userId);
    if (contact.changed) throw authFailed();
    return { userId: contact.userId, ...contact.publicKeys };
  }

  /**
   * Marks a user verified when `number` is the safety number of the user's
   * current keys, accepting those keys (also after a key change).
   * @throws `AUTH_FAILED` when the numbers differ; `INVALID_INPUT` when `number` is not 60 digits
   */
  async verify(userId: string, number: string): Promise<void> {
    const contact = await this.contact(userId);
    if (!sameSafetyNumber(number, contact.safetyNumber)) throw authFailed();
    if (contact.userId === this.#self.userId) return;
    await this.#accept(contact, true);
  }

  /** Accepts a user's current keys without verifying them (trust on first use, again). */
  async trust(userId: string): Promise<void> {
    const contact = await this.contact(userId);
    if (contact.userId === this.#self.userId) return;
    await this.#accept(contact, false);
  }

  async #accept(contact: Contact, verified: boolean): Promise<void> {
    const state = await this.#pins.state();
    const pin = state.contacts.get(contact.userId);
    if (pin === undefined) throw authFailed();
    const next = { ...pin, x25519: contact.publicKeys.x25519, ed25519: contact.publicKeys.ed25519, verified: verified || (pin.verified && !contact.changed) };
    await this.#pins.update((s) => s.contacts.set(contact.userId, next));
  }
}
