/**
 * What the Node runner and the page say to each other. The page runs one
 * group of checks per call and answers with one result per check; the
 * runner reports every check as its own test, so a check the page never
 * reached fails by name instead of vanishing.
 */

/** The outcome of one in-page check. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** Why it failed, or a measurement worth printing. Never key material or plaintext. */
  readonly detail?: string;
}

/** A Wycheproof AES-GCM case in our scope (256-bit key, 96-bit IV, 128-bit tag), hex strings. */
export interface GcmCase {
  readonly tcId: number;
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly msg: string;
  readonly ct: string;
  readonly tag: string;
  readonly result: 'valid' | 'invalid';
}

/** A KEK as written in the record vectors. */
export interface KekJson {
  readonly id: string;
  readonly version: number;
  readonly key: string;
}

/** Where a record lives: it is bound to these in its AAD. */
export interface RecordWhere {
  readonly vaultId: string;
  readonly recordId: string;
  readonly version: number;
}

/** The parts of `test/vectors/zerovault/records-v1.json` the page checks. */
export interface RecordVectors {
  readonly valid: readonly (RecordWhere & { name: string; kek: KekJson; plaintext: string; sealed: string })[];
  readonly invalid: readonly (RecordWhere & { name: string; kek: KekJson; sealed: string; error: string })[];
  readonly collisions: readonly (RecordWhere & { suite: number; kekA: KekJson; kekB: KekJson; sealedA: string; plaintextA: string; sealedB: string; errorB: string })[];
}

/** Input of the Argon2id check: the runner computes `expected` in Node with the same parameters. */
export interface Argon2Input {
  readonly input: string;
  readonly expected: string;
  /** The implementation the page's CSP should lead to. */
  readonly implementation: 'wasm' | 'js';
  /** RFC 9106 §5.3's Argon2id vector (hex fields), run through each WebAssembly kernel build when present. */
  readonly rfc9106?: Rfc9106Case;
}

/** The pages the lane-threads check runs on, by what they allow. */
export type ThreadsPage = 'isolated' | 'not isolated' | 'isolated, no blob: workers';

/** Input of the lane-threads check: the default profile (p = 4), `expected` computed in Node. */
export interface Argon2ThreadsInput {
  readonly page: ThreadsPage;
  readonly input: string;
  readonly expected: string;
  /** Threads the call should report: min(4, cores) on the isolated page, 1 on the others. */
  readonly threads: number;
  /** RFC 9106 §5.3's vector (p = 4), run through the thread pool on the isolated page. */
  readonly rfc9106?: Rfc9106Case;
}

/** One case of rfc9106-argon2/rfc9106_5.3_argon2id.json. */
export interface Rfc9106Case {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
  readonly tagLength: number;
  readonly password: string;
  readonly salt: string;
  readonly secret: string;
  readonly associatedData: string;
  readonly tag: string;
}

/** The check that runs RFC 9106's vector through the SIMD and scalar kernels in the page. */
export const ARGON2_RFC9106_CHECK = 'argon2id: RFC 9106 §5.3 vector through the SIMD and the scalar WebAssembly kernels';

/** Inputs of each group. */
export interface GroupInputs {
  env: Record<string, never>;
  wycheproof: { cases: readonly GcmCase[] };
  records: RecordVectors;
  argon2: Argon2Input;
  'argon2-threads': Argon2ThreadsInput;
  'opaque-default': { userId: string; password: string };
  worker: { userId: string; password: string };
  'ksf-worker': { userId: string; password: string };
  rest: { userId: string; password: string; secrets: readonly string[] };
  'idb-write': { userId: string; password: string; dbName: string; secrets: readonly string[] };
  'idb-quota': { secrets: readonly string[] };
  'idb-reopen': { userId: string; password: string; dbName: string; secrets: readonly string[] };
}

/** A group of checks the page can run. */
export type GroupName = keyof GroupInputs;

/** What the test Worker is asked to do, and what it answers. */
export interface WorkerRequest {
  readonly server: string;
  readonly userId: string;
  readonly password: string;
}
export type WorkerReply = { readonly ok: true; readonly backend: string; readonly text: string; readonly loginMs: number } | { readonly ok: false; readonly error: string };

