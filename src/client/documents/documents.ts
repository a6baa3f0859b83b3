/**
 * `Documents`: field-level encryption and blind indexes of one collection of
 * the app's own rows, bound to a vault's KEKs (`docs/documents.md`). Loaded
 * on demand by `vault.documents(schema)`, which hands over the vault's host:
 * every method checks that the session is open (`CLOSED`) and runs under
 * the session's key handle; writes need an owner or writer, and refresh the
 * keys first (a member's grant, an owner's keyring), as vault writes do.
 *
 * @module
 */
import { getBackend } from '#backend';
import { utf8, wipe } from '../../crypto/bytes.js';
import type { KeyringKek } from '../../envelope/keyring.js';
import { ZeroVaultError, decryptFailed } from '../../errors.js';
import { DOCUMENT_PREFIX } from '../../formats/document-value.js';
import type { VaultHandle, VaultHost } from '../vault/types.js';
import { deriveIndexKey, indexInputs, matches, token } from './blind-index.js';
import { decryptDocument, encryptDocument, kekVersionsOf } from './codec.js';
import { planIndexes } from './planner.js';
import { MAC_FIELD, checkSchema, type CheckedSchema, type Leaf } from './schema.js';
import type { DocumentPlace, DocumentSchema, Documents, EncryptedRow, FieldSpecs, IndexOptions, IndexPlan, IndexResult, RowIndexes } from './types.js';
import { walk } from './walk.js';

const MAX_ID_BYTES = 1024;

/** The id a value binds: a non-empty string or a safe integer (written in decimal). */
function idOf(place: unknown): string {
  const id = (typeof place === 'object' && place !== null ? (place as { id?: unknown }).id : undefined);
  if (Number.isSafeInteger(id)) return String(id);
  if (typeof id !== 'string' || id.length === 0 || utf8(id).length > MAX_ID_BYTES) {
    throw new ZeroVaultError('INVALID_INPUT', 'id must be a non-empty string of at most 1024 UTF-8 bytes, or a safe integer');
  }
  return id;
}

function readOnly(): ZeroVaultError {
  return new ZeroVaultError('FORBIDDEN', 'this vault is shared with you read-only');
}

