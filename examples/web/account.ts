/**
 * The signed-in account of the notes page: signing in with a password,
 * resuming a remembered device without one, signing out, and noticing when
 * the server has ended the session.
 *
 * When a call fails with `CLOSED` (the server no longer has the session),
 * `run` finds out why instead of guessing:
 * - a remembered device tries `client.resume()`: a new session means the old
 *   one merely expired, so the call is retried once and the user notices
 *   nothing; `null` means the device itself is gone, i.e. it was revoked from
 *   another device (zerovault wipes the device's local material then);
 * - a browser that was not remembered has no way back without the password:
 *   the session expired.
 * Either way the page hears the reason through `onSignedOut`, once.
 *
 * "Sign out" forgets the device (`logout({ forgetDevice: true })`): a person
 * who signs out expects the next person at this browser to need the
 * password. Keeping the device remembered would make the next page load sign
 * straight back in, so a sign-out that keeps it would be no sign-out at all.
 * To stay signed in, one simply does not sign out.
 *
 * Other tabs of the same browser share the remembered device, so a sign-out
 * is announced on a `BroadcastChannel`: those tabs sign out too, saying why,
 * rather than later mistaking it for a revocation.
 */
import { ZeroVaultError, isZeroVaultError, type Client, type Session } from 'zerovault';
import type { SecondFactor } from './codes.js';

/** Why the page is no longer signed in; the page says it in words. */
export type SignOutReason = 'signed-out' | 'forgot-device' | 'other-tab' | 'revoked' | 'expired' | 'unreachable' | 'passkey-removed';

/** How the user signs in with a password. */
export interface SignInOptions {
  readonly mode: 'login' | 'signup';
  readonly userId: string;
  readonly password: string;
  /** Keep this browser signed in ("Keep me signed in on this device"). */
  readonly remember: boolean;
  /**
   * Asks the person for their second factor. Called only once the password
   * was right and the account has two-step verification.
   */
  readonly secondFactor: () => Promise<SecondFactor>;
}

/** Thrown out of the `totp` function to leave it for a sign-in with a recovery code. */
class RecoveryCodeInstead extends Error {}

/** Called once per session that ends, with the reason and whose session it was. */
export type SignedOutListener = (reason: SignOutReason, userId: string) => void;

interface ChannelMessage {
  readonly type: 'signed-out';
  readonly userId: string;
}

const CHANNEL = 'vault-notes-account';

/** The page's one signed-in session, and what happens when it ends. */
export class Account {
  readonly #client: Client;
  readonly #onSignedOut: SignedOutListener;
  readonly #channel: BroadcastChannel | null;
  #session: Session | null = null;
  /** The one recovery under way, shared by every call that met the same `CLOSED`. */
  #recovering: Promise<Session | null> | null = null;

