/**
 * `Session`: a logged-in user. Holds the root key and the keyring in memory,
 * signs every request, opens vaults, changes the password, creates the
 * recovery key, logs out.
 *
 * Meta records live in the reserved vault `_zv` of the session's store:
 * `password-slot` and `recovery-slot` (the root key, wrapped per unlock
 * method, see `slots.ts`) and `keyring` (the keyring, sealed under the root
 * key, framed with its content version).
 *
 * @module
 */
import { equal, wipe } from '../crypto/bytes.js';
import { loadOnDemand } from '../crypto/lazy.js';
import { randomBytes } from '../crypto/random.js';
import { addKekVersion, openKeyring, sealKeyring, type Keyring } from '../envelope/index.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { assertName, type BlobStore } from '../store/types.js';
import { postJson, type Endpoint, type SigningKey } from './api.js';
import { loginCredential, prepareCredential, submitCredential, type OpaqueSettings } from './auth.js';
import type { Contact } from './directory.js';
import { decodeFrame, encodeFrame } from '../formats/frame.js';
import { RECOVERY_KEY_LENGTH, formatRecoveryKey } from '../formats/recovery-key.js';
import type { SharedRow } from './sharing-api.js';
import type { KeyAccess, SharingContext } from './sharing-context.js';
import { decodeSlot, encodeSlot, type SlotEntry } from '../formats/slots.js';
import { keyIdOf, wrapRoot } from './slots.js';
import { normalizeUserId } from '../formats/user-id.js';
import { RESERVED_PREFIX, Vault } from './vault.js';
import { metaManifestStore, ownManifestId } from './manifest.js';
import { keyAccess, ownVaultHost } from './vault-hosts.js';

/** The reserved vault of meta records. */
export const META_VAULT = '_zv';
const KEYRING_ID = 'keyring';
const PASSWORD_SLOT = 'password-slot';
const RECOVERY_SLOT = 'recovery-slot';
const ROOT_KEK = { id: 'root', version: 1 } as const;
const RETRIES = 8;

/** Everything a session is built from. */
export interface SessionInit {
  readonly userId: string;
  readonly endpoint: Endpoint;
  readonly signing: SigningKey;
  readonly store: BlobStore;
  readonly settings: OpaqueSettings;
  readonly rootKey: Uint8Array;
  readonly keyring: Keyring;
  readonly keyringVersion: number;
  readonly keyringCv: number;
  readonly expiresAt: number;
  /** Whether `store` is the server's blob routes (sharing needs it); default false. */
  readonly serverStore?: boolean;
}

/** Options of {@link Session.vault}. */
export interface VaultOptions {
  /** The user who owns the vault, when it is one shared with this account; default this account. */
  owner?: string;
}

/** A vault shared with this account, as the server lists it (the role is checked when the vault is opened). */
export type SharedVaultInfo = SharedRow;

/** Reads the meta record `id`, or `null`. */
export async function readMeta(store: BlobStore, id: string): Promise<{ data: Uint8Array; version: number } | null> {
  return store.get(META_VAULT, id);
}

/** Loads and opens the keyring with the root key. */
export async function loadKeyring(store: BlobStore, rootKey: Uint8Array): Promise<{ keyring: Keyring; version: number; cv: number } | null> {
  const stored = await readMeta(store, KEYRING_ID);
  if (stored === null) return null;
  const { contentVersion, sealed } = decodeFrame(stored.data);
  const keyring = await openKeyring({ root: { ...ROOT_KEK, key: rootKey }, owner: META_VAULT, version: contentVersion, sealed });
  return { keyring, version: stored.version, cv: contentVersion };
}

/** Seals and writes a keyring at content version `cv`, conditionally on the store version. */
export async function writeKeyring(store: BlobStore, rootKey: Uint8Array, keyring: Keyring, cv: number, ifVersion: number | null): Promise<number> {
  const sealed = await sealKeyring({ root: { ...ROOT_KEK, key: rootKey }, owner: META_VAULT, version: cv, keyring });
  const { version } = await store.put(META_VAULT, KEYRING_ID, encodeFrame(cv, sealed), { ifVersion });
  return version;
}

