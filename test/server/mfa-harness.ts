/**
 * Test harness for second factors: a real OPAQUE login that may end in a
 * pending session (and may carry a code on `login/start`, for strict
 * accounts), and codes computed with `otpauth` exactly as an authenticator
 * app computes them from the enrolment URI.
 */
import { Secret, TOTP, URI } from 'otpauth';
import { fromBase64url, toBase64url } from '../../src/crypto/bytes.js';
import { requestMacKey } from '../../src/crypto/request-mac.js';
import { finishLogin, startLogin } from '../../src/opaque/index.js';
import type { ZeroVaultServer } from '../../src/server/index.js';
import { knownProof, type TestDevice } from './device-harness.js';
import { TEST_KSF, post, signed, type TestSession } from './harness.js';

/** What `login/finish` answered. */
export interface FinishBody {
  sessionId: string;
  expiresAt: number;
  pending?: 'mfa' | 'enroll';
  factors?: string[];
  amr?: string[];
}

/** A login's outcome: its session and the finish body. */
export interface MfaLogin {
  session: TestSession;
  body: FinishBody;
}

/** Options of {@link mfaLogin}. */
export interface MfaLoginOptions {
  /** Sent on `login/start` (strict accounts). */
  totp?: string;
  recoveryCode?: string;
  /** A known-device proof for this device. */
  device?: TestDevice;
  address?: string;
}

/**
 * A password login; throws an error with `status` (and `stage`: `start`,
 * `client` for the client's own AUTH_FAILED on KE2, or `finish`) when it fails.
 */
export async function mfaLogin(server: ZeroVaultServer, userId: string, password: string, options: MfaLoginOptions = {}): Promise<MfaLogin> {
  const address = options.address ?? '192.0.2.1';
  const start = await startLogin({ password });
  const body = {
    userId,
    request: toBase64url(start.request),
    ...(options.totp === undefined ? {} : { totp: options.totp }),
    ...(options.recoveryCode === undefined ? {} : { recoveryCode: options.recoveryCode }),
    ...(options.device === undefined ? {} : { device: knownProof(options.device, userId, start.request) }),
  };
  const r1 = await post(server, '/login/start', body, {}, address);
  if (r1.status !== 200) throw Object.assign(new Error(`login/start ${r1.status}`), { status: r1.status, stage: 'start', response: r1 });
  const { loginId, response } = (await r1.json()) as { loginId: string; response: string };
  let finish;
  try {
    finish = await finishLogin({ state: start.state, response: fromBase64url(response), password, ksf: TEST_KSF });
  } catch (err) {
    throw Object.assign(new Error('client refused KE2'), { stage: 'client', cause: err, code: (err as { code?: string }).code });
  }
  const r2 = await post(server, '/login/finish', { loginId, finalization: toBase64url(finish.finalization) }, {}, address);
  if (r2.status !== 200) throw Object.assign(new Error(`login/finish ${r2.status}`), { status: r2.status, stage: 'finish' });
  const finished = (await r2.json()) as FinishBody;
  return { body: finished, session: { sessionId: finished.sessionId, sessionKey: finish.sessionKey, macKey: requestMacKey(finish.sessionKey, finished.sessionId) } };
}

/** The code an authenticator app shows at `timestampMs` for a base32 secret. */
export function codeAt(secret: string, timestampMs: number): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: timestampMs });
}

/** Parses an `otpauth://` URI as an authenticator app does. */
export function parseUri(uri: string): TOTP {
  const parsed = URI.parse(uri);
  if (!(parsed instanceof TOTP)) throw new Error('not a TOTP URI');
  return parsed;
}

/** A signed request at the test clock. */
export function at(session: TestSession, method: string, path: string, clock: number, body?: unknown): Request {
  return signed(session, method, path, { timestamp: clock, ...(body === undefined ? {} : { body }) });
}

/** The error code of a JSON error response. */
export async function errorCode(response: Response): Promise<string> {
  return ((await response.clone().json()) as { error: { code: string } }).error.code;
}
