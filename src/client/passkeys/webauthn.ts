/**
 * The browser's WebAuthn API (`navigator.credentials`), raw: the server's
 * options (their JSON form) become `create()` / `get()` arguments with the
 * PRF extension added, and the credential becomes the JSON the server
 * verifies. What goes to the server is built field by field here and never
 * holds extension outputs: the PRF output is returned beside it, for this
 * device only. No CBOR or COSE is parsed here (the server's library verifies).
 *
 * @module
 */
import { fromBase64url, toBase64url } from '../../crypto/bytes.js';
import { ZeroVaultError } from '../../errors.js';
import { PASSKEY_PRF_INPUT, PRF_OUTPUT_LENGTH } from '../../formats/passkey.js';

/** A ceremony's result: the JSON for the server, and the PRF output when the authenticator gave one. */
export interface Ceremony {
  readonly response: Record<string, unknown>;
  readonly prfOutput: Uint8Array | null;
  /** Whether the authenticator supports PRF (registration: `prf.enabled`; assertion: an output came back). */
  readonly prf: boolean;
}

function invalid(): ZeroVaultError {
  return new ZeroVaultError('NETWORK', 'invalid server response');
}

function container(): CredentialsContainer {
  const credentials = typeof navigator === 'undefined' ? undefined : navigator.credentials;
  if (credentials === undefined || typeof PublicKeyCredential === 'undefined') throw new ZeroVaultError('UNSUPPORTED', 'passkeys need a browser with WebAuthn');
  return credentials;
}

function b64(value: unknown): Uint8Array<ArrayBuffer> {
  if (typeof value !== 'string') throw invalid();
  try {
    return Uint8Array.from(fromBase64url(value, 'options'));
  } catch {
    throw invalid();
  }
}

function object(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid();
  return value as Record<string, unknown>;
}

function descriptors(value: unknown): PublicKeyCredentialDescriptor[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalid();
  return value.map((item: unknown) => {
    const d = object(item);
    const list: unknown[] | undefined = Array.isArray(d.transports) ? d.transports : undefined;
    const transports = list?.filter((t): t is AuthenticatorTransport => typeof t === 'string');
    return { type: 'public-key' as const, id: b64(d.id), ...(transports === undefined ? {} : { transports }) };
  });
}

function timeout(value: unknown): { timeout?: number } {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? { timeout: value } : {};
}

/** The PRF output of a credential's extension results, as a copy, or `null`. */
function prfOf(credential: PublicKeyCredential): { enabled: boolean; output: Uint8Array | null } {
  const results = credential.getClientExtensionResults() as { prf?: { enabled?: boolean; results?: { first?: BufferSource } } };
  const first = results.prf?.results?.first;
  let output: Uint8Array | null = null;
  if (first !== undefined) {
    const view = first instanceof ArrayBuffer ? new Uint8Array(first) : new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
    output = view.length === PRF_OUTPUT_LENGTH ? Uint8Array.from(view) : null;
  }
  return { enabled: results.prf?.enabled === true || output !== null, output };
}

function attachment(credential: PublicKeyCredential): { authenticatorAttachment?: string } {
  return credential.authenticatorAttachment === null ? {} : { authenticatorAttachment: credential.authenticatorAttachment };
}

function asPublicKeyCredential(value: Credential | null): PublicKeyCredential {
  if (value === null || !(value instanceof PublicKeyCredential)) throw new ZeroVaultError('AUTH_FAILED', 'authentication failed');
  return value;
}

/** Runs the platform call, mapping a user cancel or timeout to `AUTH_FAILED` and an abort to `NETWORK` (as the transport does). */
async function ceremony(run: () => Promise<Credential | null>, signal: AbortSignal | undefined): Promise<PublicKeyCredential> {
  try {
    return asPublicKeyCredential(await run());
  } catch (err) {
    if (err instanceof ZeroVaultError) throw err;
    if (signal?.aborted === true) throw new ZeroVaultError('NETWORK', 'aborted', { cause: err });
    if (err instanceof DOMException && (err.name === 'NotSupportedError' || err.name === 'SecurityError')) throw new ZeroVaultError('UNSUPPORTED', 'this browser cannot use passkeys here', { cause: err });
    // NotAllowedError: the user cancelled, or no authenticator answered in time.
    throw new ZeroVaultError('AUTH_FAILED', 'authentication failed', { cause: err });
  }
}

