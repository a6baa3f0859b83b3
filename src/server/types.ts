/**
 * What the server keeps, and the interface a database must implement to keep
 * it. `memoryServerStore`, `sqliteServerStore` and `postgresServerStore` implement it;
 * one conformance suite checks all three.
 *
 * Everything secret is sealed before it reaches a store: session MAC keys and
 * pending login states are AES-256-GCM ciphertext under a key derived from
 * the server setup, which lives in configuration, not in the database. A dump
 * of the database therefore yields OPAQUE records (useless without the OPRF
 * seed), sealed records, and metadata.
 *
 * @module
 */
import type { BlobStore } from '../store/types.js';

/** A session as stored. `sealedMacKey` is ciphertext (see module comment). */
export interface StoredSession {
  /** Random 128-bit id, base64url. */
  readonly id: string;
  /** The normalized user id. */
  readonly userId: string;
  /** The request-MAC key, sealed under the server's at-rest key with the session id as AAD. */
  readonly sealedMacKey: Uint8Array;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /**
   * Milliseconds since the epoch; the session is dead from then on. It slides
   * forward while the session is used ({@link ServerStore.extendSession}),
   * never past `createdAt + sessionMaxLifetimeMs`.
   */
  readonly expiresAt: number;
  /**
   * The remembered device this session belongs to, when any: deleting the
   * device ({@link DeviceStore.deleteDevice}) deletes the session with it.
   */
  readonly deviceId?: string;
  /**
   * The passkey (WebAuthn credential id) this session logged in with, when
   * any: deleting the passkey ({@link PasskeyStore.deletePasskey}) deletes
   * the session with it.
   */
  readonly passkeyId?: string;
  /**
   * How the session was authenticated (RFC 8176 values): `['pwd']` for an
   * OPAQUE login (also when absent: sessions stored before this field),
   * `['swk']` for a device login without a password, `['hwk', 'user']` for
   * a passkey login (a hardware key with user verification), `['pwd', 'otp']`
   * (or `['pwd', 'hwk', 'user']`) once a second factor was verified.
   */
  readonly amr?: readonly string[];
  /**
   * Set while the session is *pending* (docs/protocol.md, "Second factors"):
   * `mfa` until a second factor is verified, `enroll` until one is enrolled
   * (`mfa: 'required'`). A pending session may call only the MFA routes; it
   * never slides. Absent for a full session.
   */
  readonly mfa?: PendingMfa;
}

/** What a pending session waits for. */
export type PendingMfa = 'mfa' | 'enroll';

/** Buckets idle this long are purged (7 days: any sane policy has refilled them by then). */
export const IDLE_BUCKET_MS = 7 * 24 * 60 * 60 * 1000;

/** Token-bucket parameters. */
export interface BucketPolicy {
  /** Tokens a full bucket holds (the burst). */
  readonly capacity: number;
  /** Milliseconds to regain one token. */
  readonly refillMs: number;
}

/** A member's role in a shared vault. */
export type GrantRole = 'read' | 'write';

/**
 * A grant as the server stores it: who may reach which vault of whom, with
 * which role (what the server enforces), and the grant bytes (the vault's
 * keys sealed to the grantee, opaque to the server).
 */
export interface StoredGrant {
  /** The vault owner's normalized user id. */
  readonly owner: string;
  readonly vault: string;
  /** The grantee's normalized user id. */
  readonly grantee: string;
  readonly role: GrantRole;
  readonly data: Uint8Array;
  /** Milliseconds since the epoch. */
  readonly updatedAt: number;
  /**
   * When the grantee first got this grant, ms since the epoch: kept when the
   * grant is replaced (a role change, a re-grant after a rotation). Stores
   * return it always (a row from before this field reads as `updatedAt`);
   * absent only in what a caller passes to {@link SharingStore.putGrant}
   * for a new grant, which then takes `updatedAt`.
   */
  readonly grantedAt?: number;
  /**
   * From this moment on (ms since the epoch) the server no longer serves the
   * vault to the grantee (`FORBIDDEN`). Absent: the grant does not expire.
   */
  readonly expiresAt?: number;
  /**
   * The grantee's last use of the grant as the server recorded it (ms since
   * the epoch), written at most about once a minute ({@link SharingStore.touchGrant}).
   */
  readonly lastAccessAt?: number;
}

