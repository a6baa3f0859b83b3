/**
 * The public shapes of `zerovault/verify`: what a verifier is configured
 * with, what it answers, and what a replay store implements.
 *
 * @module
 */
import type { JSONWebKeySet } from 'jose';

/** What a verified request proves: who is calling, from which zerovault session. */
export interface VerifiedRequest {
  /** The normalized user id (the token's `sub`). */
  readonly userId: string;
  /** The zerovault session id (the token's `sid`). */
  readonly sessionId: string;
  /**
   * How the user authenticated (the token's `amr`): `["pwd"]` after a
   * password login, `["swk"]` for a session a remembered device resumed
   * without the password. Ask for `pwd` before anything sensitive.
   */
  readonly amr: readonly string[];
  /** The remembered device the session belongs to (the token's `did`), when it has one. */
  readonly deviceId?: string;
  /** When the access token expires, in milliseconds since the epoch. */
  readonly expiresAt: number;
}

/**
 * Remembers DPoP proof ids (`jti`) so that a proof is accepted once. Share
 * one store (SQLite file, PostgreSQL database) between every instance that
 * verifies the same audience, or a proof refused by one is accepted by another.
 */
export interface ReplayStore {
  /**
   * Records `jti` until `expiresAt` (ms since the epoch). Resolves `true` the
   * first time, `false` when it was seen before and has not expired. Must be
   * atomic across every process sharing the store.
   */
  burn(jti: string, expiresAt: number): Promise<boolean>;
}

/** A replay store that holds a resource (a database handle) to release. */
export interface ClosableReplayStore extends ReplayStore {
  /** Releases what the store opened itself; a database handle the app passed in stays open. */
  close(): Promise<void>;
}

/** Options for {@link createVerifier}. Give exactly one of `jwks` and `jwksUrl`. */
export interface VerifierOptions {
  /** The expected `iss` (the zerovault server's `tokens.issuer`; its default is `"zerovault"`). */
  issuer: string;
  /** The expected `aud` (the zerovault server's `tokens.audience`; its default is `"zerovault"`). */
  audience: string;
  /** The issuer's public keys, as served at `{basePath}/.well-known/jwks.json`. */
  jwks?: JSONWebKeySet;
  /** Where to fetch the issuer's public keys (`{server}{basePath}/.well-known/jwks.json`); cached and refreshed on an unknown `kid`. */
  jwksUrl?: string | URL;
  /** Where proof ids are burned; default {@link memoryReplayStore} (one process only). */
  replayStore?: ReplayStore;
  /** Clock skew allowed on the access token's `exp`, `iat` and `nbf`, in seconds; default 5. */
  clockToleranceSeconds?: number;
  /** How far a proof's `iat` may be from now, either way, in seconds; default 60. */
  proofMaxAgeSeconds?: number;
}

/** The parts of a node:http or Express request the middleware reads (structural, so any framework's request fits). */
export interface NodeRequestLike {
  method?: string | undefined;
  /** The request target; Express rewrites it under a mount path, so `originalUrl` wins when present. */
  url?: string | undefined;
  originalUrl?: string | undefined;
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** node:http's socket; a TLS socket (`encrypted: true`) makes the default origin `https:`. */
  socket?: unknown;
  /** Set by the middleware once the request verified. */
  zerovault?: VerifiedRequest;
}

/** The parts of a node:http or Express response the middleware writes. */
export interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

/** Options for {@link Verifier.node}. */
export interface NodeMiddlewareOptions {
  /**
   * The public origin the clients call (`https://app.example.com`), which their
   * proofs' `htu` names. Default: `http://` (or `https://` on a TLS socket) and
   * the `Host` header; set it behind a proxy that terminates TLS.
   */
  origin?: string;
}

/** `(req, res, next)`: node:http / Express / Connect middleware. */
export type NodeMiddleware = (req: NodeRequestLike, res: NodeResponseLike, next: (err?: unknown) => void) => void;

/** A fetch-style handler that runs only for verified requests. */
export type VerifiedHandler = (request: Request, verified: VerifiedRequest) => Response | Promise<Response>;

/** Verifies the app's own requests: a DPoP-bound access token and a fresh proof. */
export interface Verifier {
  /**
   * Verifies `Authorization: DPoP <token>` and `DPoP: <proof>` against the
   * request's method and URL; burns the proof's `jti` last.
   *
   * @throws `AUTH_FAILED` (one message for every cause); `STORAGE` when the replay store fails
   */
  verify(request: Request): Promise<VerifiedRequest>;
  /** Middleware that sets `req.zerovault` and calls `next()`, or answers 401 with a `WWW-Authenticate: DPoP` challenge. */
  node(options?: NodeMiddlewareOptions): NodeMiddleware;
  /** Wraps a fetch handler (Hono, Workers, Deno, Bun): it runs only for verified requests; others get a 401. */
  fetch(handler: VerifiedHandler): (request: Request) => Promise<Response>;
  /** The response a failed `verify` earns: 401 with a `WWW-Authenticate: DPoP` challenge (or 503 when the replay store failed). */
  reject(error: unknown): Response;
}