/**
 * `navigator.credentials.create()` for the server's creation options, with
 * `prf.eval.first = PASSKEY_PRF_INPUT` (an authenticator that can evaluates
 * it at once; others only say `enabled`).
 * @throws `UNSUPPORTED` without WebAuthn; `AUTH_FAILED` when the user cancels; `NETWORK` on abort
 */
export async function createCredential(optionsJson: unknown, signal: AbortSignal | undefined): Promise<Ceremony> {
  const credentials = container();
  const o = object(optionsJson);
  const rp = object(o.rp);
  const user = object(o.user);
  const params = Array.isArray(o.pubKeyCredParams) ? o.pubKeyCredParams.map((p: unknown) => ({ type: 'public-key' as const, alg: Number(object(p).alg) })) : [];
  const selection = o.authenticatorSelection === undefined ? {} : { authenticatorSelection: object(o.authenticatorSelection) as AuthenticatorSelectionCriteria };
  const publicKey: PublicKeyCredentialCreationOptions = {
    rp: { id: String(rp.id), name: String(rp.name) },
    user: { id: b64(user.id), name: String(user.name), displayName: String(user.displayName ?? user.name) },
    challenge: b64(o.challenge),
    pubKeyCredParams: params,
    excludeCredentials: descriptors(o.excludeCredentials),
    attestation: 'none',
    ...selection,
    ...timeout(o.timeout),
    extensions: { prf: { eval: { first: Uint8Array.from(PASSKEY_PRF_INPUT) } } },
  };
  const credential = await ceremony(() => credentials.create({ publicKey, ...(signal === undefined ? {} : { signal }) }), signal);
  const response = credential.response as AuthenticatorAttestationResponse;
  const prf = prfOf(credential);
  const transports = typeof response.getTransports === 'function' ? response.getTransports() : [];
  return {
    response: {
      id: credential.id,
      rawId: toBase64url(new Uint8Array(credential.rawId)),
      type: 'public-key',
      ...attachment(credential),
      response: {
        clientDataJSON: toBase64url(new Uint8Array(response.clientDataJSON)),
        attestationObject: toBase64url(new Uint8Array(response.attestationObject)),
        transports,
      },
      // Never the browser's extension outputs: they would carry the PRF output.
      clientExtensionResults: {},
    },
    prfOutput: prf.output,
    prf: prf.enabled,
  };
}

/**
 * `navigator.credentials.get()` for the server's request options (or a local
 * challenge and one credential, to evaluate PRF after a registration), with
 * `prf.eval.first = PASSKEY_PRF_INPUT`.
 * @throws `UNSUPPORTED` without WebAuthn; `AUTH_FAILED` when the user cancels; `NETWORK` on abort
 */
export async function getAssertion(optionsJson: unknown, signal: AbortSignal | undefined): Promise<Ceremony> {
  const credentials = container();
  const o = object(optionsJson);
  const publicKey: PublicKeyCredentialRequestOptions = {
    challenge: b64(o.challenge),
    ...(typeof o.rpId === 'string' ? { rpId: o.rpId } : {}),
    allowCredentials: descriptors(o.allowCredentials),
    userVerification: 'required',
    ...timeout(o.timeout),
    extensions: { prf: { eval: { first: Uint8Array.from(PASSKEY_PRF_INPUT) } } },
  };
  const credential = await ceremony(() => credentials.get({ publicKey, ...(signal === undefined ? {} : { signal }) }), signal);
  const response = credential.response as AuthenticatorAssertionResponse;
  const prf = prfOf(credential);
  return {
    response: {
      id: credential.id,
      rawId: toBase64url(new Uint8Array(credential.rawId)),
      type: 'public-key',
      ...attachment(credential),
      response: {
        clientDataJSON: toBase64url(new Uint8Array(response.clientDataJSON)),
        authenticatorData: toBase64url(new Uint8Array(response.authenticatorData)),
        signature: toBase64url(new Uint8Array(response.signature)),
        ...(response.userHandle === null ? {} : { userHandle: toBase64url(new Uint8Array(response.userHandle)) }),
      },
      clientExtensionResults: {},
    },
    prfOutput: prf.output,
    prf: prf.output !== null,
  };
}
