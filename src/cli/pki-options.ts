// Shared by `burrow ca` and `burrow cert`: option parsers (days, key type), passphrase files, output and exit codes.
import { InvalidArgumentError } from 'commander';
import { isBurrowError } from '../errors.js';
import { ExitCode, reportError } from './exit.js';
import { parseKeyType, type KeyType } from '../pki/index.js';
import { readTextFile } from '../pki/files.js';

/** Commander parser for `--days N`: a positive whole number (range checked by the library). */
export function parseDaysOption(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number of days, got "${value}"`);
  return Number(value.trim());
}

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
