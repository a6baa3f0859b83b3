/**
 * `zerovault/server` for Node: everything in the edge build, plus the
 * database-backed stores.
 *
 * @module
 */
export * from './index.js';
export { sqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { postgresStore, type PostgresStoreOptions } from './postgres.js';
