/**
 * `zerovault open`: with a key file (`-i`) or, for a passphrase-sealed
 * file, a passphrase; binary or armored input (detected); to a file or
 * stdout. Plaintext is written only after the header authenticates, each
 * chunk after it authenticates; a file output appears only when all of it
 * did. Failures are reported as something a person can act on: no
 * matching identity, wrong passphrase, truncated, corrupted, not a
 * zerovault file, bad armor.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import type { ZeroVaultError} from '../errors.js';
import { isZeroVaultError } from '../errors.js';
import { defaultEnv } from '../seal/env.js';
import * as passphraseStanza from '../seal/passphrase.js';
import { createOpener, type OpenDiagnostics } from '../seal/engine.js';
import { PRELUDE_LENGTH, SUITES, parsePrelude, type Suite } from '../seal/format.js';
import type { HeaderFailure } from '../seal/header.js';
import { openParams } from '../seal/options.js';
import { parsePublicKey } from '../seal/keytext.js';
import { ArmorReader, looksArmored } from './armor.js';
import { CliError, UsageError } from './errors.js';
import { readIdentity, type Identity } from './identity.js';
import { openInput, openOutput, type ProgressReport } from './io.js';
import { readPassphrase } from './passphrase.js';

/** The first bytes of the (de-armored) blob, enough for the prelude, and the rest of the input. */
interface Peeked {
  readonly first: Uint8Array;
  readonly rest: AsyncIterator<Uint8Array>;
  readonly armor: ArmorReader | undefined;
}

async function peek(input: AsyncIterable<Uint8Array>): Promise<Peeked> {
  const rest = input[Symbol.asyncIterator]();
  let raw: Uint8Array = new Uint8Array(0);
  // Enough raw bytes to tell armor from binary (and, armored, a first line or more).
  while (raw.length < 64) {
    const next = await rest.next();
    if (next.done === true) break;
    raw = raw.length === 0 ? next.value : Buffer.concat([raw, next.value]);
  }
  if (!looksArmored(raw)) return { first: raw, rest, armor: undefined };
  const armor = new ArmorReader();
  let first = armor.write(raw);
  while (first.length < PRELUDE_LENGTH) {
    const next = await rest.next();
    if (next.done === true) break;
    first = Buffer.concat([first, armor.write(next.value)]);
  }
  return { first, rest, armor };
}

function suiteName(suite: Suite): string {
  return suite === SUITES.xwing ? 'X-Wing (post-quantum, zvxpk1…)' : 'X25519 (zvpk1…)';
}

/** The prelude's suite, with the parse errors a person can act on. */
function suiteOf(first: Uint8Array): Suite {
  try {
    return parsePrelude(first).suite;
  } catch (err) {
    if (isZeroVaultError(err, 'INVALID_INPUT') && first.length < PRELUDE_LENGTH) throw new CliError(`the file is truncated: it ends inside the header (INVALID_INPUT)`);
    if (isZeroVaultError(err, 'INVALID_INPUT')) throw new CliError(`the input is not a zerovault sealed file (${err.code})`);
    if (isZeroVaultError(err, 'UNSUPPORTED')) throw new CliError(`the file uses a version or suite this zerovault cannot read: try a newer release (${err.code})`);
    throw err;
  }
}

function explain(err: ZeroVaultError, header: HeaderFailure | undefined, payload: 'truncated' | 'corrupt' | undefined, passphrase: boolean): CliError {
  if (header === 'no-match') {
    return new CliError(passphrase ? 'incorrect passphrase (DECRYPT_FAILED)' : 'no identity matched any of the recipients: the file was sealed to other keys, or --sender-public-key names another sender (DECRYPT_FAILED)');
  }
  if (header === 'mac') return new CliError('the header does not authenticate: the file was changed, or --aad differs from the one it was sealed with (DECRYPT_FAILED)');
  if (payload === 'truncated') return new CliError('the file is truncated: it ends before its last chunk (DECRYPT_FAILED)');
  if (payload === 'corrupt') return new CliError('the file is corrupted or cut short: a chunk failed to authenticate; nothing past the last good chunk was written (DECRYPT_FAILED)');
  if (err.message.includes('truncated')) return new CliError(`the file is truncated: it ends inside the header (${err.code})`);
  return new CliError(`${err.message} (${err.code})`);
}

