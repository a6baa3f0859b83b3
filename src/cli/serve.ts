/**
 * `zerovault serve`: the reference server on SQLite. The OPAQUE server setup
 * comes from `ZEROVAULT_SETUP` (text from `serverSetupToText`), or is
 * created once and kept in `<db>.setup` (mode 0600) beside the database.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, createServerSetup, serverSetupFromText, serverSetupToText, sqliteServerStore } from '../server/index-node.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  port: number;
  host: string;
  db: string;
  basePath: string;
}

async function loadSetup(db: string): Promise<Uint8Array> {
  const fromEnv = process.env.ZEROVAULT_SETUP;
  if (fromEnv !== undefined && fromEnv !== '') return serverSetupFromText(fromEnv);
  const path = `${db}.setup`;
  try {
    return serverSetupFromText(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
    const setup = createServerSetup();
    await writeFile(path, `${serverSetupToText(setup)}\n`, { mode: 0o600, flag: 'wx' });
    process.stderr.write(`created a new server setup in ${path}; keep it secret and back it up\n`);
    return setup;
  }
}

/** Runs the server until SIGINT/SIGTERM. */
export async function serve(options: ServeOptions): Promise<void> {
  const store = sqliteServerStore({ path: options.db });
  const zv = createServer({ setup: await loadSetup(options.db), store, basePath: options.basePath });
  zv.on('*', (event) => process.stderr.write(`${new Date(event.at).toISOString()} ${event.type}${event.reason ? ` ${event.reason}` : ''}${event.userId ? ` user=${event.userId}` : ''}${event.address ? ` from=${event.address}` : ''}\n`));
  const http = createHttpServer(zv.node());
  await new Promise<void>((resolve) => http.listen(options.port, options.host, resolve));
  const address = http.address() as AddressInfo;
  process.stderr.write(`zerovault listening on http://${address.address}:${address.port}${options.basePath}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      http.close(() => resolve());
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await store.close();
}
