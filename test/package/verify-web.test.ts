/**
 * The browser and edge build of `zerovault/verify` (src/verify-web.ts)
 * declares the Node-only replay stores with the Node types, so one
 * declaration fits every `moduleResolution`; calling one is `UNSUPPORTED`,
 * never a crash on a missing driver.
 */
import { expect, test } from 'vitest';
import * as edgeVerify from '../../src/verify/index.js';
import * as nodeVerify from '../../src/verify.js';
import * as webVerify from '../../src/verify-web.js';
import { isZeroVaultError } from '../../src/errors.js';

test('the web verify entry exports the same names as the node one', () => {
  expect(Object.keys(webVerify).sort()).toEqual(Object.keys(nodeVerify).sort());
});

const nodeOnly = Object.keys(webVerify).filter((name) => !(name in edgeVerify));

test('two replay stores are Node only', () => {
  expect(nodeOnly.sort()).toEqual(['postgresReplayStore', 'sqliteReplayStore']);
});

test.each(nodeOnly)('%s throws UNSUPPORTED in the web build', (name) => {
  const store = (webVerify as Record<string, unknown>)[name];
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
