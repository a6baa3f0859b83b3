#!/usr/bin/env node
/**
 * The `zerovault` command line:
 *
 *     zerovault keygen [--pq] [-o secret.key]
 *     zerovault pubkey [secret.key]
 *     zerovault seal (-r zvpk1…|zvxpk1… … | -p) [-a] [--sender-secret-key secret.key] [--aad text] [-o out] [in]
 *     zerovault open [-i secret.key] [--sender-public-key zvpk1…] [--aad text] [-o out] [in]
 *     zerovault serve [--port 8787] [--host 127.0.0.1] [--db zerovault.db] [--base /zv]
 *
 * Files stream with bounded memory; outputs are written atomically and
 * durably; binary never goes to a terminal. Exit status: 0 success, 1
 * failure, 2 usage mistake.
 *
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isZeroVaultError } from '../errors.js';
import { generateKeyPair, generateXWingKeyPair } from '../seal/keys.js';
import { formatPublicKey, formatSecretKey } from '../seal/keytext.js';
import { CliError, UsageError, fileReason } from './errors.js';
import { publicKeyOf, readIdentity } from './identity.js';
import { removeTemporaryFiles, type ProgressReport } from './io.js';
import { openCommand } from './open-command.js';
import { sealCommand } from './seal-command.js';
import { serve } from './serve.js';

const USAGE = `usage:
  zerovault keygen [--pq] [-o secret.key]
  zerovault pubkey [secret.key]
  zerovault seal -r zvpk1…|zvxpk1… [-r …] [-a] [--sender-secret-key secret.key] [--aad text] [-o out] [--progress] [in]
  zerovault seal -p [--passphrase-file file] [-a] [--aad text] [-o out] [--progress] [in]
  zerovault open [-i secret.key | --passphrase-file file] [--sender-public-key zvpk1…] [--aad text] [-o out] [--progress] [in]
  zerovault serve [--port 8787] [--host 127.0.0.1] [--db zerovault.db] [--base /zv]

  keygen --pq     an X-Wing (ML-KEM-768 + X25519) key: post-quantum recipients
  -a, --armor     seal to PEM-style text; open detects it
  -p              seal with a passphrase (asked on the terminal)
  -o -            write to stdout even when it is a terminal`;

/** Progress on stderr: with `--progress`, or by default when stderr is a terminal (never into a pipe or log). */
function reporter(requested: boolean | undefined, verb: string): ProgressReport | undefined {
  if (requested !== true && process.stderr.isTTY !== true) return undefined;
  let shown = false;
  return (bytes, final) => {
    // Unrequested progress starts only for large outputs: small ones finish before it would help.
    if (!shown && requested !== true && bytes < 8 * 1048576) return;
    shown = true;
    process.stderr.write(`\r${verb} ${(bytes / 1048576).toFixed(1)} MiB written${final ? '\n' : ''}`);
  };
}

async function keygen(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { output: { type: 'string', short: 'o' }, pq: { type: 'boolean' } } });
  if (positionals.length > 0) throw new UsageError('keygen takes no file argument: use -o FILE');
  const kind = values.pq === true ? 'x-wing' : 'x25519';
  const { publicKey, secretKey } = kind === 'x-wing' ? await generateXWingKeyPair() : generateKeyPair();
  const text = `# created: ${new Date().toISOString()}\n# public key: ${formatPublicKey(publicKey)}\n${formatSecretKey(secretKey, kind)}\n`;
  secretKey.fill(0);
  if (values.output === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    await writeFile(values.output, text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new CliError(`cannot write key file ${values.output}: ${fileReason(err)}`);
  }
  process.stderr.write(`public key: ${formatPublicKey(publicKey)}\n`);
}

async function pubkey(args: string[]): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const identity = await readIdentity(positionals[0] ?? '-');
  try {
    process.stdout.write(`${formatPublicKey(await publicKeyOf(identity))}\n`);
  } finally {
    identity.secretKey.fill(0);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'keygen':
      return keygen(rest);
    case 'pubkey':
      return pubkey(rest);
    case 'seal':
      removeTemporariesOnSignal();
      return sealCommand(rest, reporter);
    case 'open':
      removeTemporariesOnSignal();
      return openCommand(rest, reporter);
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: { port: { type: 'string', default: '8787' }, host: { type: 'string', default: '127.0.0.1' }, db: { type: 'string', default: 'zerovault.db' }, base: { type: 'string', default: '/zv' } },
      });
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0..65535');
      await serve({ port, host: values.host, db: values.db, basePath: values.base });
      return;
    }
    case '-h':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return;
    case undefined:
      // Like an unknown command: a script that forgot its arguments must not look successful.
      throw new UsageError('no command given');
    default:
      throw new UsageError('unknown command');
  }
}

/** The message and exit status of any failure. */
function report(err: unknown): { message: string; exitCode: number; usage: boolean } {
  if (err instanceof CliError) return { message: err.message, exitCode: err.exitCode, usage: err instanceof UsageError };
  if (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')) return { message: err.message, exitCode: 2, usage: true };
  if (isZeroVaultError(err)) return { message: `${err.message} (${err.code})`, exitCode: 1, usage: false };
  // A file error while streaming (the input vanished, a disk failed).
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return { message: `i/o error: ${fileReason(err)}`, exitCode: 1, usage: false };
  return { message: err instanceof Error ? err.message : String(err), exitCode: 1, usage: false };
}

/** No partial output file, even when interrupted (seal and open; serve stops gracefully on its own). */
function removeTemporariesOnSignal(): void {
  for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
    process.on(signal, () => {
      removeTemporaryFiles();
      process.exit(128 + number);
    });
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const { message, exitCode, usage } = report(err);
  process.stderr.write(`zerovault: ${message}\n${usage ? `${USAGE}\n` : ''}`);
  // Exit now: an unread stdin or a pending timer must not keep a failed run alive.
  process.exit(exitCode);
});
