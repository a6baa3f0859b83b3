/**
 * Where a client keeps remembered devices: `deviceDir` first, then an
 * `fsStore`'s folder, then IndexedDB where the platform has it, else none;
 * decided without loading the device code.
 */
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, expect, test } from 'vitest';
import { devicePlaceOf } from '../../../src/client/account/device-place.js';
import { memoryStore } from '../../../src/store/memory.js';
import { fsStore } from '../../../src/store/fs.js';

afterEach(() => {
  Reflect.deleteProperty(globalThis, 'indexedDB');
});

test('deviceDir, then the fsStore folder, then IndexedDB, then none', () => {
  const fs = fsStore({ dir: '/tmp/zv-place-test' });
  expect(devicePlaceOf('/srv/devices', fs)).toEqual({ kind: 'dir', dir: '/srv/devices' });
  expect(devicePlaceOf(undefined, fs)).toEqual({ kind: 'dir', dir: fs.localDir });
  expect(devicePlaceOf(undefined, memoryStore())).toEqual({ kind: 'none' });
  expect(devicePlaceOf(undefined, undefined)).toEqual({ kind: 'none' });
  Object.assign(globalThis, { indexedDB: new IDBFactory() });
  expect(devicePlaceOf(undefined, undefined)).toEqual({ kind: 'indexeddb' });
  expect(devicePlaceOf(undefined, fs)).toEqual({ kind: 'dir', dir: fs.localDir });
});

test('a malformed deviceDir is INVALID_INPUT', () => {
  for (const bad of ['', 42, null, 'a\u0000b']) expect(() => devicePlaceOf(bad, undefined)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
});
