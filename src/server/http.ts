/**
 * HTTP plumbing for the server: bounded body reading, strict JSON schemas,
 * and error responses that carry a code and never a stack trace.
 *
 * @module
 */
import { decodeBase64url } from '../crypto/base64url.js';
import { concat } from '../crypto/bytes.js';
import { ZeroVaultError, isZeroVaultError, type ZeroVaultErrorCode } from '../errors.js';

/** The status each error code maps to. */
const STATUS: Readonly<Record<ZeroVaultErrorCode, number>> = {
  INVALID_INPUT: 400,
  DECRYPT_FAILED: 400,
  AUTH_FAILED: 401,
  FORBIDDEN: 403,
  // A session the server no longer knows reads as unauthenticated, like any other.
  CLOSED: 401,
  MFA_REQUIRED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ROLLBACK: 409,
  UNSUPPORTED: 400,
  RATE_LIMITED: 429,
  STORAGE: 500,
  NETWORK: 502,
  // A client-side condition; the server never raises it, but the map is exhaustive.
  WORKER: 500,
};

/** The response header naming a verified session's current expiry (ms since the epoch, server clock). */
export const SESSION_EXPIRES_HEADER = 'zv-session-expires';

/** Headers every response carries (also the node adapter's own 413/500). */
export const BASE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/**
 * The JSON text of each response {@link json} built. Such a response is
 * built without a body and its text waits here until the answer leaves the
 * server: a `Response` with a body builds a web stream for it (8.3 µs per
 * response against 0.9 µs without, a tenth of a verified GET's server time,
 * issue 18), which the Node adapter never reads. It writes the text as is;
 * `fetch` gives its caller a real body ({@link materialize}). A `WeakMap`,
 * as `mount.ts` keeps: a Response nobody holds takes its entry with it.
 */
const pendingJson = new WeakMap<Response, string>();

/**
 * A JSON response with the security headers every route sends. Its body is
 * pending until {@link materialize} (or the Node adapter) writes it: copy it
 * with {@link withHeaders}, never with `new Response(response.body, …)`.
 */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const response = new Response(null, { status, headers: { ...BASE_HEADERS, ...headers } });
  if (status !== 204) pendingJson.set(response, JSON.stringify(body));
  return response;
}

/** The pending body text of a response {@link json} built; otherwise `undefined`. */
export function jsonTextOf(response: Response): string | undefined {
  return pendingJson.get(response);
}

/** The response as a `fetch` caller gets it: a pending JSON body becomes its real body. */
export function materialize(response: Response): Response {
  const text = pendingJson.get(response);
  if (text === undefined) return response;
  return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** A copy of `response` with `headers` instead of its own; its body, pending or not, goes along. */
export function withHeaders(response: Response, headers: Headers): Response {
  const copy = new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  const text = pendingJson.get(response);
  if (text !== undefined) pendingJson.set(copy, text);
  return copy;
}

/**
 * What the server reads of a request. A WHATWG `Request` gives all of it
 * ({@link incomingOf}); the Node adapter builds one straight from
 * `node:http`, without a `Request` and its body stream (node.ts).
 */
export interface IncomingRequest {
  /** Upper-case method. */
  readonly method: string;
  /** The absolute URL. */
  readonly url: string;
  readonly headers: Headers;
  /** True when someone read the body before the server (a body parser mounted first). */
  readonly bodyUsed: boolean;
  /** The prefix a framework stripped from the path (see mount.ts); `''` when none. */
  readonly mount: string;
  /** Reads the body, refusing more than `limit` bytes ({@link BodyTooLarge}); `INVALID_INPUT` when it ends early. */
  readBody(limit: number): Promise<Uint8Array>;
}

/** A WHATWG `Request` as an {@link IncomingRequest}. */
export function incomingOf(request: Request, mount: string): IncomingRequest {
  return {
    method: request.method.toUpperCase(),
    url: request.url,
    headers: request.headers,
    get bodyUsed() {
      return request.bodyUsed;
    },
    mount,
    readBody: (limit) => readBody(request, limit),
  };
}

/**
 * An error response: `{ "error": { "code", "message" } }`. Codes are the
 * stable `ZeroVaultError` codes; unexpected errors become `STORAGE` with a
 * generic message (the detail goes to the `error` event, not the wire).
 */
export function errorResponse(err: unknown, overrideStatus?: number, headers: Record<string, string> = {}): Response {
  const known = isZeroVaultError(err) ? err : new ZeroVaultError('STORAGE', 'internal error');
  const status = overrideStatus ?? statusOf(known);
  const message = known.code === 'STORAGE' ? 'internal error' : known.message;
  // Every 429 says when to come back (RFC 9110 §10.2.3, in seconds), so a client never has to guess.
  const retry = status === 429 && headers['retry-after'] === undefined ? { 'retry-after': retryAfterSeconds(known.retryAfterMs) } : {};
  return json(status, { error: { code: known.code, message } }, { ...headers, ...retry });
}

/** The status an error maps to (the table above). */
export function statusOf(err: { readonly code: ZeroVaultErrorCode }): number {
  return STATUS[err.code];
}

/** `Retry-After` in whole seconds, at least 1 (a missing or odd value means "soon"). */
export function retryAfterSeconds(ms: number | undefined): string {
  return String(ms !== undefined && Number.isFinite(ms) && ms > 0 ? Math.ceil(ms / 1000) : 1);
}

/** 405 with the `Allow` header RFC 9110 §15.5.6 requires. */
export function methodNotAllowed(allow: readonly string[]): Response {
  return errorResponse(new ZeroVaultError('INVALID_INPUT', 'method not allowed'), 405, { allow: allow.join(', ') });
}

/** The message of a body that a body parser consumed before zerovault saw it. */
export const BODY_CONSUMED_MESSAGE = 'the request body was read before zerovault: mount zerovault before any body parser';

/**
 * 500 for a body someone else already read (an `express.json()` mounted
 * first). The MAC covers the raw bytes, so nothing can be done but say so
 * at once, instead of waiting for a stream that will never end.
 */
export function bodyConsumedResponse(): Response {
  return json(500, { error: { code: 'STORAGE', message: BODY_CONSUMED_MESSAGE } });
}

/** Thrown by {@link readBody} when the body is over the limit (→ 413). */
export class BodyTooLarge extends Error {}

/**
 * Reads a request body into bytes, refusing more than `limit` bytes without
 * buffering them (checked against `Content-Length` first, then while
 * streaming).
 */
export async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) throw new BodyTooLarge();
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      // The client went away mid-body (or the stream broke): a bad request, not a server fault.
      throw new ZeroVaultError('INVALID_INPUT', 'request body ended early');
    }
    const { done, value } = chunk;
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  return concat(...chunks);
}

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

