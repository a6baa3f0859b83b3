/**
 * The client's side of the server contract: the account routes (JSON over
 * `fetch`) and request signing for everything after login.
 *
 * @module
 */
import { fromBase64url } from '../crypto/bytes.js';
import { randomBytes } from '../crypto/random.js';
import { REQUEST_NONCE_LENGTH, bodyHash, computeRequestMac, formatAuthorization, preconditionsOf } from '../crypto/request-mac.js';
import { ZeroVaultError, authFailed, type ZeroVaultErrorCode } from '../errors.js';

/** A `fetch`-shaped function: the global `fetch`, or an in-process server's handler. */
export type FetchFn = (request: Request) => Promise<Response>;

/** Where the server is and how to reach it. */
export interface Endpoint {
  /** Base URL without a trailing slash, e.g. `https://api.example.com/zv`. */
  readonly baseUrl: string;
  readonly fetch: FetchFn;
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
}

const STATUS_CODES: Readonly<Record<number, ZeroVaultErrorCode>> = {
  400: 'INVALID_INPUT',
  401: 'AUTH_FAILED',
  403: 'AUTH_FAILED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'CONFLICT',
  413: 'INVALID_INPUT',
  429: 'RATE_LIMITED',
};

/** Normalizes a base URL (http/https, no query or fragment, no trailing slash). */
export function normalizeBaseUrl(value: string | URL): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new ZeroVaultError('INVALID_INPUT', 'server must be an absolute URL');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new ZeroVaultError('INVALID_INPUT', 'server must be an http(s) URL without query or fragment');
  }
  return url.href.replace(/\/+$/, '');
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
  const nonce = randomBytes(REQUEST_NONCE_LENGTH);
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

/** Turns a non-2xx response into a `ZeroVaultError` with the server's code when it is a known one. */
async function failure(response: Response): Promise<ZeroVaultError> {
  if (response.status === 401 || response.status === 403) return authFailed();
  const code: ZeroVaultErrorCode = STATUS_CODES[response.status] ?? 'NETWORK';
  let message = `server answered ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string' && body.error.message.length < 200) message = body.error.message;
  } catch {
    // keep the generic message
  }
  return new ZeroVaultError(code, message);
}

/**
 * POSTs JSON to an account route and returns the parsed object.
 * @throws mapped `ZeroVaultError`s; `NETWORK` when the server is unreachable or answers nonsense
 */
export async function postJson(endpoint: Endpoint, path: string, body: Record<string, unknown>, key?: SigningKey): Promise<Record<string, unknown>> {
  return requestJson(endpoint, 'POST', path, body, key);
}

/**
 * Sends a JSON request (any method; `body` only when given) and returns the
 * parsed response object (`{}` for 204), signing it when `key` is given.
 * @throws mapped `ZeroVaultError`s (404 → `NOT_FOUND`, 401/403 → `AUTH_FAILED`, ...);
 *   `NETWORK` when the server is unreachable or answers nonsense
 */
export async function requestJson(
  endpoint: Endpoint,
  method: string,
  path: string,
  body: Record<string, unknown> | undefined,
  key?: SigningKey,
): Promise<Record<string, unknown>> {
  let request = new Request(`${endpoint.baseUrl}${path}`, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (key !== undefined) request = await signRequest(endpoint, key, request);
  let response: Response;
  try {
    response = await endpoint.fetch(request);
  } catch (cause) {
    throw new ZeroVaultError('NETWORK', 'server unreachable', { cause });
  }
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return {};
  try {
    const parsed: unknown = await response.json();
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (cause) {
    throw new ZeroVaultError('NETWORK', 'invalid server response', { cause });
  }
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

