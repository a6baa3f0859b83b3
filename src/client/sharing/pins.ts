/**
 * Pins: what this account has seen of other users' key logs and of the
 * shared vaults it takes part in, kept sealed in its own `_zv/directory`
 * record so that every later session (and device) holds the server to it.
 *
 * Plaintext:
 *
 *     "ZP" (0x5a 0x50) | 0x01
 *     | count (u32) | count × ( u8 len | userId | seq (u32) | head (32) | x25519 (32) | ed25519 (32) | verified (u8) )
 *     | count (u32) | count × ( u8 len | owner | u8 len | vault | membershipEpoch (u32) | grantEpoch (u32) )
 *
 * A contact pin holds the head of the user's log seen last (`seq`, SHA-256
 * of that event) and the keys this account *accepted* (on first use, or by
 * `verify` / `trust`); the keys of a later head may differ, and then the
 * contact has changed keys and is not used until accepted again. Access pins
 * hold the highest membership and grant epochs seen per shared vault.
 *
 * Saves merge with what another session saved (higher `seq` and epochs win),
 * so knowledge only grows.
 *
 * @module
 */
import { concat } from '../../crypto/bytes.js';
import { ZeroVaultError } from '../../errors.js';
import type { BlobStore } from '../../store/types.js';
import { Reader, str8, u32, u8 } from '../../formats/codec.js';
import { loadMeta, saveMeta } from '../account/meta-record.js';
import { retryOnConflict } from '../retry.js';

/** The meta record id of the pins. */
export const PINS_ID = 'directory';

/** What this account knows and accepted of one user's keys. */
export interface ContactPin {
  readonly userId: string;
  /** The last log head seen: its `seq` and hash. */
  readonly seq: number;
  readonly head: Uint8Array;
  /** The accepted keys. */
  readonly x25519: Uint8Array;
  readonly ed25519: Uint8Array;
  /** Accepted by comparing safety numbers. */
  readonly verified: boolean;
}

/** The highest epochs seen of one shared vault. */
export interface AccessPin {
  readonly owner: string;
  readonly vault: string;
  readonly membershipEpoch: number;
  readonly grantEpoch: number;
}

/** All pins. */
export interface PinState {
  readonly contacts: Map<string, ContactPin>;
  /** Keyed by {@link accessKey}. */
  readonly access: Map<string, AccessPin>;
}

/** The map key of an access pin. */
export function accessKey(owner: string, vault: string): string {
  return `${owner}\u0000${vault}`;
}

function malformed(): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', 'pins are malformed');
}

/** Encodes pins. */
export function encodePins(state: PinState): Uint8Array {
  const contacts = [...state.contacts.values()].map((c) =>
    concat(str8(c.userId, 'userId'), u32(c.seq), c.head, c.x25519, c.ed25519, u8(c.verified ? 1 : 0)),
  );
  const access = [...state.access.values()].map((a) => concat(str8(a.owner, 'owner'), str8(a.vault, 'vault'), u32(a.membershipEpoch), u32(a.grantEpoch)));
  return concat(Uint8Array.of(0x5a, 0x50, 0x01), u32(contacts.length), ...contacts, u32(access.length), ...access);
}

/** Decodes pins strictly. */
export function decodePins(bytes: Uint8Array): PinState {
  if (bytes.length < 3 || bytes[0] !== 0x5a || bytes[1] !== 0x50) throw malformed();
  if (bytes[2] !== 0x01) throw new ZeroVaultError('UNSUPPORTED', 'unknown pins version');
  const reader = new Reader(bytes, malformed);
  reader.bytes(3);
  const state: PinState = { contacts: new Map(), access: new Map() };
  for (let i = reader.u32(); i > 0; i--) {
    const userId = reader.str8();
    const seq = reader.u32();
    const head = reader.bytes(32);
    const x25519 = reader.bytes(32);
    const ed25519 = reader.bytes(32);
    const verified = reader.u8();
    if (verified > 1) throw malformed();
    state.contacts.set(userId, { userId, seq, head, x25519, ed25519, verified: verified === 1 });
  }
  for (let i = reader.u32(); i > 0; i--) {
    const owner = reader.str8();
    const vault = reader.str8();
    state.access.set(accessKey(owner, vault), { owner, vault, membershipEpoch: reader.u32(), grantEpoch: reader.u32() });
  }
  reader.end();
  return state;
}

/** Merges `theirs` into `mine`: the later log head and the higher epochs win. */
export function mergePins(mine: PinState, theirs: PinState): void {
  for (const [id, other] of theirs.contacts) {
    const own = mine.contacts.get(id);
    if (own === undefined || other.seq > own.seq) mine.contacts.set(id, other);
  }
  for (const [key, other] of theirs.access) {
    const own = mine.access.get(key);
    mine.access.set(key, {
      ...other,
      membershipEpoch: Math.max(other.membershipEpoch, own?.membershipEpoch ?? 0),
      grantEpoch: Math.max(other.grantEpoch, own?.grantEpoch ?? 0),
    });
  }
}

/** The pins of a session: loaded on first use, saved on every change. */
export class PinStore {
  readonly #store: BlobStore;
  readonly #rootKey: () => Uint8Array;
  #loaded: Promise<void> | undefined;
  #state: PinState = { contacts: new Map(), access: new Map() };
  #version: number | null = null;
  #cv = 0;

  /** @param rootKey - the session's root key, borrowed per use (it throws `CLOSED` once the session is) */
  constructor(store: BlobStore, rootKey: () => Uint8Array) {
    this.#store = store;
    this.#rootKey = rootKey;
  }

  async #load(): Promise<void> {
    const loaded = await loadMeta(this.#store, this.#rootKey(), PINS_ID);
    if (loaded === null) return;
    const theirs = decodePins(loaded.plaintext);
    mergePins(this.#state, theirs);
    this.#version = loaded.version;
    this.#cv = Math.max(this.#cv, loaded.cv);
  }

  /** The current pins (read-only use; change them through {@link update}). */
  async state(): Promise<PinState> {
    this.#loaded ??= this.#load().catch((err: unknown) => {
      this.#loaded = undefined;
      throw err;
    });
    await this.#loaded;
    return this.#state;
  }

  /** Applies `change` and saves, merging with another session's save on a conflict. */
  async update(change: (state: PinState) => void): Promise<void> {
    await this.state();
    change(this.#state);
    await retryOnConflict(
      async () => {
        this.#version = await saveMeta(this.#store, this.#rootKey(), PINS_ID, this.#cv + 1, encodePins(this.#state), this.#version);
        this.#cv += 1;
      },
      { reload: () => this.#load() },
    );
  }
}