/** Options of {@link SharingStore.putGrant}. */
export interface PutGrantOptions {
  /**
   * Keep the expiry of an existing grant instead of setting `grant.expiresAt`
   * (a re-grant after a key rotation must never lift an expiry). A new grant
   * takes `grant.expiresAt` either way.
   */
  readonly keepExpiry?: boolean;
}

/**
 * The sharing half of a database: key directory logs and grants. Every
 * method is atomic on its own.
 */
export interface SharingStore {
  /**
   * Appends `event` to `userId`'s key log as number `seq`, which must be the
   * log's length + 1. `CONFLICT` otherwise (another append won the race).
   */
  appendKeyEvent(userId: string, seq: number, event: Uint8Array, now: number): Promise<void>;
  /** A user's key log, in order (empty when none). */
  getKeyEvents(userId: string): Promise<Uint8Array[]>;
  /**
   * Creates or replaces the grant of `(owner, vault, grantee)`, in one
   * statement. Replacing keeps `grantedAt` and `lastAccessAt`, and keeps
   * `expiresAt` too with `keepExpiry`; otherwise `expiresAt` becomes
   * `grant.expiresAt` (absent: none).
   */
  putGrant(grant: StoredGrant, options?: PutGrantOptions): Promise<void>;
  /** One grant, or `null`. */
  getGrant(owner: string, vault: string, grantee: string): Promise<StoredGrant | null>;
  /** Deletes a grant. @returns whether one existed */
  deleteGrant(owner: string, vault: string, grantee: string): Promise<boolean>;
  /** The grants of one vault, ordered by grantee (byte order). */
  listGrantsByOwner(owner: string, vault: string): Promise<StoredGrant[]>;
  /** The grants a user received, ordered by owner, then vault (byte order). */
  listGrantsForGrantee(grantee: string): Promise<StoredGrant[]>;
  /**
   * Records a grantee's access: sets `lastAccessAt` to `at` when it is absent
   * or older than `at - minIntervalMs`, in one conditional update (so
   * concurrent servers write it at most once per interval). Nothing when the
   * grant is gone. Optional: without it no `lastAccessAt` is recorded.
   */
  touchGrant?(owner: string, vault: string, grantee: string, at: number, minIntervalMs: number): Promise<void>;
}

/** A remembered device as the server stores it (its credential, never its secret). */
export interface StoredDevice {
  /** The normalized user id. */
  readonly userId: string;
  /** 16 random bytes, unpadded base64url, chosen by the client. */
  readonly id: string;
  /** 1 to 64 characters, chosen by the client. */
  readonly name: string;
  /** The device credential: an Ed25519 public key (32 bytes). */
  readonly signingKey: Uint8Array;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** When the device last logged in (or was added), ms since the epoch. */
  readonly lastSeenAt: number;
  /** The client address of that login, when the adapter knew it. */
  readonly lastAddress: string | null;
}

/**
 * The device half of a database: remembered devices and the sessions bound
 * to them. Every method is atomic on its own.
 */
export interface DeviceStore {
  /**
   * Adds `device` and binds the session `sessionId` (of the same user) to
   * it, in one transaction. `CONFLICT` when the user already has a device
   * with this id or already has `maxDevices` devices (nothing is written then).
   */
  addDevice(device: StoredDevice, sessionId: string, maxDevices: number): Promise<void>;
  /** One device of a user, or `null`. */
  getDevice(userId: string, deviceId: string): Promise<StoredDevice | null>;
  /** A user's devices, ordered by `createdAt`, then id (byte order). */
  listDevices(userId: string): Promise<StoredDevice[]>;
  /**
   * Deletes a device and every session bound to it, in one transaction, so
   * no instance can verify one of those sessions afterwards.
   * @returns whether the device existed
   */
  deleteDevice(userId: string, deviceId: string): Promise<boolean>;
  /** Records a login of the device: `lastSeenAt` and `lastAddress`. Nothing when it is gone. */
  touchDevice(userId: string, deviceId: string, at: number, address: string | null): Promise<void>;
}

