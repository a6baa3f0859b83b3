/**
 * The app's own database: one SQLite file, one table of todos. Each todo
 * belongs to an `owner`, the name of the user who wrote it.
 */
import Database from 'better-sqlite3';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS todos (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner TEXT NOT NULL,
  title TEXT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS todos_owner ON todos (owner, id);
`;

/** Opens (and creates, on first use) the app's database. */
export function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  // WAL: readers never wait for the writer, and other handles may share the file.
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  return db;
}