/** Adds an entry to a slot record (creating it), keeping at most `keep` newest entries. */
export async function addSlotEntry(store: BlobStore, slot: 'password' | 'recovery', entry: SlotEntry, replace: boolean): Promise<void> {
  const id = slot === 'password' ? PASSWORD_SLOT : RECOVERY_SLOT;
  for (let attempt = 0; ; attempt++) {
    const stored = await readMeta(store, id);
    const existing = stored === null || replace ? [] : decodeSlot(stored.data);
    const entries = [...existing.filter((e) => !equal(e.kid, entry.kid)), entry].slice(-4);
    try {
      await store.put(META_VAULT, id, encodeSlot(entries), { ifVersion: stored === null ? null : stored.version });
      return;
    } catch (err) {
      if (!isZeroVaultError(err, 'CONFLICT') || attempt >= RETRIES) throw err;
    }
  }
}

/** A logged-in user. Get one from `client.login()` or `client.register()`. */
export class Session {
  readonly #endpoint: Endpoint;
  readonly #settings: OpaqueSettings;
  readonly #store: BlobStore;
  readonly #vaults = new Map<string, Promise<Vault>>();
  #signing: SigningKey;
  #rootKey: Uint8Array;
  #keyring: Keyring;
  #keyringVersion: number;
  #keyringCv: number;
  #closed = false;
  readonly #serverStore: boolean;
  #sharingContext: Promise<SharingContext> | undefined;
  /** The user id as given at login. */
  readonly userId: string;
  /** When the server will expire this session (ms since the epoch). */
  readonly expiresAt: number;

  /** @internal Use `client.login()`. */
  constructor(init: SessionInit) {
    this.userId = init.userId;
    this.#endpoint = init.endpoint;
    this.#signing = init.signing;
    this.#store = init.store;
    this.#settings = init.settings;
    this.#rootKey = init.rootKey;
    this.#keyring = init.keyring;
    this.#keyringVersion = init.keyringVersion;
    this.#keyringCv = init.keyringCv;
    this.expiresAt = init.expiresAt;
    this.#serverStore = init.serverStore ?? false;
  }

  #open(): void {
    if (this.#closed) throw new ZeroVaultError('AUTH_FAILED', 'the session is logged out');
  }

  /** The session's store (ciphertext only). */
  get store(): BlobStore {
    return this.#store;
  }

