/**
 * `zerovault/verify` for browsers, workers and edge runtimes: everything the
 * Node build holds, with the same names and types, so that one declaration
 * file fits every build (the reasoning of `server-web.ts`). The database
 * replay stores throw `UNSUPPORTED` when called; on the edge, implement
 * `ReplayStore` on the platform's own atomic store.
 *
 * @module
 */
import { ZeroVaultError } from './errors.js';
import type { PostgresPoolLike, PostgresReplayStoreOptions, SqliteDatabaseLike, SqliteReplayStoreOptions } from './verify.js';
import type { ClosableReplayStore } from './verify/index.js';

export * from './verify/index.js';
export type { PostgresPoolLike, PostgresReplayStoreOptions, SqliteDatabaseLike, SqliteReplayStoreOptions };

function nodeOnly(name: string): ZeroVaultError {
  return new ZeroVaultError('UNSUPPORTED', `${name} runs on Node only: this is the browser and edge build of zerovault/verify`);
}

/**
 * Node only. In this build it throws `UNSUPPORTED`: the Node build (the
 * `node` export condition) has the SQLite replay store.
 *
 * @throws `UNSUPPORTED` always
 */
export function sqliteReplayStore(_options: SqliteReplayStoreOptions): ClosableReplayStore {
  throw nodeOnly('sqliteReplayStore');
}

/**
 * Node only. In this build it throws `UNSUPPORTED`: the Node build (the
 * `node` export condition) has the PostgreSQL replay store.
 *
 * @throws `UNSUPPORTED` always
 */
export function postgresReplayStore(_options: PostgresReplayStoreOptions): ClosableReplayStore {
  throw nodeOnly('postgresReplayStore');
}
