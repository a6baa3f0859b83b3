/**
 * A Node `worker_threads` worker serving the KSF on the port it is handed,
 * as docs/browser.md shows for Node. Loaded through tsx by the tests.
 *
 * `workerData.crash` makes it throw at start, like a broken script;
 * `workerData.noWasm` removes WebAssembly first, like a page whose CSP lacks
 * 'wasm-unsafe-eval'.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { serveKsf } from '../../src/ksf-worker.js';

const data = workerData as { port: MessagePort; crash?: boolean; noWasm?: boolean };
if (data.crash === true) throw new Error('worker start failed');
if (data.noWasm === true) Reflect.deleteProperty(globalThis, 'WebAssembly');
serveKsf(data.port);
