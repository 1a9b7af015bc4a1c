// `burrow config convert`: a config file of any format burrow reads (legacy INI, YAML, JSON, TOML) as v1 TOML.
import path from 'node:path';
import { stringify } from 'smol-toml';
import { ConfigError } from './config-error.js';
import { parseClientConfig } from './client.js';
import { FRP_CLIENT_KEYS, FRP_SERVER_KEYS } from './frp-keys.js';
import { CLIENT_COMMON_KEYS, SERVER_COMMON_KEYS } from './legacy/common-keys.js';
import { COMMON_SECTION, type Role, convertLegacy } from './legacy/convert.js';
import { DEFAULT_SECTION, isLegacyIni, parseIniFile } from './legacy/ini.js';
import { readConfigFile } from './read.js';
import { parseServerConfig } from './server.js';
import { type Table, isTable, parseConfigText, readConfigSource } from './source.js';
import { renderTemplate } from './template.js';

export type { Role } from './legacy/convert.js';

/** What a conversion gives. */
export interface ConvertedConfig {
  /** The v1 TOML text: the keys the file sets (defaults are not written), loading back to the same config. */
  readonly toml: string;
  /** Whose file it is: given, or guessed from the name and keys. */
  readonly role: Role;
  /** The warnings loading the file gives (the same ones the TOML will give, less the INI notice). */
  readonly warnings: readonly string[];
}

/** Options of convertConfigText. */
export interface ConvertOptions {
  /** frps or frpc; guessed from the file's name (frps*, frpc*) and keys when left out. */
  readonly role?: Role;
  /** The environment templates read (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** What a template action renders to in the marked pass: the variable's name between sentinels. */
const MARK = (name: string): string => `@@BURROW_ENV_${name}@@`;
const MARKED = /@@BURROW_ENV_([A-Za-z_][A-Za-z0-9_]*)@@/g;

/** An environment in which every variable is its own marker. */
const MARKER_ENV: NodeJS.ProcessEnv = new Proxy(
  {},
  { get: (_target, name) => (typeof name === 'string' ? MARK(name) : undefined) },
);

/** The file's table rendered with markers for the variables, or undefined when that text does not parse. */
function markedTable(text: string, file: string, role: Role): Table | undefined {
  try {
    if (path.extname(file).toLowerCase() === '.ini' || isLegacyIni(text)) {
      // Included files are left out: their values keep what the environment gave them.
      const sections = parseIniFile(renderTemplate(text, MARKER_ENV, file), file);
      return convertLegacy({ file, sections }, [], role).table;
    }
    return parseConfigText(text, file, MARKER_ENV);
  } catch (err) {
    if (err instanceof ConfigError) return undefined;
    throw err;
  }
}

/**
 * `real` with each string that came from a template action written back as `{{ .Envs.NAME }}` (read from
 * `marked` at the same place), so secrets the environment supplies stay out of the converted file.
 */
function keepTemplates(real: unknown, marked: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof real === 'string' && typeof marked === 'string') {
    const template = marked.replace(MARKED, (_m, name: string) => `{{ .Envs.${name} }}`);
    // Only where the template renders to this very value: a section the marked pass could not read
    // shifts the lists, and a value must never take another entry's template.
    return template !== marked && renderTemplate(template, env) === real ? template : real;
  }
  if (Array.isArray(real))
    return real.map((v, i) => keepTemplates(v, Array.isArray(marked) ? marked[i] : undefined, env));
  if (isTable(real)) {
    const out: Table = {};
    for (const [k, v] of Object.entries(real)) out[k] = keepTemplates(v, isTable(marked) ? marked[k] : undefined, env);
    return out;
  }
  return real;
}

/** Keys only one side has. */
function onlyIn(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): Set<string> {
  return new Set(Object.keys(a).filter((k) => !Object.hasOwn(b, k)));
}

/** frps or frpc, by the file's name, else by the keys only one side knows; undefined when that does not tell. */
export function guessRole(text: string, file: string, env: NodeJS.ProcessEnv): Role | undefined {
  const base = path.basename(file).toLowerCase();
  if (base.startsWith('frps')) return 'server';
  if (base.startsWith('frpc')) return 'client';
  let keys: string[];
  let clientOnly: Set<string>;
  let serverOnly: Set<string>;
  if (path.extname(file).toLowerCase() === '.ini' || isLegacyIni(text)) {
    const sections = parseIniFile(text, file);
    // Proxy and visitor sections exist only in frpc.ini.
    if (sections.some((s) => s.name !== COMMON_SECTION && s.name !== DEFAULT_SECTION && !s.name.startsWith('plugin.')))
      return 'client';
    keys = [...(sections.find((s) => s.name === COMMON_SECTION)?.keys.keys() ?? [])];
    clientOnly = onlyIn(CLIENT_COMMON_KEYS, SERVER_COMMON_KEYS);
    serverOnly = onlyIn(SERVER_COMMON_KEYS, CLIENT_COMMON_KEYS);
  } else {
    keys = Object.keys(parseConfigText(text, file, env));
    clientOnly = onlyIn(FRP_CLIENT_KEYS, FRP_SERVER_KEYS);
    serverOnly = onlyIn(FRP_SERVER_KEYS, FRP_CLIENT_KEYS);
  }
  const client = keys.filter((k) => clientOnly.has(k)).length;
  const server = keys.filter((k) => serverOnly.has(k)).length;
  if (client === server) return undefined;
  return client > server ? 'client' : 'server';
}

/**
 * Converts config `text` (`file` names it in messages and says its format) to v1 TOML. The file is loaded
 * first exactly as `burrow server` / `burrow client` would load it, so a file with problems throws the same
 * ConfigError. A string value written with `{{ .Envs.NAME }}` keeps the template (so a secret from the environment
 * does not land in the output); other values hold what the environment gave them.
 */
export function convertConfigText(text: string, file: string, opts: ConvertOptions = {}): ConvertedConfig {
  const env = opts.env ?? process.env;
  const role = opts.role ?? guessRole(text, file, env);
  if (role === undefined) {
    throw new ConfigError(file, [
      `${file}: cannot tell whether this is a server (frps) or a client (frpc) config; say which with --server or --client`,
    ]);
  }
  const loaded = role === 'server' ? parseServerConfig(text, file, { env }) : parseClientConfig(text, file, { env });
  const source = readConfigSource(text, file, env, role);
  const marked = markedTable(text, file, role);
  const table = (marked === undefined ? source.table : keepTemplates(source.table, marked, env)) as Table;
  const notice = source.legacy ? source.warnings[0] : undefined;
  return { toml: stringify(table), role, warnings: loaded.warnings.filter((w) => w !== notice) };
}

/** Reads `file` and converts it (see convertConfigText). */
export async function convertConfigFile(file: string, opts: ConvertOptions = {}): Promise<ConvertedConfig> {
  return convertConfigText(await readConfigFile(file), file, opts);
}
