// Reads a legacy frps.ini / frpc.ini into a v1 table: templating, INI parsing, frpc's includes, conversion.
import { readFileSync } from 'node:fs';
import { ConfigError, type Problem, problemsOf } from '../config-error.js';
import { expandIncludes } from '../includes.js';
import { describeReadError } from '../read.js';
import type { Table } from '../source.js';
import { renderTemplate } from '../template.js';
import { COMMON_SECTION, type IniSource, type Role, convertLegacy } from './convert.js';
import { parseIniFile } from './ini.js';
import { locateProblems, locateWarnings } from './origins.js';
import { parseList } from './values.js';

/** A legacy file read into v1 keys. */
export interface LegacyConfig {
  readonly table: Table;
  /** The deprecation notice, then one warning per key ignored while converting. */
  readonly warnings: string[];
  /** Formatted v1 path → the INI section and key it came from. */
  readonly origins: ReadonlyMap<string, string>;
}

/** The one notice each legacy file gets. */
export function deprecationWarning(file: string): string {
  return `${file}: frp's legacy INI format; \`burrow config convert ${file}\` prints the TOML`;
}

/** Renders and parses one included INI file; its problems join `problems`. */
function readIncluded(file: string, env: NodeJS.ProcessEnv, problems: Problem[]): IniSource | undefined {
  try {
    return { file, sections: parseIniFile(renderTemplate(readFileSync(file, 'utf8'), env, file), file) };
  } catch (err) {
    if (err instanceof ConfigError) problems.push(...problemsOf(err));
    else problems.push({ file, path: '', message: '', text: describeReadError(file, err) });
    return undefined;
  }
}

/**
 * Reads legacy INI `text` (already known to be one: see isLegacyIni) as `role`'s config. The includes of
 * frpc's [common] are taken from the file's directory, as burrow does for frpc.toml's `includes`.
 * Throws one ConfigError listing every problem, each naming the INI section and key.
 */
export function readLegacyIni(text: string, file: string, env: NodeJS.ProcessEnv, role: Role): LegacyConfig {
  const sections = parseIniFile(renderTemplate(text, env, file), file);
  const problems: Problem[] = [];
  const warnings = [deprecationWarning(file)];
  const included: IniSource[] = [];
  const includes = sections.find((s) => s.name === COMMON_SECTION)?.keys.get('includes');
  if (role === 'client' && includes !== undefined) {
    for (const f of expandIncludes(parseList(includes.value), file, problems, warnings)) {
      const src = readIncluded(f, env, problems);
      if (src !== undefined) included.push(src);
    }
  }
  const converted = convertLegacy({ file, sections }, included, role);
  // The include problems name v1's includes[i]: trace them to the INI key like the others.
  if (includes !== undefined) converted.origins.set('includes', `[${COMMON_SECTION}] includes`);
  const located = [...locateProblems(problems, converted.origins), ...converted.problems];
  if (located.length > 0) throw ConfigError.fromProblems(file, located);
  const all = [...locateWarnings(warnings, file, converted.origins), ...converted.warnings];
  return { table: converted.table, warnings: all, origins: converted.origins };
}