/** A user's second-factor state as stored (no secret in the clear). */
export interface StoredMfa {
  /** The TOTP secret, sealed under a key derived from the server setup (AAD binds the user); `null` when none. */
  readonly sealedTotpSecret: Uint8Array | null;
  /** Whether the TOTP secret was confirmed with a code (only then is it a factor). */
  readonly totpConfirmed: boolean;
  /** The last TOTP time step accepted, or `null`: a step not newer is refused. */
  readonly totpLastStep: number | null;
  /** Strict mode: the code travels with `login/start`. */
  readonly strict: boolean;
  /** Unused recovery codes. */
  readonly recoveryCodesLeft: number;
}

/**
 * The second-factor half of a database: TOTP secrets, strict mode, hashed
 * recovery codes, and the pending state of sessions. Every method is atomic
 * on its own; "once only" is enforced inside the database (a conditional
 * update or delete), never by read-then-write in JS.
 */
export interface MfaStore {
  /** A user's state; `null` when the user has none of it. */
  getMfa(userId: string): Promise<StoredMfa | null>;
  /**
   * Stores a new, unconfirmed TOTP secret (replacing an unconfirmed one).
   * `CONFLICT` when the user has a confirmed one (nothing is written then).
   */
  putTotpSecret(userId: string, sealedSecret: Uint8Array, now: number): Promise<void>;
  /**
   * Confirms the unconfirmed secret and records `step` as used, in one
   * conditional update. @returns `false` when there is no unconfirmed secret
   */
  confirmTotp(userId: string, step: number, now: number): Promise<boolean>;
  /**
   * Records `step` as used when the user has a confirmed secret and `step` is
   * newer than the last one (compare-and-set). @returns whether it was recorded
   */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  /** Deletes the TOTP secret and turns strict mode off (recovery codes stay: {@link replaceRecoveryCodes} clears them). */
  deleteTotp(userId: string): Promise<void>;
  /** Sets strict mode. @returns `false` when the user has no confirmed TOTP secret (nothing written) */
  setStrict(userId: string, strict: boolean): Promise<boolean>;
  /** Replaces all of a user's recovery-code hashes, in one transaction. */
  replaceRecoveryCodes(userId: string, hashes: readonly Uint8Array[], now: number): Promise<void>;
  /** Deletes one recovery-code hash. @returns whether it existed (a code is used once) */
  useRecoveryCode(userId: string, hash: Uint8Array): Promise<boolean>;
  /**
   * Counts one try of a pending session, when fewer than `max` were counted.
   * @returns the tries counted so far, this one included, or `null` when
   *   `max` were already counted (or the session is gone)
   */
  countMfaTry(sessionId: string, max: number): Promise<number | null>;
  /**
   * Makes a session full: clears its pending state, sets its `amr`, and moves
   * its expiry to `expiresAt` when later. @returns the session's expiry, or
   * `null` when the session is gone
   */
  completeMfa(sessionId: string, amr: readonly string[], expiresAt: number): Promise<number | null>;
}

/** A passkey (WebAuthn credential) as the server stores it: its public key, never a secret. */
export interface StoredPasskey {
  /** The normalized user id. */
  readonly userId: string;
  /** The credential id, unpadded base64url (16 to 1023 bytes): unique across all users. */
  readonly id: string;
  /** 1 to 64 characters, chosen by the client. */
  readonly name: string;
  /** The credential public key, COSE_Key bytes as the authenticator gave them. */
  readonly publicKey: Uint8Array;
  /** The WebAuthn `user.id` it was registered with (32 random bytes, base64url); a discoverable assertion returns it. */
  readonly userHandle: string;
  /** The signature counter last seen (0 for authenticators without one). */
  readonly counter: number;
  /** The transports the authenticator reported (`internal`, `usb`, `hybrid`, ...). */
  readonly transports: readonly string[];
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** When the passkey last logged in (or was added), ms since the epoch. */
  readonly lastSeenAt: number;
  /** The client address of that login, when the adapter knew it. */
  readonly lastAddress: string | null;
}

