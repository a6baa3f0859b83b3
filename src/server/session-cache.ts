/**
 * The verified-session cache: for a session that verified a request on this
 * instance moments ago, the next request skips the session read and the
 * AES-GCM open of its MAC key (issue 18).
 *
 * It never decides that a session is live. The store does, on every
 * request, in the same atomic step that records the nonce
 * (`ServerStore.useNonce`): a session revoked or logged out on any instance
 * is refused there, cached or not, and its entry is dropped. What the cache
 * vouches for is only the claim before the body is read (which body limit
 * applies), and only for {@link TRUST_MS} after the store last confirmed the
 * session; after that the session is read again first.
 *
 * The unsealed MAC keys live in this process's memory only, as the at-rest
 * key that unseals all of them already does; nothing is written anywhere.
 * An entry's key is wiped when the entry is dropped or replaced, and never
 * while a verification uses it (a MAC is computed synchronously).
 *
 * @module
 */
import { equal, wipe } from '../crypto/bytes.js';
import type { StoredSession } from './types.js';

/** How long after the store's last confirmation a cached session may stand for the claim, in ms. */
export const TRUST_MS = 2_000;
/** Sessions remembered at most (an entry is a session row and a 32-byte key). */
const MAX_ENTRIES = 10_000;

/** One remembered session. */
export interface CachedSession {
  readonly session: StoredSession;
  /** The MAC key, unsealed from `session.sealedMacKey`. */
  readonly macKey: Uint8Array;
  /** When the store last confirmed the session live (server clock, ms). */
  readonly confirmedAt: number;
}

/** Sessions this instance verified recently, by id. */
export class SessionCache {
  readonly #entries = new Map<string, CachedSession>();

  /**
   * The entry for `id` when the store confirmed it within {@link TRUST_MS}
   * and it has not expired by its own (possibly older) expiry; otherwise
   * `undefined`, and the caller reads the store.
   */
  claim(id: string, now: number): CachedSession | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (now - entry.confirmedAt > TRUST_MS || now < entry.confirmedAt || entry.session.expiresAt <= now) return undefined;
    return entry;
  }

  /**
   * The MAC key of `session` if this cache holds it for the same sealed key
   * (a session id names one key for life; the comparison is a guard). It is
   * borrowed: use it synchronously, before the next `await`.
   */
  macKey(session: StoredSession): Uint8Array | undefined {
    const entry = this.#entries.get(session.id);
    return entry !== undefined && equal(entry.session.sealedMacKey, session.sealedMacKey) ? entry.macKey : undefined;
  }

  /**
   * Remembers a session the store just confirmed. `macKey` is the caller's
   * own unsealed copy, handed over: kept when the cache has none for this
   * session, wiped when it already has one (the kept key is never replaced
   * under a verification that borrowed it).
   */
  confirm(session: StoredSession, macKey: Uint8Array, now: number): void {
    if (this.refresh(session, now)) {
      wipe(macKey);
      return;
    }
    this.drop(session.id);
    if (this.#entries.size >= MAX_ENTRIES) this.drop(this.#entries.keys().next().value as string); // the oldest confirmation
    this.#entries.set(session.id, { session, macKey, confirmedAt: now });
  }

  /**
   * Marks a cached session confirmed now, with the row the store returned.
   * @returns false when the cache holds no entry for it (dropped meanwhile)
   */
  refresh(session: StoredSession, now: number): boolean {
    const entry = this.#entries.get(session.id);
    if (entry === undefined || !equal(entry.session.sealedMacKey, session.sealedMacKey)) return false;
    // Re-inserted, so Map order stays the order of confirmations (the oldest is evicted first).
    this.#entries.delete(session.id);
    this.#entries.set(session.id, { session, macKey: entry.macKey, confirmedAt: now });
    return true;
  }

  /** Forgets a session (the store said it is gone) and wipes its key. */
  drop(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    wipe(entry.macKey);
  }
}
