/**
 * Walking a document (or a stored row) along a schema version's tree: a
 * fresh copy of the structure, one slot per declared leaf present, and the
 * structural MAC entries (absent paths, array lengths). What to do with each
 * slot (seal, open, sign) is the caller's (`codec.ts`).
 *
 * @module
 */
import type { ZeroVaultError } from '../../errors.js';
import { u32 } from '../../formats/codec.js';
import { ENTRY_KIND, type MacEntry } from '../../formats/document-mac.js';
import { MAC_FIELD, type Leaf, type Node, type VersionTree } from './schema.js';

/** A declared leaf present in the input: its concrete path, value, and where its result goes. */
export interface Slot {
  readonly path: string;
  readonly leaf: Leaf;
  readonly value: unknown;
  readonly set: (value: unknown) => void;
}

/** What a walk found. */
export interface Walked {
  readonly out: Record<string, unknown>;
  readonly slots: Slot[];
  readonly entries: MacEntry[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function covers(node: Node): boolean {
  if (node.leaf !== undefined) return node.leaf.kind !== 'clear';
  if (node.each !== undefined && covers(node.each)) return true;
  for (const child of node.children.values()) if (covers(child)) return true;
  return false;
}

const EMPTY = new Uint8Array(0);

/** Sets an own property, also for a key like `__proto__` that plain assignment would treat specially. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Walks `input` along `tree`. `fail` is the error of a mismatch: an
 * undeclared field (without `rest: 'clear'`), or a declared object or array
 * holding something else (`INVALID_INPUT` when encrypting, `DECRYPT_FAILED`
 * when opening). The root's `_zv` is left to the caller.
 */
export function walk(tree: VersionTree, input: unknown, fail: () => ZeroVaultError): Walked {
  if (!isPlainObject(input)) throw fail();
  const slots: Slot[] = [];
  const entries: MacEntry[] = [];
  const absent = (node: Node, path: string): void => {
    if (covers(node)) entries.push({ path, kind: ENTRY_KIND.absent, bytes: EMPTY });
  };
  const visit = (node: Node, value: unknown, path: string, set: (value: unknown) => void): void => {
    if (value === undefined) return absent(node, path);
    if (node.leaf !== undefined) {
      slots.push({ path, leaf: node.leaf, value, set });
      return;
    }
    if (node.each !== undefined) {
      if (!Array.isArray(value)) throw fail();
      const items: unknown[] = value;
      const copy: unknown[] = new Array<unknown>(items.length);
      set(copy);
      entries.push({ path, kind: ENTRY_KIND.array, bytes: u32(items.length) });
      for (let i = 0; i < items.length; i++) {
        // A hole or an undefined element is not JSON.
        if (!(i in items) || items[i] === undefined) throw fail();
        visit(node.each, items[i], `${path}[${i}]`, (v) => (copy[i] = v));
      }
      return;
    }
    if (!isPlainObject(value)) throw fail();
    const copy: Record<string, unknown> = {};
    set(copy);
    visitObject(node, value, path, copy);
  };
  const visitObject = (node: Node, value: Record<string, unknown>, path: string, copy: Record<string, unknown>): void => {
    for (const key of Object.keys(value)) {
      if (path === '' && key === MAC_FIELD) continue;
      const child = node.children.get(key);
      const childPath = path === '' ? key : `${path}.${key}`;
      if (child === undefined) {
        if (!tree.rest) throw fail();
        put(copy, key, value[key]);
        continue;
      }
      visit(child, value[key], childPath, (v) => put(copy, key, v));
    }
    for (const [key, child] of node.children) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) absent(child, path === '' ? key : `${path}.${key}`);
    }
  };
  const out: Record<string, unknown> = {};
  visitObject(tree.root, input, '', out);
  return { out, slots, entries };
}
