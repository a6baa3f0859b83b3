/**
 * The public types of `vault.documents(schema)` (`docs/documents.md`). The
 * vault imports them as types only: the code behind them loads on demand.
 *
 * @module
 */

/** The kinds of blind index (`docs/documents.md`, "Blind indexes"). */
export type IndexKind = 'exact' | 'prefix' | 'words';

/** An encrypted field. */
export interface EncryptedField {
  readonly encrypt: true;
  /** A blind index over the field, if any. */
  readonly index?: IndexKind;
  /** Token length in bits; by default the planner chooses it from `expectedRows`. */
  readonly bits?: number;
  /**
   * `true` accepts a `bits` above what the planner allows, so that tokens may
   * identify single rows (the server then learns which rows share a value,
   * almost exactly). Off unless the app insists.
   */
  readonly identifying?: true;
}

/**
 * How a field is stored: encrypted (`{ encrypt: true, ... }`), `signed`
 * (clear, covered by the document MAC) or `clear` (clear, not covered).
 */
export type FieldSpec = EncryptedField | 'signed' | 'clear';

/**
 * Declared fields by path: a top-level name, a dotted path (`'address.city'`),
 * and `[]` for every element of an array (`'tags[]'`, `'contacts[].email'`).
 */
export type FieldSpecs = Readonly<Record<string, FieldSpec>>;

/** The fields of an older schema version, so its rows still open. */
export interface PreviousSchema {
  readonly version: number;
  readonly fields: FieldSpecs;
  readonly rest?: 'clear';
}

/** A collection's schema, pinned in the app's code (never fetched). */
export interface DocumentSchema {
  /** The collection (table) name: 1..255 UTF-8 bytes. Bound into every value, MAC and index key. */
  readonly collection: string;
  /** The schema version new rows are written with: an integer from 1. */
  readonly version: number;
  readonly fields: FieldSpecs;
  /** `'clear'`: fields the schema does not declare pass through clear (and uncovered); otherwise they are refused. */
  readonly rest?: 'clear';
  /** How many rows the collection is expected to hold; the planner sizes blind indexes from it (required when a field is indexed). */
  readonly expectedRows?: number;
  /** Older schema versions whose rows must still open (`decrypt`, `reencrypt` upgrades them). */
  readonly previous?: readonly PreviousSchema[];
}

/** A row as the app stores it: the document with encrypted fields as `zv1.` strings and `_zv` added. */
export type EncryptedRow = Record<string, unknown> & { readonly _zv: string };

/** Where a document lives: its id in the app's table (known before the row is written). */
export interface DocumentPlace {
  /** The row's id: a non-empty string (up to 1024 UTF-8 bytes) or a safe integer. */
  readonly id: string | number;
}

/** Options of {@link Documents.index}. */
export interface IndexOptions {
  /** Compute the tokens under this KEK version instead of the active one (searching while a sweep runs). */
  readonly kekVersion?: number;
}

/** The planner's decision for one blind index. */
export interface IndexPlan {
  readonly field: string;
  readonly kind: IndexKind;
  /** Token length in bits. */
  readonly bits: number;
  /** Expected rows per token value, from `expectedRows`: `expectedRows / 2^(sum of the bits of all indexes)`, for the whole row. */
  readonly coincidences: number;
}

/** The tokens an index returns: one for `exact` and `prefix`, one per distinct word for `words`. */
export type IndexResult<F extends FieldSpecs, K extends keyof F> = F[K] extends { readonly index: 'words' }
  ? string[]
  : F[K] extends { readonly index: 'exact' | 'prefix' }
    ? string
    : string | string[];

/** The tokens of every indexed field of a document, as {@link Documents.indexes} returns them. */
export type RowIndexes = Record<string, string | string[]>;

/**
 * Field-level encryption of one collection of the app's own rows. Get one
 * from `vault.documents(schema)`. Every method fails with `CLOSED` once the
 * session is closed, before any crypto; writes (`encrypt`, `encryptMany`,
 * `reencrypt`, `migrate`) need the `write` role in a shared vault
 * (`FORBIDDEN` otherwise), reads and index tokens only `read`.
 */
