/**
 * `/api/todos`: list, add, change and delete the caller's todos. Every query
 * is scoped to the owner, so one user never reads or changes another's rows.
 */
import { Router, type Request } from 'express';
import type Database from 'better-sqlite3';

interface TodoRow {
  id: number;
  owner: string;
  title: string;
  done: number;
  created_at: number;
}

/** A todo as the API sends it. */
export interface Todo {
  id: number;
  title: string;
  done: boolean;
  createdAt: number;
}

const MAX_TITLE = 200;

function toTodo(row: TodoRow): Todo {
  return { id: row.id, title: row.title, done: row.done === 1, createdAt: row.created_at };
}

function titleOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const title = value.trim();
  return title.length === 0 || title.length > MAX_TITLE ? null : title;
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
  const one = db.prepare<[number, string], TodoRow>('SELECT * FROM todos WHERE id = ? AND owner = ?');

  router.get('/', (req, res) => {
    const rows = db.prepare<[string], TodoRow>('SELECT * FROM todos WHERE owner = ? ORDER BY id').all(ownerOf(req));
    res.json(rows.map(toTodo));
  });

  router.post('/', (req, res) => {
    const title = titleOf((req.body as { title?: unknown } | undefined)?.title);
    if (title === null) return void res.status(400).json({ error: 'title must be 1 to 200 characters' });
    const { lastInsertRowid } = db.prepare('INSERT INTO todos (owner, title, created_at) VALUES (?, ?, ?)').run(ownerOf(req), title, Date.now());
    res.status(201).json(toTodo(one.get(Number(lastInsertRowid), ownerOf(req)) as TodoRow));
  });

  router.patch('/:id', (req, res) => {
    const body = (req.body ?? {}) as { title?: unknown; done?: unknown };
    const row = one.get(Number(req.params.id), ownerOf(req));
    if (row === undefined) return void res.status(404).json({ error: 'no such todo' });
    const title = body.title === undefined ? row.title : titleOf(body.title);
    if (title === null || (body.done !== undefined && typeof body.done !== 'boolean')) return void res.status(400).json({ error: 'bad todo' });
    const done = body.done === undefined ? row.done : Number(body.done);
    db.prepare('UPDATE todos SET title = ?, done = ? WHERE id = ? AND owner = ?').run(title, done, row.id, row.owner);
    res.json(toTodo({ ...row, title, done }));
  });

  router.delete('/:id', (req, res) => {
    const { changes } = db.prepare('DELETE FROM todos WHERE id = ? AND owner = ?').run(Number(req.params.id), ownerOf(req));
    res.status(changes === 0 ? 404 : 204).end();
  });

  return router;
}
