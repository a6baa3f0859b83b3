/**
 * `session.fetch`: requests to the app's own API that prove, each one, that
 * they come from this session on this device (RFC 9449 DPoP). Every request
 * carries `Authorization: DPoP <access token>` and a fresh proof signed by the
 * session's non-extractable key, to which the token is bound (`cnf.jkt`).
 *
 * Tokens come from the server's session-MAC'd `POST /token` route through the
 * one transport, are reused until shortly before they expire, and renewed
 * without the app noticing. A 401 that asks for a DPoP nonce is retried once.
 * Tokens and proofs go only to the zerovault server's origin and the client's
 * `tokenOrigins`: any other URL is refused before anything is sent, and
 * redirects are not followed (the 3xx is returned as it is), so a token
 * never reaches a third party. Loaded on demand with `jose`
 * (`dpop.ts`), at the first `session.fetch`.
 *
 * @module
 */
import { ZeroVaultError, closed } from '../../errors.js';
import type { Endpoint } from '../api.js';
import { createDpopKey, createProof, type DpopKey } from './dpop.js';
import type { KeyHandle } from './keys.js';

/** What a session's app fetch is built from. */
export interface AppFetchInit {
  readonly endpoint: Endpoint;
  readonly keys: Pick<KeyHandle, 'onClose'>;
  /**
   * Sends `POST /token` with `proof` as its `DPoP` header, session-MAC'd,
   * through the one transport, and returns the JSON reply. The session
   * passes it in (rather than this module importing the transport) so that
   * loading this module on demand leaves the page's bundle as it was.
   */
  readonly requestToken: (proof: string) => Promise<Record<string, unknown>>;
  /** Origins (`URL.origin` form) that may receive tokens and proofs: the server's and the client's `tokenOrigins`. */
  readonly origins: readonly string[];
}

/** The session's `fetch` for the app's own routes. */
export interface AppFetch {
  /**
   * `fetch`, with an access token and a fresh DPoP proof attached.
   * @throws `INVALID_INPUT` for a malformed request or a URL outside the allowed origins (nothing sent);
   *   `CLOSED`; what `POST /token` fails with; what `fetch` throws
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
}

interface AccessToken {
  readonly value: string;
  /** When to fetch the next one (ms, this device's clock). */
  readonly renewAt: number;
}

// A compact JWS: three base64url parts (the payload may not be empty for a JWT).
const JWS_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// Renew this long before expiry, so a token is never sent in its last seconds (clock drift, slow requests).
const RENEW_BEFORE_MS = 30_000;
// expires_in beyond a day is not an access token this client should hold on to.
const MAX_EXPIRES_IN = 86_400;
// RFC 9449 §8.1: a nonce is 1*NQCHAR.
const NONCE_PATTERN = /^[\x21\x23-\x5b\x5d-\x7e]{1,1024}$/;

/** Creates the session's DPoP key and its app fetch; the key and cached token are let go when the session closes. */
export async function createAppFetch(init: AppFetchInit): Promise<AppFetch> {
  return SessionFetch.create(init);
}

/** The WWW-Authenticate `error` of a DPoP challenge in a 401 (RFC 9449 §7.1), or `undefined`. */
function dpopError(response: Response): string | undefined {
  if (response.status !== 401) return undefined;
  const challenge = response.headers.get('www-authenticate') ?? '';
  if (!/(^|,)\s*DPoP(\s|,|$)/i.test(challenge)) return undefined;
  return /\berror\s*=\s*"?([A-Za-z_]+)"?/.exec(challenge)?.[1];
}

// The transport's error for a reply the SDK cannot accept (not imported: see `requestToken`).
function invalidResponse(): ZeroVaultError {
  return new ZeroVaultError('NETWORK', 'invalid server response');
}

