// Turns a config file's text into a plain object: format by extension and content, templating, TOML or JSON parsing.
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError } from './config-error.js';
import { renderTemplate } from './template.js';

/** A parsed TOML/JSON table. */
export type Table = Record<string, unknown>;

/** True for a TOML table / JSON object (not an array, not a date). */
export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Refuses formats burrow does not read, by file extension; returns whether the file is JSON. */
function detectFormat(file: string): 'toml' | 'json' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.ini') {
    throw new ConfigError(file, [
      `${file}: INI is frp's deprecated config format; burrow reads TOML: rewrite it with frp's TOML key names ` +
        `(see frp's conf/frpc_full_example.toml / frps_full_example.toml) and check it with "frpc verify -c <file>"`,
    ]);
  }
  if (ext === '.yaml' || ext === '.yml') {
    throw new ConfigError(file, [
      `${file}: burrow reads TOML config files only (and JSON); convert this YAML file to TOML`,
    ]);
  }
  return ext === '.json' ? 'json' : 'toml';
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

/** Renders the template in `text` and parses it (TOML, or JSON for *.json or text starting with "{") into a table; errors name `file`. */
export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv): Table {
  const format = detectFormat(file);
  const rendered = renderTemplate(text, env, file);
  // frp reads a file whose text starts with "{" as JSON whatever its name (yaml.IsJSONBuffer), and
  // no TOML document can start that way: an extensionless JSON config loads as it does in frp.
  if (format === 'json' || looksLikeJson(rendered)) {
    let value: unknown;
    try {
      value = JSON.parse(rendered);
    } catch (err) {
      throw new ConfigError(file, [`${file}: invalid JSON: ${(err as Error).message}`], undefined, { cause: err });
    }
    if (!isTable(value)) throw new ConfigError(file, [`${file}: invalid JSON: expected an object at the top level`]);
    return value;
  }
  try {
    return parseToml(rendered) as Table;
  } catch (err) {
    if (err instanceof TomlError) {
      throw new ConfigError(
        file,
        [`${file}: line ${err.line}, column ${err.column}: invalid TOML: ${tomlReason(err)}`],
        undefined,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}
