// Light helpers every command uses: the --days parser, one line on stdout, and running a command body to an exit code.
import { InvalidArgumentError } from 'commander';
import { ExitCode, reportError } from './exit.js';

/** Commander parser for `--days N`: a positive whole number (range checked by the library). */
export function parseDaysOption(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number of days, got "${value}"`);
  return Number(value.trim());
}

/** Prints one line on stdout. */
export function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Runs a command body: 0 when it completes, the error's exit code (1 runtime, 2 usage) otherwise. */
export async function run(body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return ExitCode.OK;
  } catch (err) {
    return reportError(err);
  }
}
