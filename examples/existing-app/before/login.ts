/**
 * The app's own login: WHAT ZEROVAULT REPLACES (this whole file goes away in
 * `../after`). It is the usual home-made kind:
 *
 * - the password travels to this server, which hashes it (scrypt) and keeps
 *   the hash: anyone holding the database can try guesses offline;
 * - a session is a random id in a cookie; whoever copies the cookie is the
 *   user until it expires, from any device, and the browser sends it with
 *   requests other sites trigger (SameSite=Lax is the only CSRF guard);
 * - the cookie is checked against this database on every API call.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type Database from 'better-sqlite3';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the way to add a field to Express's Request
  namespace Express {
    interface Request {
      /** The signed-in user, set by {@link requireUser}. */
      user?: string;
    }
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, salt BLOB NOT NULL, hash BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL, expires_at INTEGER NOT NULL);
`;
const COOKIE = 'sid';
const SESSION_MS = 7 * 24 * 60 * 60 * 1000;

function hash(password: string, salt: Buffer): Buffer {
  return scryptSync(password, salt, 32);
}

function sessionId(cookieHeader: string | undefined): string | undefined {
  return /(?:^|;\s*)sid=([A-Za-z0-9_-]+)/.exec(cookieHeader ?? '')?.[1];
}

/** `POST /register`, `POST /login`, `POST /logout`: username and password in, a session cookie out. */
export function login(db: Database.Database): Router {
  db.exec(SCHEMA);
  const router = Router();
  const startSession = (name: string): string => {
    const id = randomBytes(24).toString('base64url');
    db.prepare('INSERT INTO sessions (id, name, expires_at) VALUES (?, ?, ?)').run(id, name, Date.now() + SESSION_MS);
    return `${COOKIE}=${id}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${SESSION_MS / 1000}`;
  };
  const credentials = (body: unknown): { name: string; password: string } | null => {
    const { username, password } = (body ?? {}) as { username?: unknown; password?: unknown };
    return typeof username === 'string' && username.length > 0 && typeof password === 'string' && password.length >= 8 ? { name: username, password } : null;
  };

  router.post('/register', (req, res) => {
    const given = credentials(req.body);
    if (given === null) return void res.status(400).json({ error: 'username and a password of 8+ characters' });
    const salt = randomBytes(16);
    const { changes } = db.prepare('INSERT OR IGNORE INTO users (name, salt, hash) VALUES (?, ?, ?)').run(given.name, salt, hash(given.password, salt));
    if (changes === 0) return void res.status(409).json({ error: 'name taken' });
    res.setHeader('set-cookie', startSession(given.name)).status(201).json({ user: given.name });
  });

  router.post('/login', (req, res) => {
    const given = credentials(req.body);
    const user = given === null ? undefined : db.prepare<[string], { salt: Buffer; hash: Buffer }>('SELECT salt, hash FROM users WHERE name = ?').get(given.name);
    if (given === null || user === undefined || !timingSafeEqual(hash(given.password, user.salt), user.hash)) {
      return void res.status(401).json({ error: 'wrong username or password' });
    }
    res.setHeader('set-cookie', startSession(given.name)).json({ user: given.name });
  });

  router.post('/logout', (req, res) => {
    db.prepare('DELETE FROM sessions WHERE id = ?').run(sessionId(req.headers.cookie) ?? '');
    res.setHeader('set-cookie', `${COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`).status(204).end();
  });

  return router;
}

/** Middleware: sets `req.user` from the session cookie, or answers 401. */
export function requireUser(db: Database.Database): RequestHandler {
  return (req, res, next) => {
    const row = db.prepare<[string, number], { name: string }>('SELECT name FROM sessions WHERE id = ? AND expires_at > ?').get(sessionId(req.headers.cookie) ?? '', Date.now());
    if (row === undefined) return void res.status(401).json({ error: 'sign in first' });
    req.user = row.name;
    next();
  };
}
