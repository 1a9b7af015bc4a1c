// auth.token / auth.tokenSource: the token from the file a tokenSource names, or from the command it runs (frp's ValueSource).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from './config-error.js';
import type { AuthInput } from './schema.js';
import { runTokenCommand, UNSAFE_TOKEN_SOURCE_EXEC, type TokenExecOptions } from './token-exec.js';

/** What resolveToken may do beyond reading a file. */
export interface TokenSourceOptions extends TokenExecOptions {
  /** The `--allow-unsafe` features given; type "exec" runs only with UNSAFE_TOKEN_SOURCE_EXEC among them. */
  allowUnsafe?: readonly string[];
}

/**
 * The token to use, read from auth.tokenSource when one is set (path relative to the config file's
 * directory, surrounding whitespace trimmed as frp does); undefined when the file sets auth.token or nothing.
 * Type "exec" runs its command (./token-exec.ts) only when `options.allowUnsafe` names TokenSourceExec.
 * Problems (both token and tokenSource, exec not allowed or failed, unreadable file) are appended to `problems`.
 */
export function resolveToken(
  auth: AuthInput | undefined,
  configFile: string,
  problems: Problem[],
  options: TokenSourceOptions = {},
): string | undefined {
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
    if (!(options.allowUnsafe ?? []).includes(UNSAFE_TOKEN_SOURCE_EXEC)) {
      add(
        'auth.tokenSource.type',
        `"exec" runs a command, an unsafe feature: start with --allow-unsafe=${UNSAFE_TOKEN_SOURCE_EXEC} to allow it, or use type "file"`,
      );
      return undefined;
    }
    const result = runTokenCommand(source.exec, options);
    if (result.ok) return result.token;
    add(result.path, result.message);
    return undefined;
  }
  if (source.type !== 'file') {
    add('auth.tokenSource.type', `expected "file" or "exec", got ${JSON.stringify(source.type)}`);
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
