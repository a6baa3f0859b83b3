/**
 * The one `BlobStore` conformance suite. Every adapter runs it:
 * `blobStoreConformance('memory', async () => ({ store: memoryStore() }))`.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { utf8 } from '../../src/crypto/bytes.js';
import type { ZeroVaultErrorCode } from '../../src/errors.js';
import { pattern } from '../helpers/pattern.js';
import { MAX_LIST_LIMIT, MAX_NAME_LENGTH, type BlobStore, type ListEntry } from '../../src/store/types.js';

/** A fresh, empty store and how to dispose of it. */
export interface StoreHarness {
  readonly store: BlobStore;
  readonly cleanup?: () => Promise<void>;
}

/** Knobs for slower stores. */
export interface ConformanceOptions {
  /** fast-check runs of the model test. Default 100. */
  readonly propertyRuns?: number;
  /** Concurrent writers per round. Default 8. */
  readonly writers?: number;
  /** Size of the large-value test. Default 8 MiB. */
  readonly largeBytes?: number;
}

const V = 'vault-1';
const b = (text: string): Uint8Array => utf8(text);

/** Awaits a rejection with `code`; returns the error for further checks. */
async function rejects(promise: Promise<unknown>, code: ZeroVaultErrorCode): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (err) {
    expect(err).toMatchObject({ name: 'ZeroVaultError', code });
    return err as Error & { code: string };
  }
  throw new Error(`expected a ${code} rejection`);
}

/** Every page of a listing, checking page invariants on the way. */
async function listAll(store: BlobStore, vault: string, limit?: number): Promise<ListEntry[]> {
  const all: ListEntry[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await store.list(vault, { ...(after === undefined ? {} : { after }), ...(limit === undefined ? {} : { limit }) });
    if (limit !== undefined) expect(page.items.length).toBeLessThanOrEqual(limit);
    all.push(...page.items);
    if (page.next === undefined) return all;
    expect(page.items.length).toBeGreaterThan(0);
    after = page.next;
  }
  throw new Error('listing did not terminate');
}

const sortIds = (ids: string[]): string[] => [...ids].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));

