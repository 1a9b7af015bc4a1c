// auth.token / auth.tokenSource: the token from the file a tokenSource names (frp's ValueSource, type "file").
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from './config-error.js';
import type { AuthInput } from './schema.js';

/**
 * The token to use, read from auth.tokenSource when one is set (path relative to the config file's
 * directory, surrounding whitespace trimmed as frp does); undefined when the file sets auth.token or nothing.
 * Problems (both token and tokenSource, exec sources, unreadable file) are appended to `problems`.
 */
export function resolveToken(auth: AuthInput | undefined, configFile: string, problems: Problem[]): string | undefined {
  const source = auth?.tokenSource;
  if (source === undefined) return undefined;
  const add = (p: string, message: string): void => {
    problems.push({ file: configFile, path: p, message });
  };
  if (auth?.token !== undefined && auth.token !== '') {
    add('auth.tokenSource', 'cannot be set together with auth.token; keep one');
    return undefined;
  }
  if (source.type === 'exec') {
    add('auth.tokenSource.type', 'burrow does not run commands for the token ("exec"); use type "file"');
    return undefined;
  }
  if (source.type !== 'file') {
    add('auth.tokenSource.type', `expected "file", got ${JSON.stringify(source.type)}`);
    return undefined;
  }
  const file = source.file?.path;
  if (file === undefined || file === '') {
    add('auth.tokenSource.file.path', 'required (expected string) when auth.tokenSource.type is "file"');
    return undefined;
  }
  const resolved = path.resolve(path.dirname(configFile), file);
  try {
    return readFileSync(resolved, 'utf8').trim();
  } catch (err) {
    add(
      'auth.tokenSource.file.path',
      `cannot read ${JSON.stringify(resolved)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
    return undefined;
  }
}
