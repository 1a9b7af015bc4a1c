// Exit codes and the one place the CLI turns an error into a line on stderr.
import { ErrorCode, errorMessage, isBurrowError } from '../errors.js';

/** Process exit codes of every burrow command. */
export const ExitCode = {
  /** Success. */
  OK: 0,
  /** The command was fine but something failed while running (network, login, TLS). */
  RUNTIME: 1,
  /** Bad usage or a bad config file: fix the input and run again. */
  USAGE: 2,
} as const;

/** Prints `burrow: <message>` and returns the exit code the error deserves. */
export function reportError(err: unknown): number {
  process.stderr.write(`burrow: ${errorMessage(err)}\n`);
  if (isBurrowError(err, ErrorCode.CONFIG) || isBurrowError(err, ErrorCode.USAGE)) return ExitCode.USAGE;
  return ExitCode.RUNTIME;
}
