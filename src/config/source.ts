// Turns a config file's text into a plain object: format by extension and content (frp's legacy INI, TOML, YAML,
// JSON), templating, parsing; for INI, the conversion to v1 keys and where each came from.
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError, type Problem } from './config-error.js';
import type { Role } from './legacy/convert.js';
import { isLegacyIni } from './legacy/ini.js';
import { readLegacyIni } from './legacy/load.js';
import { locateProblems, locateWarnings } from './legacy/origins.js';
import { renderTemplate } from './template.js';
import { parseYamlConfig } from './yaml.js';

/** A parsed TOML/JSON table. */
export type Table = Record<string, unknown>;

/** True for a TOML table / JSON object (not an array, not a date). */
export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The formats burrow reads; `auto` = by content, as frp does for a name with no known extension. */
type Format = 'toml' | 'json' | 'yaml' | 'ini' | 'auto';

/** The format a file's extension names. */
function formatOf(file: string): Format {
  switch (path.extname(file).toLowerCase()) {
    case '.toml':
      return 'toml';
    case '.json':
      return 'json';
    case '.yaml':
    case '.yml':
      return 'yaml';
    case '.ini':
      return 'ini';
    default:
      return 'auto';
  }
}

/** True when the first non-whitespace character is "{", frp's test for a JSON config. */
function looksLikeJson(text: string): boolean {
  return text.trimStart().startsWith('{');
}

/** The first line of smol-toml's message, without its "Invalid TOML document: " prefix. */
function tomlReason(err: TomlError): string {
  return err.message
    .replace(/^Invalid TOML document: /, '')
    .split('\n')[0]!
    .trim();
}

function parseJson(rendered: string, file: string): Table {
  let value: unknown;
  try {
    value = JSON.parse(rendered);
  } catch (err) {
    throw new ConfigError(file, [`${file}: invalid JSON: ${(err as Error).message}`], undefined, { cause: err });
  }
  if (!isTable(value)) throw new ConfigError(file, [`${file}: invalid JSON: expected an object at the top level`]);
  return value;
}

function tomlError(err: TomlError, file: string): ConfigError {
  return new ConfigError(
    file,
    [`${file}: line ${err.line}, column ${err.column}: invalid TOML: ${tomlReason(err)}`],
    undefined,
    {
      cause: err,
    },
  );
}

/** Parses rendered text as TOML, or (when `format` is auto and it is not TOML) as YAML, frp's fallback. */
function parseTomlOrYaml(rendered: string, file: string, format: Format): Table {
  try {
    return parseToml(rendered) as Table;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    if (format !== 'auto') throw tomlError(err, file);
    try {
      return parseYamlConfig(rendered, file);
    } catch (yamlErr) {
      if (!(yamlErr instanceof ConfigError)) throw yamlErr;
      const why = yamlErr.problems[0]?.slice(file.length + 2) ?? '';
      throw new ConfigError(file, [`${tomlError(err, file).message} (and as YAML: ${why})`], undefined, { cause: err });
    }
  }
}

/**
 * Renders the template in `text` and parses it into a table: JSON for *.json or text starting with "{", YAML
 * for *.yaml / *.yml, TOML otherwise (YAML when a file with another extension is not TOML, as frp falls back).
 * frp's legacy INI is refused here (an included file must be in a v1 format): readConfigSource reads it.
 */
export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv): Table {
  const format = formatOf(file);
  if (format === 'ini' || isLegacyIni(text)) {
    throw new ConfigError(file, [
      `${file}: frp's legacy INI format can only be a main config file; \`burrow config convert ${file}\` prints it as TOML`,
    ]);
  }
  const rendered = renderTemplate(text, env, file);
  // frp reads a file whose text starts with "{" as JSON whatever its name (yaml.IsJSONBuffer), and
  // no TOML document can start that way: an extensionless JSON config loads as it does in frp.
  if (format === 'json' || looksLikeJson(rendered)) return parseJson(rendered, file);
  if (format === 'yaml') return parseYamlConfig(rendered, file);
  return parseTomlOrYaml(rendered, file, format);
}

/** A main config file read into v1 keys. */
export interface ConfigSource {
  readonly table: Table;
  /** Warnings of the reading itself (legacy INI: the deprecation notice and keys frp ignores too). */
  readonly warnings: readonly string[];
  /** True for frp's legacy INI format. */
  readonly legacy: boolean;
  /** Problems about v1 keys, traced back to the INI section and key that wrote them (unchanged for v1 formats). */
  locate(problems: readonly Problem[]): Problem[];
  /** The same for warnings of the form `file: path: message`. */
  locateWarnings(warnings: readonly string[]): string[];
}

/**
 * Reads a main config file of `role` (frps or frpc): frp's legacy INI when the text has a [common] section
 * (frp's DetectLegacyINIFormat) or the name ends in .ini, else as parseConfigText.
 */
export function readConfigSource(text: string, file: string, env: NodeJS.ProcessEnv, role: Role): ConfigSource {
  if (formatOf(file) === 'ini' || isLegacyIni(text)) {
    const legacy = readLegacyIni(text, file, env, role);
    return {
      table: legacy.table,
      warnings: locateWarnings(legacy.warnings, file, legacy.origins),
      legacy: true,
      locate: (problems) => locateProblems(problems, legacy.origins),
      locateWarnings: (warnings) => locateWarnings(warnings, file, legacy.origins),
    };
  }
  return {
    table: parseConfigText(text, file, env),
    warnings: [],
    legacy: false,
    locate: (problems) => [...problems],
    locateWarnings: (warnings) => [...warnings],
  };
}
