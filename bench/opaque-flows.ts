/**
 * The OPAQUE flows the bench times, ours and `@serenity-kit/opaque`'s, client
 * and server in one process (Node) or one page (Chromium: browser-page.ts),
 * with the two KSF profiles. No Node module here: the browser page bundles it.
 */
import * as serenity from '@serenity-kit/opaque';
import { fromBase64url, toBase64url } from '../src/crypto/bytes.js';
import {
  ARGON2ID_DEFAULT,
  ARGON2ID_FLOOR,
  createRegistrationResponse,
  createServerSetup,
  finishLogin,
  finishRegistration,
  finishServerLogin,
  startLogin,
  startRegistration,
  startServerLogin,
  type Argon2idParams,
  type KsfRunner,
} from '../src/opaque/index.js';
import { argon2id } from '../src/crypto/ksf.js';
import { finishLoginWith, finishRegistrationWith, type Stretch } from '../src/opaque/internal.js';

export type SerenityKsf = NonNullable<serenity.client.FinishLoginParams['keyStretching']>;

export interface Profile {
  readonly label: string;
  /** Ours; undefined: the identity stretch (protocol only). */
  readonly ours: Argon2idParams | undefined;
  /** serenity-kit's; undefined: its default. */
  readonly theirs: SerenityKsf | undefined;
}

/** The smallest profile `assertArgon2idParams` accepts: m at the floor, t so that m·t reaches the work floor, one lane. */
export const FLOOR: Argon2idParams = Object.freeze({
  iterations: Math.ceil(ARGON2ID_FLOOR.work / ARGON2ID_FLOOR.memoryKiB),
  memoryKiB: ARGON2ID_FLOOR.memoryKiB,
  parallelism: 1,
});

export const PROFILES: readonly Profile[] = [
  { label: `default (t=${ARGON2ID_DEFAULT.iterations}, ${ARGON2ID_DEFAULT.memoryKiB / 1024} MiB, p=${ARGON2ID_DEFAULT.parallelism})`, ours: ARGON2ID_DEFAULT, theirs: undefined },
  {
    label: `floor (t=${FLOOR.iterations}, ${FLOOR.memoryKiB / 1024} MiB, p=${FLOOR.parallelism})`,
    ours: FLOOR,
    theirs: { 'argon2id-custom': { iterations: FLOOR.iterations, memory: FLOOR.memoryKiB, parallelism: FLOOR.parallelism } },
  },
];

/** RFC 9807 Appendix C's identity KSF: what "protocol only" means here. Never in production code. */
const identityStretch: Stretch = async (input) => Uint8Array.from(input);

export const PASSWORD = 'correct horse battery staple';
export const USER = 'alice@example.com';

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function ksfOptions(params: Argon2idParams | undefined): { ksf?: Argon2idParams } {
  return params === undefined ? {} : { ksf: params };
}

function serenityKsf(ksf: SerenityKsf | undefined): { keyStretching?: SerenityKsf } {
  return ksf === undefined ? {} : { keyStretching: ksf };
}

/** Our registration, client and server; returns the record. */
export async function oursRegister(setup: Uint8Array, ksf: Argon2idParams | undefined): Promise<Uint8Array> {
  const start = await startRegistration({ password: PASSWORD });
  const { response } = createRegistrationResponse({ setup, userId: USER, request: start.request });
  const options = { state: start.state, response, password: PASSWORD, ...ksfOptions(ksf) };
  const done = ksf === undefined ? await finishRegistrationWith(options, identityStretch) : await finishRegistration(options);
  return done.record;
}

/** A KSF runner that keeps Argon2id's lanes on the calling thread: the route before lanes ran on threads. */
const oneThread: KsfRunner = async (job) => (await argon2id(job.input, job.params, { outputLength: job.outputLength, implementation: job.implementation, threads: 1 })).output;

/**
 * Our login, client and server; checks that both sides agree on the session key.
 * `lanes`: `threads` (the default: on threads where the platform has them) or `one thread`.
 */
export async function oursLogin(setup: Uint8Array, record: Uint8Array, ksf: Argon2idParams | undefined, lanes: 'threads' | 'one thread' = 'threads'): Promise<void> {
  const start = await startLogin({ password: PASSWORD });
  const server = startServerLogin({ setup, userId: USER, record, request: start.request });
  const options = { state: start.state, response: server.response, password: PASSWORD, ...ksfOptions(ksf), ...(lanes === 'one thread' ? { ksfRunner: oneThread } : {}) };
  const client = ksf === undefined ? await finishLoginWith(options, identityStretch) : await finishLogin(options);
  const { sessionKey } = finishServerLogin({ state: server.state, finalization: client.finalization });
  if (!sameBytes(sessionKey, client.sessionKey)) throw new Error('our login: session keys differ');
}

export function theirRegister(serverSetup: string, ksf: SerenityKsf | undefined): string {
  const start = serenity.client.startRegistration({ password: PASSWORD });
  const { registrationResponse } = serenity.server.createRegistrationResponse({
    serverSetup,
    userIdentifier: USER,
    registrationRequest: start.registrationRequest,
  });
  return serenity.client.finishRegistration({
    clientRegistrationState: start.clientRegistrationState,
    registrationResponse,
    password: PASSWORD,
    ...serenityKsf(ksf),
  }).registrationRecord;
}

export function theirLogin(serverSetup: string, registrationRecord: string, ksf: SerenityKsf | undefined): void {
  const start = serenity.client.startLogin({ password: PASSWORD });
  const server = serenity.server.startLogin({ serverSetup, userIdentifier: USER, registrationRecord, startLoginRequest: start.startLoginRequest });
  const client = serenity.client.finishLogin({
    clientLoginState: start.clientLoginState,
    loginResponse: server.loginResponse,
    password: PASSWORD,
    ...serenityKsf(ksf),
  });
  if (client === undefined) throw new Error('serenity-kit login failed');
  const { sessionKey } = serenity.server.finishLogin({ serverLoginState: server.serverLoginState, finishLoginRequest: client.finishLoginRequest });
  if (sessionKey !== client.sessionKey) throw new Error('serenity-kit login: session keys differ');
}

/** Proves both sides compute the same KSF: their client registers with our server, our client logs in. */
export async function checkSameKsf(profile: Profile): Promise<void> {
  const setup = createServerSetup();
  const start = serenity.client.startRegistration({ password: PASSWORD });
  const { response } = createRegistrationResponse({ setup, userId: USER, request: fromBase64url(start.registrationRequest) });
  const { registrationRecord } = serenity.client.finishRegistration({
    clientRegistrationState: start.clientRegistrationState,
    registrationResponse: toBase64url(response),
    password: PASSWORD,
    ...serenityKsf(profile.theirs),
  });
  await oursLogin(setup, fromBase64url(registrationRecord), profile.ours);
}
