/**
 * The blind-index planner (`docs/documents.md`, "The planner"): token
 * lengths from the expected row count, by CipherSweet's coincidence rule.
 * A row's tokens together must still match at least two rows on average:
 * `expectedRows / 2^(sum of bits) >= 2`, so the server cannot tell single
 * rows apart by their tokens. The budget `floor(log2(expectedRows / 2))`
 * bits is shared evenly by the indexes that do not fix their `bits`;
 * a configuration over budget is refused unless a field insists
 * (`identifying: true`).
 *
 * @module
 */
import { ZeroVaultError } from '../../errors.js';
import type { CheckedSchema } from './schema.js';
import type { IndexPlan } from './types.js';

/**
 * Plans the token length of every index of the current schema version.
 * @throws `INVALID_INPUT` when `expectedRows` is missing, too small for the
 *   indexes, or fixed `bits` exceed the budget without `identifying: true`
 */
export function planIndexes(schema: CheckedSchema): IndexPlan[] {
  const indexed = [...schema.current.leaves.values()].flatMap((leaf) => (leaf.kind === 'encrypt' && leaf.index !== undefined ? [leaf] : []));
  if (indexed.length === 0) return [];
  const rows = schema.expectedRows;
  if (rows === undefined) throw new ZeroVaultError('INVALID_INPUT', 'schema.expectedRows is required when a field is indexed (the planner sizes tokens from it)');
  const budget = rows < 2 ? 0 : Math.floor(Math.log2(rows / 2));
  const fixed = indexed.reduce((sum, leaf) => sum + (leaf.bits ?? 0), 0);
  const free = indexed.filter((leaf) => leaf.bits === undefined).length;
  const share = free === 0 ? 0 : Math.floor((budget - fixed) / free);
  if (free > 0 && share < 1) throw new ZeroVaultError('INVALID_INPUT', 'schema.expectedRows is too small for this many blind indexes (each token would identify rows)');
  const plans = indexed.map((leaf) => ({ field: leaf.field, kind: leaf.index as IndexPlan['kind'], bits: leaf.bits ?? share }));
  const total = plans.reduce((sum, p) => sum + p.bits, 0);
  if (total > budget && !indexed.some((leaf) => leaf.identifying)) {
    throw new ZeroVaultError('INVALID_INPUT', 'the blind indexes are longer than the planner allows for schema.expectedRows: tokens would identify rows (set identifying: true to insist)');
  }
  const coincidences = rows / 2 ** total;
  return plans.map((p) => ({ ...p, coincidences }));
}
