/**
 * `/api/todos`: list, search, add, change and delete the caller's todos.
 * Every query is scoped to the owner, so one user never reads or changes
 * another's rows. Titles and notes arrive encrypted by the page: the server
 * stores `zv1.` strings, the document MAC (`zv`) and the title's word
 * tokens, and can neither read nor forge them. Ids are chosen by the page,
 * because every encrypted value is bound to its row's id.
 */
import { Router, type Request } from 'express';
import type Database from 'better-sqlite3';

interface TodoRow {
  id: string;
  owner: string;
  title: string;
  notes: string | null;
  done: number;
  zv: string;
  created_at: number;
}

/** A todo as the API sends it: the row as the page encrypted it. */
export interface Todo {
  id: string;
  title: string;
  notes?: string;
  done: boolean;
  _zv: string;
  createdAt: number;
}

/** An encrypted value or document MAC: the page's, opaque here. */
const MAX_SEALED = 4096;
const MAX_WORDS = 64;

function toTodo(row: TodoRow): Todo {
  return { id: row.id, title: row.title, ...(row.notes === null ? {} : { notes: row.notes }), done: row.done === 1, _zv: row.zv, createdAt: row.created_at };
}

function sealedOf(value: unknown): string | null {
  return typeof value === 'string' && value.startsWith('zv1.') && value.length <= MAX_SEALED ? value : null;
}

/** Blind-index tokens: short base64url strings. */
function tokensOf(value: unknown): string[] | null {
  if (!Array.isArray(value) || value.length > MAX_WORDS) return null;
  const tokens: unknown[] = value;
  return tokens.every((t): t is string => typeof t === 'string' && /^[\w-]{1,64}$/.test(t)) ? (tokens as string[]) : null;
}

/** The encrypted fields of a POST or PATCH body, or null when one is malformed. */
function bodyOf(req: Request): { title: string; notes: string | null; done: number; zv: string; words: string[] } | null {
  const body = (req.body ?? {}) as { title?: unknown; notes?: unknown; done?: unknown; _zv?: unknown; words?: unknown };
  const title = sealedOf(body.title);
  const notes = body.notes === undefined ? null : sealedOf(body.notes);
  const zv = sealedOf(body._zv);
  const words = tokensOf(body.words);
  if (title === null || (body.notes !== undefined && notes === null) || zv === null || words === null || typeof body.done !== 'boolean') return null;
  return { title, notes, done: Number(body.done), zv, words };
}

/** Who is calling: the user whose access token and DPoP proof the verifier checked. */
function ownerOf(req: Request): string {
  const owner = req.zerovault?.userId;
  if (owner === undefined) throw new Error('todos mounted without authentication');
  return owner;
}

/** The todos routes, mounted at `/api/todos` behind authentication. */
export function todos(db: Database.Database): Router {
  const router = Router();
  const one = db.prepare<[string, string], TodoRow>('SELECT * FROM todos WHERE id = ? AND owner = ?');
  const index = db.transaction((id: string, words: readonly string[]) => {
    db.prepare('DELETE FROM todo_words WHERE todo_id = ?').run(id);
    const add = db.prepare('INSERT OR IGNORE INTO todo_words (todo_id, token) VALUES (?, ?)');
    for (const token of words) add.run(id, token);
  });

  // `?words=t1,t2`: the todos whose title holds every token (the page filters out false positives).
  router.get('/', (req, res) => {
    const query = typeof req.query.words === 'string' && req.query.words !== '' ? tokensOf(req.query.words.split(',')) : [];
    if (query === null) return void res.status(400).json({ error: 'bad search' });
    const rows =
      query.length === 0
        ? db.prepare<[string], TodoRow>('SELECT * FROM todos WHERE owner = ? ORDER BY rowid').all(ownerOf(req))
        : db
            .prepare<unknown[], TodoRow>(
              `SELECT * FROM todos WHERE owner = ? AND id IN (SELECT todo_id FROM todo_words WHERE token IN (${query.map(() => '?').join(', ')})
               GROUP BY todo_id HAVING COUNT(DISTINCT token) = ?) ORDER BY rowid`,
            )
            .all(ownerOf(req), ...query, new Set(query).size);
    res.json(rows.map(toTodo));
  });

  router.post('/', (req, res) => {
    const id = (req.body as { id?: unknown } | undefined)?.id;
    const todo = bodyOf(req);
    if (typeof id !== 'string' || !/^[\w-]{1,64}$/.test(id) || todo === null) return void res.status(400).json({ error: 'bad todo' });
    if (db.prepare('SELECT 1 FROM todos WHERE id = ?').get(id) !== undefined) return void res.status(409).json({ error: 'that id is taken' });
    db.prepare('INSERT INTO todos (id, owner, title, notes, done, zv, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, ownerOf(req), todo.title, todo.notes, todo.done, todo.zv, Date.now());
    index(id, todo.words);
    res.status(201).json(toTodo(one.get(id, ownerOf(req)) as TodoRow));
  });

  // The page re-encrypts the whole todo on every change: the MAC covers `done` too.
  router.patch('/:id', (req, res) => {
    const row = one.get(req.params.id, ownerOf(req));
    if (row === undefined) return void res.status(404).json({ error: 'no such todo' });
    const todo = bodyOf(req);
    if (todo === null) return void res.status(400).json({ error: 'bad todo' });
    db.prepare('UPDATE todos SET title = ?, notes = ?, done = ?, zv = ? WHERE id = ? AND owner = ?').run(todo.title, todo.notes, todo.done, todo.zv, row.id, row.owner);
    index(row.id, todo.words);
    res.json(toTodo(one.get(row.id, row.owner) as TodoRow));
  });

  router.delete('/:id', (req, res) => {
    const { changes } = db.prepare('DELETE FROM todos WHERE id = ? AND owner = ?').run(req.params.id, ownerOf(req));
    res.status(changes === 0 ? 404 : 204).end();
  });

  return router;
}
