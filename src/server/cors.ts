/**
 * Cross-origin access for a page on another origin (`createServer({ cors })`).
 *
 * Exact-match origins only: the browser sends `Origin`, and the server
 * answers with that same origin when it is listed, with nothing otherwise.
 * There is no wildcard and no credentials mode: zerovault authenticates with
 * request MACs and DPoP proofs in headers, never with cookies, so a page
 * never needs `credentials: 'include'` and the server never says
 * `Access-Control-Allow-Credentials`.
 *
 * Preflights (`OPTIONS`) are answered from the one route table: the allowed
 * methods are exactly that path's methods (router.ts), so a path the table
 * does not know is 404 to a preflight too.
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { errorResponse, withHeaders } from './http.js';

/** Options of `createServer({ cors })`. */
export interface CorsOptions {
  /**
   * The page origins allowed to call this server, each an absolute `http(s)`
   * origin exactly as the browser sends it: scheme, host, and port when not
   * the default (`https://app.example.com`, `http://localhost:5173`). No
   * wildcard, no path, no trailing slash.
   */
  readonly origins: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds; default 600 (0 to 86400). */
  readonly maxAgeSeconds?: number;
}

/** Request headers a zerovault client (and `session.fetch`) sends that are not CORS-safelisted. */
export const CORS_ALLOW_HEADERS = 'authorization, content-type, dpop, if-match, if-none-match';

/** Response headers a zerovault client reads that are not CORS-safelisted. */
export const CORS_EXPOSE_HEADERS = 'etag, dpop-nonce, retry-after, www-authenticate, zv-session-expires';

/** Default preflight cache lifetime (10 minutes; Chromium caps it at 2 hours anyway). */
const DEFAULT_MAX_AGE_SECONDS = 600;
const MAX_MAX_AGE_SECONDS = 86_400;
/** A bound on the list, so a misconfiguration cannot make every request scan a huge array. */
const MAX_ORIGINS = 100;

/** The validated CORS policy of a server. */
export interface CorsPolicy {
  /** Whether `origin` (the request's `Origin` header) is listed. */
  allows(origin: string | null): origin is string;
  /**
   * The answer to `OPTIONS` on a known path whose methods are `methods`: 204
   * with the CORS headers for a listed origin, 403 without them for any
   * other origin, 204 with `Allow` only when there is no `Origin`.
   */
  preflight(origin: string | null, methods: readonly string[]): Response;
  /** `response` with the CORS headers for a listed `origin`, and `Vary: Origin` in every case. */
  decorate(response: Response, origin: string | null): Response;
}

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

/** One listed origin, checked: it must serialize to itself (RFC 6454 §6.2), so a path, a slash or a default port is refused. */
function validOrigin(value: unknown): string {
  if (typeof value !== 'string') throw invalid('cors.origins must hold strings');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('cors.origins must hold absolute http(s) origins, e.g. https://app.example.com');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== value || value.includes('*')) {
    throw invalid('cors.origins must hold absolute http(s) origins without wildcard, path or trailing slash, e.g. https://app.example.com');
  }
  return value;
}

/** Adds `Origin` to a response's `Vary` unless it is there already. */
function varyOrigin(headers: Headers): void {
  const vary = headers.get('vary');
  if (vary === null || vary.trim() === '') headers.set('vary', 'Origin');
  else if (!vary.split(',').some((v) => v.trim().toLowerCase() === 'origin' || v.trim() === '*')) headers.set('vary', `${vary}, Origin`);
}

/**
 * Validates `createServer`'s `cors` option into a policy, or `null` when the
 * option is absent (then no response carries a CORS header).
 *
 * @throws `INVALID_INPUT` on anything but a list of exact http(s) origins, or a bad `maxAgeSeconds`
 */
export function corsPolicy(options: CorsOptions | undefined): CorsPolicy | null {
  if (options === undefined) return null;
  if (typeof options !== 'object' || options === null) throw invalid('cors must be an object');
  const list: unknown = options.origins;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_ORIGINS) throw invalid(`cors.origins must be an array of 1 to ${MAX_ORIGINS} origins`);
  const origins = new Set(list.map(validOrigin));
  const maxAge = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0 || maxAge > MAX_MAX_AGE_SECONDS) throw invalid(`cors.maxAgeSeconds must be an integer from 0 to ${MAX_MAX_AGE_SECONDS}`);

  const allows = (origin: string | null): origin is string => origin !== null && origins.has(origin);
  return {
    allows,
    preflight(origin, methods) {
      const allow = [...methods, 'OPTIONS'].join(', ');
      // Not a browser's CORS question (no Origin): say what the path takes, as RFC 9110 §9.3.7 suggests.
      if (origin === null) return new Response(null, { status: 204, headers: { allow, vary: 'Origin', 'cache-control': 'no-store' } });
      if (!allows(origin)) {
        // No CORS header at all: the browser refuses the real request without learning why.
        return errorResponse(new ZeroVaultError('FORBIDDEN', 'origin not allowed'), 403, { vary: 'Origin' });
      }
      return new Response(null, {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': methods.join(', '),
          'access-control-allow-headers': CORS_ALLOW_HEADERS,
          'access-control-max-age': String(maxAge),
          allow,
          vary: 'Origin',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
      });
    },
    decorate(response, origin) {
      const headers = new Headers(response.headers);
      // Every answer may differ by Origin, so a shared cache must key on it (the JWKS is cacheable).
      varyOrigin(headers);
      if (allows(origin)) {
        headers.set('access-control-allow-origin', origin);
        headers.set('access-control-expose-headers', CORS_EXPOSE_HEADERS);
      }
      return withHeaders(response, headers);
    },
  };
}
