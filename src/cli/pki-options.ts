// Shared by `burrow ca` and `burrow cert`: option parsers (days, key type), passphrase files, output and exit codes.
import { InvalidArgumentError } from 'commander';
import { isBurrowError } from '../errors.js';
import { parseKeyType, type KeyType } from '../pki/index.js';
import { readTextFile } from '../pki/files.js';

// The light helpers live in run.ts (enrollment commands use them without loading the PKI).
export { out, parseDaysOption, run } from './run.js';

/** Commander parser for `--key-type T`. */
export function parseKeyTypeOption(value: string): KeyType {
  try {
    return parseKeyType(value);
  } catch (err) {
    if (isBurrowError(err)) throw new InvalidArgumentError(err.message);
    throw err;
  }
}

/**
 * The passphrase in `file` (its first line, without the line break, like openssl's `file:`
 * source), or undefined when no file was given.
 */
export async function readPassphraseFile(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  const text = await readTextFile(file, 'passphrase file');
  return text.split(/\r?\n/)[0] ?? '';
}

/** `{ passphrase }` when one was given, `{}` otherwise (exact optional properties). */
export function passphraseOption(passphrase: string | undefined): { passphrase?: string } {
  return passphrase === undefined ? {} : { passphrase };
}
