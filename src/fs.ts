/**
 * `zerovault/fs`: the file-system `BlobStore` for Node (atomic writes with
 * fsync). Its own entry point because it needs Node built-ins, which no
 * browser entry may reach.
 *
 * @module
 */
export { fsStore } from './store/fs.js';
export type { FsStoreOptions, FsWriteStep } from './store/fs.js';