  /** The identity public keys of this account (X25519 for receiving shares, Ed25519 for signatures). */
  get publicKeys(): { x25519: Uint8Array; ed25519: Uint8Array } {
    return { x25519: this.#keyring.x25519.publicKey, ed25519: this.#keyring.ed25519.publicKey };
  }

  /**
   * Re-reads the keyring when the store holds a newer one than this session
   * (another device rotated a vault key or added a vault): one small read to
   * compare store versions, and an open only when they differ.
   * @returns whether the keyring changed
   * @throws `ROLLBACK` when the store serves an older keyring than this session has seen
   */
  async #refreshKeyring(): Promise<boolean> {
    const stored = await readMeta(this.#store, KEYRING_ID);
    if (stored === null) throw new ZeroVaultError('ROLLBACK', 'the keyring disappeared from the store');
    if (stored.version === this.#keyringVersion) return false;
    const fresh = await loadKeyring(this.#store, this.#rootKey);
    if (fresh === null) throw new ZeroVaultError('ROLLBACK', 'the keyring disappeared from the store');
    if (fresh.cv < this.#keyringCv) throw new ZeroVaultError('ROLLBACK', 'the store served an older keyring');
    ({ keyring: this.#keyring, version: this.#keyringVersion, cv: this.#keyringCv } = fresh);
    return true;
  }

  /** Applies `change` to the keyring and saves it, re-reading and retrying when another session saved first. */
  async #updateKeyring(change: (keyring: Keyring) => Keyring): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const next = change(this.#keyring);
      try {
        this.#keyringVersion = await writeKeyring(this.#store, this.#rootKey, next, this.#keyringCv + 1, this.#keyringVersion);
        this.#keyringCv += 1;
        this.#keyring = next;
        return;
      } catch (err) {
        if (!isZeroVaultError(err, 'CONFLICT') || attempt >= RETRIES) throw err;
        const fresh = await loadKeyring(this.#store, this.#rootKey);
        if (fresh === null) throw new ZeroVaultError('ROLLBACK', 'the keyring disappeared from the store');
        if (fresh.cv < this.#keyringCv) throw new ZeroVaultError('ROLLBACK', 'the store served an older keyring');
        ({ keyring: this.#keyring, version: this.#keyringVersion, cv: this.#keyringCv } = fresh);
      }
    }
  }

  /**
   * Opens a vault. Without `owner`: one of this account's vaults, created
   * (its key added to the keyring) on first use. With `owner`: a vault that
   * user shared with this account, after verifying the owner's keys, this
   * account's grant and the owner-signed membership list
   * (`docs/sharing.md`). The same name (and owner) gives the same `Vault`
   * object for the life of the session.
   *
   * @param name - 1..100 of `[A-Za-z0-9._-]`, not starting with `_zv`
   * @throws `INVALID_INPUT`; for a shared vault `NOT_FOUND` (not shared with
   *   this account), `AUTH_FAILED` (keys, grant or membership list do not
   *   verify, or the owner's keys changed since accepted), `ROLLBACK`
   */
  async vault(name: string, options: VaultOptions = {}): Promise<Vault> {
    this.#open();
    assertName(name, 'name');
    if (name.startsWith(RESERVED_PREFIX)) throw new ZeroVaultError('INVALID_INPUT', `name must not start with ${RESERVED_PREFIX}`);
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    const self = normalizeUserId(this.userId);
    const owner = options.owner === undefined ? self : normalizeUserId(options.owner, 'owner');
    const key = owner === self ? name : `${owner}\u0000${name}`;
    let pending = this.#vaults.get(key);
    if (pending === undefined) {
      pending = owner === self ? this.#openOwn(name) : this.#openShared(owner, name);
      pending.catch(() => this.#vaults.delete(key));
      this.#vaults.set(key, pending);
    }
    return pending;
  }

  async #openOwn(name: string): Promise<Vault> {
    if (!this.#keyring.keks.some((k) => k.id === name)) {
      await this.#updateKeyring((keyring) => (keyring.keks.some((k) => k.id === name) ? keyring : addKekVersion({ keyring, id: name }).keyring));
    }
    const keys = this.#keyAccess();
    // The owner-side sharing code loads only for a vault that has a membership list (see owned-sharing.ts).
    const [ctx, { OwnedSharing }] = await Promise.all([this.#sharing(), loadOnDemand(() => import('./session-sharing.js'))]);
    const owned = await OwnedSharing.open(ctx, keys, name);
    const manifests = metaManifestStore(this.#store, this.#rootKey, ownManifestId(name));
    return Vault.open(ownVaultHost(this.#store, () => this.#keyring, keys, owned, () => this.#refreshKeyring(), manifests), name);
  }

  async #openShared(owner: string, name: string): Promise<Vault> {
    const [ctx, { openMemberHost }] = await Promise.all([this.#sharing(), loadOnDemand(() => import('./member-host.js'))]);
    return Vault.open(await openMemberHost(ctx, owner, name), name);
  }

  /** Names of the vaults this account has keys for (its own; see {@link sharedVaults} for the others). */
  vaults(): string[] {
    return [...new Set(this.#keyring.keks.map((k) => k.id))].sort();
  }

  /**
   * The vaults other users shared with this account, as the server lists
   * them. Open one with `session.vault(vault, { owner })`, which verifies it.
   */
  async sharedVaults(): Promise<SharedVaultInfo[]> {
    this.#open();
    return (await this.#sharing()).api.sharedWithMe();
  }

  /**
   * What this account knows of another user's keys: fetched from the key
   * directory, verified, and compared with (or, on first use, recorded as)
   * this account's pin. Includes the safety number to compare out of band.
   *
   * @throws `NOT_FOUND` when the user has published no keys; `AUTH_FAILED`
   *   when the key log does not verify or forks from the pinned one (a
   *   swapped key); `ROLLBACK` when it is older than the pinned one
   */
  async contact(userId: string): Promise<Contact> {
    this.#open();
    return (await this.#sharing()).directory.contact(userId);
  }

  /** The safety number of this account and `userId` (12 groups of 5 digits); see {@link contact}. */
  async safetyNumber(userId: string): Promise<string> {
    return (await this.contact(userId)).safetyNumber;
  }

  /**
   * Marks `userId` verified: `safetyNumber` (as the other user reads it out;
   * spaces ignored) must be the safety number of their current keys. Also
   * the way to accept a user's new keys after they changed.
   *
   * @throws `AUTH_FAILED` when the numbers differ; `INVALID_INPUT` when it is not 60 digits
   */
  async verify(userId: string, safetyNumber: string): Promise<void> {
    this.#open();
    await (await this.#sharing()).directory.verify(userId, safetyNumber);
  }

  /** Accepts `userId`'s current keys without comparing safety numbers (after a key change; not verified). */
  async trust(userId: string): Promise<void> {
    this.#open();
    await (await this.#sharing()).directory.trust(userId);
  }

  /**
   * The session's sharing context, built on first use: the key directory,
   * pins and sharing routes load on demand, not with the page. One per
   * session (a failed load is retried by the next call).
   */
  #sharing(): Promise<SharingContext> {
    this.#sharingContext ??= loadOnDemand(() => import('./session-sharing.js'))
      .then(({ createSharingContext }) =>
        createSharingContext({
          endpoint: this.#endpoint,
          signing: this.#signing,
          self: normalizeUserId(this.userId),
          store: this.#store,
          rootKey: this.#rootKey,
          serverStore: this.#serverStore,
          keyring: () => this.#keyring,
        }),
      )
      .catch((err: unknown) => {
        this.#sharingContext = undefined;
        throw err;
      });
    return this.#sharingContext;
  }

  #keyAccess(): KeyAccess {
    return keyAccess(() => this.#keyring, (change) => this.#updateKeyring(change));
  }

  /**
   * Changes the password: a new OPAQUE registration, and the root key
   * wrapped for the new export key. No record is re-encrypted. Crash-safe:
   * until the server swaps the OPAQUE record the old password works, after
   * it the new one does. Other sessions of the account are revoked.
   *
   * The server accepts this only from a fresh login (10 minutes by default):
   * pass `currentPassword` when the session may be older, and it logs in
   * again first.
   * @throws `AUTH_FAILED` when the session is not fresh and no (or a wrong) `currentPassword` is given
   */
  async changePassword(options: { newPassword: string; currentPassword?: string }): Promise<void> {
    this.#open();
    if (typeof options?.newPassword !== 'string' || options.newPassword.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'newPassword must be a non-empty string');
    await this.#reauthenticate(options.currentPassword);
    await changePasswordWith(this.#endpoint, this.#settings, this.#store, this.userId, this.#signing, this.#rootKey, options.newPassword);
  }

  /**
   * The server replaces a credential only for a fresh login (within its
   * re-authentication window, 10 minutes by default), so a stolen session
   * key cannot take over the account. With `currentPassword` the session
   * logs in again first and continues on the new server session (the old
   * one is revoked by the change); without it, a session older than the
   * window gets `AUTH_FAILED`.
   */
  async #reauthenticate(currentPassword: string | undefined): Promise<void> {
    if (currentPassword === undefined) return;
    if (typeof currentPassword !== 'string' || currentPassword.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'currentPassword must be a non-empty string');
    const fresh = await loginCredential(this.#endpoint, this.#settings, this.userId, 'password', currentPassword);
    wipe(fresh.exportKey);
    const old = this.#signing.macKey;
    this.#signing.sessionId = fresh.signing.sessionId;
    this.#signing.macKey = fresh.signing.macKey;
    wipe(old);
  }

  /**
   * Creates (or replaces) the account's recovery key: a random 256-bit key,
   * registered as a second OPAQUE credential, that unwraps the root key.
   *
   * @returns the key as text, to show the user once; it is not stored anywhere readable
   */
  async createRecoveryKey(options: { currentPassword?: string } = {}): Promise<string> {
    this.#open();
    await this.#reauthenticate(options.currentPassword);
    const key = randomBytes(RECOVERY_KEY_LENGTH);
    try {
      // As for a password change: add the new wrap beside the old one, switch the server's
      // credential, then forget the old wrap. A failure at any step leaves the old recovery
      // key working; the new one is shown only when both halves are in place.
      const prepared = await prepareCredential(this.#endpoint, this.#settings, this.userId, 'recovery', key);
      const entry = await wrapRoot('recovery', prepared.exportKey, this.#rootKey);
      wipe(prepared.exportKey);
      await addSlotEntry(this.#store, 'recovery', entry, false);
      await submitCredential(this.#endpoint, this.userId, 'recovery', prepared.record, this.#signing);
      await pruneSlot(this.#store, RECOVERY_SLOT, entry.kid);
      return formatRecoveryKey(key);
    } finally {
      wipe(key);
    }
  }

  /**
   * Saves every open vault's manifest, revokes the session on the server, and
   * forgets the keys. The revocation is sent even when saving a manifest
   * fails (that error is thrown afterwards): a logout must never leave a live
   * server session behind.
   */
  async logout(): Promise<void> {
    if (this.#closed) return;
    try {
      let flushError: Error | undefined;
      for (const pending of this.#vaults.values()) {
        const vault = await pending.catch(() => undefined);
        try {
          await vault?.flush();
        } catch (err) {
          flushError ??= err instanceof Error ? err : new ZeroVaultError('STORAGE', 'saving a manifest failed', { cause: err });
        }
      }
      await postJson(this.#endpoint, '/logout', {}, this.#signing);
      if (flushError !== undefined) throw flushError;
    } finally {
      this.#closed = true;
      wipe(this.#rootKey, this.#signing.macKey, this.#keyring.x25519.secretKey, this.#keyring.ed25519.secretKey, ...this.#keyring.keks.map((k) => k.key));
      this.#vaults.clear();
    }
  }
}

/** The password-change steps, shared by `Session.changePassword` and `Client.recover`. */
export async function changePasswordWith(
  endpoint: Endpoint,
  settings: OpaqueSettings,
  store: BlobStore,
  userId: string,
  signing: SigningKey,
  rootKey: Uint8Array,
  newPassword: string,
): Promise<void> {
  // 1. Run the new registration locally: its export key must unlock the root key
  //    *before* the server switches records.
  const prepared = await prepareCredential(endpoint, settings, userId, 'password', newPassword);
  // 2. Both passwords can unlock the root key while the switch happens.
  await addSlotEntry(store, 'password', await wrapRoot('password', prepared.exportKey, rootKey), false);
  // 3. The server switches the OPAQUE record (and revokes other sessions).
  await submitCredential(endpoint, userId, 'password', prepared.record, signing);
  // 4. Forget the old entries (best effort: a leftover entry only unlocks with the old export key,
  //    which the server no longer lets anyone obtain).
  const keep = keyIdOf(prepared.exportKey);
  wipe(prepared.exportKey);
  await pruneSlot(store, PASSWORD_SLOT, keep);
}

/**
 * Keeps only the entry `keep` of a slot. Best effort: a leftover entry only
 * unlocks with an export key the server no longer lets anyone obtain, so a
 * failure here is not worth failing the operation that already succeeded.
 */
async function pruneSlot(store: BlobStore, id: string, keep: Uint8Array): Promise<void> {
  try {
    const stored = await readMeta(store, id);
    if (stored === null) return;
    const entries = decodeSlot(stored.data).filter((e) => equal(e.kid, keep));
    if (entries.length > 0) await store.put(META_VAULT, id, encodeSlot(entries), { ifVersion: stored.version });
  } catch {
    // see above
  }
}

export { PASSWORD_SLOT, RECOVERY_SLOT };
