/**
 * OPAQUE (issue 4): registration and login, client and server in one
 * process, for our implementation and for `@serenity-kit/opaque` (opaque-ke
 * in WASM), with the default KSF (Argon2id t=3, m=64 MiB, p=4: also
 * serenity-kit's default) and with the smallest profile we allow (our floor,
 * t=2, m=19 MiB, p=1, given to serenity-kit as a custom profile); then our
 * protocol alone, with the identity KSF of the RFC 9807 test vectors
 * (through the internal functions, which take an explicit stretch).
 *
 * Targets: default-profile login ≤ 1.5× serenity-kit's time; protocol-only
 * login ≤ 12 ms. Last, the operations that dominate protocol-only login:
 * constant-time ristretto255 multiplications with their encoding (nine
 * variable-base, two by the generator per login), ours
 * (src/crypto/ristretto-mul.ts) against `@noble/curves`.
 *
 * Before measuring, each KSF profile is proven equal on both sides:
 * serenity-kit's client registers with our server and our client logs in
 * with that record.
 */
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
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
} from '../src/opaque/index.js';
import { finishLoginWith, finishRegistrationWith, type Stretch } from '../src/opaque/internal.js';
import { multiplyBaseToBytes, multiplyToBytes } from '../src/crypto/ristretto-mul.js';
import { fixed, measure, median, type GroupSettings, type Measured, type Route, type Table } from './measure.js';
import type { RunSettings } from './options.js';

type SerenityKsf = NonNullable<serenity.client.FinishLoginParams['keyStretching']>;

interface Profile {
  readonly label: string;
  /** Ours; undefined: the identity stretch (protocol only). */
  readonly ours: Argon2idParams | undefined;
  /** serenity-kit's; undefined: its default. */
  readonly theirs: SerenityKsf | undefined;
}

/** The smallest profile `assertArgon2idParams` accepts: m at the floor, t so that m·t reaches the work floor, one lane. */
const FLOOR: Argon2idParams = Object.freeze({
  iterations: Math.ceil(ARGON2ID_FLOOR.work / ARGON2ID_FLOOR.memoryKiB),
  memoryKiB: ARGON2ID_FLOOR.memoryKiB,
  parallelism: 1,
});

const PROFILES: readonly Profile[] = [
  { label: `default (t=${ARGON2ID_DEFAULT.iterations}, ${ARGON2ID_DEFAULT.memoryKiB / 1024} MiB, p=${ARGON2ID_DEFAULT.parallelism})`, ours: ARGON2ID_DEFAULT, theirs: undefined },
  {
    label: `floor (t=${FLOOR.iterations}, ${FLOOR.memoryKiB / 1024} MiB, p=${FLOOR.parallelism})`,
    ours: FLOOR,
    theirs: { 'argon2id-custom': { iterations: FLOOR.iterations, memory: FLOOR.memoryKiB, parallelism: FLOOR.parallelism } },
  },
];

/** RFC 9807 Appendix C's identity KSF: what "protocol only" means here. Never in production code. */
const identityStretch: Stretch = async (input) => Uint8Array.from(input);

const PASSWORD = 'correct horse battery staple';
const USER = 'alice@example.com';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function ksfOptions(params: Argon2idParams | undefined): { ksf?: Argon2idParams } {
  return params === undefined ? {} : { ksf: params };
}

function serenityKsf(ksf: SerenityKsf | undefined): { keyStretching?: SerenityKsf } {
  return ksf === undefined ? {} : { keyStretching: ksf };
}

/** Our registration, client and server; returns the record. */
async function oursRegister(setup: Uint8Array, ksf: Argon2idParams | undefined): Promise<Uint8Array> {
  const start = await startRegistration({ password: PASSWORD });
  const { response } = createRegistrationResponse({ setup, userId: USER, request: start.request });
  const options = { state: start.state, response, password: PASSWORD, ...ksfOptions(ksf) };
  const done = ksf === undefined ? await finishRegistrationWith(options, identityStretch) : await finishRegistration(options);
  return done.record;
}

/** Our login, client and server; checks that both sides agree on the session key. */
async function oursLogin(setup: Uint8Array, record: Uint8Array, ksf: Argon2idParams | undefined): Promise<void> {
  const start = await startLogin({ password: PASSWORD });
  const server = startServerLogin({ setup, userId: USER, record, request: start.request });
  const options = { state: start.state, response: server.response, password: PASSWORD, ...ksfOptions(ksf) };
  const client = ksf === undefined ? await finishLoginWith(options, identityStretch) : await finishLogin(options);
  const { sessionKey } = finishServerLogin({ state: server.state, finalization: client.finalization });
  if (!sameBytes(sessionKey, client.sessionKey)) throw new Error('our login: session keys differ');
}

