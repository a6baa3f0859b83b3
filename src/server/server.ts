/**
 * `createServer`: OPAQUE accounts, verified sessions and a versioned
 * ciphertext store behind one `fetch(Request) → Response` handler, so any
 * Node or edge backend can mount it (Hono, Next.js route handlers, Bun, Deno,
 * Workers; `node()` adapts it to `node:http` and Express).
 *
 * The routes are one table (`routes.ts`; the wire format is in
 * docs/protocol.md). Every request takes the same steps, and the body is
 * read only once the route, and its session if it needs one, are known:
 *
 * 1. match the path (404) and the method (405 + `Allow`); nothing read yet
 *    (with `cors`, `OPTIONS` is a preflight answered here from the path's methods);
 * 2. for a signed route: the `Authorization` header parses, names a live
 *    session, and its timestamp is in the window (401); still nothing read,
 *    so a request without a live session never gets its body read at all;
 * 3. read the body within the route's limit (413): `maxBodyBytes` for blob
 *    writes, 64 KiB for the rest, and at most `anonymousBodyBytes` for a
 *    request without a session;
 * 4. for a signed route: the MAC over method, path, body hash and
 *    preconditions, then the nonce (401) — the MAC covers the body, so this
 *    is the first point where it can be checked;
 * 5. the handler.
 *
 * @module
 */
import type { AesGcmKey } from '../crypto/aead.js';
import { preconditionsOf } from '../crypto/request-mac.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { getServerPublicKey } from '../opaque/index.js';
import { corsPolicy, type CorsOptions } from './cors.js';
import { basePathUnder, mountPathOf } from './mount.js';
import { BodyTooLarge, SESSION_EXPIRES_HEADER, bodyConsumedResponse, errorResponse, incomingOf, materialize, methodNotAllowed, statusOf, withHeaders, type IncomingRequest } from './http.js';
import { nodeHandler, type NodeHandler, type NodeHandlerOptions } from './node.js';
import type { PasskeyOptions } from './passkey-routes.js';
import { passkeysOf } from './passkey-store.js';
import { mfaOf } from './mfa-store.js';
import { mfaKeys, type MfaKeys } from './mfa-secrets.js';
import { createRouter, type MfaMode, type Route, type RouteCall, type RouteContext } from './router.js';
import { routeTable } from './routes.js';
import { SessionCache } from './session-cache.js';
import { createServerLog } from './log.js';
import { logOf } from './log-store.js';
import { atRestKey, claimSession, renewSession, verifyClaim, VerificationError, type ClaimedSession } from './sessions.js';
import { createTokenSigner, tokenSettings, type TokenOptions } from './tokens.js';
import type { MeterProvider } from '@opentelemetry/api';
import { UNMATCHED_ROUTE, serverMetrics } from './metrics.js';
import { threatMonitor, type ThreatMonitor, type ThreatOptions } from './threat.js';
import type { BucketPolicy, ServerEvent, ServerEventListener, ServerEventType, ServerStore, StoredSession } from './types.js';

