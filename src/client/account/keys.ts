/**
 * `AccountKeys`: the one owner of a session's secrets — the root key, the
 * keyring (with its store version and content version, one value), and the
 * request-signing key — and of their lifetime.
 *
 * A session starts *pending* (signing key only) and becomes active with
 * {@link AccountKeys.activate}. Logins activate at once; a login that must
 * enrol a second factor first (`mfa: 'required'`) stays pending until the
 * factor is confirmed: until then every borrower gets `MFA_REQUIRED`, before
 * any request, and only the MFA routes and logout (through
 * {@link AccountKeys.sessionKey} and `use(work, true)`) reach the server.
 *
 * Everything else (vaults, sharing, stores, manifests, pins) borrows keys
 * through this object, whose accessors check "open" on every use and throw
 * `CLOSED` afterwards. Closing (logout, or the server saying the session is
 * gone) is immediate for new work; the secrets are wiped only once no
 * operation that started before the close is still running, so no key is
 * ever zeroed under a computation that holds it (which would seal a record
 * under an all-zero key).
 *
 * @module
 */
import { wipe } from '../../crypto/bytes.js';
import type { Keyring } from '../../envelope/index.js';
import { ZeroVaultError, closed, isZeroVaultError } from '../../errors.js';
import type { SigningKey } from '../api.js';

/** The keyring as this session knows it: the value, its store version and its content version. */
export interface KeyringState {
  readonly keyring: Keyring;
  /** The store's version of the keyring record (for conditional writes). */
  readonly version: number;
  /** The content version bound into the sealed keyring (rollback detection). */
  readonly cv: number;
}

/** The borrowing side of {@link AccountKeys}: what a vault or the sharing code may call. */
export interface KeyHandle {
  /** @throws `CLOSED` once the session is closed; `MFA_REQUIRED` while its second factor is pending */
  assertOpen(): void;
  /**
   * Runs `work` as an operation of this session: fails with `CLOSED` before
   * it starts when the session is closed (and `MFA_REQUIRED` while it is
   * pending); the keys stay unwiped until it settles; a `CLOSED` error from
   * the server closes the session.
   */
  use<T>(work: () => Promise<T>): Promise<T>;
  /** Registers what to let go of when the session closes (runs at once if it is closed already). */
  onClose(drop: () => void): void;
}

/** The secrets of one session and their lifetime. */
export class AccountKeys implements KeyHandle {
  #rootKey: Uint8Array | undefined;
  readonly #signing: SigningKey;
  #keyring: KeyringState | undefined;
  /** Secrets a pending session holds until it activates (the login's export key); wiped with the rest. */
  readonly #held: Uint8Array[] = [];
  /** Keyrings this session replaced: an operation that started under one may still hold its keys; wiped at close. */
  readonly #retired: Keyring[] = [];
  /** Root keys a rotation replaced, for the same reason; wiped at close. */
  readonly #retiredRoots: Uint8Array[] = [];
  /** What to let go of at close (see {@link onClose}). */
  readonly #onClose: (() => void)[] = [];
  #closed = false;
  #wiped = false;
  #running = 0;

  /** Takes ownership of `signing` (wiped at close); the session is pending until {@link activate}. */
  constructor(signing: SigningKey) {
    this.#signing = signing;
  }

