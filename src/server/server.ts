/**
 * `createServer`: OPAQUE accounts, verified sessions and a versioned
 * ciphertext store behind one `fetch(Request) → Response` handler, so any
 * Node or edge backend can mount it (Hono, Next.js route handlers, Bun, Deno,
 * Workers; `node()` adapts it to `node:http` and Express).
 *
 * Routes (relative to `basePath`; JSON bodies, bytes as unpadded base64url;
 * the wire format is in docs/protocol.md):
 *
 * | route | auth | body → result |
 * | --- | --- | --- |
 * | `POST /register/start` | – | `{ userId, request, credential? }` → `{ response }` |
 * | `POST /register/finish` | – (a session of the same user to replace a record or set `credential: "recovery"`) | `{ userId, record, credential? }` → 201 `{}` |
 * | `POST /login/start` | – | `{ userId, request, credential? }` → `{ loginId, response }` |
 * | `POST /login/finish` | – | `{ loginId, finalization }` → `{ sessionId, expiresAt }` |
 * | `POST /logout` | session | → 204 |
 * | `GET /blobs/:vault/:id` | session | → `{ data, version }` + `ETag` |
 * | `PUT /blobs/:vault/:id` | session | `{ data }` + `If-Match` / `If-None-Match: *` → `{ version }` + `ETag` |
 * | `DELETE /blobs/:vault/:id` | session | `If-Match`? → 204 |
 * | `GET /blobs/:vault?after=&limit=` | session | → `{ items, next? }` |
 * | key directory, grants, shared blobs | session | see `sharing-routes.ts` |
 *
 * @module
 */
import type { AesGcmKey } from '../crypto/aead.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { getServerPublicKey } from '../opaque/index.js';
import { loginFinish, loginStart, logout, registerFinish, registerStart, type RouteContext } from './account-routes.js';
import { blobRoute } from './blob-routes.js';
import { BodyTooLarge, errorResponse, readBody } from './http.js';
import { toNodeHandler, type NodeHandler, type NodeHandlerOptions } from './node.js';
import { preconditionsOf } from '../crypto/request-mac.js';
import { atRestKey, verifyRequest, VerificationError } from './sessions.js';
import { isSharingPath, sharingRoute } from './sharing-routes.js';
import type { BucketPolicy, ServerEvent, ServerEventListener, ServerEventType, ServerStore } from './types.js';

/** Options for {@link createServer}. */
export interface CreateServerOptions {
  /** The encoded OPAQUE server setup (`generateServerSetup()`); keep it secret, outside the database. */
  setup: Uint8Array;
  /** Where accounts, sessions and blobs live. */
  store: ServerStore;
  /** Path prefix the routes live under, e.g. `/zv`; default none. */
  basePath?: string;
  /** Largest request body in bytes; default 96 MiB (a 64 MiB blob in base64url JSON). */
  maxBodyBytes?: number;
  /** Session lifetime in ms; default 1 hour. */
  sessionTtlMs?: number;
  /** Accepted clock skew of request timestamps in ms; default 2 minutes. */
  requestWindowMs?: number;
  /** Lifetime of a pending login between start and finish, in ms; default 60 s. */
  loginTimeoutMs?: number;
  /**
   * How fresh a session must be to replace the account's password or
   * recovery credential, in ms since its login; default 10 minutes.
   */
  reauthWindowMs?: number;
  /** Unfinished or failed logins allowed per user id; default 10 per 15 minutes. */
  userLoginLimit?: BucketPolicy;
  /** Unfinished or failed logins allowed per client address; default 100 per 15 minutes. */
  addressLoginLimit?: BucketPolicy;
  /** How often expired pending logins, sessions and nonces are purged, in ms; default 60 s. */
  purgeIntervalMs?: number;
  /** The clock, in ms since the epoch; tests inject one. Default `Date.now`. */
  now?: () => number;
}

/** Per-request facts the runtime knows and a `Request` does not carry. */
export interface RequestInfo {
  /** The client's network address (from the socket, or a trusted proxy header). */
  address?: string;
}