/**
 * The passkey half of a database: WebAuthn credentials and the sessions
 * bound to them. Every method is atomic on its own.
 */
export interface PasskeyStore {
  /**
   * Adds a passkey. `CONFLICT` when its credential id exists (for any user)
   * or the user already has `maxPasskeys` (nothing is written then).
   */
  addPasskey(passkey: StoredPasskey, maxPasskeys: number): Promise<void>;
  /** A passkey by its credential id (whoever owns it), or `null`. */
  getPasskey(credentialId: string): Promise<StoredPasskey | null>;
  /** A user's passkeys, ordered by `createdAt`, then id (byte order). */
  listPasskeys(userId: string): Promise<StoredPasskey[]>;
  /**
   * Deletes one of a user's passkeys and every session bound to it, in one
   * transaction. @returns whether it existed
   */
  deletePasskey(userId: string, credentialId: string): Promise<boolean>;
  /**
   * Records a login with the passkey: sets `counter`, `lastSeenAt` and
   * `lastAddress`, but only if `counter` is greater than the stored one or
   * both are 0 (WebAuthn §6.1.1: a counter that does not grow may mean a
   * cloned authenticator), checked and written in one statement.
   * @returns whether it was written (false also when the passkey is gone)
   */
  usePasskey(credentialId: string, counter: number, at: number, address: string | null): Promise<boolean>;
}

/** A security-log entry as stored: its number and the signed bytes exactly as received or made. */
export interface StoredLogEntry {
  readonly seq: number;
  readonly entry: Uint8Array;
}

/**
 * The security-log half of a database (`docs/security-log.md`): each
 * account's hash-chained entries, kept and served as the bytes they were
 * signed as. The store never parses them (the client judges). Every method is
 * atomic on its own.
 */
export interface LogStore {
  /**
   * Appends `entry` to `userId`'s log as number `seq`, which must be the
   * log's last number + 1 (1 for an empty log). `CONFLICT` otherwise
   * (another append won the race); nothing is written then.
   */
  appendLogEntry(userId: string, seq: number, entry: Uint8Array, now: number): Promise<void>;
  /** Up to `limit` entries of `userId`'s log with a number above `since`, in order. */
  getLogEntries(userId: string, since: number, limit: number): Promise<StoredLogEntry[]>;
  /** The entry with the highest number, or `null` for an empty log. */
  lastLogEntry(userId: string): Promise<StoredLogEntry | null>;
}

/**
 * A database for the server. Every method is atomic on its own; the blob
 * half enforces versions inside the database (a conditional update), never by
 * read-then-write in JS.
 *
 * The {@link SharingStore} methods are optional so that stores written
 * before sharing keep working; without them the sharing routes answer 404.
 * The {@link DeviceStore} methods are optional the same way: without them the
 * device routes answer 404 and a known-device proof on `login/start` is
 * ignored. The {@link MfaStore} methods likewise: without them the MFA routes
 * answer 404 and no login is ever pending (and `mfa: 'required'` is refused
 * at `createServer`). The {@link PasskeyStore} methods likewise: without
 * them the passkey routes answer 404. The {@link LogStore} methods
 * likewise: without them the security-log routes answer 404 and the server
 * writes no log entry. `memoryServerStore`,
 * `sqliteServerStore` and `postgresServerStore` implement every half.
 */
export interface ServerStore extends Partial<SharingStore>, Partial<DeviceStore>, Partial<MfaStore>, Partial<PasskeyStore>, Partial<LogStore> {
  /** The OPAQUE registration record of a user, or `null`. */
  getUserRecord(userId: string): Promise<Uint8Array | null>;
  /** Creates a user. `CONFLICT` when the user exists. */
  createUser(userId: string, record: Uint8Array, now: number): Promise<void>;
  /** Replaces an existing user's record (password change). `NOT_FOUND` when missing. */
  updateUserRecord(userId: string, record: Uint8Array, now: number): Promise<void>;

