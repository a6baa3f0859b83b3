#!/usr/bin/env node
/**
 * The `zerovault` command line:
 *
 *     zerovault keygen [-o secret.key]
 *     zerovault pubkey [secret.key]
 *     zerovault seal -r zvpk1… [-r zvpk1…] [--sender-secret-key secret.key] [--aad text] [-o out] [in]
 *     zerovault open -i secret.key [--sender-public-key zvpk1…] [--aad text] [-o out] [in]
 *     zerovault serve [--port 8787] [--host 127.0.0.1] [--db zerovault.db] [--base /zv]
 *
 * Files stream with bounded memory; outputs are written atomically.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parsePublicKey, parseSecretKey, formatPublicKey, formatSecretKey, generateKeyPair, getPublicKey, openStream, sealStream } from '../seal/index.js';
import { isZeroVaultError } from '../errors.js';
import { inputStream, progress, writeOutput } from './io.js';
import { serve } from './serve.js';

const USAGE = `usage:
  zerovault keygen [-o secret.key]
  zerovault pubkey [secret.key]
  zerovault seal -r zvpk1… [-r zvpk1…] [--sender-secret-key secret.key] [--aad text] [-o out] [--progress] [in]
  zerovault open -i secret.key [--sender-public-key zvpk1…] [--aad text] [-o out] [--progress] [in]
  zerovault serve [--port 8787] [--host 127.0.0.1] [--db zerovault.db] [--base /zv]`;

class UsageError extends Error {}

async function readSecretKey(path: string): Promise<Uint8Array> {
  // Key files may hold comment lines (# public key: …), as age's do.
  const text = await readFile(path, 'utf8');
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#'));
  if (line === undefined) throw new UsageError(`no secret key in ${path}`);
  return parseSecretKey(line.trim());
}

/** Progress on stderr: with `--progress`, or by default when stderr is a terminal (never into a pipe or log). */
function reporter(requested: boolean | undefined, verb: string): ((bytes: number, final: boolean) => void) | undefined {
  if (requested !== true && process.stderr.isTTY !== true) return undefined;
  let shown = false;
  return (bytes, final) => {
    // Unrequested progress starts only for large inputs: small ones finish before it would help.
    if (!shown && requested !== true && bytes < 8 * 1048576) return;
    shown = true;
    process.stderr.write(`\r${verb} ${(bytes / 1048576).toFixed(1)} MiB${final ? '\n' : ''}`);
  };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const encoder = new TextEncoder();
  switch (command) {
    case 'keygen': {
      const { values } = parseArgs({ args: rest, options: { output: { type: 'string', short: 'o' } } });
      const { publicKey, secretKey } = generateKeyPair();
      const text = `# created: ${new Date().toISOString()}\n# public key: ${formatPublicKey(publicKey)}\n${formatSecretKey(secretKey)}\n`;
      if (values.output === undefined) process.stdout.write(text);
      else {
        await writeFile(values.output, text, { mode: 0o600, flag: 'wx' });
        process.stderr.write(`public key: ${formatPublicKey(publicKey)}\n`);
      }
      secretKey.fill(0);
      return;
    }
    case 'pubkey': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      const path = positionals[0] ?? '/dev/stdin';
      process.stdout.write(`${formatPublicKey(getPublicKey(await readSecretKey(path)))}\n`);
      return;
    }
    case 'seal': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          recipient: { type: 'string', short: 'r', multiple: true },
          // The API's names: one flag used to mean a secret key file here and a public key in `open`.
          'sender-secret-key': { type: 'string' },
          aad: { type: 'string' },
          output: { type: 'string', short: 'o' },
          progress: { type: 'boolean' },
        },
      });
      const to = (values.recipient ?? []).map((r) => parsePublicKey(r));
      if (to.length === 0) throw new UsageError('seal needs at least one -r recipient');
      const senderKeyFile = values['sender-secret-key'];
      const senderSecretKey = senderKeyFile === undefined ? undefined : await readSecretKey(senderKeyFile);
      const sealer = sealStream({
        to,
        ...(senderSecretKey === undefined ? {} : { senderSecretKey }),
        ...(values.aad === undefined ? {} : { aad: encoder.encode(values.aad) }),
      });
      senderSecretKey?.fill(0); // sealStream checked and copied it
      await writeOutput(inputStream(positionals[0]).pipeThrough(progress(reporter(values.progress, 'sealed'))).pipeThrough(sealer), values.output);
      return;
    }
    case 'open': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          identity: { type: 'string', short: 'i' },
          'sender-public-key': { type: 'string' },
          aad: { type: 'string' },
          output: { type: 'string', short: 'o' },
          progress: { type: 'boolean' },
        },
      });
      if (values.identity === undefined) throw new UsageError('open needs -i secret.key');
      const secretKey = await readSecretKey(values.identity);
      const opener = openStream({
        secretKey,
        ...(values['sender-public-key'] === undefined ? {} : { senderPublicKey: parsePublicKey(values['sender-public-key']) }),
        ...(values.aad === undefined ? {} : { aad: encoder.encode(values.aad) }),
      });
      await writeOutput(inputStream(positionals[0]).pipeThrough(opener).pipeThrough(progress(reporter(values.progress, 'opened'))), values.output);
      return;
    }
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
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`zerovault: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`zerovault: ${isZeroVaultError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
