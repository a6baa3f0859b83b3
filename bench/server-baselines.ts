/**
 * The plain baselines `bench/server.ts` measures zerovault against: ordinary
 * REST routes on the same node:http server, over the same tables and
 * pragmas (the zerovault store's own SQLite file or PostgreSQL tables), with
 * the same JSON bodies (`{ data }` in base64url, `{ data, version }` out):
 *
 * - `GET|PUT /plain/blobs/bench/:id` with `Authorization: Bearer <session id>`:
 *   one session lookup (`zv_sessions`, live and unexpired) per request, then
 *   the row read or the upsert, durable as zerovault's (`synchronous = FULL`);
 * - `GET /jwt/blobs/bench/:id` with an HS256 bearer JWT (jose), then the read.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import Database from 'better-sqlite3';
import { jwtVerify } from 'jose';
import pg from 'pg';

/** The data access a baseline route needs. */
interface Access {
  session(id: string, now: number): Promise<string | null>;
  get(owner: string, id: string): Promise<{ data: Buffer; version: number } | null>;
  put(owner: string, id: string, data: Buffer): Promise<number>;
  close(): Promise<void>;
}

/** Baseline access on the zerovault store's SQLite file: a second connection, the same pragmas. */
export function sqliteAccess(path: string): Access {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  const session = db.prepare<[string, number], { user_id: string }>('SELECT user_id FROM zv_sessions WHERE id = ? AND expires_at > ?');
  const get = db.prepare<[string, string], { data: Buffer; version: number }>("SELECT version, data FROM zv_blobs WHERE owner = ? AND vault = 'bench' AND id = ? AND deleted = 0");
  const put = db.prepare<[string, string, Buffer], { version: number }>(
    `INSERT INTO zv_blobs (owner, vault, id, version, data, deleted) VALUES (?, 'bench', ?, 1, ?, 0)
     ON CONFLICT (owner, vault, id) DO UPDATE SET version = zv_blobs.version + 1, data = excluded.data, deleted = 0 RETURNING version`,
  );
  return {
    session: async (id, now) => session.get(id, now)?.user_id ?? null,
    get: async (owner, id) => get.get(owner, id) ?? null,
    put: async (owner, id, data) => (put.get(owner, id, data) as { version: number }).version,
    close: async () => void db.close(),
  };
}

/** Baseline access on the zerovault store's PostgreSQL tables (`prefix`), with a pool of the store's default size. */
export function postgresAccess(connectionString: string, prefix: string): Access {
  const pool = new pg.Pool({ connectionString, max: 10 });
  return {
    session: async (id, now) => ((await pool.query(`SELECT user_id FROM ${prefix}sessions WHERE id = $1 AND expires_at > $2`, [id, now])).rows[0] as { user_id: string } | undefined)?.user_id ?? null,
    get: async (owner, id) => {
      const row = (await pool.query(`SELECT version, data FROM ${prefix}blobs WHERE owner = $1 AND vault = 'bench' AND id = $2 AND NOT deleted`, [owner, id])).rows[0] as { version: string; data: Buffer } | undefined;
      return row === undefined ? null : { data: row.data, version: Number(row.version) };
    },
    put: async (owner, id, data) => {
      const { rows } = await pool.query(
        `INSERT INTO ${prefix}blobs (owner, vault, id, version, data, deleted) VALUES ($1, 'bench', $2, 1, $3, FALSE)
         ON CONFLICT (owner, vault, id) DO UPDATE SET version = ${prefix}blobs.version + 1, data = EXCLUDED.data, deleted = FALSE RETURNING version`,
        [owner, id, data],
      );
      return Number((rows[0] as { version: string }).version);
    },
    close: () => pool.end(),
  };
}

const ROUTE = /^\/(plain|jwt)\/blobs\/bench\/([A-Za-z0-9]+)$/;

/** A JSON answer, framed by its length as frameworks write one (`res.json()`), not chunked. */
function reply(res: ServerResponse, status: number, body?: unknown): void {
  const text = body === undefined ? undefined : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...(text === undefined ? {} : { 'content-length': String(Buffer.byteLength(text)) }) });
  res.end(text);
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * The baseline routes as a node:http handler; returns `false` when the path
 * is not one of them (the caller hands it to zerovault).
 */
export function baselineRoutes(access: Access, bearerSecret: Uint8Array): (req: IncomingMessage, res: ServerResponse) => boolean {
  const serve = async (req: IncomingMessage, res: ServerResponse, kind: string, id: string): Promise<void> => {
    const token = /^Bearer ([A-Za-z0-9_\-.]+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined) return reply(res, 401);
    let owner: string | null;
    if (kind === 'plain') owner = await access.session(token, Date.now());
    else owner = await jwtVerify(token, bearerSecret, { algorithms: ['HS256'] }).then((r) => r.payload.sub ?? null, () => null);
    if (owner === null) return reply(res, 401);
    if (req.method === 'GET') {
      const row = await access.get(owner, id);
      return row === null ? reply(res, 404) : reply(res, 200, { data: row.data.toString('base64url'), version: row.version });
    }
    if (req.method !== 'PUT' || kind !== 'plain') return reply(res, 405);
    const parsed = JSON.parse((await readAll(req)).toString('utf8')) as { data?: unknown };
    if (typeof parsed.data !== 'string') return reply(res, 400);
    const version = await access.put(owner, id, Buffer.from(parsed.data, 'base64url'));
    return reply(res, 200, { version });
  };
  return (req, res) => {
    const match = ROUTE.exec(req.url ?? '');
    if (match === null) return false;
    serve(req, res, match[1] as string, match[2] as string).catch(() => reply(res, 500));
    return true;
  };
}