/** Registers the conformance tests for one store. */
export function blobStoreConformance(name: string, create: () => Promise<StoreHarness>, options: ConformanceOptions = {}): void {
  const { propertyRuns = 100, writers = 8, largeBytes = 8 * 1024 * 1024 } = options;

  /** Runs `body` against a fresh store and always disposes of it. */
  const withStore = async (body: (store: BlobStore) => Promise<void>): Promise<void> => {
    const { store, cleanup } = await create();
    try {
      await body(store);
    } finally {
      await cleanup?.();
    }
  };

  describe(`${name}: BlobStore conformance`, () => {
    describe('basic reads and writes', () => {
      test('get of a missing record (and vault) is null', () =>
        withStore(async (store) => {
          expect(await store.get(V, 'nope')).toBeNull();
        }));

      test('put/get round-trips; versions start at 1 and grow by 1', () =>
        withStore(async (store) => {
          expect(await store.put(V, 'r', b('one'))).toEqual({ version: 1 });
          expect(await store.get(V, 'r')).toEqual({ data: b('one'), version: 1 });
          expect(await store.put(V, 'r', b('two'))).toEqual({ version: 2 });
          expect(await store.get(V, 'r')).toEqual({ data: b('two'), version: 2 });
          expect(await store.put(V, 'other', b('x'))).toEqual({ version: 1 });
        }));

      test('empty bytes round-trip', () =>
        withStore(async (store) => {
          await store.put(V, 'empty', new Uint8Array(0));
          const got = await store.get(V, 'empty');
          expect(got?.data).toBeInstanceOf(Uint8Array);
          expect(got).toEqual({ data: new Uint8Array(0), version: 1 });
        }));

      test('the store copies: later mutation of input or output changes nothing stored', () =>
        withStore(async (store) => {
          const input = b('abc');
          await store.put(V, 'r', input);
          input[0] = 0x7a;
          const first = await store.get(V, 'r');
          expect(first?.data).toEqual(b('abc'));
          first?.data.fill(0);
          expect((await store.get(V, 'r'))?.data).toEqual(b('abc'));
        }));

      test('a subarray view stores exactly its bytes; a Buffer is accepted', () =>
        withStore(async (store) => {
          const backing = b('xxHELLOyy');
          await store.put(V, 'view', backing.subarray(2, 7));
          expect((await store.get(V, 'view'))?.data).toEqual(b('HELLO'));
          await store.put(V, 'buf', Buffer.from('node'));
          const got = await store.get(V, 'buf');
          expect(Array.from(got?.data ?? [])).toEqual(Array.from(b('node')));
        }));

      test('vaults are isolated', () =>
        withStore(async (store) => {
          await store.put('A', 'r', b('a'));
          await store.put('a', 'r', b('lower'));
          expect(await store.get('B', 'r')).toBeNull();
          expect((await store.get('A', 'r'))?.data).toEqual(b('a'));
          expect((await store.get('a', 'r'))?.data).toEqual(b('lower'));
          expect((await store.list('B')).items).toEqual([]);
          expect((await store.list('A')).items).toEqual([{ id: 'r', version: 1 }]);
        }));

      test('ids differing only in case are distinct records', () =>
        withStore(async (store) => {
          await store.put(V, 'Note', b('upper'));
          await store.put(V, 'note', b('lower'));
          await store.put(V, 'NOTE', b('caps'));
          expect((await store.get(V, 'Note'))?.data).toEqual(b('upper'));
          expect((await store.get(V, 'note'))?.data).toEqual(b('lower'));
          expect((await store.get(V, 'NOTE'))?.data).toEqual(b('caps'));
          expect((await listAll(store, V)).map((e) => e.id)).toEqual(['NOTE', 'Note', 'note']);
        }));

      test(`large values (${largeBytes} bytes) round-trip`, () =>
        withStore(async (store) => {
          const big = pattern(largeBytes, 42);
          expect(await store.put(V, 'big', big)).toEqual({ version: 1 });
          const got = await store.get(V, 'big');
          expect(got?.version).toBe(1);
          expect(got?.data.length).toBe(largeBytes);
          expect(Buffer.from(got?.data ?? []).equals(Buffer.from(big))).toBe(true);
        }));
    });

    describe('conditional writes', () => {
      test('ifVersion null creates only when absent', () =>
        withStore(async (store) => {
          expect(await store.put(V, 'r', b('first'), { ifVersion: null })).toEqual({ version: 1 });
          await rejects(store.put(V, 'r', b('second'), { ifVersion: null }), 'CONFLICT');
          expect(await store.get(V, 'r')).toEqual({ data: b('first'), version: 1 });
        }));

      test('ifVersion n writes only at version n; stale is CONFLICT and changes nothing', () =>
        withStore(async (store) => {
          await store.put(V, 'r', b('v1'));
          expect(await store.put(V, 'r', b('v2'), { ifVersion: 1 })).toEqual({ version: 2 });
          const err = await rejects(store.put(V, 'r', b('lost'), { ifVersion: 1 }), 'CONFLICT');
          expect(err.message).not.toContain('lost');
          await rejects(store.put(V, 'r', b('future'), { ifVersion: 3 }), 'CONFLICT');
          expect(await store.get(V, 'r')).toEqual({ data: b('v2'), version: 2 });
        }));

      test('ifVersion n on a missing record is CONFLICT', () =>
        withStore(async (store) => {
          await rejects(store.put(V, 'r', b('x'), { ifVersion: 1 }), 'CONFLICT');
          expect(await store.get(V, 'r')).toBeNull();
        }));

      test('unconditional delete removes; deleting a missing record does nothing', () =>
        withStore(async (store) => {
          await store.put(V, 'r', b('x'));
          await store.delete(V, 'r');
          expect(await store.get(V, 'r')).toBeNull();
          await store.delete(V, 'r');
          await store.delete(V, 'never');
          await store.delete('no-such-vault', 'never');
          expect(await store.get(V, 'r')).toBeNull();
        }));

      test('conditional delete: exact version deletes, stale or missing is CONFLICT', () =>
        withStore(async (store) => {
          await store.put(V, 'r', b('x'));
          await store.put(V, 'r', b('y'));
          await rejects(store.delete(V, 'r', { ifVersion: 1 }), 'CONFLICT');
          expect((await store.get(V, 'r'))?.version).toBe(2);
          await store.delete(V, 'r', { ifVersion: 2 });
          expect(await store.get(V, 'r')).toBeNull();
          await rejects(store.delete(V, 'r', { ifVersion: 2 }), 'CONFLICT');
          await rejects(store.delete(V, 'never', { ifVersion: 1 }), 'CONFLICT');
        }));

      test('versions never repeat across delete and re-create', () =>
        withStore(async (store) => {
          await store.put(V, 'r', b('1'));
          await store.put(V, 'r', b('2'));
          await store.delete(V, 'r');
          await rejects(store.put(V, 'r', b('x'), { ifVersion: 2 }), 'CONFLICT');
          expect(await store.put(V, 'r', b('3'), { ifVersion: null })).toEqual({ version: 3 });
          await store.delete(V, 'r', { ifVersion: 3 });
          expect(await store.put(V, 'r', b('4'))).toEqual({ version: 4 });
          expect(await store.get(V, 'r')).toEqual({ data: b('4'), version: 4 });
        }));
    });

    describe('concurrency', () => {
      test(`${writers} concurrent conditional writers: exactly one wins per version`, () =>
        withStore(async (store) => {
          await store.put(V, 'c', b('start'));
          let current = 1;
          for (let round = 0; round < 4; round++) {
            const results = await Promise.allSettled(
              Array.from({ length: writers }, (_, w) => store.put(V, 'c', b(`r${round}w${w}`), { ifVersion: current })),
            );
            const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
            expect(won).toHaveLength(1);
            for (const r of results) {
              if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
              else expect(r.value).toEqual({ version: current + 1 });
            }
            expect(await store.get(V, 'c')).toEqual({ data: b(`r${round}w${won[0] as number}`), version: current + 1 });
            current++;
          }
        }));

      test(`${writers} concurrent creators: exactly one wins`, () =>
        withStore(async (store) => {
          const results = await Promise.allSettled(Array.from({ length: writers }, (_, w) => store.put(V, 'new', b(`w${w}`), { ifVersion: null })));
          const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
          expect(won).toHaveLength(1);
          expect(await store.get(V, 'new')).toEqual({ data: b(`w${won[0] as number}`), version: 1 });
        }));

      test('concurrent unconditional writes each get their own version', () =>
        withStore(async (store) => {
          const results = await Promise.all(Array.from({ length: writers }, (_, w) => store.put(V, 'u', b(`w${w}`))));
          expect(results.map((r) => r.version).sort((x, y) => x - y)).toEqual(Array.from({ length: writers }, (_, i) => i + 1));
          expect((await store.get(V, 'u'))?.version).toBe(writers);
        }));

      test('concurrent conditional deletes: exactly one wins', () =>
        withStore(async (store) => {
          await store.put(V, 'd', b('x'));
          const results = await Promise.allSettled(Array.from({ length: writers }, () => store.delete(V, 'd', { ifVersion: 1 })));
          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          expect(await store.get(V, 'd')).toBeNull();
        }));

      test('read-modify-write counters lose no update', () =>
        withStore(async (store) => {
          const workers = Math.min(writers, 4);
          const increments = 5;
          await store.put(V, 'counter', b('0'));
          const worker = async (): Promise<void> => {
            for (let done = 0; done < increments; ) {
              const current = await store.get(V, 'counter');
              if (current === null) throw new Error('counter vanished');
              const next = Number(new TextDecoder().decode(current.data)) + 1;
              try {
                await store.put(V, 'counter', b(String(next)), { ifVersion: current.version });
                done++;
              } catch (err) {
                expect(err).toMatchObject({ code: 'CONFLICT' });
              }
            }
          };
          await Promise.all(Array.from({ length: workers }, worker));
          const final = await store.get(V, 'counter');
          expect(new TextDecoder().decode(final?.data)).toBe(String(workers * increments));
          expect(final?.version).toBe(1 + workers * increments);
        }));
    });

    describe('list', () => {
      test('an unknown or empty vault lists nothing', () =>
        withStore(async (store) => {
          expect(await store.list('empty')).toEqual({ items: [] });
          await store.put(V, 'r', b('x'));
          await store.delete(V, 'r');
          expect(await store.list(V)).toEqual({ items: [] });
        }));

      test('orders by id (code units), pages exactly once, skips deleted records', () =>
        withStore(async (store) => {
          const ids = ['b', 'B', 'a', '_', '-', '.x', '0', 'a.b', 'a-b', 'a_b', 'zz', 'Z', '9', 'x'.repeat(MAX_NAME_LENGTH)];
          for (const [i, id] of ids.entries()) await store.put(V, id, b(`d${i}`));
          await store.put(V, 'a', b('again'));
          await store.put(V, 'gone', b('x'));
          await store.delete(V, 'gone');
          const expected = sortIds(ids).map((id) => ({ id, version: id === 'a' ? 2 : 1 }));
          for (const limit of [1, 2, 3, 5, ids.length - 1, ids.length, ids.length + 1, MAX_LIST_LIMIT]) {
            expect(await listAll(store, V, limit)).toEqual(expected);
          }
          expect(await listAll(store, V)).toEqual(expected);
        }));

      test('after is exclusive and need not be an existing id; last page has no next', () =>
        withStore(async (store) => {
          for (const id of ['a', 'c', 'e', 'g']) await store.put(V, id, b(id));
          expect((await store.list(V, { after: 'c' })).items.map((e) => e.id)).toEqual(['e', 'g']);
          expect((await store.list(V, { after: 'b' })).items.map((e) => e.id)).toEqual(['c', 'e', 'g']);
          expect(await store.list(V, { after: 'g' })).toEqual({ items: [] });
          const page = await store.list(V, { limit: 2 });
          expect(page).toEqual({ items: [{ id: 'a', version: 1 }, { id: 'c', version: 1 }], next: 'c' });
          expect(await store.list(V, { after: 'c', limit: 2 })).toEqual({ items: [{ id: 'e', version: 1 }, { id: 'g', version: 1 }] });
        }));

      test('a page full of deleted records still reaches the live ones', () =>
        withStore(async (store) => {
          for (let i = 0; i < 12; i++) await store.put(V, `k${String(i).padStart(2, '0')}`, b('x'));
          for (let i = 0; i < 10; i++) await store.delete(V, `k${String(i).padStart(2, '0')}`);
          expect(await listAll(store, V, 3)).toEqual([{ id: 'k10', version: 1 }, { id: 'k11', version: 1 }]);
        }));
    });

    describe('validation', () => {
      const badNames: unknown[] = ['', '.', '..', 'a/b', '../x', 'a b', 'a\\b', 'é', 'a%2F', 'a?b', 'a#b', 'a\0b', 'x'.repeat(MAX_NAME_LENGTH + 1), 42, null, undefined, ['a']];

      test('bad vault names are INVALID_INPUT naming "vault", never echoing the value', () =>
        withStore(async (store) => {
          for (const bad of badNames) {
            const vault = bad as string;
            for (const call of [
              () => store.get(vault, 'r'),
              () => store.put(vault, 'r', b('x')),
              () => store.delete(vault, 'r'),
              () => store.list(vault),
            ]) {
              const err = await rejects(call(), 'INVALID_INPUT');
              expect(err.message).toMatch(/^vault /);
              if (typeof bad === 'string' && bad.length > 2) expect(err.message).not.toContain(bad);
            }
          }
        }));

      test('bad ids and cursors are INVALID_INPUT naming "id" / "after"', () =>
        withStore(async (store) => {
          for (const bad of badNames) {
            const id = bad as string;
            for (const call of [() => store.get(V, id), () => store.put(V, id, b('x')), () => store.delete(V, id)]) {
              expect((await rejects(call(), 'INVALID_INPUT')).message).toMatch(/^id /);
            }
            if (bad !== undefined) expect((await rejects(store.list(V, { after: id }), 'INVALID_INPUT')).message).toMatch(/^after /);
          }
          expect(await store.list(V)).toEqual({ items: [] });
        }));

      test('names at the limits are accepted', () =>
        withStore(async (store) => {
          const long = 'A'.repeat(MAX_NAME_LENGTH);
          const all = 'AZaz09._-';
          for (const [vault, id] of [[long, long], [all, all], ['...', '...'], ['.hidden', '-dash'], ['a..b', '_']] as const) {
            expect(await store.put(vault, id, b('x'))).toEqual({ version: 1 });
            expect((await store.get(vault, id))?.data).toEqual(b('x'));
            expect((await store.list(vault)).items).toEqual([{ id, version: 1 }]);
          }
        }));

      test('bad data and options are INVALID_INPUT', () =>
        withStore(async (store) => {
          for (const data of ['text', [1, 2], new Uint16Array(2), new ArrayBuffer(2), null, undefined]) {
            expect((await rejects(store.put(V, 'r', data as unknown as Uint8Array), 'INVALID_INPUT')).message).toMatch(/^data /);
          }
          for (const ifVersion of [0, -1, 1.5, '1', Number.MAX_SAFE_INTEGER + 1, Number.NaN, true]) {
            expect((await rejects(store.put(V, 'r', b('x'), { ifVersion: ifVersion as number }), 'INVALID_INPUT')).message).toMatch(/^ifVersion /);
            expect((await rejects(store.delete(V, 'r', { ifVersion: ifVersion as number }), 'INVALID_INPUT')).message).toMatch(/^ifVersion /);
          }
          await rejects(store.delete(V, 'r', { ifVersion: null as unknown as number }), 'INVALID_INPUT');
          for (const limit of [0, -1, 1.5, MAX_LIST_LIMIT + 1, '10']) {
            expect((await rejects(store.list(V, { limit: limit as number }), 'INVALID_INPUT')).message).toMatch(/^limit /);
          }
          await rejects(store.put(V, 'r', b('x'), 'opts' as never), 'INVALID_INPUT');
          expect(await store.get(V, 'r')).toBeNull();
        }));
    });

    describe('batches', () => {
      test('getMany returns one result per id, in order', () =>
        withStore(async (store) => {
          if (store.getMany === undefined) return;
          await store.put(V, 'a', b('A'));
          await store.put(V, 'c', b('C'));
          await store.put(V, 'c', b('C2'));
          expect(await store.getMany(V, ['c', 'missing', 'a', 'c'])).toEqual([
            { data: b('C2'), version: 2 },
            null,
            { data: b('A'), version: 1 },
            { data: b('C2'), version: 2 },
          ]);
          expect(await store.getMany(V, [])).toEqual([]);
          await rejects(store.getMany(V, ['ok', '..']), 'INVALID_INPUT');
        }));

      test('putMany writes in order; a conflict or bad entry writes nothing', () =>
        withStore(async (store) => {
          if (store.putMany === undefined) return;
          await store.put(V, 'x', b('x1'));
          expect(await store.putMany(V, [{ id: 'x', data: b('x2'), ifVersion: 1 }, { id: 'y', data: b('y1'), ifVersion: null }, { id: 'z', data: b('z1') }])).toEqual([
            { version: 2 },
            { version: 1 },
            { version: 1 },
          ]);
          await rejects(store.putMany(V, [{ id: 'w', data: b('w') }, { id: 'x', data: b('stale'), ifVersion: 1 }]), 'CONFLICT');
          expect(await store.get(V, 'w')).toBeNull();
          await rejects(store.putMany(V, [{ id: 'w', data: b('w') }, { id: 'w', data: b('again') }]), 'INVALID_INPUT');
          await rejects(store.putMany(V, [{ id: 'w', data: b('w') }, { id: '..', data: b('bad') }]), 'INVALID_INPUT');
          expect(await store.get(V, 'w')).toBeNull();
          expect(await store.getMany?.(V, ['x', 'y', 'z'])).toEqual([
            { data: b('x2'), version: 2 },
            { data: b('y1'), version: 1 },
            { data: b('z1'), version: 1 },
          ]);
          expect(await store.putMany(V, [])).toEqual([]);
        }));
    });

    test('model-based: random operation sequences match a simple model', async () => {
      type Cond = 'none' | 'absent' | 'current' | 'stale';
      type Op =
        | { kind: 'put'; id: string; data: Uint8Array; cond: Cond }
        | { kind: 'delete'; id: string; cond: Exclude<Cond, 'absent'> }
        | { kind: 'get'; id: string }
        | { kind: 'list'; limit: number };
      const id = fc.constantFrom('a', 'B', 'b', 'c.d', 'z_9', '-x');
      const op: fc.Arbitrary<Op> = fc.oneof(
        { weight: 4, arbitrary: fc.record({ kind: fc.constant('put' as const), id, data: fc.uint8Array({ maxLength: 48 }), cond: fc.constantFrom<Cond>('none', 'absent', 'current', 'stale') }) },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), id, cond: fc.constantFrom<Exclude<Cond, 'absent'>>('none', 'current', 'stale') }) },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), id }) },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('list' as const), limit: fc.integer({ min: 1, max: 4 }) }) },
      );

      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
          await withStore(async (store) => {
            // The model: every id's last version, and its bytes while live.
            const model = new Map<string, { version: number; data: Uint8Array | null }>();
            const liveVersion = (key: string): number | undefined => {
              const slot = model.get(key);
              return slot === undefined || slot.data === null ? undefined : slot.version;
            };
            /** The precondition to send, and whether the model says it holds. */
            const condition = (key: string, cond: Cond): { ifVersion?: number | null; holds: boolean } => {
              const live = liveVersion(key);
              if (cond === 'none') return { holds: true };
              if (cond === 'absent') return { ifVersion: null, holds: live === undefined };
              if (cond === 'current') return { ifVersion: live ?? (model.get(key)?.version ?? 0) + 1, holds: live !== undefined };
              const stale = live === undefined ? (model.get(key)?.version ?? 0) + 1 : live > 1 ? live - 1 : live + 1;
              return { ifVersion: stale, holds: false };
            };
            for (const o of ops) {
              if (o.kind === 'put') {
                const { ifVersion, holds } = condition(o.id, o.cond);
                const call = store.put(V, o.id, o.data, ifVersion === undefined ? {} : { ifVersion });
                if (holds) {
                  const version = (model.get(o.id)?.version ?? 0) + 1;
                  expect(await call).toEqual({ version });
                  model.set(o.id, { version, data: new Uint8Array(o.data) });
                } else {
                  await rejects(call, 'CONFLICT');
                }
              } else if (o.kind === 'delete') {
                const { ifVersion, holds } = condition(o.id, o.cond);
                const call = store.delete(V, o.id, typeof ifVersion === 'number' ? { ifVersion } : {});
                if (holds) {
                  await call;
                  const slot = model.get(o.id);
                  if (slot !== undefined) slot.data = null;
                } else {
                  await rejects(call, 'CONFLICT');
                }
              } else if (o.kind === 'get') {
                const slot = model.get(o.id);
                expect(await store.get(V, o.id)).toEqual(slot === undefined || slot.data === null ? null : { data: slot.data, version: slot.version });
              } else {
                const expected = sortIds([...model.keys()].filter((k) => liveVersion(k) !== undefined)).map((k) => ({ id: k, version: liveVersion(k) }));
                expect(await listAll(store, V, o.limit)).toEqual(expected);
              }
            }
          });
        }),
        { numRuns: propertyRuns },
      );
    });
  });
}
