/**
 * A dedicated Worker that hosts the zerovault Client, as docs/browser.md
 * suggests for apps that must keep the main thread free while Argon2id runs:
 * register, store a record, log out, log in again and read it back.
 */
import { getBackend } from '#backend';
import { fromUtf8, utf8 } from '../../../src/crypto/bytes.js';
import { Client } from '../../../src/index.js';
import { describeError } from './check.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

async function run({ server, userId, password }: WorkerRequest): Promise<WorkerReply> {
  const client = new Client({ url: server });
  const first = await client.register({ userId, password });
  await (await first.vault('notes')).put('w1', utf8('written in a worker'));
  await first.logout();
  const start = performance.now();
  const session = await client.login({ userId, password });
  const loginMs = Math.round(performance.now() - start);
  const { data } = await (await session.vault('notes')).get('w1');
  await session.logout();
  return { ok: true, backend: getBackend().name, text: fromUtf8(data), loginMs };
}

addEventListener('message', (event: MessageEvent<WorkerRequest>) => {
  run(event.data).then(
    (reply) => postMessage(reply),
    (err: unknown) => postMessage({ ok: false, error: describeError(err) } satisfies WorkerReply),
  );
});
