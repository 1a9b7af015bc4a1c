// frp's `--allow-unsafe` flag: the unsafe features (comma-separated, repeatable) a config may use, such as TokenSourceExec.
import { InvalidArgumentError, type Command } from 'commander';
import { UNSAFE_FEATURES } from '../config/token-exec.js';

/** The flag as frpc and frps spell it. */
export const ALLOW_UNSAFE_FLAG = '--allow-unsafe <features>';

/** Adds one `--allow-unsafe` value (it may list several, comma-separated) to those given before. */
function collectFeatures(value: string, previous: string[] | undefined): string[] {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const name of names) {
    if (!(UNSAFE_FEATURES as readonly string[]).includes(name))
      throw new InvalidArgumentError(`unknown unsafe feature "${name}"; known: ${UNSAFE_FEATURES.join(', ')}`);
  }
  return [...(previous ?? []), ...names];
}

/** Adds `--allow-unsafe` to a command (its value arrives as `allowUnsafe: string[]`). */
export function allowUnsafeOption(command: Command): Command {
  return command.option(
    ALLOW_UNSAFE_FLAG,
    `allow unsafe features, one or more of: ${UNSAFE_FEATURES.join(', ')} (TokenSourceExec: auth.tokenSource.type = "exec" runs its command)`,
    collectFeatures,
  );
}