/** Runs `open` with its arguments (after the command name). */
export async function openCommand(args: string[], progress: (requested: boolean | undefined, verb: string) => ProgressReport | undefined): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      identity: { type: 'string', short: 'i' },
      'passphrase-file': { type: 'string' },
      'sender-public-key': { type: 'string' },
      aad: { type: 'string' },
      output: { type: 'string', short: 'o' },
      progress: { type: 'boolean' },
    },
  });
  if (positionals.length > 1) throw new UsageError('open takes at most one input file');
  if (values.identity !== undefined && values['passphrase-file'] !== undefined) throw new UsageError('open takes -i or --passphrase-file, not both');
  let senderPublicKey: Uint8Array | undefined;
  if (values['sender-public-key'] !== undefined) {
    try {
      senderPublicKey = parsePublicKey(values['sender-public-key']);
    } catch {
      throw new CliError('--sender-public-key is not a valid public key: expected zvpk1…, exactly as keygen printed it (INVALID_INPUT)');
    }
  }
  const identity: Identity | undefined = values.identity === undefined ? undefined : await readIdentity(values.identity);
  const input = await openInput(positionals[0]);
  const { first, rest, armor } = await peek(input);
  const suite = suiteOf(first);

  let passphrase: string | undefined;
  if (suite === SUITES.passphrase) {
    if (identity !== undefined) {
      identity.secretKey.fill(0);
      throw new CliError('the file is sealed with a passphrase, not to a key: open it without -i');
    }
    passphrase = await readPassphrase(values['passphrase-file'], false);
  } else if (identity === undefined) {
    throw new UsageError(`the file is sealed to ${suiteName(suite)} recipients: open needs -i KEY_FILE`);
  } else if ((suite === SUITES.xwing) !== (identity.kind === 'x-wing')) {
    identity.secretKey.fill(0);
    throw new CliError(`no identity matched any of the recipients: the file is sealed to ${suiteName(suite)} keys and ${identity.path} holds an ${identity.kind === 'x-wing' ? 'X-Wing' : 'X25519'} key (DECRYPT_FAILED)`);
  }

  let headerFailure: HeaderFailure | undefined;
  let payloadFailure: 'truncated' | 'corrupt' | undefined;
  const diagnostics: OpenDiagnostics = {
    header: (f) => (headerFailure = f),
    payload: (f) => (payloadFailure = f),
  };
  const opener = createOpener(
    { ...defaultEnv(), passphrase: passphraseStanza },
    openParams({
      ...(passphrase === undefined ? { secretKey: identity?.secretKey } : { passphrase }),
      ...(senderPublicKey === undefined ? {} : { senderPublicKey }),
      ...(values.aad === undefined ? {} : { aad: new TextEncoder().encode(values.aad) }),
    }),
    diagnostics,
  );
  identity?.secretKey.fill(0); // openParams copied it
  const output = await openOutput(values.output, { binary: false, sniff: true, force: values.output === '-', progress: progress(values.progress, 'opened') });
  const feed = async (bytes: Uint8Array): Promise<void> => {
    const parts = await opener.write(armor === undefined ? bytes : armor.write(bytes));
    if (parts.length > 0) await output.write(parts);
  };
  try {
    // `first` is already de-armored.
    const parts = await opener.write(first);
    if (parts.length > 0) await output.write(parts);
    for (let next = await rest.next(); next.done !== true; next = await rest.next()) await feed(next.value);
    armor?.end();
    await output.write(await opener.end());
    await output.commit();
  } catch (err) {
    opener.abort();
    await output.abort();
    if (isZeroVaultError(err)) throw explain(err, headerFailure, payloadFailure, passphrase !== undefined);
    throw err;
  }
}
