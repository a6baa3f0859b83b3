/**
 * `npm run example:web`: the encrypted-notes page with the reference
 * zerovault server on http://localhost:5173 (`PORT` to change it), SQLite in
 * a temporary folder that is removed on exit. Imports the built package, as
 * an app would, and bundles the page against its web build.
 *
 * Passkeys are on for that origin: WebAuthn takes a domain as relying-party
 * id, never an IP address, so open the page as `localhost`, not 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, createServerSetup, normalizeUserId, sqliteServerStore } from 'zerovault/server';
import { buildApp, buildKsfWorker } from './build.js';
import { notesHandler } from './host.js';

const port = Number(process.env.PORT ?? 5173);
const dir = mkdtempSync(join(tmpdir(), 'zerovault-notes-'));
const store = sqliteServerStore({ path: join(dir, 'zerovault.db') });
// A fresh server setup each run: accounts live as long as the process.
const origin = `http://localhost:${port}`;
const zv = createServer({ setup: createServerSetup(), store, basePath: '/zv', passkeys: { rpId: 'localhost', origins: [origin], rpName: 'Vault Notes' } });
zv.on('*', (event) => console.log(`[server] ${event.type}${event.reason === undefined ? '' : ` (${event.reason})`}${event.userId === undefined ? '' : ` ${event.userId}`}`));

const [script, ksfWorker] = await Promise.all([buildApp(), buildKsfWorker()]);
const http = createHttpServer(notesHandler({ zeroVault: zv.node(), store, normalizeUserId, script, ksfWorker }));
http.listen(port, '127.0.0.1', () => {
  console.log(`Encrypted notes: ${origin}  (Ctrl+C to stop; data is deleted on exit)`);
});

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  http.close();
  http.closeAllConnections();
  void store.close().finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
