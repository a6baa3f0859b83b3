/**
 * `zerovault/verify` for Node: everything in the edge build, plus the
 * database-backed replay stores. Every export is listed by name.
 *
 * @module
 */
export { createVerifier, memoryReplayStore } from './index.js';
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
} from './index.js';
export { sqliteReplayStore, type SqliteDatabaseLike, type SqliteReplayStoreOptions } from './sqlite.js';
export { postgresReplayStore, type PostgresPoolLike, type PostgresReplayStoreOptions } from './postgres.js';
