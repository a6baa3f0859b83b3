/**
 * Records what the `pg` driver sends: each query's statement name (when
 * named) and text, from every client, until `stop()` puts the driver back.
 */
import pg from 'pg';

/** One query as sent: `name` only for a named (prepared) statement. */
export interface SentQuery {
  readonly name?: string;
  readonly text: string;
}

/** Starts recording; `stop()` restores `pg.Client.prototype.query` (safe to call twice). */
export function recordQueries(): { queries: SentQuery[]; stop: () => void } {
  const queries: SentQuery[] = [];
  const prototype = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = Object.getOwnPropertyDescriptor(prototype, 'query') as PropertyDescriptor;
  const query = original.value as (...args: unknown[]) => unknown;
  prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { name?: string; text: string };
    queries.push(typeof config === 'string' ? { text: config } : { ...(config.name === undefined ? {} : { name: config.name }), text: config.text });
    return query.apply(this, args);
  };
  return { queries, stop: () => void Object.defineProperty(prototype, 'query', original) };
}