  constructor(client: Client, onSignedOut: SignedOutListener) {
    this.#client = client;
    this.#onSignedOut = onSignedOut;
    this.#channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
    this.#channel?.addEventListener('message', (event: MessageEvent<ChannelMessage>) => {
      const ended = this.#session;
      if (event.data.type !== 'signed-out' || ended === null || ended.userId !== event.data.userId) return;
      this.#end(ended, 'other-tab');
      // The other tab already ended the session on the server and forgot the device.
      void ended.logout().catch(() => {});
    });
  }

  /** The current session, or `null` when signed out. */
  get session(): Session | null {
    return this.#session;
  }

  /**
   * On page load: the remembered account of this browser, signed in without
   * a password, or `null` when nothing is remembered (or it was revoked).
   * @throws `NETWORK`, `RATE_LIMITED`: the device stays remembered, a reload tries again
   */
  async resume(): Promise<Session | null> {
    this.#session = await this.#client.resume();
    return this.#session;
  }

  /**
   * Signs in (or up) with the password, and the second factor when the
   * account has one; remembers this device when asked.
   * @throws `AUTH_FAILED` (wrong password, or a refused code), `RATE_LIMITED`, or what `secondFactor` throws
   */
  async signIn(options: SignInOptions): Promise<Session> {
    const credentials = { userId: options.userId, password: options.password, rememberDevice: options.remember };
    const session = options.mode === 'signup' ? await this.#client.register(credentials) : await this.#login(credentials, options.secondFactor);
    this.#session = session;
    return session;
  }

  /**
   * `client.login` with the `totp` function form: the code is asked only when
   * the server says the account needs it (a passkey, when the account's
   * second step is one, is asked by the browser first). A person who picks a recovery code
   * instead leaves that sign-in (the client ends its pending session) and
   * signs in once more with `recoveryCode`, with the password still in hand.
   */
  async #login(credentials: { userId: string; password: string; rememberDevice: boolean }, secondFactor: () => Promise<SecondFactor>): Promise<Session> {
    let recoveryCode: string | undefined;
    try {
      return await this.#client.login({
        ...credentials,
        // An account whose second step is a passkey: the browser asks for it (before any code).
        passkey: typeof PublicKeyCredential === 'function',
        totp: async () => {
          const factor = await secondFactor();
          if ('totp' in factor) return factor.totp;
          recoveryCode = factor.recoveryCode;
          throw new RecoveryCodeInstead('recovery code instead');
        },
      });
    } catch (err) {
      if (recoveryCode === undefined) throw err;
      return this.#client.login({ ...credentials, recoveryCode });
    }
  }

  /**
   * Signs in with a passkey: the browser asks for it, the server checks it,
   * and a passkey with PRF unlocks the keys without the password.
   * @param userId - the account, when the person typed it; without it the browser offers every passkey it has for this site
   * @param password - the password, when typed: needed only by a passkey without PRF
   * @throws `AUTH_FAILED` (cancelled or refused), `UNSUPPORTED` (this passkey needs the password, or no WebAuthn), `RATE_LIMITED`
   */
  async signInWithPasskey(userId: string | undefined, password: string | undefined): Promise<Session> {
    // The password is used only when the passkey cannot unlock the notes by itself (no PRF).
    const session = await this.#client.loginWithPasskey({ ...(userId === undefined ? {} : { userId }), ...(password === undefined ? {} : { password }) });
    this.#session = session;
    return session;
  }

  /**
   * Ends the session on the server and forgets this device, here and in
   * the account's device list. The page is signed out even when the server
   * cannot be reached (the error is thrown afterwards, to be shown).
   */
  async signOut(reason: 'signed-out' | 'forgot-device' = 'signed-out'): Promise<void> {
    const ending = this.#session;
    if (ending === null) return;
    try {
      await ending.logout({ forgetDevice: true });
    } finally {
      // Even when the server could not be reached: this browser's device material is deleted first, so no tab can resume.
      this.#channel?.postMessage({ type: 'signed-out', userId: ending.userId } satisfies ChannelMessage);
      this.#end(ending, reason);
    }
  }

  /**
   * Runs `work` with the current session. When the server has ended that
   * session, finds out why (see the module comment): after a silent resume
   * `work` runs once more with the new session; otherwise the page is told
   * it was signed out and the `CLOSED` error is thrown on.
   * @throws `CLOSED` when signed out (the page has already been told why), or `work`'s error
   */
  async run<T>(work: (session: Session) => Promise<T>): Promise<T> {
    const session = this.#session;
    if (session === null) throw new ZeroVaultError('CLOSED', 'signed out');
    try {
      return await work(session);
    } catch (err) {
      if (!isZeroVaultError(err, 'CLOSED')) throw err;
      const next = await this.#recover(session);
      if (next === null) throw err;
      return work(next);
    }
  }

  /** After `failed` met `CLOSED`: a resumed session, or `null` once signed out (and the page told why). */
  #recover(failed: Session): Promise<Session | null> {
    if (this.#session !== failed) return Promise.resolve(this.#session);
    this.#recovering ??= (async () => {
      if (failed.deviceId === undefined) {
        this.#end(failed, 'expired');
        return null;
      }
      try {
        const next = await this.#client.resume({ userId: failed.userId });
        if (next === null) this.#end(failed, 'revoked');
        else this.#session = next;
        return next;
      } catch (err) {
        console.error(err);
        this.#end(failed, 'unreachable');
        return null;
      }
    })().finally(() => {
      this.#recovering = null;
    });
    return this.#recovering;
  }

  /**
   * The page ended the session through zerovault itself (removing the
   * passkey it signed in with closes it): drop it and say why, rather than
   * let the next call mistake it for an expiry.
   */
  ended(reason: SignOutReason): void {
    const session = this.#session;
    if (session !== null) this.#end(session, reason);
  }

  /** Drops `ended` (if it is still the current session) and tells the page why. */
  #end(ended: Session, reason: SignOutReason): void {
    if (this.#session !== ended) return;
    this.#session = null;
    this.#onSignedOut(reason, ended.userId);
  }
}

