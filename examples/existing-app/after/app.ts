/**
 * The todo app: an Express server with its own SQLite database, zerovault
 * for accounts (mounted at `/zv`, on the same file), a JSON API (`todos.ts`)
 * that verifies every request, and one web page.
 */
import { readFileSync } from 'node:fs';
import express from 'express';
import { createServer, sqliteServerStore } from 'zerovault/server';
import { createVerifier, sqliteReplayStore, type VerifiedRequest } from 'zerovault/verify';
import { openDatabase } from './db.js';
import { todos } from './todos.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the way to add a field to Express's Request
  namespace Express {
    interface Request {
      /** Who called, set by the verifier on `/api`. */
      zerovault?: VerifiedRequest;
    }
  }
}

/** Options for {@link createApp}. */
export interface AppOptions {
  /** The SQLite file. */
  dbPath: string;
  /** The page's script, bundled for the browser (`../build.ts`). */
  script: string;
  /** The zerovault server setup, created once per deployment and kept secret, outside the database. */
  setup: Uint8Array;
}

/** The app, and how to release its database. */
export interface App {
  handler: express.Express;
  close(): Promise<void>;
}

/** Builds the app on its database. */
export async function createApp(options: AppOptions): Promise<App> {
  const db = openDatabase(options.dbPath);
  const html = readFileSync(new URL('index.html', import.meta.url), 'utf8');
  // Accounts, sessions and token keys: zerovault's tables (zv_*) in the same file.
  const store = sqliteServerStore({ path: options.dbPath });
  const zv = createServer({ setup: options.setup, store });
  // Same process: take the token keys from the server itself, not over the network.
  const jwks = (await (await zv.fetch(new Request('http://localhost/.well-known/jwks.json'))).json()) as { keys: JsonWebKey[] };
  // Every /api request: access token + DPoP proof, its proof id burned in this database (zv_replay).
  const verifier = createVerifier({ issuer: 'zerovault', audience: 'zerovault', jwks, replayStore: sqliteReplayStore({ database: db }) });

  const app = express();
  app.use('/zv', zv.node()); // before the body parser: zerovault reads its bodies raw
  app.use(express.json());
  app.use('/api', verifier.node());
  app.use('/api/todos', todos(db));
  app.get('/', (_req, res) => void res.type('html').send(html));
  app.get('/page.js', (_req, res) => void res.type('js').send(options.script));

  return {
    handler: app,
    close: async () => {
      await store.close();
      db.close();
    },
  };
}
