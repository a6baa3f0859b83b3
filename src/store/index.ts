/**
 * The browser-safe storage layer: the `BlobStore` contract, `memoryStore`
 * and `restStore`. `indexedDbStore` lives in `zerovault/idb` and `fsStore` in
 * `zerovault/fs`, so neither `idb` nor a Node built-in is pulled into a
 * bundle that does not ask for it.
 *
 * @module
 */
export type {
  BatchBlobStore,
  BlobRecord,
  BlobStore,
  DeleteOptions,
  ListEntry,
  ListOptions,
  ListPage,
  PutManyEntry,
  PutOptions,
  PutResult,
} from './types.js';
export { assertName, isName, DEFAULT_LIST_LIMIT, MAX_BLOB_BYTES, MAX_LIST_LIMIT, MAX_NAME_LENGTH } from './types.js';
export { memoryStore } from './memory.js';
export { restStore } from './rest.js';
export type { RestStore, RestStoreOptions } from './rest.js';
