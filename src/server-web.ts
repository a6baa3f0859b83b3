/**
 * `zerovault/server` for browsers, workers and edge runtimes: everything the
 * Node build holds, with the same names and types, so that one declaration
 * file fits every build.
 *
 * Why: TypeScript under `moduleResolution: "bundler"` (and every bundler)
 * resolves the `default` condition, not `node`, so the types it sees are this
 * build's. Were the Node-only stores missing here, a Node app type-checked
 * that way could not name `sqliteServerStore`. Declaring them here instead (rather
 * than pointing every build's `types` at the Node declarations) keeps each
 * build's `.d.ts` equal to what its JavaScript exports; on a runtime without
 * SQLite or PostgreSQL drivers they throw `UNSUPPORTED` when called.
 *
 * @module
 */
import { ZeroVaultError } from './errors.js';
import type { PostgresServerStoreOptions, SqliteServerStoreOptions } from './server/index-node.js';
import type { ServerStore } from './server/index.js';

export * from './server/index.js';
export type { PostgresServerStoreOptions, SqliteServerStoreOptions };

function nodeOnly(name: string): ZeroVaultError {
  return new ZeroVaultError('UNSUPPORTED', `${name} runs on Node only: this is the browser and edge build of zerovault/server`);
}

/**
 * Node only. In this build it throws `UNSUPPORTED`: the Node build (the
 * `node` export condition) has the SQLite store.
 *
 * @throws `UNSUPPORTED` always
 */
export function sqliteServerStore(_options: SqliteServerStoreOptions): ServerStore {
  throw nodeOnly('sqliteServerStore');
}

/**
 * Node only. In this build it throws `UNSUPPORTED`: the Node build (the
 * `node` export condition) has the PostgreSQL store.
 *
 * @throws `UNSUPPORTED` always
 */
export function postgresServerStore(_options: PostgresServerStoreOptions): ServerStore {
  throw nodeOnly('postgresServerStore');
}