  /** Stores a pending (sealed) login state until `expiresAt`. */
  putPending(id: string, sealed: Uint8Array, expiresAt: number): Promise<void>;
  /** Removes and returns a pending state; `null` when missing or expired. Atomic: a state is taken once. */
  takePending(id: string, now: number): Promise<Uint8Array | null>;

  /** Stores a new session (with its `deviceId`, `passkeyId`, `amr` and pending `mfa` state, when given). */
  createSession(session: StoredSession): Promise<void>;
  /** A live session, or `null` when missing or expired at `now`. */
  getSession(id: string, now: number): Promise<StoredSession | null>;
  /**
   * Moves a live session's expiry forward to `expiresAt` (a sliding session,
   * renewed while used). Never moves it backwards, so the slower of two
   * concurrent renewals changes nothing, and never brings back a session that
   * was deleted (no row, no write).
   */
  extendSession(id: string, expiresAt: number): Promise<void>;
  /** Revokes one session. */
  deleteSession(id: string): Promise<void>;
  /** Revokes every session of a user, except `exceptId` when given. */
  deleteUserSessions(userId: string, exceptId?: string): Promise<void>;

  /**
   * Records a request nonce for a session until `expiresAt`.
   * @returns `false` when the nonce was already recorded (a replay)
   */
  rememberNonce(sessionId: string, nonce: string, expiresAt: number): Promise<boolean>;

  /**
   * The verified-request fast path (optional; the three built-in stores have
   * it): in one atomic step, reads the session as stored now and records the
   * nonce only if that session is live at `now` (`expires_at > now`). A
   * session revoked or logged out anywhere before this step is `null` here,
   * so a server that skipped {@link getSession} for a busy session still
   * refuses it at once; without this method the server reads the session on
   * every request instead.
   * @returns the live session (`null` when missing or expired; then no nonce is recorded) and whether the nonce was new
   */
  useNonce?(sessionId: string, nonce: string, expiresAt: number, now: number): Promise<{ session: StoredSession | null; fresh: boolean }>;

  /**
   * Takes `cost` tokens (negative refunds) from the bucket `key`.
   * @returns whether the tokens were available (a refund always succeeds),
   *   and when the bucket will next have a token
   */
  takeToken(key: string, policy: BucketPolicy, now: number, cost?: number): Promise<{ allowed: boolean; retryAfterMs: number }>;

  /** The versioned ciphertext store of one user. */
  blobs(userId: string): BlobStore;

  /**
   * Deletes expired pending states, sessions and nonces, and rate-limit
   * buckets untouched for {@link IDLE_BUCKET_MS} (long refilled: a missing
   * bucket is a full one).
   */
  purgeExpired(now: number): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Monitoring event names (DESIGN.md: continuous monitoring). */
export type ServerEventType =
  | 'register'
  | 'password_changed'
  | 'recovery_set'
  | 'login'
  | 'logout'
  | 'auth_failed'
  | 'rate_limited'
  | 'replay'
  | 'stale'
  | 'forged'
  | 'key_published'
  | 'grant_created'
  | 'grant_deleted'
  | 'access_denied'
  | 'token_issued'
  | 'device_added'
  | 'device_revoked'
  | 'mfa_failed'
  | 'mfa_locked'
  | 'recovery_code_used'
  | 'totp_enabled'
  | 'totp_disabled'
  | 'passkey_added'
  | 'passkey_removed'
  | 'session_revoked'
  | 'error';

/** One monitoring event. Never holds a key, a password or record data. */
export interface ServerEvent {
  readonly type: ServerEventType;
  /** Milliseconds since the epoch. */
  readonly at: number;
  /** The normalized user id, when known. */
  readonly userId?: string;
  /** The client address, when the adapter knows it. */
  readonly address?: string;
  /** A short machine-readable reason, e.g. `bad-finalization`, `session-expired`, `device` (a device login). */
  readonly reason?: string;
  /** The remembered device involved (a device login, or the device of the request's session), when known. */
  readonly deviceId?: string;
}

/** A monitoring listener. Exceptions it throws are caught and ignored. */
export type ServerEventListener = (event: ServerEvent) => void;
