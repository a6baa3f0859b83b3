/**
 * The page of the cross-origin browser test (test/browser/cors.test.ts).
 * Served from one loopback origin, it uses the BUILT `zerovault` client
 * (handed in by the entry the test bundles, which imports the package by
 * name) against zerovault servers on another origin. Types come from the
 * sources, which the built declarations mirror.
 */
import type * as ZeroVault from '../../../src/index.js';

/** The KSF floor: real Argon2id, fast enough for a test. */
const FLOOR = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;

/** What the test hands the page. */
export interface CorsPageInput {
  /** The zerovault server with `cors: { origins: [this page's origin] }`, e.g. `http://localhost:1234/zv`. */
  readonly allowed: string;
  /** The app's own route on that server's origin, verified with `zerovault/verify`. */
  readonly appRoute: string;
  /** The same server without the `cors` option. */
  readonly noCors: string;
  /** A server whose `cors` lists another origin only. */
  readonly otherOrigin: string;
  readonly userId: string;
  readonly password: string;
}

/** One in-page check. */
export interface CorsPageResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What the page exposes to the test. */
export interface CorsPageApi {
  run(input: CorsPageInput): Promise<CorsPageResult[]>;
}

/** Installs `globalThis.zvCors` over the given build of the package. */
export function install(zv: typeof ZeroVault): void {
  const describe = (err: unknown): string => (zv.isZeroVaultError(err) ? err.code : err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  const codeOf = async (fn: () => Promise<unknown>): Promise<string> => {
    try {
      await fn();
      return 'resolved';
    } catch (err) {
      return describe(err);
    }
  };

  const api: CorsPageApi = {
    async run(input) {
      const results: CorsPageResult[] = [];
      const step = async (name: string, fn: () => Promise<string>): Promise<boolean> => {
        const start = performance.now();
        try {
          const detail = await fn();
          results.push({ name, ok: true, detail: `${detail} (${Math.round(performance.now() - start)} ms)` });
          return true;
        } catch (err) {
          results.push({ name, ok: false, detail: describe(err) });
          return false;
        }
      };
      const expect = (condition: boolean, message: string): void => {
        if (!condition) throw new Error(message);
      };

      const client = new zv.Client({ url: input.allowed, ksf: FLOOR });
      let session: ZeroVault.Session | undefined;
      const registered = await step('register against the server on the other origin', async () => {
        session = await client.register({ userId: input.userId, password: input.password });
        return 'registered';
      });
      if (registered) {
        const live = session as ZeroVault.Session;
        await step('put and get a record across origins', async () => {
          const vault = await live.vault('notes');
          const first = await vault.put('a', new TextEncoder().encode('cross-origin secret'));
          const second = await vault.put('a', new TextEncoder().encode('cross-origin secret v2'), { ifVersion: first.version });
          const got = await vault.get('a');
          expect(new TextDecoder().decode(got.data) === 'cross-origin secret v2', 'wrong plaintext');
          expect(got.version === second.version && second.version === 2, `version ${got.version}`);
          return `version ${got.version}`;
        });
        await step('session.fetch to the app route on the server origin verifies', async () => {
          const response = await live.fetch(input.appRoute);
          expect(response.status === 200, `status ${response.status}`);
          const body = (await response.json()) as { userId: string; sessionId: string };
          return `200 for ${body.userId}`;
        });
        await step('logout across origins, then session.fetch is CLOSED', async () => {
          await live.logout();
          const code = await codeOf(() => live.fetch(input.appRoute));
          expect(code === 'CLOSED', code);
          return code;
        });
      }
      await step('the page reads the exposed headers (WWW-Authenticate of a 401), and not the others', async () => {
        const response = await fetch(`${input.allowed}/blobs/notes/a`);
        expect(response.status === 401, `status ${response.status}`);
        const challenge = response.headers.get('www-authenticate');
        expect(challenge === 'ZV1', `www-authenticate ${String(challenge)}`);
        // Not exposed, though the server sends it: the browser hides it from the page.
        expect(response.headers.get('x-content-type-options') === null, 'an unexposed header was readable');
        return `www-authenticate: ${challenge}`;
      });
      await step('without the cors option the browser refuses: the client sees NETWORK', async () => {
        const code = await codeOf(() => new zv.Client({ url: input.noCors, ksf: FLOOR }).register({ userId: `no-cors-${input.userId}`, password: input.password }));
        expect(code === 'NETWORK', code);
        return code;
      });
      await step('a server that lists another origin only: NETWORK too', async () => {
        const code = await codeOf(() => new zv.Client({ url: input.otherOrigin, ksf: FLOOR }).login({ userId: input.userId, password: input.password }));
        expect(code === 'NETWORK', code);
        return code;
      });
      return results;
    },
  };
  (globalThis as unknown as { zvCors: CorsPageApi }).zvCors = api;
  document.body.dataset.ready = 'true';
}