/** Options for {@link createServer}. */
export interface CreateServerOptions {
  /** The encoded OPAQUE server setup (`createServerSetup()`, created once per deployment); keep it secret, outside the database. */
  setup: Uint8Array;
  /** Where accounts, sessions and blobs live. */
  store: ServerStore;
  /**
   * Path prefix the routes live under, e.g. `/zv`; default none. Mounted with
   * Express `app.use('/zv', zv.node())`, the mount path counts: no `basePath`
   * is needed, and one that names the mount (`/zv`) means the same.
   */
  basePath?: string;
  /** Largest request body in bytes (blob writes); default 96 MiB (a 64 MiB blob in base64url JSON). */
  maxBodyBytes?: number;
  /**
   * Largest body of a request without a session (register, login), in
   * bytes; default 64 KiB (OPAQUE messages are well under 1 KiB). Requests
   * to signed routes get no byte read until their session is known.
   */
  anonymousBodyBytes?: number;
  /**
   * Idle lifetime of a session in ms; default 1 hour. A session slides while
   * used: once less than half of this is left, a verified request moves its
   * expiry to now + this (one store write per half of it), up to
   * `sessionMaxLifetimeMs` after login.
   */
  sessionTtlMs?: number;
  /**
   * Absolute lifetime of a session in ms, from login, however busy; default
   * 7 days. Must be at least `sessionTtlMs`. After it, requests fail with
   * `CLOSED` and the user logs in again.
   */
  sessionMaxLifetimeMs?: number;
  /** Accepted clock skew of request timestamps in ms; default 2 minutes. */
  requestWindowMs?: number;
  /** Lifetime of a pending login between start and finish, in ms; default 60 s. */
  loginTimeoutMs?: number;
  /**
   * How fresh a password login must be to replace the account's password or
   * recovery credential, add a device or revoke another device, in ms since
   * the login; default 10 minutes. A session a remembered device resumed
   * without the password (`amr: ['swk']`) never qualifies.
   */
  reauthWindowMs?: number;
  /**
   * Unfinished or failed logins allowed per user id; default 10 per 15
   * minutes. Each remembered device has a bucket of its own with this
   * policy, for its device logins and its password logins with a
   * known-device proof (docs/protocol.md, "Devices").
   */
  userLoginLimit?: BucketPolicy;
  /** Unfinished or failed logins allowed per client address; default 100 per 15 minutes. */
  addressLoginLimit?: BucketPolicy;
  /** How often expired pending logins, sessions and nonces are purged, in ms; default 60 s. */
  purgeIntervalMs?: number;
  /**
   * Access tokens for the app's own routes (`POST {basePath}/token`, verified by
   * `zerovault/verify`): `issuer` and `audience` default to `"zerovault"`,
   * `ttlSeconds` to 300 (30 to 300). The signing key is derived from `setup`.
   */
  tokens?: TokenOptions;
  /**
   * Cross-origin access for pages on other origins: `origins` lists them
   * exactly (`https://app.example.com`; no wildcard, no path), and
   * `maxAgeSeconds` (default 600) is how long a browser may cache a
   * preflight. Listed origins get `Access-Control-Allow-Origin` on every
   * answer and their preflights (`OPTIONS`, answered from the route table)
   * succeed; any other origin gets no CORS header, and a 403 to a preflight.
   * No credentials mode: zerovault uses no cookies. Default: none (same-origin only).
   */
  cors?: CorsOptions;
  /**
   * Passkeys (WebAuthn, docs/passkeys.md): the relying party the server
   * verifies ceremonies for. `rpId` is the site's domain (`example.com`, or
   * `localhost`), `origins` the exact origins the pages run on
   * (`https://app.example.com`), `rpName` what an authenticator shows
   * (default `rpId`). Default: none, and the passkey routes answer 404.
   */
  passkeys?: PasskeyOptions;
  /**
   * Second factors (docs/protocol.md, "Second factors"): `optional` (default)
   * lets each account choose; `required` makes a new account enrol one (a
   * pending `enroll` session) before its first full session. Needs a store
   * with the MFA methods (all three built-in stores have them).
   */
  mfa?: MfaMode;
  /** The issuer named in TOTP enrolment URIs (what authenticator apps show); default `"zerovault"`. */
  totpIssuer?: string;
  /**
   * Wrong second-factor codes allowed per account (`mfa-user:<id>`), and per
   * remembered device for sessions bound to one (`mfa-device:<id>:<device>`,
   * so guesses from elsewhere never lock a known device out); default 10,
   * then one more every 3 minutes. A pending session has at most 5 tries
   * besides.
   */
  mfaLimit?: BucketPolicy;
  /**
   * The slower bucket behind `mfaLimit`, per account or known device, so the
   * wait grows while failures go on (a backoff, never a hard lockout);
   * default 20, then one more every hour.
   */
  mfaBackoffLimit?: BucketPolicy;
  /** The clock, in ms since the epoch; tests inject one. Default `Date.now`. */
  now?: () => number;
  /**
   * Where the metrics go (docs/operations.md): an OpenTelemetry
   * `MeterProvider`. Default: the global one registered with
   * `@opentelemetry/api` when `createServer` runs (none: a no-op).
   */
  meterProvider?: MeterProvider;
  /**
   * Automated responses (docs/operations.md, `threat.ts`): a policy called
   * with aggregated signals (forged or replayed requests per session, failed
   * second factors per account) that may revoke the session or all of the
   * account's sessions; or `{ policy, windowMs }`. Default: revoke a session
   * after 3 forged requests within 10 minutes.
   */
  onThreat?: ThreatOptions;
}

