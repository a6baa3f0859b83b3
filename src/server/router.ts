/**
 * The shape of the server's one route table, and the matcher over it.
 *
 * A route declares its method, its path pattern (`/blobs/:vault/:id`: literal
 * segments and named parameters, each one non-empty segment, still
 * percent-encoded), who may call it, how large a body it takes, and its
 * handler. The server does the rest the same way for every route, in this
 * order: match the path (404) and method (405 + `Allow`; `OPTIONS` yields
 * the path's methods, for a CORS preflight), identify the
 * session when the route needs one (401), read the body within the route's
 * limit (413), verify the request MAC (401), call the handler.
 *
 * @module
 */
import type { AesGcmKey } from '../crypto/aead.js';
import { ZeroVaultError } from '../errors.js';
import type { MfaKeys } from './mfa-secrets.js';
import type { TokenSigner } from './tokens.js';
import type { BucketPolicy, PendingMfa, ServerEvent, ServerStore, StoredSession } from './types.js';

/** `createServer({ mfa })`: whether every account must enrol a second factor before its first full session. */
export type MfaMode = 'optional' | 'required';

/** What the MFA routes and logins need of the server. */
export interface MfaSettings {
  readonly mode: MfaMode;
  /** The issuer named in `otpauth://` URIs (what the authenticator app shows). */
  readonly issuer: string;
  readonly keys: MfaKeys;
}

/** The methods a route can declare. */
export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

/**
 * Who may call a route: `none` (anonymous), `session` (a request signed by a
 * live session), or `optional` (anonymous, or signed when it carries an
 * `Authorization` header: `register/finish` creates an account anonymously
 * and replaces a credential within a session).
 */
export type RouteAuth = 'none' | 'session' | 'optional';

/**
 * How large a body a route takes: `none` (0 bytes), `small` (64 KiB: OPAQUE
 * messages, grants, key events), `blob` (`maxBodyBytes`). Anonymous requests
 * are further capped at `anonymousBodyBytes`.
 */
export type BodyLimit = 'none' | 'small' | 'blob';

/** What every route handler gets from the server. */
export interface RouteContext {
  readonly store: ServerStore;
  readonly key: AesGcmKey;
  /** The encoded OPAQUE setup: one validated copy per server. */
  readonly setup: Uint8Array;
  /** Signs access tokens for the app's own routes, with the key derived from the setup. */
  readonly tokens: TokenSigner;
  readonly address?: string;
  readonly now: () => number;
  readonly emit: (event: Omit<ServerEvent, 'at'>) => void;
  readonly mfa: MfaSettings;
  readonly limits: {
    readonly sessionTtlMs: number;
    readonly loginTimeoutMs: number;
    readonly reauthWindowMs: number;
    readonly userLoginLimit: BucketPolicy;
    readonly addressLoginLimit: BucketPolicy;
    /** Wrong second-factor codes per account (`mfa-user:<id>`) or per known device (`mfa-device:<id>:<device>`). */
    readonly mfaLimit: BucketPolicy;
    /** The slower bucket behind `mfaLimit` (`mfa-user-slow:<id>`, `mfa-device-slow:<id>:<device>`): the backoff. */
    readonly mfaBackoffLimit: BucketPolicy;
  };
}

/** One call of a route handler; `S` is the session (`null` when anonymous). */
export interface RouteCall<S extends StoredSession | null> {
  readonly context: RouteContext;
  readonly session: S;
  /** A path parameter of the pattern, still percent-encoded. */
  param(name: string): string;
  /** The request URL as the server received it (a DPoP proof's `htu` is checked against it). */
  readonly url: URL;
  readonly query: URLSearchParams;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

interface RouteBase {
  readonly method: Method;
  readonly pattern: string;
  readonly body: BodyLimit;
  /**
   * Which *pending* sessions (docs/protocol.md, "Second factors") may call
   * the route: a pending session whose state is not listed gets 403
   * `MFA_REQUIRED` before the handler runs. Default none: only full sessions
   * (and anonymous callers, for `none` and `optional` routes).
   */
  readonly pending?: readonly PendingMfa[];
}

/** One row of the route table. */
export type Route =
  | (RouteBase & { readonly auth: 'none'; readonly handler: (call: RouteCall<null>) => Promise<Response> })
  | (RouteBase & { readonly auth: 'session'; readonly handler: (call: RouteCall<StoredSession>) => Promise<Response> })
  | (RouteBase & { readonly auth: 'optional'; readonly handler: (call: RouteCall<StoredSession | null>) => Promise<Response> });

/** What a path and method match in the table. */
export type Match =
  | { readonly kind: 'route'; readonly route: Route; readonly params: ReadonlyMap<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly Method[] }
  /** `OPTIONS` on a path the table knows: `allow` is that path's methods (a CORS preflight is answered from it). */
  | { readonly kind: 'options'; readonly allow: readonly Method[] }
  | { readonly kind: 'not-found' };

interface Compiled {
  readonly route: Route;
  /** Each segment: a literal, or `null` for a parameter (named in `names`). */
  readonly segments: readonly (string | null)[];
  readonly names: readonly (string | undefined)[];
}

function compile(route: Route): Compiled {
  if (!route.pattern.startsWith('/')) throw new ZeroVaultError('INVALID_INPUT', 'a route pattern must start with /');
  const parts = route.pattern.slice(1).split('/');
  return {
    route,
    segments: parts.map((part) => (part.startsWith(':') ? null : part)),
    names: parts.map((part) => (part.startsWith(':') ? part.slice(1) : undefined)),
  };
}

function paramsOf(compiled: Compiled, parts: readonly string[]): Map<string, string> | null {
  if (parts.length !== compiled.segments.length) return null;
  const params = new Map<string, string>();
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const literal = compiled.segments[i];
    if (literal === null) {
      if (part === '') return null;
      params.set(compiled.names[i] as string, part);
    } else if (literal !== part) {
      return null;
    }
  }
  return params;
}

/** A compiled route table: `match(method, path)`. Built once per server. */
export interface Router {
  match(method: string, path: string): Match;
}

/** Compiles a route table. Order matters only between patterns that match the same path. */
export function createRouter(routes: readonly Route[]): Router {
  const compiled = routes.map(compile);
  return {
    match(method, path) {
      const parts = path.slice(1).split('/');
      const allow: Method[] = [];
      for (const entry of compiled) {
        const params = paramsOf(entry, parts);
        if (params === null) continue;
        if (entry.route.method === method) return { kind: 'route', route: entry.route, params };
        if (!allow.includes(entry.route.method)) allow.push(entry.route.method);
      }
      if (allow.length === 0) return { kind: 'not-found' };
      return method === 'OPTIONS' ? { kind: 'options', allow } : { kind: 'method-not-allowed', allow };
    },
  };
}
