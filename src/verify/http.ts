/**
 * The verifier's HTTP forms: node:http / Express middleware, a fetch handler
 * wrapper, and the 401 answer (RFC 9449 §7.1: `WWW-Authenticate: DPoP` with
 * `error` and the accepted `algs`).
 *
 * @module
 */
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { failed, failureKind } from './failure.js';
import type { NodeMiddleware, NodeMiddlewareOptions, NodeRequestLike, VerifiedHandler, VerifiedRequest } from './types.js';
import type { RequestParts } from './verifier.js';

/** The `WWW-Authenticate` value for a failure: no `error` when no credentials came at all (RFC 6750 §3.1). */
function challenge(error: unknown): string {
  const kind = failureKind(error);
  if (kind === 'missing') return 'DPoP algs="ES256"';
  return `DPoP error="${kind === 'proof' ? 'invalid_dpop_proof' : 'invalid_token'}", algs="ES256"`;
}

/** Status and body for an error: 401 for authentication, 503 for a failed replay store, 500 otherwise. */
function answer(error: unknown): { status: number; code: string; headers: Record<string, string> } {
  if (isZeroVaultError(error) && error.code === 'AUTH_FAILED') {
    return { status: 401, code: 'AUTH_FAILED', headers: { 'www-authenticate': challenge(error), 'cache-control': 'no-store' } };
  }
  if (isZeroVaultError(error) && error.code === 'STORAGE') return { status: 503, code: 'STORAGE', headers: { 'cache-control': 'no-store' } };
  return { status: 500, code: 'INTERNAL', headers: { 'cache-control': 'no-store' } };
}

function body(code: string): string {
  return JSON.stringify({ error: code });
}

/** The response a failed verification earns (see {@link Verifier.reject}). */
export function rejectResponse(error: unknown): Response {
  const { status, code, headers } = answer(error);
  return new Response(body(code), { status, headers: { ...headers, 'content-type': 'application/json' } });
}

/** Wraps `handler` so that it runs only for verified requests. */
export function fetchForm(verify: (request: Request) => Promise<VerifiedRequest>, handler: VerifiedHandler): (request: Request) => Promise<Response> {
  if (typeof handler !== 'function') throw new ZeroVaultError('INVALID_INPUT', 'handler must be a function');
  return async (request) => {
    let verified: VerifiedRequest;
    try {
      verified = await verify(request);
    } catch (error) {
      return rejectResponse(error);
    }
    return handler(request, verified);
  };
}

/** One header's value; a repeated header (an array) is refused, as two proofs or two tokens are ambiguous. */
function single(value: string | readonly string[] | undefined): string | null | undefined {
  if (value === undefined) return null;
  return typeof value === 'string' ? value : undefined;
}

/** The absolute URL of a node request, or null when its target or `Host` is unusable. */
function urlOf(req: NodeRequestLike, origin: string | undefined): string | null {
  const target = req.originalUrl ?? req.url ?? '';
  if (!target.startsWith('/')) return null;
  let base = origin;
  if (base === undefined) {
    const host = single(req.headers.host);
    if (typeof host !== 'string' || host.length === 0) return null;
    const tls = typeof req.socket === 'object' && req.socket !== null && (req.socket as { encrypted?: unknown }).encrypted === true;
    base = `${tls ? 'https' : 'http'}://${host}`;
  }
  try {
    // Concatenated, not resolved against the base, so a target like `//x/y` stays a path.
    const url = new URL(`${base}${target}`);
    return url.origin === new URL(base).origin ? url.href : null;
  } catch {
    return null;
  }
}

/** Builds the `(req, res, next)` middleware around a verification of request parts. */
export function nodeForm(verifyParts: (parts: RequestParts) => Promise<VerifiedRequest>, options: NodeMiddlewareOptions = {}): NodeMiddleware {
  let origin: string | undefined;
  if (options.origin !== undefined) {
    try {
      origin = new URL(options.origin).origin;
    } catch (cause) {
      throw new ZeroVaultError('INVALID_INPUT', 'origin must be an absolute URL', { cause });
    }
  }
  return (req, res, next) => {
    const run = async (): Promise<VerifiedRequest> => {
      const url = urlOf(req, origin);
      const authorization = single(req.headers.authorization);
      const dpop = single(req.headers.dpop);
      if (url === null || authorization === undefined || dpop === undefined) throw failed(authorization === null ? 'missing' : 'token');
      return verifyParts({ method: req.method ?? 'GET', url, authorization, dpop });
    };
    run().then(
      (verified) => {
        req.zerovault = verified;
        next();
      },
      (error: unknown) => {
        const { status, code, headers } = answer(error);
        res.statusCode = status;
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        res.setHeader('content-type', 'application/json');
        res.end(body(code));
      },
    )
      // Only when next() or the response itself threw: hand it to the framework's error path.
      .catch((error: unknown) => next(error));
  };
}
