/**
 * `createVerifier`: checks, on every request to the app's own routes, a
 * zerovault access token (EdDSA JWT, `typ: at+jwt`) and the DPoP proof
 * (RFC 9449, ES256) that binds it to the caller's key. Every JWS operation is
 * `jose`'s; this module only decides what must hold.
 *
 * Order matters for replay: the proof's `jti` is burned only after every
 * other check passed, so a request refused for another reason does not spend
 * a proof the real client may still send.
 *
 * @module
 */
import { base64url, calculateJwkThumbprint, createLocalJWKSet, createRemoteJWKSet, importJWK, jwtVerify, type JWK, type JWTVerifyGetKey } from 'jose';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { failed } from './failure.js';
import { memoryReplayStore } from './memory.js';
import type { ReplayStore, VerifiedRequest, Verifier, VerifierOptions } from './types.js';
import { fetchForm, nodeForm, rejectResponse } from './http.js';

/** The access token's lifetime may not exceed this (the token contract's ceiling), in seconds. */
const MAX_TOKEN_TTL_SECONDS = 300;
/** A proof id must carry at least 16 random bytes: 22 base64url characters. */
const MIN_JTI_LENGTH = 22;
const MAX_JTI_LENGTH = 256;
/** Verified access tokens remembered at most (each a few hundred bytes). */
const TOKEN_CACHE_SIZE = 10_000;
// Proof keys remembered (one per live session that calls this service).
const PROOF_KEY_CACHE_SIZE = 10_000;

/** A proof key, imported, with its RFC 7638 thumbprint. */
interface ProofKey {
  readonly key: CryptoKey;
  readonly jkt: string;
}
/** Compact JWS are well under this; longer headers are refused before any parsing. */
const MAX_JWT_LENGTH = 8192;

/** What a verified access token grants, and its hash for the proof's `ath`. */
interface CheckedToken {
  readonly sub: string;
  readonly sid: string;
  readonly amr: readonly string[];
  /** The device id (`did`), when the session is bound to a device. */
  readonly did?: string;
  readonly jkt: string;
  /** Seconds since the epoch. */
  readonly exp: number;
  readonly ath: string;
}

/** The request parts a verification reads, from a `Request` or a node:http request. */
export interface RequestParts {
  readonly method: string;
  /** The absolute request URL. */
  readonly url: string;
  readonly authorization: string | null;
  readonly dpop: string | null;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ZeroVaultError('INVALID_INPUT', `${name} must be a non-negative number`);
  return value;
}

/** `scheme://host[:port]/path`, without query and fragment (RFC 9449 §4.3), or null when not an absolute http(s) URL. */
function htuOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return null;
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** The access token from `Authorization: DPoP <token>`, or null. */
function tokenOf(authorization: string): string | null {
  const match = /^DPoP +([A-Za-z0-9_\-.]+)$/i.exec(authorization.trim());
  return match === null ? null : (match[1] as string);
}

async function accessTokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return base64url.encode(new Uint8Array(digest));
}

/**
 * Creates a {@link Verifier} for the access tokens one zerovault server issues.
 *
 * @throws `INVALID_INPUT` when `issuer` or `audience` is empty, or not exactly one of `jwks` and `jwksUrl` is given
 */
