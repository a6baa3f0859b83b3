/**
 * Where the CLI gets a passphrase: `--passphrase-file FILE` (its first
 * line; for scripts and tests), or the controlling terminal with echo off
 * (`/dev/tty`, so that stdin stays free for the data). Never an argument
 * or an environment variable: both leak to other processes.
 *
 * @module
 */
import { openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ReadStream, WriteStream } from 'node:tty';
import { CliError, fileReason } from './errors.js';

/** The first line of `path`, without its line ending. */
async function fromFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read passphrase file ${path}: ${fileReason(err)}`);
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line === '') throw new CliError(`passphrase file ${path} starts with an empty line`);
  return line;
}

/** Reads one line from the terminal with echo off. */
function ask(prompt: string): Promise<string> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    throw new CliError('no terminal to ask for a passphrase: use --passphrase-file FILE');
  }
  const input = new ReadStream(fd);
  const output = new WriteStream(fd);
  output.write(prompt);
  input.setRawMode(true);
  return new Promise((resolve, reject) => {
    let line = '';
    const done = (err?: CliError): void => {
      input.setRawMode(false);
      input.removeAllListeners('data');
      output.write('\n');
      input.destroy();
      output.destroy();
      try {
        closeSync(fd);
      } catch {
        // Already closed by the streams.
      }
      if (err === undefined) resolve(line);
      else reject(err);
    };
    input.on('data', (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003' || char === '\u0004') return done(new CliError('no passphrase given', 130));
        if (char === '\u007f' || char === '\b') line = line.slice(0, -1);
        else line += char;
      }
      return undefined;
    });
  });
}

/**
 * The passphrase to seal or open with. When sealing from the terminal, it
 * is asked twice.
 *
 * @throws `CliError` when it cannot be read, is empty, or the two entries differ
 */
export async function readPassphrase(file: string | undefined, confirm: boolean): Promise<string> {
  if (file !== undefined) return fromFile(file);
  const first = await ask('passphrase: ');
  if (first === '') throw new CliError('the passphrase is empty');
  if (confirm && (await ask('passphrase (again): ')) !== first) throw new CliError('the passphrases differ');
  return first;
}
