/**
 * DPoP (RFC 9449) on the client: the session's proof key and the proofs it
 * signs. The key is a WebCrypto P-256 key pair whose private half is not
 * extractable, so script running later on the page can use it while the
 * session lasts but never copy it off the device. JWS is `jose`'s; this
 * module (and so `jose`) is loaded on demand, with the first
 * `session.fetch`, never with the page.
 *
 * @module
 */
import { SignJWT } from 'jose';
import { toBase64url, utf8 } from '../../crypto/bytes.js';
import { digest } from '../../crypto/kdf.js';
import { randomBytes } from '../../crypto/random.js';
import { ZeroVaultError } from '../../errors.js';

/** A session's DPoP key: the non-extractable key pair and its public JWK (RFC 7517, P-256 members only). */
export interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly jwk: { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string };
}

/** What one proof covers. */
export interface ProofClaims {
  /** The request method, as sent. */
  readonly method: string;
  /** The request URL; its query and fragment are left out of `htu` (RFC 9449 §4.2). */
  readonly url: string | URL;
  /** The access token the request carries; bound in as `ath`. */
  readonly accessToken?: string | undefined;
  /** A nonce the server asked for (`DPoP-Nonce`, RFC 9449 §8). */
  readonly nonce?: string | undefined;
}

// RFC 9449 §4.2 recommends enough entropy that a jti never repeats: 128 bits.
const JTI_LENGTH = 16;

function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle;
  if (s === undefined) throw new ZeroVaultError('UNSUPPORTED', 'WebCrypto is not available');
  return s;
}

/**
 * Creates a DPoP key: ECDSA P-256, private key not extractable.
 * @throws `UNSUPPORTED` without WebCrypto
 */
export async function createDpopKey(): Promise<DpopKey> {
  const pair = await subtle().generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const { x, y } = await subtle().exportKey('jwk', pair.publicKey);
  if (typeof x !== 'string' || typeof y !== 'string') throw new ZeroVaultError('UNSUPPORTED', 'WebCrypto exported an unusable public key');
  // Only the members RFC 7638 hashes: the thumbprint the server binds (`cnf.jkt`) is computed over them.
  return { privateKey: pair.privateKey, jwk: { kty: 'EC', crv: 'P-256', x, y } };
}

/** `htu`: the URL without query and fragment (RFC 9449 §4.2). */
export function htuOf(url: string | URL): string {
  const parsed = new URL(String(url));
  return `${parsed.origin}${parsed.pathname}`;
}

/** `ath`: base64url(SHA-256(the access token's ASCII)) (RFC 9449 §4.2). */
export function athOf(accessToken: string): string {
  return toBase64url(digest('SHA-256', utf8(accessToken)));
}

/** Signs a DPoP proof JWT (RFC 9449 §4.2): `typ` `dpop+jwt`, ES256, the public JWK in the header; a fresh `jti` and the current `iat`. */
export async function createProof(key: DpopKey, claims: ProofClaims): Promise<string> {
  // The method exactly as sent: fetch upper-cases only the standard methods, and the verifier compares with what arrives.
  const payload: Record<string, string> = { htm: claims.method, htu: htuOf(claims.url) };
  if (claims.accessToken !== undefined) payload['ath'] = athOf(claims.accessToken);
  if (claims.nonce !== undefined) payload['nonce'] = claims.nonce;
  return new SignJWT(payload)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: { ...key.jwk } })
    .setIssuedAt()
    .setJti(toBase64url(randomBytes(JTI_LENGTH)))
    .sign(key.privateKey);
}
