/**
 * `npm run example:existing:before` / `npm run example:existing:after`: the
 * todo app in its plain form or with zerovault (see docs/adopting.md), on
 * http://127.0.0.1:5174 (`PORT` to change it), its SQLite file in a
 * temporary folder removed on exit. Imports the built package, as an app
 * would.
 *
 * The zerovault setup comes from `ZEROVAULT_SETUP` (the text
 * `serverSetupToText(createServerSetup())` prints, created once per
 * deployment); without it, a fresh one per run, which is fine here since
 * the database does not outlive the process either.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServerSetup, serverSetupFromText } from 'zerovault/server';
import { createApp as createAfter } from './after/app.js';
import { createApp as createBefore } from './before/app.js';
import { buildPage, type Variant } from './build.js';

const variant = process.argv[2] as Variant | undefined;
if (variant !== 'before' && variant !== 'after') {
  console.error('usage: tsx examples/existing-app/run.ts before|after');
  process.exit(2);
}
const port = Number(process.env.PORT ?? 5174);
const dir = mkdtempSync(join(tmpdir(), 'zerovault-todos-'));
const dbPath = join(dir, 'todos.db');
const script = await buildPage(variant);
const setup = process.env.ZEROVAULT_SETUP === undefined ? createServerSetup() : serverSetupFromText(process.env.ZEROVAULT_SETUP);
const app = variant === 'before' ? await createBefore({ dbPath, script }) : await createAfter({ dbPath, script, setup });

// Loopback only: this is an example, not a deployment.
const http = createHttpServer(app.handler);
http.listen(port, '127.0.0.1', () => {
  console.log(`Todos (${variant}): http://127.0.0.1:${port}  (Ctrl+C to stop; data is deleted on exit)`);
});

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  http.close();
  http.closeAllConnections();
  void app.close().finally(() => {
    rmSync(dir, { recursive: true, force: true });
    process.exit();
  });
};
http.on('error', (err) => {
  console.error(`Cannot listen on 127.0.0.1:${port}: ${err.message}`);
  process.exitCode = 1;
  stop();
});
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
