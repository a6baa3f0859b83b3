/**
 * The one HTTP client of the SDK: the account routes, the sharing routes and
 * `restStore` all send through {@link exchange}.
 *
 * What it guarantees for every request:
 * - a per-attempt timeout covering the request *and* reading the response
 *   body, and the caller's `AbortSignal`, both raced as well as passed (a
 *   custom `fetch` or signer may drop the signal);
 * - a response-size cap, checked on `Content-Length` and on the body read;
 * - retries only where the caller says repeating is safe, with full-jitter
 *   exponential backoff ({@link backoffMs}), each attempt built and signed
 *   afresh (a fresh request-MAC nonce, never a replay);
 * - one status → code table ({@link statusError}) and strict JSON
 *   ({@link parseJsonObject}); no text the server sent is ever copied into an
 *   error message.
 *
 * It lives beside `errors.ts` rather than in `client/` because `restStore`
 * (in `store/`, below the client) speaks the same routes.
 *
 * @module
 */
import { ZeroVaultError, type ZeroVaultErrorCode } from './errors.js';

/** A `fetch`-shaped function: the global `fetch`, or an in-process server's handler. */
export type FetchFn = (request: Request) => Promise<Response>;

/** How requests are sent. */
export interface TransportOptions {
  /** Default: the global `fetch`, read at call time. */
  readonly fetch?: FetchFn | undefined;
  /** Per-attempt timeout (request and response body), in ms. */
  readonly timeoutMs: number;
  /** Extra attempts for requests that are safe to repeat. */
  readonly retries: number;
  /** Backoff base in ms (see {@link backoffMs}). */
  readonly retryDelayMs: number;
  /** Backoff ceiling in ms. */
  readonly maxRetryDelayMs: number;
  /** Largest response body accepted, in characters. */
  readonly maxResponseChars: number;
}

/** Defaults of {@link TransportOptions} (except `maxResponseChars`, which depends on the routes). */
export const TRANSPORT_DEFAULTS = Object.freeze({ timeoutMs: 30_000, retries: 3, retryDelayMs: 200, maxRetryDelayMs: 5_000 });

/** One request, as the caller describes it. */
export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Whether repeating the request after a transport failure is safe. */
  readonly retry: boolean;
  /** Adds authentication; called once per attempt with a fresh `Request`. */
  readonly sign?: ((request: Request) => Promise<Request>) | undefined;
  /** Cancels the request (and its retries). */
  readonly signal?: AbortSignal | undefined;
}

/** A response, fully read. */
export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** 0 for the first attempt. */
  readonly attempt: number;
}

/** A transport-level failure (thrown fetch, timeout, 408/5xx): the only retryable kind. */
class Transient extends Error {
  constructor(
    readonly detail: string,
    readonly originalCause?: unknown,
  ) {
    super(detail);
  }
}

/** The error for a response the SDK cannot accept (malformed, oversized, inconsistent). */
export function invalidResponse(): ZeroVaultError {
  return new ZeroVaultError('NETWORK', 'invalid server response');
}

function aborted(signal: AbortSignal): ZeroVaultError {
  return new ZeroVaultError('NETWORK', 'request aborted', { cause: signal.reason });
}

/**
 * Full-jitter exponential backoff: a random delay below
 * `min(max, base · 2^attempt)` (the AWS "full jitter" schedule, which spreads
 * retrying clients best).
 */
export function backoffMs(attempt: number, base: number, max: number): number {
  return Math.random() * Math.min(max, base * 2 ** attempt);
}

/** Waits `ms`, or rejects with `NETWORK` ("request aborted") when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** One attempt: build, sign, fetch and read the body, all under one timeout and the caller's signal. */
async function attempt(options: TransportOptions, ex: Exchange): Promise<Omit<Reply, 'attempt'>> {
  const controller = new AbortController();
  const outer = ex.signal;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Transient('request timed out'));
    }, options.timeoutMs);
    if (outer !== undefined) {
      onAbort = () => {
        controller.abort(outer.reason);
        reject(aborted(outer));
      };
      outer.addEventListener('abort', onAbort, { once: true });
    }
  });
  // The losing side of a race must not surface as an unhandled rejection.
  stop.catch(() => undefined);
  let response: Response | undefined;
  try {
    let request = new Request(ex.url, { method: ex.method, headers: ex.headers, signal: controller.signal, ...(ex.body === undefined ? {} : { body: ex.body }) });
    if (ex.sign !== undefined) {
      try {
        request = await Promise.race([ex.sign(request), stop]);
      } catch (err) {
        if (err instanceof ZeroVaultError || err instanceof Transient) throw err;
        throw new ZeroVaultError('NETWORK', 'request signing failed', { cause: err });
      }
      if (!(request instanceof Request)) throw new ZeroVaultError('INVALID_INPUT', 'sign must resolve to a Request');
    }
    const fetchFn = options.fetch ?? (globalThis as { fetch?: FetchFn }).fetch;
    if (fetchFn === undefined) throw new ZeroVaultError('NETWORK', 'fetch is not available');
    // Whatever a fetch throws (a custom one may throw anything) is a transport failure.
    const sent = Promise.resolve()
      .then(() => fetchFn.call(globalThis, request))
      .catch((err: unknown) => {
        throw outer?.aborted ? aborted(outer) : new Transient('request failed', err);
      });
    response = await Promise.race([sent, stop]);
    const length = Number(response.headers.get('content-length') ?? '0');
    if (length > options.maxResponseChars) throw invalidResponse();
    const text = await Promise.race([response.text(), stop]);
    if (text.length > options.maxResponseChars) throw invalidResponse();
    if (response.status === 408 || response.status >= 500) throw new Transient(`server error (status ${response.status})`);
    return { status: response.status, headers: response.headers, text };
  } catch (err) {
    if (err instanceof ZeroVaultError || err instanceof Transient) throw err;
    if (outer?.aborted) throw aborted(outer);
    throw new Transient('request failed', err);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) outer?.removeEventListener('abort', onAbort);
    if (controller.signal.aborted) void response?.body?.cancel().catch(() => {});
  }
}

