/**
 * Checking a document schema once, and turning its declared paths into a
 * tree the walkers follow (`walk.ts`). A schema is pinned in the app's code:
 * every mistake in it is `INVALID_INPUT`, raised on first use.
 *
 * @module
 */
import { utf8 } from '../../crypto/bytes.js';
import { ZeroVaultError } from '../../errors.js';
import { MAX_DOCUMENT_VERSION } from '../../formats/document-value.js';
import type { DocumentSchema, FieldSpecs, IndexKind } from './types.js';

/** The reserved row field that carries the document MAC. */
export const MAC_FIELD = '_zv';

/** A leaf of the tree: how the value at this path is stored. */
export type Leaf =
  | { readonly kind: 'encrypt'; readonly field: string; readonly index: IndexKind | undefined; readonly bits: number | undefined; readonly identifying: boolean }
  | { readonly kind: 'signed' | 'clear'; readonly field: string };

/** A node of the declared-path tree. */
export interface Node {
  leaf?: Leaf;
  /** Named children (an object here). */
  readonly children: Map<string, Node>;
  /** Every element (an array here). */
  each?: Node;
}

/** One checked schema version. */
export interface VersionTree {
  readonly version: number;
  readonly root: Node;
  readonly rest: boolean;
  /** Declared leaves by their declared path. */
  readonly leaves: ReadonlyMap<string, Leaf>;
}

/** A checked schema: the current version and the older ones. */
export interface CheckedSchema {
  readonly collection: string;
  readonly current: VersionTree;
  readonly versions: ReadonlyMap<number, VersionTree>;
  readonly expectedRows: number | undefined;
}

const INDEX_KINDS: readonly string[] = ['exact', 'prefix', 'words'];
const SEGMENT = /^(?:[^.[\]]+)$/;

function invalid(message: string): ZeroVaultError {
  return new ZeroVaultError('INVALID_INPUT', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkVersion(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_DOCUMENT_VERSION) throw invalid(`${name} must be an integer from 1 to 2^32-1`);
  return value as number;
}

/** `'contacts[].email'` → `['contacts', '[]', 'email']`. */
function segmentsOf(path: string): string[] {
  const out: string[] = [];
  for (const part of path.split('.')) {
    let name = part;
    let arrays = 0;
    while (name.endsWith('[]')) {
      name = name.slice(0, -2);
      arrays++;
    }
    if (!SEGMENT.test(name)) throw invalid('schema.fields has a malformed path (segments are non-empty names without . [ ], arrays end in [])');
    out.push(name, ...Array<string>(arrays).fill('[]'));
  }
  return out;
}

function leafOf(field: string, spec: unknown): Leaf {
  if (spec === 'signed' || spec === 'clear') return { kind: spec, field };
  if (!isObject(spec) || spec.encrypt !== true) throw invalid("schema.fields values must be { encrypt: true, ... }, 'signed' or 'clear'");
  for (const key of Object.keys(spec)) {
    if (!['encrypt', 'index', 'bits', 'identifying'].includes(key)) throw invalid('schema.fields has an unknown option');
  }
  const { index, bits, identifying } = spec;
  if (index !== undefined && (typeof index !== 'string' || !INDEX_KINDS.includes(index))) throw invalid("schema.fields index must be 'exact', 'prefix' or 'words'");
  if (bits !== undefined && (index === undefined || !Number.isSafeInteger(bits) || (bits as number) < 1 || (bits as number) > 256)) {
    throw invalid('schema.fields bits must be an integer from 1 to 256, on an indexed field');
  }
  if (identifying !== undefined && (identifying !== true || bits === undefined)) throw invalid('schema.fields identifying must be true, beside bits');
  return { kind: 'encrypt', field, index: index as IndexKind | undefined, bits: bits as number | undefined, identifying: identifying === true };
}

function buildTree(version: number, fields: unknown, rest: unknown): VersionTree {
  if (!isObject(fields)) throw invalid('schema.fields must be an object');
  if (rest !== undefined && rest !== 'clear') throw invalid("schema.rest must be 'clear' or absent");
  const root: Node = { children: new Map() };
  const leaves = new Map<string, Leaf>();
  for (const [path, spec] of Object.entries(fields as FieldSpecs)) {
    const segments = segmentsOf(path);
    if (segments[0] === MAC_FIELD) throw invalid(`schema.fields must not declare ${MAC_FIELD}`);
    let node = root;
    for (const segment of segments) {
      if (node.leaf !== undefined) throw invalid('schema.fields declares a path inside another declared field');
      let next = segment === '[]' ? node.each : node.children.get(segment);
      if (next === undefined) {
        next = { children: new Map() };
        if (segment === '[]') node.each = next;
        else node.children.set(segment, next);
      }
      if ((segment === '[]' && node.children.size > 0) || (segment !== '[]' && node.each !== undefined)) throw invalid('schema.fields declares one path as both an object and an array');
      node = next;
    }
    if (node.leaf !== undefined || node.children.size > 0 || node.each !== undefined) throw invalid('schema.fields declares a path inside another declared field');
    const leaf = leafOf(path, spec);
    node.leaf = leaf;
    leaves.set(path, leaf);
  }
  if (leaves.size === 0) throw invalid('schema.fields must declare at least one field');
  return { version, root, rest: rest === 'clear', leaves };
}

/**
 * Checks a schema (a copy of it is what the walkers follow, so a caller
 * that changes its object later changes nothing).
 * @throws `INVALID_INPUT` naming the part that is wrong
 */
export function checkSchema(schema: unknown): CheckedSchema {
  if (!isObject(schema)) throw invalid('schema must be an object');
  const { collection, version, fields, rest, expectedRows, previous } = schema as Partial<DocumentSchema> & Record<string, unknown>;
  const bytes = typeof collection === 'string' ? utf8(collection).length : 0;
  if (bytes < 1 || bytes > 255) throw invalid('schema.collection must be 1 to 255 UTF-8 bytes');
  const current = buildTree(checkVersion(version, 'schema.version'), fields, rest);
  if (expectedRows !== undefined && (!Number.isSafeInteger(expectedRows) || expectedRows < 1)) throw invalid('schema.expectedRows must be a positive integer');
  const versions = new Map<number, VersionTree>([[current.version, current]]);
  if (previous !== undefined) {
    if (!Array.isArray(previous)) throw invalid('schema.previous must be an array');
    for (const old of previous as unknown[]) {
      if (!isObject(old)) throw invalid('schema.previous entries must be objects');
      const v = checkVersion(old.version, 'schema.previous version');
      if (v >= current.version || versions.has(v)) throw invalid('schema.previous versions must be distinct and older than schema.version');
      versions.set(v, buildTree(v, old.fields, old.rest));
    }
  }
  return { collection: collection as string, current, versions, expectedRows };
}
