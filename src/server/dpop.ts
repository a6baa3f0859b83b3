/**
 * DPoP proofs (RFC 9449 §4) on `POST /token`: the proof names the public key
 * the access token gets bound to (`cnf.jkt`), and proves the caller holds
 * its private half. JWS and JWK handling is `jose`'s.
 *
 * Checked here, in this order (RFC 9449 §4.3): one compact JWS, `typ`
 * `dpop+jwt`, `alg` ES256, a public P-256 `jwk` in the header that verifies
 * the signature, `htm` = the request method, `htu` = the request URL without
 * query and fragment, `iat` within {@link PROOF_WINDOW_SECONDS} of the
 * server clock, and a `jti` of at least 128 bits. Burning the `jti` is the
 * caller's last step, after every other check passed.
 *
 * @module
 */
import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';

/** How far a proof's `iat` may be from the server clock, either way. */
export const PROOF_WINDOW_SECONDS = 60;
/** A compact proof longer than this is refused before any parsing (a P-256 proof is under 1 KiB). */
const MAX_PROOF_LENGTH = 4096;
/** At least 16 random bytes, base64url (22 characters), and a sane upper bound. */
const JTI = /^[A-Za-z0-9_-]{22,128}$/;

/** Why a proof was refused: a short machine-readable reason for the `auth_failed` event. */
export class ProofRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** A verified proof: the thumbprint of its key and its `jti` (still to be burned). */
export interface VerifiedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key, base64url. */
  readonly jkt: string;
  readonly jti: string;
}

/** The request a proof must be about. */
export interface ProofTarget {
  readonly method: string;
  readonly url: URL;
  /** The server clock, ms since the epoch. */
  readonly now: number;
}

/** `origin + path` of a URL: RFC 9449 compares `htu` without query and fragment. */
function withoutQuery(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function sameTarget(htu: unknown, url: URL): boolean {
  if (typeof htu !== 'string') return false;
  let claimed: URL;
  try {
    claimed = new URL(htu);
  } catch {
    return false;
  }
  // Both sides parsed, so scheme and host case and default ports compare normalized (RFC 9449 §4.3 step 9).
  return withoutQuery(claimed) === withoutQuery(url);
}

/**
 * Verifies the `DPoP` header of a request.
 *
 * @param proof - the header's value (`null` when absent)
 * @throws ProofRejected for a missing, malformed, badly signed, stale or mismatched proof
 */
export async function verifyProof(proof: string | null, target: ProofTarget): Promise<VerifiedProof> {
  if (proof === null || proof.length === 0) throw new ProofRejected('dpop-proof-missing');
  // Two DPoP headers arrive joined by ", ", which no compact JWS contains: refused below.
  if (proof.length > MAX_PROOF_LENGTH) throw new ProofRejected('dpop-proof-malformed');
  let jwk: JWK;
  try {
    const header = decodeProtectedHeader(proof);
    if (typeof header.jwk !== 'object' || header.jwk === null) throw new ProofRejected('dpop-proof-malformed');
    jwk = header.jwk;
  } catch {
    throw new ProofRejected('dpop-proof-malformed');
  }
  // Only a public P-256 key (members other than these are ignored; `d` is refused by jose too).
  const { x, y } = jwk;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string' || 'd' in jwk) throw new ProofRejected('dpop-proof-key');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256'],
      requiredClaims: ['htm', 'htu', 'iat', 'jti'],
      currentDate: new Date(target.now),
    }));
  } catch {
    throw new ProofRejected('dpop-proof-invalid');
  }
  if (payload.htm !== target.method) throw new ProofRejected('dpop-proof-htm');
  if (!sameTarget(payload.htu, target.url)) throw new ProofRejected('dpop-proof-htu');
  const iat = payload.iat;
  if (typeof iat !== 'number' || Math.abs(target.now / 1000 - iat) > PROOF_WINDOW_SECONDS) throw new ProofRejected('dpop-proof-stale');
  const jti = payload.jti;
  if (typeof jti !== 'string' || !JTI.test(jti)) throw new ProofRejected('dpop-proof-jti');
  const jkt = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x, y }, 'sha256');
  return { jkt, jti };
}
