/**
 * Sessions and per-request verification (DESIGN.md "Server contract").
 *
 * A session is created at the end of an OPAQUE login. The server keeps the
 * request-MAC key sealed under its at-rest key; the session key itself is
 * dropped. Every authenticated request is then checked, in this order:
 *
 * 1. the `Authorization: ZV1 ...` header parses (else 401, `auth_failed`);
 * 2. the session exists, has not expired and is within its absolute lifetime
 *    (else 401, `auth_failed`, answered as `CLOSED`);
 * 3. the timestamp is within the window of the server clock (else 401, `stale`);
 * 4. the MAC matches, in constant time (else 401, `forged`);
 * 5. the nonce was not used before in this session (else 401, `replay`).
 *
 * The MAC is checked before the nonce is recorded, so forged requests cannot
 * fill the nonce table.
 *
 * A busy session costs neither a session read nor an AES-GCM open per
 * request: the server's {@link SessionCache} stands for step 2 for a session
 * the store confirmed moments ago, and holds its unsealed MAC key. The store
 * still decides liveness on every request, in step 5: `useNonce` records the
 * nonce only if the session is live, in one atomic step, and returns the
 * session as stored now, so a logout or revocation on any instance refuses
 * the next request.
 *
 * Steps 1–3 need no body and run before the server reads one
 * ({@link claimSession}); steps 4–5 need the body's hash and run after it was
 * read within the route's limit ({@link verifyClaim}). So a request that does
 * not name a live session never gets more than its path and headers read.
 *
 * A verified session slides ({@link renewSession}): once less than half of
 * its idle lifetime is left, its expiry moves to `now + idle lifetime`, capped
 * at `createdAt + absolute lifetime`. So a busy session costs one store write
 * per half idle lifetime, not one per request.
 *
 * @module
 */
import { importKey, open as aeadOpen, seal as aeadSeal, type AesGcmKey } from '../crypto/aead.js';
import { equal, toBase64url, utf8, wipe } from '../crypto/bytes.js';
import { LABELS, deriveKey } from '../crypto/kdf.js';
import { randomBytes } from '../crypto/random.js';
import { bodyHash, computeRequestMac, parseAuthorization, requestMacKey, type RequestAuthorization } from '../crypto/request-mac.js';
import { isZeroVaultError } from '../errors.js';
import { deviceEphemeral, deviceSharedSecret } from '../formats/device.js';
import type { SessionCache } from './session-cache.js';
import type { PendingMfa, ServerEventType, ServerStore, StoredSession } from './types.js';

/** HKDF label of the server's at-rest key (seals session keys and login states). */
export const AT_REST_LABEL = LABELS.serverAtRest;

/** Derives and imports the at-rest key from the encoded OPAQUE server setup. */
export async function atRestKey(setup: Uint8Array): Promise<AesGcmKey> {
  const raw = deriveKey({ ikm: setup, label: AT_REST_LABEL, length: 32 });
  try {
    return await importKey(raw);
  } finally {
    wipe(raw);
  }
}

/** A fresh random id (128 bits, base64url). */
export function randomId(): string {
  return toBase64url(randomBytes(16));
}

/** What a new session is bound to, beyond its user. */
export interface SessionBinding {
  /** The remembered device the session belongs to. */
  readonly deviceId?: string;
  /** The passkey it logged in with. */
  readonly passkeyId?: string;
  /** How it was authenticated; absent means `['pwd']` (an OPAQUE login). */
  readonly amr?: readonly string[];
  /** Set for a pending session: what it waits for (a factor, or an enrolment). */
  readonly mfa?: PendingMfa;
}

/**
 * Creates and stores a session for `userId` from a session key (OPAQUE's,
 * or a device login's: both derive the request-MAC key the same way).
 */
export async function createSession(
  store: ServerStore,
  key: AesGcmKey,
  userId: string,
  sessionKey: Uint8Array,
  now: number,
  ttlMs: number,
  binding: SessionBinding = {},
): Promise<StoredSession> {
  const id = randomId();
  const macKey = requestMacKey(sessionKey, id);
  const sealedMacKey = await aeadSeal(key, macKey, utf8(`session:${id}`));
  wipe(macKey);
  const session: StoredSession = {
    id,
    userId,
    sealedMacKey,
    createdAt: now,
    expiresAt: now + ttlMs,
    ...(binding.deviceId === undefined ? {} : { deviceId: binding.deviceId }),
    ...(binding.passkeyId === undefined ? {} : { passkeyId: binding.passkeyId }),
    ...(binding.amr === undefined ? {} : { amr: binding.amr }),
    ...(binding.mfa === undefined ? {} : { mfa: binding.mfa }),
  };
  await store.createSession(session);
  return session;
}