function isRow(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The documents of one collection in one vault. */
class DocumentCollection<T extends object, F extends FieldSpecs> implements Documents<T, F> {
  readonly schema: DocumentSchema;
  readonly #host: VaultHost;
  readonly #handle: VaultHandle;
  readonly #vault: string;
  readonly #checked: CheckedSchema;
  readonly #plans: ReadonlyMap<string, IndexPlan>;

  constructor(host: VaultHost, handle: VaultHandle, schema: DocumentSchema) {
    this.#checked = checkSchema(schema);
    this.#plans = new Map(planIndexes(this.#checked).map((p) => [p.field, p]));
    this.schema = schema;
    this.#host = host;
    this.#handle = handle;
    this.#vault = handle.name;
  }

  /** `CLOSED` first; the session's keys stay unwiped until `work` settles. */
  #run<R>(work: () => Promise<R>): Promise<R> {
    this.#host.keys.assertOpen();
    return this.#host.keys.use(work);
  }

  #keks(): KeyringKek[] {
    return this.#host.keyring().keks.filter((k) => k.id === this.#vault);
  }

  #active(): KeyringKek {
    const kek = this.#keks().find((k) => k.active);
    if (kek === undefined) throw new ZeroVaultError('NOT_FOUND', 'the keyring has no key for this vault');
    return kek;
  }

  /** Before a write: fresh keys, and a role that may write. */
  async #beforeWrite(): Promise<KeyringKek> {
    await this.#host.beforeWrite?.(this.#handle);
    if (this.#host.role() === 'read') throw readOnly();
    return this.#active();
  }

  async #open(row: unknown, id: string): Promise<T> {
    const named = kekVersionsOf(this.#checked, row);
    const known = (): boolean => named === undefined || [...named.versions].every((v) => this.#keks().some((k) => k.version === v));
    // A member learns a new KEK version from its grant; an owner from its keyring.
    if (!known() && this.#host.refreshKeys !== undefined) await this.#host.refreshKeys();
    const keks = this.#keks();
    return (await decryptDocument(this.#checked, row, id, (v) => keks.find((k) => k.version === v), getBackend())) as T;
  }

  async encrypt(doc: T, place: DocumentPlace): Promise<EncryptedRow> {
    this.#host.keys.assertOpen();
    const id = idOf(place);
    return this.#run(async () => encryptDocument(this.#checked, doc, id, await this.#beforeWrite(), getBackend()));
  }

  async decrypt(row: unknown, place: DocumentPlace): Promise<T> {
    this.#host.keys.assertOpen();
    const id = idOf(place);
    return this.#run(() => this.#open(row, id));
  }

  async encryptMany(items: readonly { readonly doc: T; readonly id: string | number }[]): Promise<EncryptedRow[]> {
    this.#host.keys.assertOpen();
    const given: readonly { readonly doc: T; readonly id: string | number }[] = items;
    if (!Array.isArray(items)) throw new ZeroVaultError('INVALID_INPUT', 'items must be an array');
    const list = given.map((item) => ({ doc: item.doc, id: idOf(item) }));
    return this.#run(async () => {
      const kek = await this.#beforeWrite();
      return Promise.all(list.map((item) => encryptDocument(this.#checked, item.doc, item.id, kek, getBackend())));
    });
  }

  async decryptMany(items: readonly { readonly row: unknown; readonly id: string | number }[]): Promise<T[]> {
    this.#host.keys.assertOpen();
    const given: readonly { readonly row: unknown; readonly id: string | number }[] = items;
    if (!Array.isArray(items)) throw new ZeroVaultError('INVALID_INPUT', 'items must be an array');
    const list = given.map((item) => ({ row: item.row, id: idOf(item) }));
    return this.#run(() => Promise.all(list.map((item) => this.#open(item.row, item.id))));
  }

  #indexed(field: string): { leaf: Leaf & { kind: 'encrypt' }; plan: IndexPlan } {
    const leaf = this.#checked.current.leaves.get(field);
    const plan = this.#plans.get(field);
    if (leaf?.kind !== 'encrypt' || plan === undefined) throw new ZeroVaultError('INVALID_INPUT', 'field has no blind index in this schema');
    return { leaf, plan };
  }

  #kekFor(options: IndexOptions): KeyringKek {
    if (typeof options !== 'object' || options === null) throw new ZeroVaultError('INVALID_INPUT', 'options must be an object');
    if (options.kekVersion === undefined) return this.#active();
    const kek = this.#keks().find((k) => k.version === options.kekVersion);
    if (kek === undefined) throw new ZeroVaultError('INVALID_INPUT', 'options.kekVersion is not a KEK version of this vault');
    return kek;
  }

  /** The distinct tokens of `values` for one index, in order. */
  #tokens(kek: KeyringKek, plan: IndexPlan, values: readonly unknown[], write: boolean): string[] {
    const backend = getBackend();
    const key = deriveIndexKey(kek.key, this.#checked.collection, plan.field, plan.kind, backend);
    try {
      const out = new Set<string>();
      for (const value of values) for (const input of indexInputs(plan.kind, value, 'value', write)) out.add(token(key, input, plan.bits, backend));
      return [...out].sort();
    } finally {
      wipe(key);
    }
  }

  async index<K extends keyof F & string>(field: K, value: unknown, options: IndexOptions = {}): Promise<IndexResult<F, K>> {
    return this.#run(async () => {
      const { plan } = this.#indexed(field);
      const tokens = this.#tokens(this.#kekFor(options), plan, [value], false);
      return (plan.kind === 'words' ? tokens : tokens[0]) as IndexResult<F, K>;
    });
  }

  async indexes(doc: T, options: IndexOptions = {}): Promise<RowIndexes> {
    return this.#run(async () => {
      const kek = this.#kekFor(options);
      const { slots } = walk(this.#checked.current, doc, () => new ZeroVaultError('INVALID_INPUT', 'doc does not fit the schema'));
      const out: RowIndexes = {};
      for (const plan of this.#plans.values()) {
        const values = slots.filter((s) => s.leaf.field === plan.field).map((s) => s.value);
        if (values.length === 0) continue;
        const tokens = this.#tokens(kek, plan, values, true);
        const single = plan.kind === 'exact' && !plan.field.includes('[]');
        out[plan.field] = single ? (tokens[0] as string) : tokens;
      }
      return out;
    });
  }

  async matches(field: keyof F & string, value: unknown, query: unknown): Promise<boolean> {
    return matches(this.#indexed(field).plan.kind, value, query);
  }

  async reencrypt(row: unknown, place: DocumentPlace): Promise<EncryptedRow> {
    this.#host.keys.assertOpen();
    const id = idOf(place);
    return this.#run(async () => {
      const kek = await this.#beforeWrite();
      return encryptDocument(this.#checked, await this.#open(row, id), id, kek, getBackend());
    });
  }

  async isCurrent(row: unknown): Promise<boolean> {
    return this.#run(async () => {
      const named = kekVersionsOf(this.#checked, row);
      const active = this.#active().version;
      return named !== undefined && named.schemaVersion === this.#checked.current.version && [...named.versions].every((v) => v === active);
    });
  }

  async migrate(row: Record<string, unknown>, place: DocumentPlace): Promise<{ row: EncryptedRow; migrated: boolean }> {
    this.#host.keys.assertOpen();
    const id = idOf(place);
    return this.#run(async () => {
      if (!isRow(row)) throw new ZeroVaultError('INVALID_INPUT', 'row must be an object');
      if (Object.prototype.hasOwnProperty.call(row, MAC_FIELD)) {
        await this.#open(row, id);
        return { row: row as EncryptedRow, migrated: false };
      }
      // A legacy row holds clear values only: an encrypted one here is half-migrated or forged.
      const { slots } = walk(this.#checked.current, row, decryptFailed);
      if (slots.some((s) => s.leaf.kind === 'encrypt' && typeof s.value === 'string' && s.value.startsWith(DOCUMENT_PREFIX))) throw decryptFailed();
      const kek = await this.#beforeWrite();
      return { row: await encryptDocument(this.#checked, row, id, kek, getBackend()), migrated: true };
    });
  }

  async plan(): Promise<IndexPlan[]> {
    return this.#run(async () => [...this.#plans.values()]);
  }

  async kekVersions(): Promise<number[]> {
    return this.#run(async () => this.#keks().map((k) => k.version).sort((a, b) => a - b));
  }

  async dropOldKeys(): Promise<void> {
    return this.#run(async () => {
      if (this.#host.role() !== 'owner') throw new ZeroVaultError('FORBIDDEN', 'only the owner can rotate, share or revoke a vault');
      await this.#host.dropOldKeks(this.#vault);
    });
  }
}

/**
 * The documents of `schema.collection` in the vault behind `vault` (`vault.documents`); writes run the host's `beforeWrite` with that handle, so an owner revokes expired grants first.
 * @throws `INVALID_INPUT` for a schema that is malformed or that the planner refuses
 */
export function openDocuments<T extends object, F extends FieldSpecs>(host: VaultHost, vault: VaultHandle, schema: DocumentSchema): Documents<T, F> {
  return new DocumentCollection<T, F>(host, vault, schema);
}
