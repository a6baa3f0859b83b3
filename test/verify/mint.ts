/**
 * Test material minted with plain `jose` and WebCrypto, as the token contract
 * describes it, never with zerovault code: an Ed25519 issuer key with its
 * JWKS, a non-extractable P-256 DPoP key, access tokens and DPoP proofs.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';

export const ISSUER = 'https://auth.example.test';
export const AUDIENCE = 'https://api.example.test';
export const API = 'https://api.example.test/api/todos';

/** An issuer: Ed25519 key pair, its kid (RFC 7638) and the JWKS with public members only. */
export interface Issuer {
  readonly privateKey: CryptoKey;
  readonly kid: string;
  readonly jwks: JSONWebKeySet;
}

export async function makeIssuer(): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const { kty, crv, x } = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint({ kty, crv, x } as JWK, 'sha256');
  return { privateKey, kid, jwks: { keys: [{ kty, crv, x, kid, alg: 'EdDSA', use: 'sig' } as JWK] } };
}

/** A client's DPoP key: non-extractable private key, public JWK (kty, crv, x, y) and its thumbprint. */
export interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly jkt: string;
}

export async function makeDpopKey(): Promise<DpopKey> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const full = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const jwk = { kty: full.kty, crv: full.crv, x: full.x, y: full.y } as JWK;
  return { privateKey: pair.privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

export const now = (): number => Math.floor(Date.now() / 1000);

export interface TokenOptions {
  iss?: string;
  aud?: string;
  sub?: string;
  sid?: string;
  iat?: number;
  exp?: number;
  jkt?: string;
  typ?: string;
  kid?: string;
  key?: CryptoKey;
  /** The `amr` claim; default `["pwd"]`. */
  amr?: unknown;
  /** A `did` claim (the session's device), absent by default. */
  did?: unknown;
}

/** An access token as the zerovault server issues it (header `{ alg: EdDSA, typ: at+jwt, kid }`). */
export async function mintToken(issuer: Issuer, dpop: DpopKey, options: TokenOptions = {}): Promise<string> {
  const iat = options.iat ?? now();
  const claims = { sid: options.sid ?? 'session-1', cnf: { jkt: options.jkt ?? dpop.jkt }, amr: options.amr ?? ['pwd'], ...(options.did === undefined ? {} : { did: options.did }) };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', typ: options.typ ?? 'at+jwt', kid: options.kid ?? issuer.kid })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setSubject(options.sub ?? 'alice@example.com')
    .setIssuedAt(iat)
    .setExpirationTime(options.exp ?? iat + 300)
    .setJti(base64url.encode(randomBytes(16)))
    .sign(options.key ?? issuer.privateKey);
}

export interface ProofOptions {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  ath?: string;
  /** Sign with this key (and embed its jwk) instead of the token's key. */
  signer?: DpopKey;
  typ?: string;
}

export async function athOf(token: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))));
}

/** A DPoP proof (RFC 9449) for `token` and a request. */
export async function mintProof(dpop: DpopKey, token: string, options: ProofOptions = {}): Promise<string> {
  const signer = options.signer ?? dpop;
  return new SignJWT({
    htm: options.htm ?? 'GET',
    htu: options.htu ?? API,
    jti: options.jti ?? base64url.encode(randomBytes(16)),
    ath: options.ath ?? (await athOf(token)),
  })
    .setProtectedHeader({ typ: options.typ ?? 'dpop+jwt', alg: 'ES256', jwk: signer.jwk })
    .setIssuedAt(options.iat ?? now())
    .sign(signer.privateKey);
}

/** A request carrying the token and proof. */
export function dpopRequest(url: string, token: string | null, proof: string | null, method = 'GET'): Request {
  const headers = new Headers();
  if (token !== null) headers.set('authorization', `DPoP ${token}`);
  if (proof !== null) headers.set('dpop', proof);
  return new Request(url, { method, headers });
}