export function createVerifier(options: VerifierOptions): Verifier {
  if (!nonEmpty(options?.issuer)) throw new ZeroVaultError('INVALID_INPUT', 'issuer must be a non-empty string');
  if (!nonEmpty(options.audience)) throw new ZeroVaultError('INVALID_INPUT', 'audience must be a non-empty string');
  if ((options.jwks === undefined) === (options.jwksUrl === undefined)) {
    throw new ZeroVaultError('INVALID_INPUT', 'give exactly one of jwks and jwksUrl');
  }
  let keys: JWTVerifyGetKey;
  try {
    keys = options.jwks !== undefined ? createLocalJWKSet(options.jwks) : createRemoteJWKSet(new URL(options.jwksUrl as string | URL));
  } catch (cause) {
    throw new ZeroVaultError('INVALID_INPUT', options.jwks !== undefined ? 'jwks must be a JSON Web Key Set' : 'jwksUrl must be an absolute URL', { cause });
  }
  const clockTolerance = positive(options.clockToleranceSeconds, 5, 'clockToleranceSeconds');
  const proofMaxAge = positive(options.proofMaxAgeSeconds, 60, 'proofMaxAgeSeconds');
  const replay: ReplayStore = options.replayStore ?? memoryReplayStore();
  if (typeof replay?.burn !== 'function') throw new ZeroVaultError('INVALID_INPUT', 'replayStore must have a burn method');

  /**
   * The access token's signature and claims. A token is reused for every request of its few
   * minutes, so a success is remembered by its exact string (the same bytes verify the same way)
   * and only its expiry is checked again; failures are never remembered.
   */
  const tokens = new Map<string, CheckedToken>();
  const checkToken = async (token: string): Promise<CheckedToken> => {
    const now = Math.floor(Date.now() / 1000);
    const cached = tokens.get(token);
    if (cached !== undefined) {
      if (now <= cached.exp + clockTolerance) return cached;
      tokens.delete(token);
      throw failed('token');
    }
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['EdDSA'],
        typ: 'at+jwt',
        clockTolerance,
        requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp', 'jti'],
      }));
    } catch (cause) {
      throw failed('token', cause);
    }
    const { sub, sid, amr, cnf, iat, exp, did } = claims;
    const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as Record<string, unknown>).jkt : undefined;
    if (!nonEmpty(sub) || !nonEmpty(sid) || !isStringArray(amr) || !nonEmpty(jkt) || typeof iat !== 'number' || typeof exp !== 'number') throw failed('token');
    if (did !== undefined && !nonEmpty(did)) throw failed('token');
    // jose checks exp and nbf; a token from the future (a skewed or forged issuer clock) is refused here.
    if (exp - iat > MAX_TOKEN_TTL_SECONDS || iat > now + clockTolerance) throw failed('token');
    const entry: CheckedToken = { sub, sid, amr: Object.freeze([...amr]), ...(did === undefined ? {} : { did }), jkt, exp, ath: await accessTokenHash(token) };
    if (tokens.size >= TOKEN_CACHE_SIZE) {
      // Drop expired entries; if none, the oldest (Map order is insertion order).
      for (const [key, value] of tokens) if (now > value.exp + clockTolerance) tokens.delete(key);
      if (tokens.size >= TOKEN_CACHE_SIZE) tokens.delete(tokens.keys().next().value as string);
    }
    tokens.set(token, entry);
    return entry;
  };

  // Proof keys, imported once with their RFC 7638 thumbprint: a session signs every proof with
  // one key, and importing it (and hashing it) per request cost more than checking the signature.
  const proofKeys = new Map<string, Promise<ProofKey>>();
  const proofKeyOf = (jwk: JWK | undefined): Promise<ProofKey> => {
    // The header's key must be a public P-256 key; only its RFC 7638 members are used.
    if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || 'd' in jwk) {
      return Promise.reject(failed('proof'));
    }
    const members = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
    const id = `${members.x}.${members.y}`;
    let found = proofKeys.get(id);
    if (found === undefined) {
      found = Promise.all([importJWK(members, 'ES256'), calculateJwkThumbprint(members, 'sha256')]).then(([key, jkt]) => ({ key: key as CryptoKey, jkt }));
      found.catch(() => proofKeys.delete(id));
      if (proofKeys.size >= PROOF_KEY_CACHE_SIZE) proofKeys.delete(proofKeys.keys().next().value as string);
      proofKeys.set(id, found);
    }
    return found;
  };

  const verifyParts = async (parts: RequestParts): Promise<VerifiedRequest> => {
    if (parts.authorization === null) throw failed('missing');
    const token = tokenOf(parts.authorization);
    if (token === null || token.length > MAX_JWT_LENGTH) throw failed('token');

    // 1. The access token (checked once per token string, then cached until it expires).
    const checked = await checkToken(token);
    const { sub, sid, amr, jkt, exp } = checked;

    // 2. The proof: one DPoP header, ES256 with its public key embedded, dpop+jwt.
    const proof = parts.dpop;
    if (proof === null || proof.length > MAX_JWT_LENGTH || proof.includes(',')) throw failed('proof');
    let proofClaims: Record<string, unknown>;
    let proofKey: ProofKey | undefined;
    try {
      const result = await jwtVerify(proof, async (header) => (proofKey = await proofKeyOf(header.jwk)).key, { algorithms: ['ES256'], typ: 'dpop+jwt' });
      proofClaims = result.payload;
    } catch (cause) {
      throw failed('proof', cause);
    }
    if (proofKey === undefined) throw failed('proof');

    // 3. The proof is for this request: method, URL (no query or fragment), time, and this token.
    const now = Math.floor(Date.now() / 1000);
    const { htm, htu, jti, ath } = proofClaims;
    const expectedHtu = htuOf(parts.url);
    if (htm !== parts.method.toUpperCase() || typeof htu !== 'string' || expectedHtu === null || htuOf(htu) !== expectedHtu) throw failed('proof');
    const proofIat = proofClaims.iat;
    if (typeof proofIat !== 'number' || !Number.isFinite(proofIat) || Math.abs(now - proofIat) > proofMaxAge) throw failed('proof');
    if (typeof jti !== 'string' || jti.length < MIN_JTI_LENGTH || jti.length > MAX_JTI_LENGTH) throw failed('proof');
    if (ath !== checked.ath) throw failed('proof');

    // 4. The token is bound to the key that signed the proof (a stolen token without the key fails here).
    if (proofKey.jkt !== jkt) throw failed('token');

    // 5. Last: burn the proof id, until its iat leaves the window (after that the time check refuses it anyway).
    let fresh: boolean;
    try {
      fresh = await replay.burn(jti, (proofIat + proofMaxAge + 1) * 1000);
    } catch (cause) {
      // A store outage is not the caller's fault: it surfaces as STORAGE (503), never as a pass.
      throw isZeroVaultError(cause) && cause.code === 'STORAGE' ? cause : new ZeroVaultError('STORAGE', 'replay store failed', { cause });
    }
    if (!fresh) throw failed('proof');

    return Object.freeze({ userId: sub, sessionId: sid, amr, ...(checked.did === undefined ? {} : { deviceId: checked.did }), expiresAt: exp * 1000 });
  };

  const verify = async (request: Request): Promise<VerifiedRequest> => {
    if (!(request instanceof Request)) throw new ZeroVaultError('INVALID_INPUT', 'request must be a Request');
    return verifyParts({
      method: request.method,
      url: request.url,
      authorization: request.headers.get('authorization'),
      dpop: request.headers.get('dpop'),
    });
  };

  return {
    verify,
    node: (nodeOptions) => nodeForm(verifyParts, nodeOptions),
    fetch: (handler) => fetchForm(verify, handler),
    reject: rejectResponse,
  };
}

