/**
 * The token routes: `POST /token` (a session-signed request with a DPoP
 * proof → a DPoP-bound access token for the app's own routes) and
 * `GET /.well-known/jwks.json` (the public key those tokens verify with).
 *
 * @module
 */
import { ZeroVaultError } from '../errors.js';
import { verifyProof, ProofRejected, PROOF_WINDOW_SECONDS } from './dpop.js';
import { errorResponse, json, parseJsonBody } from './http.js';
import type { RouteCall, RouteContext } from './router.js';
import { amrOf } from './sessions.js';
import type { StoredSession } from './types.js';

/** The challenge of a refused proof (RFC 9449 §7.1). */
const PROOF_CHALLENGE = 'DPoP error="invalid_dpop_proof", algs="ES256"';
/**
 * Prefix of a proof's `jti` in the session nonce table. Request-MAC nonces
 * are plain base64url, so the two kinds never collide.
 */
const JTI_PREFIX = 'dpop:';

function where(context: RouteContext): { address?: string } {
  return context.address === undefined ? {} : { address: context.address };
}

function noQuery(query: URLSearchParams): void {
  if ([...query.keys()].length > 0) throw new ZeroVaultError('INVALID_INPUT', 'unexpected query parameter');
}

/**
 * `POST /token` (session, body `{}` or empty, header `DPoP: <proof>`) →
 * `{ access_token, token_type: "DPoP", expires_in }`. Every proof failure,
 * a replayed `jti` included, is 401 `AUTH_FAILED` with a
 * `WWW-Authenticate: DPoP error="invalid_dpop_proof"` challenge.
 */
export async function issueToken(call: RouteCall<StoredSession>): Promise<Response> {
  const { context, session } = call;
  noQuery(call.query);
  if (call.body.length > 0) parseJsonBody(call.body, {});
  const now = context.now();
  const refuse = (reason: string, type: 'auth_failed' | 'replay' = 'auth_failed'): Response => {
    context.emit({ type, reason, userId: session.userId, ...where(context) });
    return errorResponse(new ZeroVaultError('AUTH_FAILED', 'authentication failed'), 401, { 'www-authenticate': PROOF_CHALLENGE });
  };
  let proof;
  try {
    proof = await verifyProof(call.headers.get('dpop'), { method: 'POST', url: call.url, now });
  } catch (err) {
    if (err instanceof ProofRejected) return refuse(err.reason);
    throw err;
  }
  // Last: kept in the store's nonce table, shared by every instance, for as long as
  // the `iat` window could still accept the proof (an `iat` up to 60 s ahead, plus 60 s).
  const fresh = await context.store.rememberNonce(session.id, JTI_PREFIX + proof.jti, now + 2 * PROOF_WINDOW_SECONDS * 1000);
  if (!fresh) return refuse('dpop-proof-replayed', 'replay');
  const { token, expiresIn } = await context.tokens.issue(
    {
      userId: session.userId,
      sessionId: session.id,
      sessionExpiresAt: session.expiresAt,
      jkt: proof.jkt,
      amr: amrOf(session),
      ...(session.deviceId === undefined ? {} : { deviceId: session.deviceId }),
    },
    now,
  );
  context.emit({ type: 'token_issued', userId: session.userId, ...where(context) });
  return json(200, { access_token: token, token_type: 'DPoP', expires_in: expiresIn });
}

/** `GET /.well-known/jwks.json` (no auth) → `{ keys: [ public Ed25519 JWK ] }`, cacheable for 5 minutes. */
export async function publishJwks(call: RouteCall<null>): Promise<Response> {
  // A query (a cache buster) is ignored: the key set is public and the same for everyone.
  return json(200, await call.context.tokens.jwks(), { 'cache-control': 'public, max-age=300' });
}
