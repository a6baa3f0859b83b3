/**
 * `zerovault/verify` for Node: everything in the edge build
 * (`verify/index.ts`), plus the database-backed replay stores. Every export
 * is listed by name.
 *
 * @module
 */
export { createVerifier, memoryReplayStore } from './verify/index.js';
export type {
  ClosableReplayStore,
  NodeMiddleware,
  NodeMiddlewareOptions,
  NodeRequestLike,
  NodeResponseLike,
  ReplayStore,
  VerifiedHandler,
  VerifiedRequest,
  Verifier,
  VerifierOptions,
} from './verify/index.js';
export { sqliteReplayStore, type SqliteDatabaseLike, type SqliteReplayStoreOptions } from './verify/sqlite.js';
export { postgresReplayStore, type PostgresPoolLike, type PostgresReplayStoreOptions } from './verify/postgres.js';