/** A mounted zerovault server. */
export interface ZeroVaultServer {
  /** Handles one request. Never throws: every failure is a JSON error response. */
  fetch(request: Request, info?: RequestInfo): Promise<Response>;
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

/**
 * Creates a server. See the module comment for the routes.
 *
 * @throws `INVALID_INPUT` on a malformed setup or option
 */
export function createServer(options: CreateServerOptions): ZeroVaultServer {
  if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
  const publicKey = getServerPublicKey(options.setup); // validates the setup now, not at the first request
  const setup = Uint8Array.from(options.setup);
  const store = options.store;
  const basePath = normalizeBasePath(options.basePath);
  const now = options.now ?? Date.now;
  const limits = {
    maxBodyBytes: positive(options.maxBodyBytes, 96 * 1024 * 1024, 'maxBodyBytes'),
    sessionTtlMs: positive(options.sessionTtlMs, 60 * 60 * 1000, 'sessionTtlMs'),
    requestWindowMs: positive(options.requestWindowMs, 2 * 60 * 1000, 'requestWindowMs'),
    loginTimeoutMs: positive(options.loginTimeoutMs, 60 * 1000, 'loginTimeoutMs'),
    reauthWindowMs: positive(options.reauthWindowMs, 10 * 60 * 1000, 'reauthWindowMs'),
    userLoginLimit: policy(options.userLoginLimit, { capacity: 10, refillMs: FIFTEEN_MINUTES / 10 }, 'userLoginLimit'),
    addressLoginLimit: policy(options.addressLoginLimit, { capacity: 100, refillMs: FIFTEEN_MINUTES / 100 }, 'addressLoginLimit'),
    purgeIntervalMs: positive(options.purgeIntervalMs, 60 * 1000, 'purgeIntervalMs'),
  };
  let lastPurge = now();
  const listeners = new Map<string, Set<ServerEventListener>>();
  let key: Promise<AesGcmKey> | undefined;

  const emit = (event: Omit<ServerEvent, 'at'>): void => {
    const full: ServerEvent = { ...event, at: now() };
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

  const handle = async (request: Request, info: RequestInfo): Promise<Response> => {
    await maybePurge();
    const url = new URL(request.url);
    if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) return errorResponse(new ZeroVaultError('NOT_FOUND', 'no such route'));
    const path = url.pathname.slice(basePath.length) || '/';
    const pathAndQuery = path + url.search;
    const method = request.method.toUpperCase();
    const address = info.address;
    key ??= atRestKey(setup);
    const context: RouteContext = { store, key: await key, limits, now, emit, setup, ...(address === undefined ? {} : { address }) };

    let body: Uint8Array;
    try {
      // Only blob writes carry large bodies; every other route (most of them reachable
      // without a session) is capped small, so an anonymous client cannot make the
      // server buffer and parse megabytes.
      body = await readBody(request, path.includes('/blobs/') ? limits.maxBodyBytes : Math.min(limits.maxBodyBytes, SMALL_BODY_BYTES));
    } catch (err) {
      if (err instanceof BodyTooLarge) return errorResponse(new ZeroVaultError('INVALID_INPUT', 'body too large'), 413);
      throw err;
    }

    if (method === 'POST') {
      switch (path) {
        case '/register/start':
          return registerStart(context, body);
        case '/login/start':
          return loginStart(context, body);
        case '/login/finish':
          return loginFinish(context, body);
        default:
      }
    }

    const authenticated =
      path === '/logout' || path.startsWith('/blobs/') || isSharingPath(path) || (path === '/register/finish' && request.headers.has('authorization'));
    if (!authenticated) {
      if (method === 'POST' && path === '/register/finish') return registerFinish(context, body, null);
      return errorResponse(new ZeroVaultError('NOT_FOUND', 'no such route'));
    }

    let verified;
    try {
      verified = await verifyRequest(
        store,
        context.key,
        { method, pathAndQuery, authorization: request.headers.get('authorization'), body, ...preconditionsOf(request.headers) },
        now(),
        limits.requestWindowMs,
      );
    } catch (err) {
      if (!(err instanceof VerificationError)) throw err;
      emit({ type: err.event, reason: err.reason, ...(err.userId === undefined ? {} : { userId: err.userId }), ...(address === undefined ? {} : { address }) });
      return errorResponse(new ZeroVaultError('AUTH_FAILED', 'authentication failed'), 401, { 'www-authenticate': 'ZV1' });
    }
    const session = verified.session;
    if (method === 'POST' && path === '/logout') return logout(context, session, body);
    if (method === 'POST' && path === '/register/finish') return registerFinish(context, body, session);
    if (path.startsWith('/blobs/')) return blobRoute(store.blobs(session.userId), method, path, url.searchParams, request.headers, body);
    if (isSharingPath(path)) return sharingRoute(context, session, { method, path, params: url.searchParams, headers: request.headers, body });
    return errorResponse(new ZeroVaultError('NOT_FOUND', 'no such route'));
  };

  const server: ZeroVaultServer = {
    publicKey,
    node(nodeOptions = {}) {
      return toNodeHandler(server, { maxBodyBytes: limits.maxBodyBytes, ...nodeOptions });
    },
    async fetch(request, info = {}) {
      try {
        return await handle(request, info);
      } catch (err) {
        if (isZeroVaultError(err) && err.code !== 'STORAGE') return errorResponse(err);
        emit({ type: 'error', reason: isZeroVaultError(err) ? err.code.toLowerCase() : 'internal' });
        return errorResponse(err);
      }
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

