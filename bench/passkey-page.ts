/**
 * The passkey bench page (bench/passkey-browser.ts loads it): the SDK as an
 * app uses it against a real server, timing each kind of login in the page
 * (`performance.now`), from the call to a session whose vault opened.
 */
import { Client, type Session } from '../src/index.js';

/** What the driver calls through `page.evaluate`. */
export interface PasskeyBench {
  /** Registers `userId` (default KSF profile), writes a note, and with `passkey` adds a PRF passkey; logs out. */
  prepare(userId: string, password: string, passkey: boolean): Promise<void>;
  /** One timed login of `kind`, in ms (the session is logged out after the clock stops). */
  time(kind: LoginKind, userId: string, password: string): Promise<number>;
}

export type LoginKind = 'password' | 'passkey' | 'password + passkey factor';

const client = new Client({ url: `${location.origin}/zv` });

async function opened(session: Session): Promise<void> {
  await (await session.vault('notes')).get('note');
}

const bench: PasskeyBench = {
  async prepare(userId, password, passkey) {
    const session = await client.register({ userId, password });
    await (await session.vault('notes')).put('note', new TextEncoder().encode('bench'));
    if (passkey) await session.addPasskey({ name: 'bench' });
    await session.logout();
  },
  async time(kind, userId, password) {
    const started = performance.now();
    const session =
      kind === 'passkey' ? await client.loginWithPasskey({ userId }) : await client.login({ userId, password, ...(kind === 'password' ? {} : { passkey: true }) });
    await opened(session);
    const ms = performance.now() - started;
    await session.logout();
    return ms;
  },
};

Object.assign(globalThis, { zerovaultPasskeyBench: bench });
