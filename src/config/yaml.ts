// Reads a YAML config as frp does (k8s yaml: YAML 1.1, merge keys, top-level keys starting with "." dropped).
import { YAMLError, parseDocument } from 'yaml';
import { ConfigError } from './config-error.js';
import { type Table, isTable } from './source.js';

/** Most aliases one document may expand, against "billion laughs" documents. */
export const MAX_YAML_ALIASES = 100;

/** Removes null values from tables: a key written without a value is left at its default, as Go's JSON decoding does. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isTable(value)) return value;
  const out: Table = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = dropNulls(v);
  return out;
}

/** `line L, column C: invalid YAML: reason` of a yaml error, as TOML errors read. */
function yamlReason(err: YAMLError): string {
  const pos = err.linePos?.[0];
  const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return pos === undefined ? `invalid YAML: ${reason}` : `line ${pos.line}, column ${pos.col}: invalid YAML: ${reason}`;
}

/** Parses rendered YAML text into a table; errors name `file` with the line and column. */
export function parseYamlConfig(text: string, file: string): Table {
  const doc = parseDocument(text, { version: '1.1', merge: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err !== undefined) throw new ConfigError(file, [`${file}: ${yamlReason(err)}`], undefined, { cause: err });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    // toJS refuses documents whose aliases expand past maxAliasCount (a ReferenceError, not a YAMLError).
    throw new ConfigError(file, [`${file}: invalid YAML: ${(e as Error).message}`], undefined, { cause: e });
  }
  if (value === null || value === undefined) return {};
  if (!isTable(value)) throw new ConfigError(file, [`${file}: invalid YAML: expected a mapping at the top level`]);
  // frp drops top-level keys starting with "." so that they can hold anchors (`.common: &common ...`).
  for (const key of Object.keys(value)) if (key.startsWith('.')) delete value[key];
  return dropNulls(value) as Table;
}
