/**
 * zerovault in Node, in one file: a server mounted in process (memory store)
 * and a client that registers, stores and reads records, creates a recovery
 * key and uses it. It imports the built package by name, as an app would:
 *
 *     npm run build && npx tsx examples/node-quickstart/index.ts
 *
 * The client runs Argon2id at its default profile (t=3, 64 MiB, p=4), a few
 * hundred milliseconds per password operation: that cost is the point.
 */
import { Client, isZeroVaultError } from 'zerovault';
import { createServer, createServerSetup, memoryServerStore } from 'zerovault/server';

const text = new TextEncoder();
const read = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

// The server: create the setup once per deployment and keep it secret (see
// serverSetupToText); memoryServerStore forgets everything on exit.
const zv = createServer({ setup: createServerSetup(), store: memoryServerStore(), basePath: '/zv' });
zv.on('*', (event) => console.log(`  [server] ${event.type}${event.reason === undefined ? '' : ` (${event.reason})`}`));

// The client talks to the in-process handler; with a real server pass its URL instead.
const client = new Client({ url: 'http://localhost/zv', fetch: (request) => zv.fetch(request) });
const userId = 'alice@example.com';
const password = 'correct horse battery staple';

console.log('register (OPAQUE: the password never leaves the client)');
const session = await client.register({ userId, password });
const notes = await session.vault('notes');
const { version } = await notes.put('todo', text.encode('buy milk'));
await notes.putJson('settings', { theme: 'dark' });
console.log(`  put todo → version ${version}`);

// Optimistic concurrency: a write against a stale version is refused.
await notes.put('todo', text.encode('buy oat milk'), { ifVersion: version });
try {
  await notes.put('todo', text.encode('stale edit'), { ifVersion: version });
} catch (err) {
  if (!isZeroVaultError(err, 'CONFLICT')) throw err;
  console.log('  a stale write is CONFLICT: nothing was overwritten');
}

const recoveryKey = await session.createRecoveryKey();
console.log(`  recovery key (show it once): ${recoveryKey.slice(0, 17)}…`);
await session.logout();

console.log('log in again');
const again = await client.login({ userId, password });
const vault = await again.vault('notes');
for await (const { id, version: v } of vault.list()) console.log(`  ${id} v${v}`);
console.log(`  todo: "${read((await vault.get('todo')).data)}"`);
console.log(`  settings: ${JSON.stringify((await vault.getJson('settings')).value)}`);
await again.logout();

console.log('a wrong password');
try {
  await client.login({ userId, password: 'Tr0ub4dor&3' });
} catch (err) {
  if (!isZeroVaultError(err, 'AUTH_FAILED')) throw err;
  console.log('  AUTH_FAILED (the same answer as for an unknown user)');
}

console.log('recover with the recovery key and set a new password');
const recovered = await client.recover({ userId, recoveryKey, newPassword: 'a brand new passphrase' });
console.log(`  todo: "${read((await (await recovered.vault('notes')).get('todo')).data)}"`);
await recovered.logout();
console.log('done');
