/**
 * The client's side of the server contract: the account routes (JSON over
 * the one transport, `transport.ts`) and request signing for everything
 * after login.
 *
 * @module
 */
import { fromBase64url } from '../crypto/bytes.js';
import { bodyHash, requestNonce, computeRequestMac, formatAuthorization, preconditionsOf } from '../crypto/request-mac.js';
import { ZeroVaultError } from '../errors.js';
import { TRANSPORT_DEFAULTS, exchange, parseJsonObject, statusError, type FetchFn, type TransportOptions } from '../transport.js';

/** Where the server is and how to reach it. */
export interface Endpoint {
  /** Base URL without a trailing slash, e.g. `https://api.example.com/zv`. */
  readonly baseUrl: string;
  /** The fetch, timeout and retry settings every request uses. */
  readonly transport: TransportOptions;
}

/** The session credentials needed to sign requests. */
export interface SigningKey {
  /**
   * Mutable on purpose: when a session re-authenticates (a fresh OPAQUE
   * login before replacing a credential) it updates this object in place,
   * so every signer holding it (the rest store, the sharing API) follows.
   */
  sessionId: string;
  macKey: Uint8Array;
  /**
   * When the server will expire the session (ms since the epoch, by the
   * server's clock). Mutable on purpose: sessions slide while used, and every
   * verified response names the current expiry ({@link noteSessionExpiry}).
   */
  expiresAt: number;
}

/** The response header naming a verified session's current expiry (see docs/protocol.md). */
const SESSION_EXPIRES_HEADER = 'zv-session-expires';

/**
 * Updates `key.expiresAt` from a response's `zv-session-expires` header. A
 * missing or malformed value changes nothing: it only informs, the server
 * decides.
 */
export function noteSessionExpiry(key: SigningKey, headers: Headers): void {
  const value = headers.get(SESSION_EXPIRES_HEADER);
  if (value !== null && /^[0-9]{1,16}$/.test(value)) key.expiresAt = Number(value);
}

/** Per-call options of the account and sharing routes. */
export interface CallOptions {
  /** Signs the request with the session's request MAC. */
  readonly key?: SigningKey | undefined;
  /** Cancels the call. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Extra request headers (e.g. a route's `DPoP` proof). They cannot replace
   * the JSON `content-type`/`accept` headers, and the request MAC sets `authorization`.
   */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

// JSON replies of the account and sharing routes are small (key logs and grant lists the largest).
const MAX_RESPONSE_CHARS = 4 * 1024 * 1024;

/** The transport settings of a client: `fetch` and `timeoutMs` from its options, the rest defaults. */
export function transportOptions(fetch: FetchFn | undefined, timeoutMs: number): TransportOptions {
  return { ...TRANSPORT_DEFAULTS, fetch, timeoutMs, maxResponseChars: MAX_RESPONSE_CHARS };
}

/** Normalizes a base URL (http/https, no query, fragment or credentials, no trailing slash). */
export function normalizeBaseUrl(value: string | URL): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new ZeroVaultError('INVALID_INPUT', 'url must be an absolute URL');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ZeroVaultError('INVALID_INPUT', 'url must be an http(s) URL without query, fragment or credentials');
  }
  return url.href.replace(/\/+$/, '');
}

// More origins than this is a misconfiguration, not an app.
const MAX_TOKEN_ORIGINS = 64;

/**
 * Validates `tokenOrigins`: absolute http(s) origins only (no path, query,
 * fragment or credentials; a trailing `/` is allowed), returned in
 * `URL.origin` form, with the server's origin (of `baseUrl`) first.
 * @throws `INVALID_INPUT`
 */
export function tokenOriginsOf(baseUrl: string, value: unknown): string[] {
  const origins = new Set([new URL(baseUrl).origin]);
  if (value === undefined) return [...origins];
  if (!Array.isArray(value) || value.length > MAX_TOKEN_ORIGINS) throw new ZeroVaultError('INVALID_INPUT', `tokenOrigins must be an array of at most ${MAX_TOKEN_ORIGINS} origins`);
  for (const item of value as unknown[]) {
    let url: URL | undefined;
    try {
      url = typeof item === 'string' || item instanceof URL ? new URL(String(item)) : undefined;
    } catch {
      url = undefined;
    }
    // href is exactly origin + "/" only without path, query, fragment and credentials.
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.href !== `${url.origin}/`) {
      throw new ZeroVaultError('INVALID_INPUT', 'tokenOrigins must hold absolute http(s) origins, e.g. https://api.example.com');
    }
    origins.add(url.origin);
  }
  return [...origins];
}