/**
 * Field kinds of a {@link parseJsonBody} schema: `string?` is an optional
 * string; `boolean` a JSON `true` or `false`; `object?` an optional JSON object, handed on unparsed for
 * {@link parseJsonObject} with its own schema.
 */
export type FieldKind = 'string' | 'bytes' | 'string?' | 'object?' | 'boolean';

/** Parsed values per field kind. */
type FieldValue<K extends FieldKind> = K extends 'bytes'
  ? Uint8Array
  : K extends 'string'
    ? string
    : K extends 'boolean'
    ? boolean
    : K extends 'object?'
      ? Record<string, unknown> | undefined
      : string | undefined;

/** What a schema parses to. */
export type Parsed<S extends Record<string, FieldKind>> = { [K in keyof S]: FieldValue<S[K]> };

/**
 * Parses a JSON object body against a schema: exactly the listed fields, each
 * of its kind (`bytes` are strict unpadded base64url). Unknown fields,
 * missing fields and wrong types are `INVALID_INPUT` naming the field.
 */
export function parseJsonBody<S extends Record<string, FieldKind>>(body: Uint8Array, schema: S): Parsed<S> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw invalid('body must be JSON');
  }
  return parseJsonObject(value, schema, 'body');
}

/**
 * Checks one parsed JSON value against a schema, as {@link parseJsonBody}
 * does for a whole body (a nested `object?` field is checked with this).
 *
 * @param name - what the value is, for the error message
 */
export function parseJsonObject<S extends Record<string, FieldKind>>(value: unknown, schema: S, name: string): Parsed<S> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${name} must be a JSON object`);
  const record = value as Record<string, unknown>;
  // The message never names the client's key: error text must not echo any part of a request.
  for (const key of Object.keys(record)) if (!Object.hasOwn(schema, key)) throw invalid(`${name} has an unexpected field`);
  const out: Record<string, unknown> = {};
  for (const [key, kind] of Object.entries(schema)) {
    const field = record[key];
    if (field === undefined && (kind === 'string?' || kind === 'object?')) continue;
    if (kind === 'object?') {
      if (typeof field !== 'object' || field === null || Array.isArray(field)) throw invalid(`${key} must be a JSON object`);
      out[key] = field;
      continue;
    }
    if (kind === 'boolean') {
      if (typeof field !== 'boolean') throw invalid(`${key} must be true or false`);
      out[key] = field;
      continue;
    }
    if (typeof field !== 'string') throw invalid(`${key} must be a string`);
    out[key] = kind === 'bytes' ? decodeBase64url(field, key) : field;
  }
  return out as Parsed<S>;
}
