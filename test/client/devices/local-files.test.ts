/**
 * Remembered devices in a Node folder: 0600 files written atomically
 * (no temporary file left), one per (server, user) under a hashed name,
 * a corrupted or copied file never reads as a device, and a write that
 * fails leaves the old file.
 */
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { localDevices, type RememberedDevice } from '../../../src/client/devices/local.js';
import { nameFromUserAgent } from '../../../src/client/devices/name.js';
import { toBase64url } from '../../../src/crypto/bytes.js';
import { randomBytes } from '../../../src/crypto/random.js';

const SERVER = 'https://api.example.com/zv';
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'zerovault-local-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function device(userId: string): RememberedDevice {
  return { userId, deviceId: toBase64url(randomBytes(16)), secret: randomBytes(32), rootCheck: randomBytes(32) };
}

describe('device folder', () => {
  test('0600 files, no user id in the name, nothing left behind', async () => {
    const dir = join(tempDir(), 'nested');
    const store = await localDevices(SERVER, { kind: 'dir', dir });
    const d = device('alice@example.com');
    await store.save(d);
    const names = readdirSync(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^zerovault-device-[0-9a-f]{32}\.json$/);
    if (process.platform !== 'win32') {
      expect(statSync(join(dir, names[0] as string)).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o077).toBe(0);
    }
    expect(await store.load('alice@example.com')).toEqual(d);
    // Touching rewrites atomically and keeps the mode.
    await store.touch('alice@example.com', d.deviceId);
    expect(readdirSync(dir)).toEqual(names);
    if (process.platform !== 'win32') expect(statSync(join(dir, names[0] as string)).mode & 0o777).toBe(0o600);
  });

  test('a corrupted file is dropped; a file copied under another name is no device', async () => {
    const dir = tempDir();
    const store = await localDevices(SERVER, { kind: 'dir', dir });
    await store.save(device('alice@example.com'));
    const [name] = readdirSync(dir) as [string];
    const text = readFileSync(join(dir, name), 'utf8');
    copyFileSync(join(dir, name), join(dir, 'zerovault-device-00000000000000000000000000000000.json'));
    expect((await store.load(undefined))?.userId).toBe('alice@example.com');
    const entry = JSON.parse(text) as { wrapped: string };
    const flipped = { ...JSON.parse(text), wrapped: `${entry.wrapped.slice(0, 20)}${entry.wrapped[20] === 'A' ? 'B' : 'A'}${entry.wrapped.slice(21)}` } as object;
    writeFileSync(join(dir, name), JSON.stringify(flipped));
    expect(await store.load('alice@example.com')).toBeNull();
    expect(readdirSync(dir)).not.toContain(name);
    writeFileSync(join(dir, name), 'not json');
    expect(await store.load('alice@example.com')).toBeNull();
  });

  test('a failed write is STORAGE and leaves the old file', async () => {
    if (process.platform === 'win32' || process.getuid?.() === 0) return;
    const dir = tempDir();
    const store = await localDevices(SERVER, { kind: 'dir', dir });
    const d = device('alice@example.com');
    await store.save(d);
    chmodSync(dir, 0o500);
    try {
      await expect(store.save(device('alice@example.com'))).rejects.toMatchObject({ code: 'STORAGE' });
    } finally {
      chmodSync(dir, 0o700);
    }
    expect(await store.load('alice@example.com')).toEqual(d);
  });
});

describe('default device names', () => {
  test.each([
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', 'Chrome on Linux'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox on Windows'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', 'Safari on macOS'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0', 'Edge on Windows'],
    ['Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36', 'Chrome on Android'],
    ['curl/8.0', 'Browser'],
  ])('%s', (ua, name) => {
    expect(nameFromUserAgent(ua)).toBe(name);
  });
});
