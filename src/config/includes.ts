// `includes` of frpc.toml: expand each pattern (`*` and `?` in the file name) to the files it names.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Problem } from './config-error.js';

/** A glob on one file name (`*` = any run of characters, `?` = one character) as a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** True for a regular file (or a link to one); a dangling link or a directory is not a config file. */
function isRegularFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The files the include patterns name, sorted by name per pattern, relative to the config file's directory. */
export function expandIncludes(
  patterns: readonly string[],
  configFile: string,
  problems: Problem[],
  warnings: string[],
): string[] {
  const out: string[] = [];
  const self = path.resolve(configFile);
  patterns.forEach((pattern, i) => {
    const key = `includes[${i}]`;
    // Relative patterns are taken from the config file's directory, not the working directory.
    const dir = path.isAbsolute(pattern)
      ? path.dirname(pattern)
      : path.join(path.dirname(configFile), path.dirname(pattern));
    const match = globToRegExp(path.basename(pattern));
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? (err as Error).message})`;
      problems.push({ file: configFile, path: key, message: `directory ${JSON.stringify(dir)} ${why}` });
      return;
    }
    let found = 0;
    for (const name of names) {
      if (!match.test(name)) continue;
      const file = path.join(dir, name);
      if (path.resolve(file) === self) continue; // a pattern such as "*.toml" would otherwise include the main file
      if (!isRegularFile(file)) continue;
      out.push(file);
      found++;
    }
    if (found === 0) warnings.push(`${configFile}: ${key}: no file matches ${JSON.stringify(pattern)}`);
  });
  return out;
}
