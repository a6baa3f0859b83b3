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
import { randomBytes } from '../crypto/random.js';
import { addKekVersion, openKeyring, sealKeyring, type Keyring, type KeyringKek } from '../envelope/index.js';
import { ZeroVaultError, isZeroVaultError } from '../errors.js';
import { assertName, type BlobStore } from '../store/types.js';
import { postJson, type Endpoint, type SigningKey } from './api.js';
import { prepareCredential, submitCredential, type OpaqueSettings } from './auth.js';
import { frame, unframe } from './frame.js';
import { RECOVERY_KEY_LENGTH, formatRecoveryKey } from './recovery-key.js';
import { decodeSlot, encodeSlot, keyIdOf, wrapRoot, type SlotEntry } from './slots.js';
import { RESERVED_PREFIX, Vault, type VaultHost } from './vault.js';

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
}

/** Reads the meta record `id`, or `null`. */
export async function readMeta(store: BlobStore, id: string): Promise<{ data: Uint8Array; version: number } | null> {
  return store.get(META_VAULT, id);
}

/** Loads and opens the keyring with the root key. */
export async function loadKeyring(store: BlobStore, rootKey: Uint8Array): Promise<{ keyring: Keyring; version: number; cv: number } | null> {
  const stored = await readMeta(store, KEYRING_ID);
  if (stored === null) return null;
  const { contentVersion, sealed } = unframe(stored.data);
  const keyring = await openKeyring({ root: { ...ROOT_KEK, key: rootKey }, owner: META_VAULT, version: contentVersion, sealed });
  return { keyring, version: stored.version, cv: contentVersion };
}

/** Seals and writes a keyring at content version `cv`, conditionally on the store version. */
export async function writeKeyring(store: BlobStore, rootKey: Uint8Array, keyring: Keyring, cv: number, ifVersion: number | null): Promise<number> {
  const sealed = await sealKeyring({ root: { ...ROOT_KEK, key: rootKey }, owner: META_VAULT, version: cv, keyring });
  const { version } = await store.put(META_VAULT, KEYRING_ID, frame(cv, sealed), { ifVersion });
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
   * Opens a vault, creating its key on first use. The same name gives the
   * same `Vault` object for the life of the session.
   *
   * @param name - 1..100 of `[A-Za-z0-9._-]`, not starting with `_zv`
   */
  async vault(name: string): Promise<Vault> {
    this.#open();
    assertName(name, 'name');
    if (name.startsWith(RESERVED_PREFIX)) throw new ZeroVaultError('INVALID_INPUT', `name must not start with ${RESERVED_PREFIX}`);
    let pending = this.#vaults.get(name);
    if (pending === undefined) {
      pending = (async () => {
        if (!this.#keyring.keks.some((k) => k.id === name)) {
          await this.#updateKeyring((keyring) => (keyring.keks.some((k) => k.id === name) ? keyring : addKekVersion({ keyring, id: name }).keyring));
        }
        return Vault.open(this.#host(), name);
      })();
      pending.catch(() => this.#vaults.delete(name));
      this.#vaults.set(name, pending);
    }
    return pending;
  }

  /** Names of the vaults this account has keys for. */
  vaults(): string[] {
    return [...new Set(this.#keyring.keks.map((k) => k.id))].sort();
  }

  #host(): VaultHost {
    return {
      store: this.#store,
      keyring: () => this.#keyring,
      addKekVersion: async (vault) => {
        let added: KeyringKek | undefined;
        await this.#updateKeyring((keyring) => {
          const result = addKekVersion({ keyring, id: vault, activate: true });
          added = result.kek;
          return result.keyring;
        });
        return added as KeyringKek;
      },
      dropOldKeks: async (vault) => {
        await this.#updateKeyring((keyring) => ({ ...keyring, keks: keyring.keks.filter((k) => k.id !== vault || k.active) }));
      },
    };
  }

  /**
   * Changes the password: a new OPAQUE registration, and the root key
   * wrapped for the new export key. No record is re-encrypted. Crash-safe:
   * until the server swaps the OPAQUE record the old password works, after
   * it the new one does. Other sessions of the account are revoked.
   */
  async changePassword(options: { newPassword: string }): Promise<void> {
    this.#open();
    if (typeof options?.newPassword !== 'string' || options.newPassword.length === 0) throw new ZeroVaultError('INVALID_INPUT', 'newPassword must be a non-empty string');
    await changePasswordWith(this.#endpoint, this.#settings, this.#store, this.userId, this.#signing, this.#rootKey, options.newPassword);
  }

  /**
   * Creates (or replaces) the account's recovery key: a random 256-bit key,
   * registered as a second OPAQUE credential, that unwraps the root key.
   *
   * @returns the key as text, to show the user once; it is not stored anywhere readable
   */
  async createRecoveryKey(): Promise<string> {
    this.#open();
    const key = randomBytes(RECOVERY_KEY_LENGTH);
    try {
      // Slot first, then the server record: the key is shown only when both are in place.
      const prepared = await prepareCredential(this.#endpoint, this.#settings, this.userId, 'recovery', key);
      await addSlotEntry(this.#store, 'recovery', await wrapRoot('recovery', prepared.exportKey, this.#rootKey), true);
      wipe(prepared.exportKey);
      await submitCredential(this.#endpoint, this.userId, 'recovery', prepared.record, this.#signing);
      return formatRecoveryKey(key);
    } finally {
      wipe(key);
    }
  }

  /** Saves every open vault's manifest, revokes the session on the server, and forgets the keys. */
  async logout(): Promise<void> {
    if (this.#closed) return;
    try {
      for (const pending of this.#vaults.values()) {
        const vault = await pending.catch(() => undefined);
        await vault?.flush();
      }
      await postJson(this.#endpoint, '/logout', {}, this.#signing);
    } finally {
      this.#closed = true;
      wipe(this.#rootKey, this.#signing.macKey);
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
  const stored = await readMeta(store, PASSWORD_SLOT);
  if (stored !== null) {
    const entries = decodeSlot(stored.data).filter((e) => equal(e.kid, keep));
    if (entries.length > 0) await store.put(META_VAULT, PASSWORD_SLOT, encodeSlot(entries), { ifVersion: stored.version }).catch(() => undefined);
  }
}

export { PASSWORD_SLOT, RECOVERY_SLOT };
