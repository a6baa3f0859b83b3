/**
 * The browser and edge build of `zerovault/server` (src/server-web.ts)
 * declares the Node-only stores with the Node types, so one declaration fits
 * every `moduleResolution`; calling one is `UNSUPPORTED`, never a crash on a
 * missing driver.
 */
import { expect, test } from 'vitest';
import * as edgeServer from '../../src/server/index.js';
import * as nodeServer from '../../src/server/index-node.js';
import * as webServer from '../../src/server-web.js';
import { isZeroVaultError } from '../../src/errors.js';

test('the web server entry exports the same names as the node one', () => {
  expect(Object.keys(webServer).sort()).toEqual(Object.keys(nodeServer).sort());
});

const nodeOnly = Object.keys(webServer).filter((name) => !(name in edgeServer));

test('two stores are Node only', () => {
  expect(nodeOnly).toHaveLength(2);
});

test.each(nodeOnly)('%s throws UNSUPPORTED in the web build', (name) => {
  const store = (webServer as Record<string, unknown>)[name];
  expect(typeof store).toBe('function');
  let caught: unknown;
  try {
    (store as (options: unknown) => unknown)({ path: 'x', connectionString: 'postgres://user:secret@host/db' });
  } catch (err) {
    caught = err;
  }
  expect(isZeroVaultError(caught) && caught.code === 'UNSUPPORTED').toBe(true);
  expect(String((caught as Error).message)).not.toContain('secret');
});