/**
 * Signs a request for the session (see `crypto/request-mac.ts`): the MAC
 * covers the method, the path and query relative to the base URL, the body's
 * hash, a timestamp and a fresh nonce.
 */
export async function signRequest(endpoint: Endpoint, key: SigningKey, request: Request): Promise<Request> {
  const base = new URL(`${endpoint.baseUrl}/`);
  const url = new URL(request.url);
  const basePath = base.pathname.replace(/\/$/, '');
  if (url.origin !== base.origin || !url.pathname.startsWith(`${basePath}/`)) {
    throw new ZeroVaultError('INVALID_INPUT', 'request is not for this server');
  }
  const body = new Uint8Array(await request.clone().arrayBuffer());
  const timestamp = Date.now();
  const nonce = requestNonce(timestamp);
  const pathAndQuery = url.pathname.slice(basePath.length) + url.search;
  const mac = computeRequestMac(key.macKey, {
    method: request.method.toUpperCase(),
    pathAndQuery,
    bodyHash: bodyHash(body),
    timestamp,
    nonce,
    sessionId: key.sessionId,
    ...preconditionsOf(request.headers),
  });
  const headers = new Headers(request.headers);
  headers.set('authorization', formatAuthorization({ sessionId: key.sessionId, timestamp, nonce, mac }));
  return new Request(request.url, { method: request.method, headers, ...(body.length > 0 ? { body } : {}) });
}

/**
 * POSTs JSON to an account route and returns the parsed object.
 * @throws mapped `ZeroVaultError`s (see `transport.ts`); `NETWORK` when the server is unreachable or answers nonsense
 */
export async function postJson(endpoint: Endpoint, path: string, body: Record<string, unknown>, options: CallOptions = {}): Promise<Record<string, unknown>> {
  return requestJson(endpoint, 'POST', path, body, options);
}

/**
 * Sends a JSON request (any method; `body` only when given) through the
 * transport and returns the parsed response object (`{}` for 204), signing
 * it when `options.key` is given. Only GET is retried after a transport
 * failure: the account and sharing POSTs are not all safe to repeat.
 * @throws mapped `ZeroVaultError`s (404 → `NOT_FOUND`, 401 → `AUTH_FAILED` or `CLOSED`,
 *   429 → `RATE_LIMITED` with `retryAfterMs`, ...); `NETWORK` when the server is
 *   unreachable, times out or answers nonsense
 */
export async function requestJson(
  endpoint: Endpoint,
  method: string,
  path: string,
  body: Record<string, unknown> | undefined,
  options: CallOptions = {},
): Promise<Record<string, unknown>> {
  const { key, signal, headers } = options;
  const json: Record<string, string> = body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' };
  const reply = await exchange(endpoint.transport, {
    method,
    url: `${endpoint.baseUrl}${path}`,
    headers: { ...headers, ...json },
    body: body === undefined ? undefined : JSON.stringify(body),
    retry: method === 'GET',
    sign: key === undefined ? undefined : (request) => signRequest(endpoint, key, request),
    signal,
  });
  if (key !== undefined) noteSessionExpiry(key, reply.headers);
  if (reply.status < 200 || reply.status > 299) throw statusError(reply);
  if (reply.status === 204) return {};
  return parseJsonObject(reply.text);
}

/** Reads a base64url field of a server response strictly. */
export function bytesField(body: Record<string, unknown>, name: string): Uint8Array {
  const value = body[name];
  if (typeof value !== 'string') throw new ZeroVaultError('NETWORK', 'invalid server response');
  try {
    return fromBase64url(value, name);
  } catch {
    throw new ZeroVaultError('NETWORK', 'invalid server response');
  }
}

/** Reads a string field of a server response. */
export function stringField(body: Record<string, unknown>, name: string, pattern: RegExp): string {
  const value = body[name];
  if (typeof value !== 'string' || !pattern.test(value)) throw new ZeroVaultError('NETWORK', 'invalid server response');
  return value;
}