/** A session's authentication methods: its `amr`, or `['pwd']` for sessions stored without one. */
export function amrOf(session: StoredSession): readonly string[] {
  return session.amr ?? ['pwd'];
}

/**
 * True when `session` comes from a password login (`pwd` in its `amr`) no
 * older than `windowMs`: what replacing a credential, adding a device or
 * revoking another device takes, so that neither a stolen long-lived session
 * nor a device-resumed one (`swk`) becomes permanent control of the account.
 */
export function isFreshPasswordLogin(session: StoredSession, now: number, windowMs: number): boolean {
  return session.mfa === undefined && amrOf(session).includes('pwd') && now - session.createdAt <= windowMs;
}

/**
 * The server's half of a login keyed by X25519 rather than by OPAQUE (a
 * remembered device's, a passkey's): a fresh ephemeral key, the shared
 * secret with the client's, and that login's key schedule over it. The
 * ephemeral secret and the shared secret are wiped on every path.
 * @param derive - the login's key schedule: shared secret and server ephemeral → session key
 * @returns the session key and the server's ephemeral public key (for the reply), or `null` when the client's key is low-order
 */
export function agreeSessionKey(clientEphemeral: Uint8Array, derive: (shared: Uint8Array, serverEphemeral: Uint8Array) => Uint8Array): { sessionKey: Uint8Array; serverEphemeral: Uint8Array } | null {
  const server = deviceEphemeral();
  let shared: Uint8Array | undefined;
  try {
    shared = deviceSharedSecret(server.secretKey, clientEphemeral);
    return { sessionKey: derive(shared, server.publicKey), serverEphemeral: server.publicKey };
  } catch (err) {
    if (isZeroVaultError(err, 'INVALID_INPUT')) return null;
    throw err;
  } finally {
    wipe(server.secretKey);
    if (shared !== undefined) wipe(shared);
  }
}

/** Why verification failed, as a monitoring event type and reason. */
export class VerificationError extends Error {
  constructor(
    readonly event: ServerEventType,
    readonly reason: string,
    readonly userId?: string,
  ) {
    super(reason);
  }
}

/** A request whose `Authorization` header names a live session (steps 1–3), MAC not yet checked. */
export interface ClaimedSession {
  readonly session: StoredSession;
  readonly auth: RequestAuthorization;
}

/**
 * Steps 1–3 of the module comment: the header parses, names a live session,
 * and its timestamp is inside the window. Needs no body, so the server runs
 * it *before* reading one: only then does it know which body limit applies.
 *
 * @throws VerificationError, which the server turns into 401 + an event
 */
export async function claimSession(
  store: ServerStore,
  authorization: string | null,
  now: number,
  windowMs: number,
  maxLifetimeMs: number,
  cache?: SessionCache,
): Promise<ClaimedSession> {
  let auth: RequestAuthorization;
  try {
    auth = parseAuthorization(authorization);
  } catch {
    throw new VerificationError('auth_failed', 'missing-or-malformed-authorization');
  }
  // A session the store confirmed moments ago stands for the claim; step 5 asks the store again.
  const session = cache?.claim(auth.sessionId, now)?.session ?? (await store.getSession(auth.sessionId, now));
  // The absolute lifetime is checked here too, so lowering `sessionMaxLifetimeMs` ends older sessions at once.
  if (session === null || now >= session.createdAt + maxLifetimeMs) throw new VerificationError('auth_failed', 'unknown-or-expired-session');
  if (Math.abs(now - auth.timestamp) > windowMs) throw new VerificationError('stale', 'timestamp-outside-window', session.userId);
  return { session, auth };
}