export interface Documents<T extends object = Record<string, unknown>, F extends FieldSpecs = FieldSpecs> {
  /** The schema as given. */
  readonly schema: DocumentSchema;
  /**
   * Encrypts a document into the row the app stores (under the active KEK,
   * at the current schema version).
   * @throws `INVALID_INPUT` (an undeclared field without `rest: 'clear'`, a
   *   value JSON cannot carry, a bad id); `FORBIDDEN`; `CLOSED`
   */
  encrypt(doc: T, place: DocumentPlace): Promise<EncryptedRow>;
  /**
   * Checks the document MAC, then opens every encrypted field.
   * @throws `DECRYPT_FAILED` on any tampering, a missing or unknown KEK
   *   version, a bare value where an encrypted one belongs, an unknown schema
   *   version, or a row of another id, collection or vault; `CLOSED`
   */
  decrypt(row: unknown, place: DocumentPlace): Promise<T>;
  /** {@link encrypt} for many documents. @throws as {@link encrypt} */
  encryptMany(items: readonly { readonly doc: T; readonly id: string | number }[]): Promise<EncryptedRow[]>;
  /** {@link decrypt} for many rows; one bad row fails the call. @throws as {@link decrypt} */
  decryptMany(items: readonly { readonly row: unknown; readonly id: string | number }[]): Promise<T[]>;
  /**
   * The blind-index token(s) of `value` for `field`: a base64url string for
   * `exact` and `prefix` (a query prefix), an array of distinct tokens (one
   * per word) for `words`.
   * @throws `INVALID_INPUT` when the field has no index or the value does not fit it; `CLOSED`
   */
  index<K extends keyof F & string>(field: K, value: unknown, options?: IndexOptions): Promise<IndexResult<F, K>>;
  /**
   * The tokens to store with a document: for each indexed field present,
   * `exact`: one token; `words`: one per distinct word; `prefix`: one per
   * prefix of the value (to be matched by `index(field, prefix)`).
   */
  indexes(doc: T, options?: IndexOptions): Promise<RowIndexes>;
  /**
   * Whether `value` matches `query` the way the index of `field` matches
   * (exact after normalization; prefix; every query word present): filters a
   * search's false positives after `decrypt`.
   */
  matches(field: keyof F & string, value: unknown, query: unknown): Promise<boolean>;
  /**
   * Opens a row and seals it again under the active KEK at the current
   * schema version (rows of older schema versions are upgraded as they are).
   * @throws as {@link decrypt} and {@link encrypt}
   */
  reencrypt(row: unknown, place: DocumentPlace): Promise<EncryptedRow>;
  /**
   * Whether a row is already under the active KEK and the current schema
   * version (read from `_zv` and the values, without authenticating them:
   * a sweep's cursor only).
   */
  isCurrent(row: unknown): Promise<boolean>;
  /**
   * One-time adoption of a legacy row written before encryption: a row
   * without `_zv` is encrypted as a document; a row with `_zv` is checked
   * and returned as it is.
   * @throws `DECRYPT_FAILED` when a legacy row already holds an encrypted
   *   value (half-migrated or forged); as {@link encrypt} and {@link decrypt}
   */
  migrate(row: Record<string, unknown>, place: DocumentPlace): Promise<{ row: EncryptedRow; migrated: boolean }>;
  /** The planner's token lengths for this schema's indexes. @throws `INVALID_INPUT` for a schema it refuses */
  plan(): Promise<IndexPlan[]>;
  /**
   * The KEK versions this vault holds, newest last: rows under any of them
   * open. After a rotation with `keepOldKeys`, sweep the table with
   * `reencrypt`, then call {@link dropOldKeys}.
   */
  kekVersions(): Promise<number[]>;
  /**
   * Ends a sweep: drops every KEK version of the vault but the active one.
   * Rows still under an old version will no longer open.
   * @throws `FORBIDDEN` when this session is not the owner; `CLOSED`
   */
  dropOldKeys(): Promise<void>;
}
