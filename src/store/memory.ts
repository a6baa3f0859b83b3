/**
 * `memoryStore()`: a `BlobStore` in a `Map`, for tests, demos and caches.
 * Every operation runs synchronously inside its promise, so each one (and
 * each `putMany` batch) is atomic with respect to every other.
 *
 * @module
 */
import {
  assertData,
  assertIds,
  assertName,
  conflict,
  parseDeleteOptions,
  parseEntries,
  parseListOptions,
  parsePutOptions,
  preconditionHolds,
  type BatchBlobStore,
  type BlobRecord,
  type BlobStore,
  type DeleteOptions,
  type ListEntry,
  type ListOptions,
  type ListPage,
  type PutManyEntry,
  type PutOptions,
  type PutResult,
} from './types.js';

/** A record or its tombstone (`data === null`): the last version is kept either way. */
interface Slot {
  data: Uint8Array | null;
  version: number;
}

/** One vault: slots by id, plus every id (live or not) in sorted order for paging. */
interface VaultState {
  readonly slots: Map<string, Slot>;
  readonly ids: string[];
}

/** First index in sorted `ids` whose element is greater than `after`. */
function upperBound(ids: readonly string[], after: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as string) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A `BlobStore` held in memory. Deleted ids keep a tombstone (their last
 * version), so versions never repeat; memory grows with the number of ids
 * ever written.
 */
class MemoryStore implements BlobStore {
  readonly #vaults = new Map<string, VaultState>();

  #vault(vault: string, create: true): VaultState;
  #vault(vault: string, create: false): VaultState | undefined;
  #vault(vault: string, create: boolean): VaultState | undefined {
    let state = this.#vaults.get(vault);
    if (state === undefined && create) {
      state = { slots: new Map(), ids: [] };
      this.#vaults.set(vault, state);
    }
    return state;
  }

  /** Writes without checks: callers validated and checked preconditions. */
  #write(state: VaultState, id: string, data: Uint8Array | null, version: number): void {
    const slot = state.slots.get(id);
    if (slot === undefined) {
      state.slots.set(id, { data, version });
      state.ids.splice(upperBound(state.ids, id), 0, id);
    } else {
      slot.data = data;
      slot.version = version;
    }
  }

  async get(vault: string, id: string): Promise<BlobRecord | null> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    const slot = this.#vault(vault, false)?.slots.get(id);
    if (slot === undefined || slot.data === null) return null;
    return { data: new Uint8Array(slot.data), version: slot.version };
  }

  async getMany(vault: string, ids: readonly string[]): Promise<(BlobRecord | null)[]> {
    assertName(vault, 'vault');
    assertIds(ids);
    const state = this.#vault(vault, false);
    return ids.map((id) => {
      const slot = state?.slots.get(id);
      return slot === undefined || slot.data === null ? null : { data: new Uint8Array(slot.data), version: slot.version };
    });
  }

  async put(vault: string, id: string, data: Uint8Array, options?: PutOptions): Promise<PutResult> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    assertData(data);
    const ifVersion = parsePutOptions(options);
    const state = this.#vault(vault, true);
    const slot = state.slots.get(id);
    if (!preconditionHolds(slot?.data === null ? undefined : slot?.version, ifVersion)) throw conflict();
    const version = (slot?.version ?? 0) + 1;
    this.#write(state, id, new Uint8Array(data), version);
    return { version };
  }

  /** All-or-nothing: every precondition is checked before the first write. */
  async putMany(vault: string, entries: readonly PutManyEntry[]): Promise<PutResult[]> {
    assertName(vault, 'vault');
    const checked = parseEntries(entries);
    const state = this.#vault(vault, true);
    const versions = checked.map(({ id, ifVersion }) => {
      const slot = state.slots.get(id);
      if (!preconditionHolds(slot?.data === null ? undefined : slot?.version, ifVersion)) throw conflict();
      return (slot?.version ?? 0) + 1;
    });
    checked.forEach(({ id, data }, i) => this.#write(state, id, data, versions[i] as number));
    return versions.map((version) => ({ version }));
  }

  async delete(vault: string, id: string, options?: DeleteOptions): Promise<void> {
    assertName(vault, 'vault');
    assertName(id, 'id');
    const ifVersion = parseDeleteOptions(options);
    const slot = this.#vault(vault, false)?.slots.get(id);
    const live = slot === undefined || slot.data === null ? undefined : slot.version;
    if (!preconditionHolds(live, ifVersion)) throw conflict();
    if (slot !== undefined) slot.data = null;
  }

  async list(vault: string, options?: ListOptions): Promise<ListPage> {
    assertName(vault, 'vault');
    const { after, limit } = parseListOptions(options);
    const state = this.#vault(vault, false);
    if (state === undefined) return { items: [] };
    const items: ListEntry[] = [];
    for (let i = after === undefined ? 0 : upperBound(state.ids, after); i < state.ids.length; i++) {
      const id = state.ids[i] as string;
      const slot = state.slots.get(id);
      if (slot === undefined || slot.data === null) continue;
      if (items.length === limit) return { items, next: (items[items.length - 1] as ListEntry).id };
      items.push({ id, version: slot.version });
    }
    return { items };
  }
}

/**
 * Creates an empty in-memory `BlobStore`.
 *
 * Each operation, and each `putMany` batch, is atomic. Nothing persists.
 *
 * @example
 * const store = memoryStore()
 * const { version } = await store.put('notes', 'n1', bytes, { ifVersion: null })
 */
export function memoryStore(): BatchBlobStore {
  return new MemoryStore();
}