/** What the page installs as `globalThis.zvBrowserTests`. */
export interface PageApi {
  run<G extends GroupName>(group: G, input: GroupInputs[G]): Promise<CheckResult[]>;
}

/** The checks of the fixed-scenario groups, in the order the page runs them. */
export const SCENARIO_CHECKS = {
  env: [
    'page: 127.0.0.1 is a secure context with crypto.subtle',
    'page: the crypto backend is WebCrypto ("web"), not node:crypto',
    'page: the served bundle imports no node: module',
  ],
  'opaque-default': ['opaque: register, log out and log in with the default Argon2id profile (t=3, 64 MiB, p=4)'],
  worker: ['worker: the Client registers, logs in and opens a record inside a dedicated Worker (default profile)'],
  'ksf-worker': [
    'ksf worker: register and log in with only Argon2id in a Worker (default profile); an in-thread login opens the same account',
    'ksf worker: the main thread stays responsive: longest freeze during a login, KSF in-thread vs in a Worker',
    'ksf worker: the worker rejects a below-floor job (INVALID_INPUT); terminate fails pending and later calls (WORKER)',
  ],
  rest: [
    'opaque: register and log in against the real server (floor profile)',
    'opaque: a wrong password is AUTH_FAILED',
    'opaque: an unknown user is AUTH_FAILED',
    'opaque: registering the same user again is CONFLICT',
    'rest vault: put three records',
    'rest vault: get returns each plaintext',
    'rest vault: update with ifVersion; a stale ifVersion is CONFLICT',
    'rest vault: list shows ids and versions',
    'rest vault: delete; get is then NOT_FOUND',
    'rest vault: log out; the logged-out session is refused',
    'rest vault: a new login reads the records back',
  ],
  'idb-write': [
    'idb vault: register with indexedDbStore (keyring and slot in IndexedDB)',
    'idb vault: put, update and delete records',
    'idb vault: IndexedDB holds only ciphertext',
    'idb vault: a transaction aborted mid-write is STORAGE; earlier data intact',
    'idb vault: a thrown QuotaExceededError is STORAGE; earlier data intact',
    'idb store: a putMany batch failing half-way writes nothing',
  ],
  'idb-quota': [
    'idb vault: a real quota error (origin quota lowered) is STORAGE; earlier data intact',
  ],
  'idb-reopen': [
    'idb vault: after a page reload, a new login reopens every record',
    'idb vault: after the reload, writes continue from the stored versions',
  ],
} as const satisfies Partial<Record<GroupName, readonly string[]>>;

/** The name of a Wycheproof case's check. */
export function gcmCheckName(c: Pick<GcmCase, 'tcId' | 'result'>): string {
  return `wycheproof AES-GCM tcId ${c.tcId} (${c.result})`;
}

/** The names of the record-vector checks, in the order the page runs them. */
export function recordCheckNames(vectors: RecordVectors): string[] {
  return [
    ...vectors.valid.map((v) => `records-v1: opens "${v.name}"`),
    ...vectors.invalid.map((v) => `records-v1: rejects "${v.name}" with ${v.error}`),
    ...vectors.collisions.map((c) => `records-v1: two-key GCM collision (suite ${c.suite}): only record A opens`),
    'records-v1: seal → open round trip; a flipped bit is DECRYPT_FAILED',
  ];
}

/** The name of the lane-threads check on one page. */
export function argon2ThreadsCheckName(page: ThreadsPage): string {
  if (page === 'isolated') return 'argon2id threads: a cross-origin-isolated page with worker-src blob: fills the 4 lanes on threads; output and RFC 9106 vector equal';
  if (page === 'not isolated') return 'argon2id threads: a page that is not cross-origin isolated runs the lanes on one thread; output equal';
  return 'argon2id threads: an isolated page whose CSP refuses blob: workers runs the lanes on one thread; output equal';
}

/** The name of the Argon2id check for the implementation a CSP leads to. */
export function argon2CheckName(implementation: 'wasm' | 'js'): string {
  return implementation === 'wasm'
    ? "argon2id: WebAssembly under CSP script-src 'self' 'wasm-unsafe-eval'; output equals Node's"
    : "argon2id: pure-JS fallback under a CSP without 'wasm-unsafe-eval'; output equals Node's";
}