/** Per-request facts the runtime knows and a `Request` does not carry. */
export interface RequestContext {
  /** The client's network address (from the socket, or a trusted proxy header). */
  address?: string;
}

/** A mounted zerovault server. */
export interface ZeroVaultServer {
  /** Handles one request. Never throws: every failure is a JSON error response. */
  fetch(request: Request, context?: RequestContext): Promise<Response>;
  /** Subscribes to monitoring events; returns the unsubscribe function. */
  on(type: ServerEventType | '*', listener: ServerEventListener): () => void;
  /** A `node:http` / Express request listener for this server (see `toNodeHandler`). */
  node(options?: NodeHandlerOptions): NodeHandler;
  /** The server's OPAQUE public key, for clients that pin it. */
  readonly publicKey: Uint8Array;
}

const FIFTEEN_MINUTES = 15 * 60 * 1000;
/** Body limit of every route but blob writes (OPAQUE messages, grants and key events are small). */
const SMALL_BODY_BYTES = 64 * 1024;
/** Default cap on a body read before any session is known. */
const ANONYMOUS_BODY_BYTES = 64 * 1024;

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new ZeroVaultError('INVALID_INPUT', `${name} must be a positive integer`);
  return v;
}

function policy(value: BucketPolicy | undefined, fallback: BucketPolicy, name: string): BucketPolicy {
  const p = value ?? fallback;
  positive(p.capacity, 1, `${name}.capacity`);
  positive(p.refillMs, 1, `${name}.refillMs`);
  return p;
}

function normalizeBasePath(basePath: string | undefined): string {
  if (basePath === undefined || basePath === '' || basePath === '/') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(basePath)) throw new ZeroVaultError('INVALID_INPUT', 'basePath must look like /segment[/segment]');
  return basePath;
}

export { SESSION_EXPIRES_HEADER };

/**
 * Adds {@link SESSION_EXPIRES_HEADER} to a verified request's response, so the
 * client learns how long its session now lives. Copies the response when
 * its headers are immutable. A handler that changed the expiry (a pending
 * session made full) has set the header itself, and it is kept.
 */
function withSessionExpiry(response: Response, expiresAt: number): Response {
  if (response.headers.has(SESSION_EXPIRES_HEADER)) return response;
  try {
    response.headers.set(SESSION_EXPIRES_HEADER, String(expiresAt));
    return response;
  } catch {
    const headers = new Headers(response.headers);
    headers.set(SESSION_EXPIRES_HEADER, String(expiresAt));
    return withHeaders(response, headers);
  }
}

/** Calls a route's handler with the session its `auth` promises. */
function invoke(route: Route, call: RouteCall<StoredSession | null>): Promise<Response> {
  switch (route.auth) {
    case 'none':
      return route.handler({ ...call, session: null });
    case 'optional':
      return route.handler(call);
    case 'session': {
      const session = call.session;
      // Unreachable: the server verifies a session for every `session` route first.
      if (session === null) throw new ZeroVaultError('AUTH_FAILED', 'authentication failed');
      return route.handler({ ...call, session });
    }
  }
}

/**
 * Creates a server. The setup is validated and copied, and the at-rest key
 * derived from it, here, once; requests reuse them.
 *
 * @throws `INVALID_INPUT` on a malformed setup or option
 */