  /**
   * Makes the session active with its root key and keyring, taking ownership
   * of their secrets (wiped at close), and wipes what it held while pending.
   * @throws `CLOSED` when the session closed meanwhile (the secrets given are then wiped)
   */
  activate(rootKey: Uint8Array, keyring: KeyringState): void {
    if (this.#closed) {
      wipeKeyring(keyring.keyring);
      wipe(rootKey);
      throw closed();
    }
    this.#rootKey = rootKey;
    this.#keyring = keyring;
    wipe(...this.#held.splice(0));
  }

  /** Keeps `secret` until activation or close, then wipes it (never under a running operation). */
  hold(secret: Uint8Array): void {
    if (this.#closed) wipe(secret);
    else this.#held.push(secret);
  }

  /** Whether the session is active (not pending a second factor). Readable after close. */
  get isActive(): boolean {
    return this.#rootKey !== undefined;
  }

  /**
   * When the server will expire the session, in ms since the epoch by the
   * server's clock (it slides while the session is used). Readable after close.
   */
  get expiresAt(): number {
    return this.#signing.expiresAt;
  }

  /** Whether the session is still open. */
  get isOpen(): boolean {
    return !this.#closed;
  }

  /** @throws `CLOSED` once the session is closed; `MFA_REQUIRED` while it is pending */
  assertOpen(): void {
    this.#active();
  }

  /** The root key and keyring of an open, active session. */
  #active(): { rootKey: Uint8Array; keyring: KeyringState } {
    if (this.#closed) throw closed();
    if (this.#rootKey === undefined || this.#keyring === undefined) throw new ZeroVaultError('MFA_REQUIRED', 'a second factor is required');
    return { rootKey: this.#rootKey, keyring: this.#keyring };
  }

  /** The root key. @throws `CLOSED`; `MFA_REQUIRED` */
  rootKey(): Uint8Array {
    return this.#active().rootKey;
  }

  /** The current keyring. @throws `CLOSED`; `MFA_REQUIRED` */
  keyring(): Keyring {
    return this.#active().keyring.keyring;
  }

  /** The keyring with its versions. @throws `CLOSED`; `MFA_REQUIRED` */
  keyringState(): KeyringState {
    return this.#active().keyring;
  }

  /**
   * Replaces the keyring (after a save or a re-read). The secrets of KEK
   * versions the new keyring dropped are not wiped here: an operation that
   * started under the old keyring may still hold them; they go at close.
   * @throws `CLOSED`
   */
  setKeyring(state: KeyringState): void {
    this.#retired.push(this.#active().keyring.keyring);
    this.#keyring = state;
  }

  /**
   * Replaces the root key (a root-key rotation committed), taking ownership
   * of `rootKey`. The old one is not wiped here: an operation that started
   * under it may still hold it; it goes at close.
   * @throws `CLOSED`; `MFA_REQUIRED`
   */
  replaceRoot(rootKey: Uint8Array): void {
    this.#retiredRoots.push(this.#active().rootKey);
    this.#rootKey = rootKey;
  }

  /** The request-signing key. @throws `CLOSED`; `MFA_REQUIRED` */
  signing(): SigningKey {
    this.assertOpen();
    return this.#signing;
  }

  /** The request-signing key, also while pending (the MFA routes and logout). @throws `CLOSED` */
  sessionKey(): SigningKey {
    if (this.#closed) throw closed();
    return this.#signing;
  }

  /** `whilePending`: also while the second factor is pending (the MFA routes). */
  use<T>(work: () => Promise<T>, whilePending = false): Promise<T> {
    if (whilePending) this.sessionKey();
    else this.assertOpen();
    this.#running++;
    // Plain promise chaining rather than async/await: this wraps every vault call.
    let pending: Promise<T>;
    try {
      pending = work();
    } catch (err) {
      this.#settled(err);
      throw err;
    }
    return pending.then(
      (value) => {
        this.#settled(undefined);
        return value;
      },
      (err: unknown) => {
        this.#settled(err);
        throw err;
      },
    );
  }

  /** One operation ended: a `CLOSED` from the server closes the session; the last one out wipes a closed session's keys. */
  #settled(err: unknown): void {
    this.#running--;
    if (err !== undefined && isZeroVaultError(err, 'CLOSED')) this.close();
    else if (this.#closed && this.#running === 0) this.#wipe();
  }

  /**
   * Registers what to let go of when the session closes: session state that
   * cannot be wiped, such as the non-extractable DPoP `CryptoKey` (JS can only
   * drop the reference). Runs at once when the session is already closed.
   */
  onClose(drop: () => void): void {
    if (this.#closed) drop();
    else this.#onClose.push(drop);
  }

  /** Closes the session: every later use fails with `CLOSED`; the secrets are wiped once nothing runs. */
  close(): void {
    this.#closed = true;
    for (const drop of this.#onClose.splice(0)) drop();
    if (this.#running === 0) this.#wipe();
  }

  #wipe(): void {
    if (this.#wiped) return;
    this.#wiped = true;
    for (const keyring of [...(this.#keyring === undefined ? [] : [this.#keyring.keyring]), ...this.#retired]) wipeKeyring(keyring);
    wipe(...this.#held.splice(0), this.#signing.macKey);
    if (this.#rootKey !== undefined) wipe(this.#rootKey);
    wipe(...this.#retiredRoots.splice(0));
  }
}

/** Wipes a keyring's secrets. */
function wipeKeyring(keyring: Keyring): void {
  wipe(keyring.x25519.secretKey, keyring.ed25519.secretKey, ...keyring.keks.map((k) => k.key));
}
