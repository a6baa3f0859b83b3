/**
 * CLI failures: a message a person can act on and an exit status (2 for a
 * usage mistake, 1 for everything else). The library's `ZeroVaultError`s
 * are turned into such messages in `index.ts`.
 *
 * @module
 */

/** A failure the CLI reports as is: `zerovault: <message>`, then exits with `exitCode`. */
export class CliError extends Error {
  /** The process exit status. */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A usage mistake: reported with the usage text, exit status 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** The reason of a failed file operation, in words, from its `code` (never the runtime's message, which may echo more). */
export function fileReason(err: unknown): string {
  const code = err instanceof Error && 'code' in err ? String(err.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EEXIST':
      return 'it already exists';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EPIPE':
      return 'the reader closed the pipe';
    default:
      return code === '' ? 'unknown error' : code;
  }
}