export function createServer(options: CreateServerOptions): ZeroVaultServer {
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  // One private copy, validated now (not at the first request); OPAQUE caches the
  // validation per copy, so every request reuses this one.
  getServerPublicKey(options.setup); // checks the caller's value before copying it
  const setup = Uint8Array.from(options.setup);
  const publicKey = getServerPublicKey(setup);
  const store = options.store;
  const basePath = normalizeBasePath(options.basePath);
  const now = options.now ?? Date.now;
  const limits = {
    maxBodyBytes: positive(options.maxBodyBytes, 96 * 1024 * 1024, 'maxBodyBytes'),
    anonymousBodyBytes: positive(options.anonymousBodyBytes, ANONYMOUS_BODY_BYTES, 'anonymousBodyBytes'),
    sessionTtlMs: positive(options.sessionTtlMs, 60 * 60 * 1000, 'sessionTtlMs'),
    sessionMaxLifetimeMs: positive(options.sessionMaxLifetimeMs, 7 * 24 * 60 * 60 * 1000, 'sessionMaxLifetimeMs'),
    requestWindowMs: positive(options.requestWindowMs, 2 * 60 * 1000, 'requestWindowMs'),
    loginTimeoutMs: positive(options.loginTimeoutMs, 60 * 1000, 'loginTimeoutMs'),
    reauthWindowMs: positive(options.reauthWindowMs, 10 * 60 * 1000, 'reauthWindowMs'),
    userLoginLimit: policy(options.userLoginLimit, { capacity: 10, refillMs: FIFTEEN_MINUTES / 10 }, 'userLoginLimit'),
    addressLoginLimit: policy(options.addressLoginLimit, { capacity: 100, refillMs: FIFTEEN_MINUTES / 100 }, 'addressLoginLimit'),
    mfaLimit: policy(options.mfaLimit, { capacity: 10, refillMs: 3 * 60 * 1000 }, 'mfaLimit'),
    mfaBackoffLimit: policy(options.mfaBackoffLimit, { capacity: 20, refillMs: 60 * 60 * 1000 }, 'mfaBackoffLimit'),
    purgeIntervalMs: positive(options.purgeIntervalMs, 60 * 1000, 'purgeIntervalMs'),
  };
  if (limits.sessionMaxLifetimeMs < limits.sessionTtlMs) throw new ZeroVaultError('INVALID_INPUT', 'sessionMaxLifetimeMs must be at least sessionTtlMs');
  const lifetimes = { idleMs: limits.sessionTtlMs, maxMs: limits.sessionMaxLifetimeMs };
  const tokens = createTokenSigner(setup, tokenSettings(options.tokens));
  const cors = corsPolicy(options.cors);
  // Server-signed security-log entries for the events that concern an account (docs/security-log.md).
  const securityLog = createServerLog(setup, store, logOf(store), now, () => emit({ type: 'error', reason: 'security-log-failed' }));
  const router = createRouter(routeTable(store, { passkeys: options.passkeys, log: securityLog }));
  const passkeysOn = options.passkeys !== undefined && passkeysOf(store) !== null;
  const key: Promise<AesGcmKey> = atRestKey(setup);
  key.catch(() => undefined); // a failure surfaces at the first request, as a 500 + `error` event
  const mfaMode = options.mfa ?? 'optional';
  if (mfaMode !== 'optional' && mfaMode !== 'required') throw new ZeroVaultError('INVALID_INPUT', 'mfa must be optional or required');
  if (mfaMode === 'required' && mfaOf(store) === null) throw new ZeroVaultError('INVALID_INPUT', 'mfa: required needs a store with the MFA methods');
  const totpIssuer = options.totpIssuer ?? 'zerovault';
  if (typeof totpIssuer !== 'string' || totpIssuer.length === 0 || totpIssuer.length > 64 || totpIssuer.includes(':')) {
    throw new ZeroVaultError('INVALID_INPUT', 'totpIssuer must be 1 to 64 characters without a colon');
  }
  const mfaKeysReady: Promise<MfaKeys> = mfaKeys(setup);
  mfaKeysReady.catch(() => undefined);
  let lastPurge = now();
  // Busy sessions skip the session read and the key unsealing; the store still decides liveness per request.
  const sessionCache = new SessionCache();
  const listeners = new Map<string, Set<ServerEventListener>>();
  const telemetry = serverMetrics(options.meterProvider);

  const emit = (event: Omit<ServerEvent, 'at'>): void => {
    const full: ServerEvent = { ...event, at: now() };
    telemetry.event(full);
    // Wrong second factors are counted per account for the threat policy (never throws).
    if (full.type === 'mfa_failed' && full.userId !== undefined) void threats.observe('factor_failed', { userId: full.userId });
    securityLog.record(full);
    for (const type of [event.type, '*']) {
      for (const listener of listeners.get(type) ?? []) {
        try {
          listener(full);
        } catch {
          // A broken listener must not break the request.
        }
      }
    }
  };

  const threats: ThreatMonitor = threatMonitor(options.onThreat, store, now, emit);

  // Expired rows are swept as a side effect of traffic, so no timer keeps an edge runtime alive.
  const maybePurge = async (): Promise<void> => {
    const at = now();
    if (at - lastPurge < limits.purgeIntervalMs) return;
    lastPurge = at;
    try {
      await store.purgeExpired(at);
    } catch {
      emit({ type: 'error', reason: 'purge-failed' });
    }
  };

  const bodyLimit = (route: Route, anonymous: boolean): number => {
    const limit = route.body === 'none' ? 0 : route.body === 'blob' ? limits.maxBodyBytes : Math.min(limits.maxBodyBytes, SMALL_BODY_BYTES);
    return anonymous ? Math.min(limit, limits.anonymousBodyBytes) : limit;
  };

  const unauthenticated = (err: VerificationError, address: string | undefined): Response => {
    emit({ type: err.event, reason: err.reason, ...(err.userId === undefined ? {} : { userId: err.userId }), ...(address === undefined ? {} : { address }) });
    // A session the server no longer has (logged out, expired, revoked) is `CLOSED`, so the
    // client closes its side too; session ids are unguessable, so saying so reveals nothing.
    const error = err.reason === 'unknown-or-expired-session' ? new ZeroVaultError('CLOSED', 'the session is closed') : new ZeroVaultError('AUTH_FAILED', 'authentication failed');
    return errorResponse(error, 401, { 'www-authenticate': 'ZV1' });
  };

  /** `seen.route` is set to the matched route's pattern (the metrics' `route` label). */
  const handle = async (request: IncomingRequest, info: RequestContext, seen: { route: string }): Promise<Response> => {
    await maybePurge();
    const url = new URL(request.url);
    const base = basePathUnder(request.mount, basePath);
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return errorResponse(new ZeroVaultError('NOT_FOUND', 'no such route'));
    const path = url.pathname.slice(base.length) || '/';
    const method = request.method;
    const address = info.address;

    // Step 1: the route. Nothing of the body is read for an unknown route or method.
    const match = router.match(method, path);
    if (match.kind === 'not-found') return errorResponse(new ZeroVaultError('NOT_FOUND', 'no such route'));
    if (match.kind === 'method-not-allowed') return methodNotAllowed(match.allow);
    if (match.kind === 'options') return cors === null ? methodNotAllowed(match.allow) : cors.preflight(request.headers.get('origin'), match.allow);
    const { route, params } = match;
    seen.route = route.pattern;
    if (request.bodyUsed) {
      // Someone read the stream first (a body parser mounted before zerovault): say so now.
      emit({ type: 'error', reason: 'body-consumed-before-zerovault' });
      return bodyConsumedResponse();
    }

    // Step 2: a signed route names a live session before any byte of its body is read.
    const signed = route.auth === 'session' || (route.auth === 'optional' && request.headers.has('authorization'));
    let claim: ClaimedSession | null = null;
    if (signed) {
      try {
        claim = await claimSession(store, request.headers.get('authorization'), now(), limits.requestWindowMs, limits.sessionMaxLifetimeMs, sessionCache);
      } catch (err) {
        if (err instanceof VerificationError) return unauthenticated(err, address);
        throw err;
      }
    }

    // Step 3: the body, within the route's limit (smaller still without a session).
    let body: Uint8Array;
    try {
      body = await request.readBody(bodyLimit(route, claim === null));
    } catch (err) {
      if (err instanceof BodyTooLarge) return errorResponse(new ZeroVaultError('INVALID_INPUT', 'body too large'), 413);
      throw err;
    }

    // Step 4: the MAC, which covers the body's hash, then the nonce; then the session slides.
    let session: StoredSession | null = null;
    if (claim !== null) {
      try {
        session = await verifyClaim(
          store,
          await key,
          claim,
          { method, pathAndQuery: path + url.search, body, ...preconditionsOf(request.headers) },
          now(),
          limits.requestWindowMs,
          sessionCache,
        );
      } catch (err) {
        if (!(err instanceof VerificationError)) throw err;
        // The session exists and the request failed its MAC or nonce: a signal for the threat policy.
        if (err.event === 'forged' || err.event === 'replay') await threats.observe(err.event, { userId: claim.session.userId, sessionId: claim.session.id });
        return unauthenticated(err, address);
      }
      // A pending session reaches only the routes that list its state (the MFA routes, logout).
      if (session.mfa !== undefined && !(route.pending ?? []).includes(session.mfa)) {
        return withSessionExpiry(errorResponse(new ZeroVaultError('MFA_REQUIRED', 'a second factor is required')), session.expiresAt);
      }
      session = await renewSession(store, session, now(), lifetimes);
    }

    // Step 5.
    const mfa = { mode: mfaMode, issuer: totpIssuer, keys: await mfaKeysReady, passkeys: passkeysOn };
    // The session's device goes with the events about its own account (the security log shows it).
    const deviceId = session?.deviceId;
    const sessionEmit = deviceId === undefined ? emit : (event: Omit<ServerEvent, 'at'>) => emit(event.userId === session?.userId && event.deviceId === undefined ? { ...event, deviceId } : event);
    const context: RouteContext = { store, key: await key, limits, now, emit: sessionEmit, setup, tokens, mfa, ...(address === undefined ? {} : { address }) };
    const response = await invoke(route, {
      context,
      session,
      param(name) {
        const value = params.get(name);
        if (value === undefined) throw new ZeroVaultError('NOT_FOUND', 'no such route');
        return value;
      },
      url,
      query: url.searchParams,
      headers: request.headers,
      body,
    });
    return session === null ? response : withSessionExpiry(response, session.expiresAt);
  };

  /** Every request, from `fetch` or the Node adapter: `handle`, errors as responses, timed for the metrics, CORS headers. */
  const respond = async (request: IncomingRequest, info: RequestContext): Promise<Response> => {
    const started = performance.now();
    const seen = { route: UNMATCHED_ROUTE };
    let response: Response;
    try {
      response = await handle(request, info, seen);
    } catch (err) {
      // Every 5xx is an `error` event (the detail stays here; the wire gets a generic message).
      const known = isZeroVaultError(err);
      if (!known || statusOf(err) >= 500) emit({ type: 'error', reason: known ? err.code.toLowerCase() : 'internal' });
      response = errorResponse(err);
    }
    telemetry.request(seen.route, response.status, performance.now() - started);
    // Errors too carry the CORS headers, so a page on a listed origin can read their codes
    // (and `Retry-After`); a preflight already has its own.
    if (cors === null || request.method === 'OPTIONS') return response;
    return cors.decorate(response, request.headers.get('origin'));
  };

  const server: ZeroVaultServer = {
    publicKey,
    node(nodeOptions = {}) {
      // The adapter's fast path hands the server node:http's request without building a WHATWG Request.
      return nodeHandler(server, { onError: (reason) => emit({ type: 'error', reason }), ...nodeOptions }, respond);
    },
    async fetch(request, info = {}) {
      return materialize(await respond(incomingOf(request, mountPathOf(request)), info));
    },
    on(type, listener) {
      let set = listeners.get(type);
      if (set === undefined) {
        set = new Set();
        listeners.set(type, set);
      }
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  return server;
}
