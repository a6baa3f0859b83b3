/**
 * `zerovault seal`: to recipients (`-r`, X25519 or X-Wing) or a passphrase
 * (`-p`), binary or armored (`-a`), from a file or stdin to a file or stdout.
 *
 * Nothing reaches stdout before the input has been opened and its first
 * bytes read: a missing input fails with an empty stdout.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { concat } from '../crypto/bytes.js';
import { defaultEnv } from '../seal/env.js';
import * as passphraseStanza from '../seal/passphrase.js';
import { startSeal } from '../seal/engine.js';
import { sealParams } from '../seal/options.js';
import { ArmorWriter } from './armor.js';
import { UsageError } from './errors.js';
import { parseRecipients, readIdentity } from './identity.js';
import { openInput, openOutput, refuseBinaryTerminal, type ProgressReport } from './io.js';
import { readPassphrase } from './passphrase.js';

/** Runs `seal` with its arguments (after the command name). */
export async function sealCommand(args: string[], progress: (requested: boolean | undefined, verb: string) => ProgressReport | undefined): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      recipient: { type: 'string', short: 'r', multiple: true },
      passphrase: { type: 'boolean', short: 'p' },
      'passphrase-file': { type: 'string' },
      armor: { type: 'boolean', short: 'a' },
      // The API's names: one flag used to mean a secret key file here and a public key in `open`.
      'sender-secret-key': { type: 'string' },
      aad: { type: 'string' },
      output: { type: 'string', short: 'o' },
      progress: { type: 'boolean' },
    },
  });
  if (positionals.length > 1) throw new UsageError('seal takes at most one input file');
  const withPassphrase = values.passphrase === true || values['passphrase-file'] !== undefined;
  const recipients = values.recipient ?? [];
  if (withPassphrase && recipients.length > 0) throw new UsageError('seal takes -r recipients or -p, not both: a passphrase stanza is always alone');
  if (!withPassphrase && recipients.length === 0) throw new UsageError('seal needs at least one -r recipient, or -p for a passphrase');
  if (withPassphrase && values['sender-secret-key'] !== undefined) throw new UsageError('--sender-secret-key needs -r recipients');
  const to = withPassphrase ? [] : parseRecipients(recipients);

  const input = await openInput(positionals[0]);
  const outputOptions = { binary: values.armor !== true, sniff: false, force: values.output === '-', progress: progress(values.progress, 'sealed') };
  // A terminal that would get binary is refused before a passphrase is asked for.
  refuseBinaryTerminal(values.output, outputOptions);
  const passphrase = withPassphrase ? await readPassphrase(values['passphrase-file'], true) : undefined;
  const sender = values['sender-secret-key'] === undefined ? undefined : await readIdentity(values['sender-secret-key']);
  if (sender !== undefined && sender.kind !== 'x25519') throw new UsageError('--sender-secret-key must be an X25519 key (zvsk1…): X-Wing has no authenticated mode');
  const params = sealParams({
    ...(passphrase === undefined ? { to } : { passphrase }),
    ...(sender === undefined ? {} : { senderSecretKey: sender.secretKey }),
    ...(values.aad === undefined ? {} : { aad: new TextEncoder().encode(values.aad) }),
  });
  sender?.secretKey.fill(0); // sealParams copied it
  const sealer = await startSeal({ ...defaultEnv(), passphrase: passphraseStanza }, params);
  const output = await openOutput(values.output, outputOptions);
  const armor = values.armor === true ? new ArmorWriter() : undefined;
  let header: Uint8Array | undefined = sealer.header;
  const emit = async (parts: Uint8Array[]): Promise<void> => {
    if (header !== undefined) {
      parts.unshift(header);
      header = undefined;
    }
    if (parts.length === 0) return;
    await output.write(armor === undefined ? parts : [armor.write(parts.length === 1 ? (parts[0] as Uint8Array) : concat(...parts))]);
  };
  try {
    for await (const chunk of input) await emit(await sealer.write(chunk));
    await emit(await sealer.end());
    if (armor !== undefined) await output.write([armor.end()]);
    await output.commit();
  } catch (err) {
    sealer.abort();
    await output.abort();
    throw err;
  }
}