/** `work`, or the signal's reason as soon as it aborts (as `fetch` rejects); the shared token request itself goes on. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function toRequest(input: string | URL | Request, init: RequestInit | undefined): Request {
  try {
    return new Request(input, init);
  } catch (cause) {
    throw new ZeroVaultError('INVALID_INPUT', 'input and init must make a valid request', { cause });
  }
}

class SessionFetch implements AppFetch {
  readonly #endpoint: Endpoint;
  readonly #postToken: (proof: string) => Promise<Record<string, unknown>>;
  readonly #origins: ReadonlySet<string>;
  #key: DpopKey | undefined;
  #token: AccessToken | undefined;
  #pending: Promise<AccessToken> | undefined;
  /** The last nonce each origin handed out (RFC 9449 §8: use it for the next proofs). */
  readonly #nonces = new Map<string, string>();

  private constructor(init: AppFetchInit, key: DpopKey) {
    this.#endpoint = init.endpoint;
    this.#postToken = init.requestToken;
    this.#origins = new Set(init.origins);
    this.#key = key;
    // A non-extractable CryptoKey cannot be wiped; at close the session lets go of it and of the token.
    init.keys.onClose(() => {
      this.#key = undefined;
      this.#token = undefined;
      this.#nonces.clear();
    });
  }

  static async create(init: AppFetchInit): Promise<SessionFetch> {
    return new SessionFetch(init, await createDpopKey());
  }

  async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = toRequest(input, init);
    const url = new URL(request.url);
    if (!this.#origins.has(url.origin)) throw new ZeroVaultError('INVALID_INPUT', 'session.fetch sends tokens only to the server origin and tokenOrigins');
    const token = await abortable(this.#accessToken(), request.signal);
    // The retry needs the body again: keep a copy only when there is one to lose.
    const spare = request.body === null ? request : request.clone();
    const response = await this.#send(request, token, this.#nonces.get(url.origin));
    const error = dpopError(response);
    if (error === 'invalid_token') this.#dropToken(token);
    const nonce = response.headers.get('dpop-nonce');
    if (error !== 'use_dpop_nonce' || nonce === null || !NONCE_PATTERN.test(nonce)) return response;
    await response.body?.cancel().catch(() => undefined);
    return this.#send(spare, token, nonce);
  }

  async #send(request: Request, token: string, nonce: string | undefined): Promise<Response> {
    const proof = await createProof(this.#dpopKey(), { method: request.method, url: request.url, accessToken: token, nonce });
    const headers = new Headers(request.headers);
    headers.set('authorization', `DPoP ${token}`);
    headers.set('dpop', proof);
    const fetchFn = this.#endpoint.transport.fetch ?? globalThis.fetch;
    // Never followed: a redirect would carry the token and this proof to another URL (a proof is
    // bound to one method and URL, and a fetch may keep Authorization on a cross-origin hop).
    const response = await fetchFn.call(globalThis, new Request(request, { headers, redirect: 'manual' }));
    const fresh = response.headers.get('dpop-nonce');
    if (fresh !== null && NONCE_PATTERN.test(fresh) && this.#key !== undefined) this.#nonces.set(new URL(request.url).origin, fresh);
    return response;
  }

  #dpopKey(): DpopKey {
    if (this.#key === undefined) throw closed();
    return this.#key;
  }

  /** A token the server rejected is not reused (the next request fetches a new one). */
  #dropToken(value: string): void {
    if (this.#token?.value === value) this.#token = undefined;
  }

  /** The cached access token, or a new one (one request for all callers waiting at once). */
  async #accessToken(): Promise<string> {
    const token = this.#token;
    if (token !== undefined && Date.now() < token.renewAt) return token.value;
    this.#pending ??= this.#requestToken().finally(() => {
      this.#pending = undefined;
    });
    return (await this.#pending).value;
  }

  async #requestToken(): Promise<AccessToken> {
    const proof = await createProof(this.#dpopKey(), { method: 'POST', url: `${this.#endpoint.baseUrl}/token` });
    const sentAt = Date.now();
    const { access_token: value, token_type: type, expires_in: expiresIn } = await this.#postToken(proof);
    if (typeof value !== 'string' || !JWS_PATTERN.test(value) || typeof type !== 'string' || type.toLowerCase() !== 'dpop') throw invalidResponse();
    if (typeof expiresIn !== 'number' || !Number.isSafeInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) throw invalidResponse();
    // Timed from the request, on this device's clock: the server's clock never enters the schedule.
    const lifetime = expiresIn * 1000;
    const token = { value, renewAt: sentAt + lifetime - Math.min(RENEW_BEFORE_MS, lifetime / 2) };
    if (this.#key !== undefined) this.#token = token;
    return token;
  }
}
