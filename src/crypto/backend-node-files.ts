/**
 * {@link PrivateFiles} on `node:fs`, part of the Node backend: the files a
 * remembered device keeps (`client/devices/local-files.ts`).
 *
 * A write is atomic and durable: a temporary file in the same folder
 * (created exclusively, mode 0600), fsync, rename over the target, fsync of
 * the folder. A crash leaves the old file or the new one, at worst a stray
 * `.tmp-*` file, which {@link PrivateFiles.list} skips. Mode 0600 is set
 * at creation (a umask can only narrow it) and again before the rename, so
 * the file is never readable by others, not even for a moment.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ZeroVaultError } from '../errors.js';
import type { PrivateFiles } from './backend.js';

const NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) throw new ZeroVaultError('INVALID_INPUT', 'file name must be a plain name');
}

function checkDir(dir: string): void {
  if (typeof dir !== 'string' || dir.length === 0 || dir.includes('\u0000')) throw new ZeroVaultError('INVALID_INPUT', 'dir must be a non-empty string');
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: unknown }).code as string);
}

function storage(operation: string, cause: unknown): ZeroVaultError {
  return cause instanceof ZeroVaultError ? cause : new ZeroVaultError('STORAGE', `file system ${operation} failed`, { cause });
}

/** fsync of a folder, so a rename in it is durable (not possible on every platform: skipped there). */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (err) {
    if (isErrno(err, 'EISDIR', 'EPERM', 'EACCES')) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    if (!isErrno(err, 'EINVAL', 'EPERM', 'EBADF')) throw err;
  } finally {
    await handle.close();
  }
}

/** The Node implementation (see the module comment). */
export const nodePrivateFiles: PrivateFiles = Object.freeze({
  async read(dir: string, name: string): Promise<Uint8Array | null> {
    checkDir(dir);
    checkName(name);
    try {
      const data = await readFile(join(dir, name));
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null;
      throw storage('read', err);
    }
  },

  async write(dir: string, name: string, data: Uint8Array): Promise<void> {
    checkDir(dir);
    checkName(name);
    const temp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const handle = await open(temp, 'wx', 0o600);
      try {
        let offset = 0;
        while (offset < data.length) offset += (await handle.write(data, offset, data.length - offset)).bytesWritten;
        await handle.sync();
      } finally {
        await handle.close();
      }
      await chmod(temp, 0o600);
      await rename(temp, join(dir, name));
      await syncDir(dir);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw storage('write', err);
    }
  },

  async remove(dir: string, name: string): Promise<void> {
    checkDir(dir);
    checkName(name);
    try {
      await unlink(join(dir, name));
      await syncDir(dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return;
      throw storage('delete', err);
    }
  },

  async list(dir: string): Promise<string[]> {
    checkDir(dir);
    try {
      return (await readdir(dir)).filter((name) => NAME.test(name));
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return [];
      throw storage('list', err);
    }
  },
});
