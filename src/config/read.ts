// Reads a config file's text, turning file-system failures into ConfigError.
import { ConfigError } from './config-error.js';

/** The text of `file`, read with `read` (async or sync); a missing or unreadable file is a ConfigError. */
export async function readConfigFile(file: string, read: (f: string, enc: 'utf8') => Promise<string>): Promise<string> {
  try {
    return await read(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [describeReadError(file, err)], undefined, { cause: err });
  }
}

/** `file: cannot read config file (ENOENT: no such file or directory)`. */
export function describeReadError(file: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : (e.code ?? e.message);
  return `${file}: cannot read config file (${why})`;
}
