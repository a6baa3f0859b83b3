/**
 * OPAQUE (issue 4): registration and login, client and server in one
 * process, for our implementation and for `@serenity-kit/opaque` (opaque-ke
 * in WASM), with the default KSF (Argon2id t=3, m=64 MiB, p=4: also
 * serenity-kit's default) and with the smallest profile we allow (our floor,
 * t=2, m=19 MiB, p=1, given to serenity-kit as a custom profile); then our
 * protocol alone, with the identity KSF of the RFC 9807 test vectors
 * (through the internal functions, which take an explicit stretch).
 *
 * Targets (issue 20): login ≤ 1.0× serenity-kit's time at the default
 * profile, ≤ 1.2× at the floor; protocol-only login ≤ 12 ms (issue 4). Then
 * the Argon2id candidates alone at both profiles (ksf.ts). Last, the operations that dominate protocol-only login:
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
import { availableParallelism } from 'node:os';
import { ARGON2ID_DEFAULT, createServerSetup } from '../src/opaque/index.js';
import { multiplyBaseToBytes, multiplyToBytes } from '../src/crypto/ristretto-mul.js';
import { PASSWORD, PROFILES, checkSameKsf, oursLogin, oursRegister, sameBytes, theirLogin, theirRegister } from './opaque-flows.js';
import { ksfCandidates } from './ksf.js';
import { fixed, measure, median, type GroupSettings, type Measured, type Route, type Table } from './measure.js';
import type { RunSettings } from './options.js';

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
    // With p > 1 the lanes run on threads; the same login with them on one thread is measured beside it.
    const lanes = (profile.ours?.parallelism ?? 1) > 1;
    if (lanes) routes.push({ name: 'zerovault, lanes on one thread', ours: true, fn: () => oursLogin(setup, record, profile.ours, 'one thread') });
    const [oursReg, theirReg, oursLog, theirLog, oneThread] = (await measure(routes, group)) as [Measured, Measured, Measured, Measured, Measured | undefined];
    rows.push(
      { op: 'registration', ksf: profile.label, measured: oursReg, vsTheirs: timeRatio(oursReg, theirReg) },
      { op: 'registration', ksf: profile.label, measured: theirReg },
      { op: 'login', ksf: profile.label, measured: oursLog, vsTheirs: timeRatio(oursLog, theirLog), goal: slow ? '≤ 1.0×' : '≤ 1.2×' },
      ...(oneThread === undefined ? [] : [{ op: 'login', ksf: profile.label, measured: oneThread, vsTheirs: timeRatio(oneThread, theirLog) }]),
      { op: 'login', ksf: profile.label, measured: theirLog },
    );
  }

  for (const profile of PROFILES) {
    if (profile.ours === undefined) continue;
    // One call per route and round: the pure-JS route takes ~1.5 s at the default profile.
    const candidates = await ksfCandidates(profile.ours, { ...s, minIterations: 1, noWarmup: true, collectGarbage: true });
    const ours = candidates[0] as Measured;
    for (const m of candidates) rows.push({ op: 'Argon2id alone', ksf: profile.label, measured: m, ...(m === ours ? {} : { vsTheirs: timeRatio(ours, m) }) });
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
      `${s.rounds} rounds; default-KSF and Argon2id rows one call per route and round. Ratios are paired per round (< 1: ours faster);`,
      'theirs is @serenity-kit/opaque for registration and login, @noble/curves for k·P and k·G;',
      'in the "Argon2id alone" rows the ratio is zerovault (as argon2id() runs it) / that row. With p > 1 our lanes run on worker threads',
      `(${availableParallelism()} cores here); the "lanes on one thread" rows keep them on the calling thread, as before.`,
      'Protocol-only rows exclude the KSF entirely (identity stretch); serenity-kit cannot run without Argon2id.',
      'Each route starts its turn on a collected heap (hash-wasm makes a fresh WASM instance and memory per call; ours reuses one).',
    ],
  };
}

function goalVerdict(r: Row): string {
  if (r.goal === undefined) return '';
  if (r.goal === '≤ 12 ms') return `≤ 12 ms: ${r.measured.medianMs <= 12 ? 'ok' : 'MISS'}`;
  const ratio = r.vsTheirs ?? Number.NaN;
  const limit = Number(r.goal.replace(/[^0-9.]/g, ''));
  return `${r.goal}: ${ratio <= limit ? 'ok' : 'MISS'}`;
}

