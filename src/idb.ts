/**
 * `zerovault/idb`: the IndexedDB `BlobStore` for browsers (and Node through
 * `fake-indexeddb`). Its own entry point so that only apps that use it bundle
 * `idb`.
 *
 * @module
 */
export { indexedDbStore } from './store/idb.js';
export type { IndexedDbStore, IndexedDbStoreOptions, KeyRangeFactory } from './store/idb.js';