function theirRegister(serverSetup: string, ksf: SerenityKsf | undefined): string {
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

function theirLogin(serverSetup: string, registrationRecord: string, ksf: SerenityKsf | undefined): void {
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
async function checkSameKsf(profile: Profile): Promise<void> {
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

interface Row {
  readonly op: string;
  readonly ksf: string;
  readonly measured: Measured;
  readonly vsTheirs?: number;
  readonly goal?: string;
}

/**
 * `SerializeElement(k·P)` for a hashed P, and `SerializeElement(k·G)`, for a
 * fixed scalar: ours (src/crypto/ristretto-mul.ts) and noble's, as group.ts
 * calls them.
 */
async function multiplicationRows(s: RunSettings): Promise<Row[]> {
  const point = ristretto255_hasher.hashToCurve(new TextEncoder().encode(PASSWORD));
  const { Fn } = ristretto255.Point;
  const k = Fn.create(0x5f3c_9a1e_77d2_4b60_c8e1_0a93_f6b2_1d4en ** 4n);
  const kBytes = Fn.toBytes(k);
  const cases = [
    { op: 'ristretto255 k·P, encoded', ours: () => multiplyToBytes(point.toAffine(), kBytes), noble: () => point.multiply(k).toBytes() },
    { op: 'ristretto255 k·G, encoded', ours: () => multiplyBaseToBytes(kBytes), noble: () => ristretto255.Point.BASE.multiply(k).toBytes() },
  ];
  const rows: Row[] = [];
  for (const c of cases) {
    if (!sameBytes(c.ours(), c.noble())) throw new Error(`${c.op}: ours and noble differ`);
    const [o, n] = (await measure(
      [
        { name: 'zerovault', ours: true, fn: c.ours },
        { name: '@noble/curves', ours: false, fn: c.noble },
      ],
      s,
    )) as [Measured, Measured];
    rows.push({ op: c.op, ksf: '', measured: o, vsTheirs: timeRatio(o, n) }, { op: c.op, ksf: '', measured: n });
  }
  return rows;
}

/** Paired time ratio ours / theirs (< 1: ours is faster), median over rounds. */
function timeRatio(ours: Measured, theirs: Measured): number {
  return median(ours.roundsMs.map((ms, r) => ms / (theirs.roundsMs[r] as number)));
}

/** Runs the OPAQUE section and returns its table. */
export async function opaqueSection(s: RunSettings): Promise<Table> {
  await serenity.ready;
  const setup = createServerSetup();
  const serverSetup = serenity.server.createSetup();
  const rows: Row[] = [];

  for (const profile of PROFILES) {
    await checkSameKsf(profile);
    const record = await oursRegister(setup, profile.ours);
    const theirRecord = theirRegister(serverSetup, profile.theirs);
    const routes: Route[] = [
      { name: 'zerovault', ours: true, fn: () => oursRegister(setup, profile.ours) },
      { name: '@serenity-kit/opaque', ours: false, fn: () => theirRegister(serverSetup, profile.theirs) },
      { name: 'zerovault', ours: true, fn: () => oursLogin(setup, record, profile.ours) },
      { name: '@serenity-kit/opaque', ours: false, fn: () => theirLogin(serverSetup, theirRecord, profile.theirs) },
    ];
    // ~0.2–0.3 s per call at the default profile: one call per route and round (measure() calls
    // each route once first, to learn whether it is async: that is the warm-up).
    // Every turn starts on a collected heap: see the note under the table.
    const slow = profile.ours === ARGON2ID_DEFAULT;
    const group: GroupSettings = slow ? { ...s, minIterations: 1, noWarmup: true, collectGarbage: true } : { ...s, collectGarbage: true };
    const [oursReg, theirReg, oursLog, theirLog] = (await measure(routes, group)) as [Measured, Measured, Measured, Measured];
    const isDefault = profile.ours === ARGON2ID_DEFAULT;
    rows.push(
      { op: 'registration', ksf: profile.label, measured: oursReg, vsTheirs: timeRatio(oursReg, theirReg) },
      { op: 'registration', ksf: profile.label, measured: theirReg },
      { op: 'login', ksf: profile.label, measured: oursLog, vsTheirs: timeRatio(oursLog, theirLog), ...(isDefault ? { goal: '≤ 1.5×' } : {}) },
      { op: 'login', ksf: profile.label, measured: theirLog },
    );
  }

  const record = await oursRegister(setup, undefined);
  const protocolOnly = await measure(
    [
      { name: 'zerovault', ours: true, fn: () => oursRegister(setup, undefined) },
      { name: 'zerovault', ours: true, fn: () => oursLogin(setup, record, undefined) },
    ],
    { ...s, collectGarbage: true },
  );
  rows.push(
    { op: 'registration', ksf: 'none (identity: protocol only)', measured: protocolOnly[0] as Measured },
    { op: 'login', ksf: 'none (identity: protocol only)', measured: protocolOnly[1] as Measured, goal: '≤ 12 ms' },
    ...(await multiplicationRows(s)),
  );

  return {
    title: 'OPAQUE (issue 4): client + server in one process, ristretto255-SHA512',
    header: ['op', 'KSF', 'implementation', 'median ms', 'best ms', 'ours / theirs (time)', 'target'],
    rows: rows.map((r) => [
      r.op,
      r.ksf,
      r.measured.name,
      fixed(r.measured.medianMs, 2),
      fixed(r.measured.bestMs, 2),
      r.vsTheirs === undefined ? '' : `${fixed(r.vsTheirs, 2)}×`,
      goalVerdict(r),
    ]),
    numeric: [3, 4, 5],
    groupBy: [1, 0],
    notes: [
      '',
      `${s.rounds} rounds; default-KSF rows one call per route and round. Ratios are paired per round (< 1: ours faster);`,
      'theirs is @serenity-kit/opaque for registration and login, @noble/curves for k·P and k·G.',
      'Protocol-only rows exclude the KSF entirely (identity stretch); serenity-kit cannot run without Argon2id.',
      'Each route starts its turn on a collected heap (our Argon2id, hash-wasm, makes a fresh WASM instance and memory per call).',
    ],
  };
}

function goalVerdict(r: Row): string {
  if (r.goal === undefined) return '';
  if (r.goal === '≤ 12 ms') return `≤ 12 ms: ${r.measured.medianMs <= 12 ? 'ok' : 'MISS'}`;
  const ratio = r.vsTheirs ?? Number.NaN;
  return `${r.goal}: ${ratio <= 1.5 ? 'ok' : 'MISS'}`;
}

