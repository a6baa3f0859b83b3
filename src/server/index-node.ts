/**
 * `zerovault/server` for Node: everything in the edge build, plus the
 * database-backed stores. Every export is listed by name.
 *
 * @module
 */
export {
  createServer,
  createServerSetup,
  defaultThreatPolicy,
  memoryServerStore,
  MAX_USER_ID_LENGTH,
  normalizeUserId,
  serverSetupFromText,
  serverSetupToText,
  toNodeHandler,
} from './index.js';
export type {
  BucketPolicy,
  CorsOptions,
  CreateServerOptions,
  DeviceStore,
  FetchHandler,
  GrantRole,
  MfaMode,
  MfaStore,
  PendingMfa,
  PutGrantOptions,
  NodeHandler,
  NodeHandlerOptions,
  PasskeyOptions,
  PasskeyStore,
  RequestContext,
  ServerEvent,
  ServerEventListener,
  ServerEventType,
  ServerStore,
  SharingStore,
  StoredDevice,
  StoredGrant,
  StoredPasskey,
  StoredMfa,
  StoredSession,
  ThreatAction,
  ThreatOptions,
  ThreatPolicy,
  ThreatSignal,
  ThreatSignalKind,
  TokenOptions,
  ZeroVaultServer,
} from './index.js';
export type { LogStore, StoredLogEntry } from './index.js';
export { sqliteServerStore, type SqliteServerStoreOptions } from './sqlite.js';
export { postgresServerStore, type PostgresServerStoreOptions } from './postgres.js';
