/**
 * The app's own database: one SQLite file, one table of todos. Each todo
 * belongs to an `owner`, the name of the user who wrote it. Titles and
 * notes arrive encrypted by the page (`zv1.` values, `zv` the document
 * MAC); `todo_words` holds the title's blind-index tokens, for search.
 */
import Database from 'better-sqlite3';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS todos (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  title TEXT NOT NULL,
  notes TEXT,
  done INTEGER NOT NULL DEFAULT 0,
  zv TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS todos_owner ON todos (owner, id);
CREATE TABLE IF NOT EXISTS todo_words (
  todo_id TEXT NOT NULL REFERENCES todos (id) ON DELETE CASCADE,
  token TEXT NOT NULL,
  PRIMARY KEY (todo_id, token)
);
CREATE INDEX IF NOT EXISTS todo_words_token ON todo_words (token, todo_id);
`;

/** Opens (and creates, on first use) the app's database. */
export function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  // WAL: readers never wait for the writer, and other handles may share the file.
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  return db;
}
