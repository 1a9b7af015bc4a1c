// Reads a config file's text, turning file-system failures into ConfigError.
import { readFile } from 'node:fs/promises';
import { ConfigError } from './config-error.js';

/** The text of `file`; a missing or unreadable file is a ConfigError naming it. */
export async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [describeReadError(file, err)], undefined, { cause: err });
  }
}

/** `file: cannot read config file (no such file)`. */
export function describeReadError(file: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : (e.code ?? e.message);
  return `${file}: cannot read config file (${why})`;
}
