/**
 * `zerovault` for the existing-app page under test: the SDK from the
 * sources, with `Client` defaulting to the Argon2id floor so that sign-up
 * and sign-in take a fraction of a second. The page's own code is unchanged.
 */
import { Client as SdkClient, type ClientOptions } from '../../../src/index.js';

export * from '../../../src/index.js';

/** Real Argon2id at its floor profile, as the other browser tests use. */
const FLOOR = { iterations: 2, memoryKiB: 19456, parallelism: 1 } as const;

/** The SDK's `Client` with the floor profile unless the page sets one. */
export class Client extends SdkClient {
  constructor(options: ClientOptions) {
    super({ ksf: FLOOR, ...options });
  }
}
