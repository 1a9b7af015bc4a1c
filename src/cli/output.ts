// Small printing helpers shared by the commands.
import { ExitCode, reportError } from './exit.js';

/** Prints each config warning on stderr, one line each. */
export function printWarnings(warnings: readonly string[]): void {
  for (const warning of warnings) process.stderr.write(`burrow: warning: ${warning}\n`);
}

/** `verify`: loads a config with `load` (which prints its warnings); "FILE: syntax is ok" and exit 0, or the problems and exit 2. */
export async function verifyConfig(file: string, load: (file: string) => Promise<unknown>): Promise<number> {
  try {
    await load(file);
    process.stdout.write(`${file}: syntax is ok\n`);
    return ExitCode.OK;
  } catch (err) {
    return reportError(err);
  }
}