/**
 * Steps 4–5 of the module comment: the MAC over method, path, body hash and
 * preconditions matches, then the nonce is fresh. Needs the whole body (the
 * MAC covers its hash), so it runs after the body was read within the route's
 * limit.
 *
 * With a store that has `useNonce`, step 5 also reads the session in the same
 * atomic step: the session returned is the one stored now, and a session
 * revoked anywhere since the claim is refused here (`unknown-or-expired-session`).
 * With `cache`, the MAC key of a session verified recently is not unsealed
 * again, and a verified session is remembered (see session-cache.ts).
 *
 * @param pathAndQuery - the path relative to the server's base path, with the query
 * @throws VerificationError, which the server turns into 401 + an event
 */
export async function verifyClaim(
  store: ServerStore,
  key: AesGcmKey,
  claim: ClaimedSession,
  request: { method: string; pathAndQuery: string; body: Uint8Array; ifMatch: string | null; ifNoneMatch: string | null },
  now: number,
  windowMs: number,
  cache?: SessionCache,
): Promise<StoredSession> {
  const { session, auth } = claim;
  // A cached key is borrowed: it is used below before any await (the cache may drop it later).
  let own: Uint8Array | undefined;
  let macKey = cache?.macKey(session);
  if (macKey === undefined) {
    try {
      own = await aeadOpen(key, session.sealedMacKey, utf8(`session:${session.id}`));
    } catch {
      throw new VerificationError('auth_failed', 'session-key-unreadable', session.userId);
    }
    macKey = own;
  }
  const expected = computeRequestMac(macKey, {
    method: request.method,
    pathAndQuery: request.pathAndQuery,
    bodyHash: bodyHash(request.body),
    timestamp: auth.timestamp,
    nonce: auth.nonce,
    sessionId: session.id,
    ifMatch: request.ifMatch,
    ifNoneMatch: request.ifNoneMatch,
  });
  const forgeAttempt = !equal(expected, auth.mac);
  if (forgeAttempt || store.useNonce === undefined || cache === undefined) {
    if (own !== undefined) wipe(own);
    if (forgeAttempt) throw new VerificationError('forged', 'bad-request-mac', session.userId);
  }
  // Nonces are kept a little past the window: after that the timestamp check rejects the replay.
  const nonce = toBase64url(auth.nonce);
  if (store.useNonce === undefined || cache === undefined) {
    const fresh = await store.rememberNonce(session.id, nonce, now + 2 * windowMs);
    if (!fresh) throw new VerificationError('replay', 'nonce-reused', session.userId);
    return session;
  }
  let stored: { session: StoredSession | null; fresh: boolean };
  try {
    stored = await store.useNonce(session.id, nonce, now + 2 * windowMs, now);
  } catch (err) {
    if (own !== undefined) wipe(own);
    throw err;
  }
  const current = stored.session;
  if (current === null || !equal(current.sealedMacKey, session.sealedMacKey)) {
    if (own !== undefined) wipe(own);
    cache.drop(session.id);
    throw new VerificationError('auth_failed', 'unknown-or-expired-session', session.userId);
  }
  if (!stored.fresh) {
    if (own !== undefined) wipe(own);
    throw new VerificationError('replay', 'nonce-reused', session.userId);
  }
  if (own !== undefined) cache.confirm(current, own, now);
  else cache.refresh(current, now);
  return current;
}

/** How long a session lives: idle (sliding) and absolute, in ms. */
export interface SessionLifetimes {
  /** Idle lifetime: a session unused this long is dead (`sessionTtlMs`). */
  readonly idleMs: number;
  /** Absolute lifetime from login, however busy (`sessionMaxLifetimeMs`). */
  readonly maxMs: number;
}

/**
 * Slides a verified session: when less than half of the idle lifetime is
 * left, its expiry moves to `min(now + idle, createdAt + max)` in the store.
 * Otherwise nothing is written, so a busy session costs one write per half
 * idle lifetime. A pending session never slides.
 *
 * @returns the session with its current expiry
 */
export async function renewSession(store: ServerStore, session: StoredSession, now: number, lifetimes: SessionLifetimes): Promise<StoredSession> {
  // A pending session keeps its short expiry: only a verified factor makes it full (and long).
  if (session.mfa !== undefined) return session;
  if (session.expiresAt - now >= lifetimes.idleMs / 2) return session;
  const expiresAt = Math.min(now + lifetimes.idleMs, session.createdAt + lifetimes.maxMs);
  if (expiresAt <= session.expiresAt) return session;
  await store.extendSession(session.id, expiresAt);
  return { ...session, expiresAt };
}
