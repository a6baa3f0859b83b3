/**
 * The test page's entry, bundled for the browser. It runs nothing on load:
 * the Node runner calls `zvBrowserTests.run(group, input)` group by group
 * (reloading the page between the IndexedDB groups).
 */
import { idbQuotaChecks, idbReopenChecks, idbWriteChecks, opaqueDefaultChecks, restChecks, workerChecks } from './flows.js';
import { ksfWorkerChecks } from './ksf-worker-flows.js';
import type { CheckResult, GroupInputs, GroupName, PageApi } from './protocol.js';
import { argon2Checks, argon2ThreadsChecks, envChecks, recordChecks, wycheproofChecks } from './vectors.js';

const groups: { [G in GroupName]: (input: GroupInputs[G]) => Promise<CheckResult[]> } = {
  env: () => envChecks(),
  wycheproof: ({ cases }) => wycheproofChecks(cases),
  records: (vectors) => recordChecks(vectors),
  argon2: (input) => argon2Checks(input),
  'argon2-threads': (input) => argon2ThreadsChecks(input),
  'opaque-default': (input) => opaqueDefaultChecks(input),
  worker: (input) => workerChecks(input),
  'ksf-worker': (input) => ksfWorkerChecks(input),
  rest: (input) => restChecks(input),
  'idb-write': (input) => idbWriteChecks(input),
  'idb-quota': (input) => idbQuotaChecks(input),
  'idb-reopen': (input) => idbReopenChecks(input),
};

const api: PageApi = {
  run: (group, input) => groups[group](input),
};

Object.assign(globalThis, { zvBrowserTests: api });
document.body.dataset.ready = 'true';