/**
 * Sends a request, retrying transport failures with full-jitter exponential
 * backoff when `ex.retry` says repeating it is safe.
 *
 * @returns the response with its body read (any status: the caller maps it)
 * @throws `NETWORK` when the server is unreachable, times out, answers 408/5xx
 *   after the retries, answers too much, or the caller aborted; what `sign` throws
 */
export async function exchange(options: TransportOptions, ex: Exchange): Promise<Reply> {
  if (ex.signal?.aborted) throw aborted(ex.signal);
  for (let n = 0; ; n++) {
    try {
      return { ...(await attempt(options, ex)), attempt: n };
    } catch (err) {
      if (!(err instanceof Transient)) throw err;
      if (!ex.retry || n >= options.retries) throw new ZeroVaultError('NETWORK', err.detail, { cause: err.originalCause });
      await sleep(backoffMs(n, options.retryDelayMs, options.maxRetryDelayMs), ex.signal);
    }
  }
}

/**
 * Parses a JSON object strictly.
 * @throws `NETWORK` ("invalid server response") for anything but a JSON object
 */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidResponse();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidResponse();
  return value as Record<string, unknown>;
}

/**
 * `Retry-After` in ms: delta-seconds or an HTTP date (RFC 9110 §10.2.3),
 * clamped to a day; `undefined` when absent or malformed.
 */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  let ms: number;
  if (/^[0-9]{1,10}$/.test(value)) ms = Number(value) * 1000;
  else {
    const date = Date.parse(value);
    if (Number.isNaN(date)) return undefined;
    ms = Math.max(0, date - now);
  }
  return Math.min(ms, 86_400_000);
}

/** The one status → code table. */
const STATUS_CODES: Readonly<Record<number, ZeroVaultErrorCode>> = {
  400: 'INVALID_INPUT',
  401: 'AUTH_FAILED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'CONFLICT',
  413: 'INVALID_INPUT',
  422: 'INVALID_INPUT',
  429: 'RATE_LIMITED',
};

/**
 * Codes a server may name in its JSON error to refine a status: a 401 for a
 * session the server no longer has (logged out, expired, revoked) is
 * `CLOSED`, a 403 for a session whose second factor is pending is
 * `MFA_REQUIRED`. Believing a lying server costs only availability, which it
 * controls anyway.
 */
const REFINEMENTS: Readonly<Record<number, readonly ZeroVaultErrorCode[]>> = {
  401: ['CLOSED'],
  403: ['MFA_REQUIRED'],
};

/** The fixed message of each code raised from a status; never the server's text. */
const MESSAGES: Partial<Record<ZeroVaultErrorCode, string>> = {
  INVALID_INPUT: 'the server rejected the request',
  AUTH_FAILED: 'authentication failed',
  FORBIDDEN: 'not allowed',
  CLOSED: 'the session is closed',
  MFA_REQUIRED: 'a second factor is required',
  NOT_FOUND: 'not found',
  CONFLICT: 'version precondition failed',
  RATE_LIMITED: 'rate limited by the server',
};

function serverCode(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown } } | null;
    const code = body?.error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Maps a response that no operation handles itself to a `ZeroVaultError`.
 * `RATE_LIMITED` carries `retryAfterMs` from `Retry-After`.
 */
export function statusError(reply: Pick<Reply, 'status' | 'headers' | 'text'>): ZeroVaultError {
  let code: ZeroVaultErrorCode = STATUS_CODES[reply.status] ?? 'NETWORK';
  const refined = serverCode(reply.text);
  if (refined !== undefined && (REFINEMENTS[reply.status] ?? []).includes(refined as ZeroVaultErrorCode)) code = refined as ZeroVaultErrorCode;
  const message = MESSAGES[code] ?? `unexpected response status ${reply.status}`;
  if (code !== 'RATE_LIMITED') return new ZeroVaultError(code, message);
  const wait = retryAfterMs(reply.headers);
  return new ZeroVaultError(code, message, wait === undefined ? {} : { retryAfterMs: wait });
}
