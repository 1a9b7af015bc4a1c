// Small printing helpers shared by the commands.

/** Prints each config warning on stderr, one line each. */
export function printWarnings(warnings: readonly string[]): void {
  for (const warning of warnings) process.stderr.write(`burrow: warning: ${warning}\n`);
}
