/**
 * The todo app: an Express server with its own SQLite database, its own
 * accounts (`login.ts`), a JSON API (`todos.ts`) and one web page.
 */
import { readFileSync } from 'node:fs';
import express from 'express';
import { openDatabase } from './db.js';
import { login, requireUser } from './login.js';
import { todos } from './todos.js';

/** Options for {@link createApp}. */
export interface AppOptions {
  /** The SQLite file. */
  dbPath: string;
  /** The page's script, bundled for the browser (`../build.ts`). */
  script: string;
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

  const app = express();
  app.use(express.json());
  app.use(login(db));
  app.use('/api', requireUser(db));
  app.get('/api/me', (req, res) => void res.json({ user: req.user }));
  app.use('/api/todos', todos(db));
  app.get('/', (_req, res) => void res.type('html').send(html));
  app.get('/page.js', (_req, res) => void res.type('js').send(options.script));

  return {
    handler: app,
    close: async () => {
      db.close();
    },
  };
}
