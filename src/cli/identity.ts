/**
 * Key files and key arguments of the CLI, with errors that say which file
 * or argument is wrong and why (never its content).
 *
 * A key file holds one secret key line (`zvsk1…` or `zvxsk1…`) and any
 * number of `#` comment lines (`# public key: …`), as age's do.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { isZeroVaultError } from '../errors.js';
import { getPublicKey, getXWingPublicKey } from '../seal/keys.js';
import { keyTextKind, parsePublicKey, parseSecretKey, type KeyKind } from '../seal/keytext.js';
import { CliError, UsageError, fileReason } from './errors.js';

/** A secret key read from a file. */
export interface Identity {
  /** The 32 key bytes; the caller wipes them. */
  readonly secretKey: Uint8Array;
  /** Which kind of key the text said it is. */
  readonly kind: KeyKind;
  /** Where it came from, for messages. */
  readonly path: string;
}

/** All of stdin as text (not `/dev/stdin`, which cannot be opened when stdin is a socket). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads the secret key in `path` (stdin for `-`).
 *
 * @throws `CliError` when the file cannot be read, holds no key, or holds a malformed one
 */
export async function readIdentity(path: string): Promise<Identity> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read key file ${path}: ${fileReason(err)}`);
  }
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  if (index < 0) throw new CliError(`key file ${path} holds no secret key (a zvsk1… or zvxsk1… line)`);
  const line = (lines[index] as string).trim();
  const kind = keyTextKind(line);
  if (kind === undefined || line.startsWith('zvpk1') || line.startsWith('zvxpk1')) {
    throw new CliError(`key file ${path}, line ${index + 1}: not a secret key (expected zvsk1… or zvxsk1…; a public key opens nothing)`);
  }
  try {
    return { secretKey: parseSecretKey(line), kind, path };
  } catch (err) {
    if (isZeroVaultError(err, 'INVALID_INPUT')) throw new CliError(`key file ${path}, line ${index + 1}: the secret key is mistyped or damaged (its checksum fails)`);
    throw err;
  }
}

/** The public key of an identity, of its kind. */
export async function publicKeyOf(identity: Identity): Promise<Uint8Array> {
  return identity.kind === 'x-wing' ? getXWingPublicKey(identity.secretKey) : getPublicKey(identity.secretKey);
}

/**
 * Parses the `-r` arguments.
 *
 * @throws `CliError` naming the argument (by position) that is not a public key; `UsageError` when kinds are mixed
 */
export function parseRecipients(texts: readonly string[]): Uint8Array[] {
  const keys = texts.map((text, i) => {
    try {
      return parsePublicKey(text.trim());
    } catch {
      throw new CliError(`recipient ${i + 1} (-r) is not a valid public key: expected zvpk1… or zvxpk1…, exactly as keygen printed it (INVALID_INPUT)`);
    }
  });
  const kinds = new Set(keys.map((k) => k.length));
  if (kinds.size > 1) {
    throw new UsageError('X25519 (zvpk1…) and X-Wing (zvxpk1…) recipients cannot share a file: it would be only as strong as X25519; seal once for each kind');
  }
  return keys;
}
