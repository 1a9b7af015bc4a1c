// Turns parsed legacy INI sections into the v1 table the TOML parser would give (frp's conversion.go), recording
// which INI section and key each v1 key came from so later problems can name them.
import { type Problem, describeValue, formatPath } from '../config-error.js';
import type { Table } from '../source.js';
import { suggestKey } from '../suggest.js';
import {
  CLIENT_COMMON_KEYS,
  CLIENT_COMMON_PREFIXES,
  type Kind,
  LEGACY_DASHBOARD_ADDR,
  type PrefixSpec,
  SERVER_COMMON_KEYS,
  SERVER_PLUGIN_KEYS,
  type Spec,
} from './common-keys.js';
import { DEFAULT_SECTION, type IniKey, type IniSection } from './ini.js';
import {
  PLUGINS_WITH_HEADERS,
  PLUGIN_PARAMS,
  PROXY_TYPE_KEYS,
  VISITOR_TYPE_KEYS,
  proxyKeys,
  visitorKeys,
} from './proxy-keys.js';
import { ValueError, parseGoBool, parseGoInt, parseList, parsePortRanges, parseRangeNumbers } from './values.js';

/** Which side's file this is: frps.ini or frpc.ini. */
export type Role = 'server' | 'client';

/** The [common] section's name. */
export const COMMON_SECTION = 'common';
const RANGE_PREFIX = 'range:';
const SERVER_PLUGIN_PREFIX = 'plugin.';
const HEADER_PREFIX = 'header_';
const PLUGIN_PARAM_PREFIX = 'plugin_';
const PLUGIN_HEADER_PREFIX = 'plugin_header_';
const META_PREFIX = 'meta_';

/** INI sections read from one file. */
export interface IniSource {
  readonly file: string;
  readonly sections: readonly IniSection[];
}

/** What the conversion gives: the v1 table, and where each of its keys was written. */
export interface Converted {
  readonly table: Table;
  /** Formatted v1 path (`proxies[0].localPort`) → `[ssh] local_port` (with the file when it is an included one). */
  readonly origins: Map<string, string>;
  readonly warnings: string[];
  readonly problems: Problem[];
}

type Path = (string | number)[];

/** Sets `value` at `path` in `root`, making the tables on the way. */
function setAt(root: Table, path: readonly (string | number)[], value: unknown): void {
  let cur: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = cur[key];
    if (typeof next === 'object' && next !== null) cur = next as Record<string | number, unknown>;
    else {
      // A numeric step is an index: proxies[0] lives in an array, as in a parsed [[proxies]].
      const made = (typeof path[i + 1] === 'number' ? [] : {}) as Record<string | number, unknown>;
      cur[key] = made;
      cur = made;
    }
  }
  cur[path[path.length - 1]!] = value;
}

/** One conversion run over the sections of a file and its includes. */
class Converter {
  readonly table: Table = {};
  readonly origins = new Map<string, string>();
  readonly warnings: string[] = [];
  readonly problems: Problem[] = [];

  constructor(private readonly mainFile: string) {}

  /** `[section] key`, with the file in front when it is not the main one. */
  where(file: string, section: string, key?: string): string {
    const at = key === undefined ? `[${section}]` : `[${section}] ${key}`;
    return file === this.mainFile ? at : `${file}: ${at}`;
  }

  problem(file: string, section: string, key: string | undefined, message: string): void {
    this.problems.push({ file, path: key === undefined ? `[${section}]` : `[${section}] ${key}`, message });
  }

  warn(file: string, section: string, key: string | undefined, message: string): void {
    const at = key === undefined ? `[${section}]` : `[${section}] ${key}`;
    this.warnings.push(`${file}: ${at}: ${message}`);
  }

  /** Reads `raw` as `kind`; undefined (after a problem) when it does not convert, or when an int/bool is empty. */
  read(kind: Kind, raw: IniKey, file: string, section: string, key: string): unknown {
    // ini.v1 leaves a field at its default when an empty value does not parse (MapTo is not strict).
    if ((kind === 'int' || kind === 'bool') && raw.value.trim() === '') return undefined;
    try {
      switch (kind) {
        case 'str':
          return raw.value;
        case 'int':
          return parseGoInt(raw.value);
        case 'bool':
          return parseGoBool(raw.value);
        case 'list':
          return parseList(raw.value);
        case 'ports':
          return parsePortRanges(raw.value);
      }
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      this.problem(file, section, key, `line ${raw.line}: ${err.expected}, got ${describeValue(raw.value)}`);
      return undefined;
    }
  }

  /** Writes one v1 key (`base` + `to`) and remembers where it came from. */
  put(base: Path, to: readonly (string | number)[], value: unknown, origin: string): void {
    const path = [...base, ...to];
    setAt(this.table, path, value);
    this.origins.set(formatPath(path), origin);
    // A table a warning may name as a whole (plugin, metadatas, httpPlugins) names the first key written in it.
    for (let i = path.length - 1; i > 0; i--) {
      const parent = formatPath(path.slice(0, i));
      if (!this.origins.has(parent)) this.origins.set(parent, origin);
    }
  }

  /** The v1 key of a prefixed key (meta_var1 → metadatas.var1), if it is one. */
  prefixed(key: string, prefixes: readonly PrefixSpec[]): (string | number)[] | undefined {
    for (const p of prefixes) {
      if (key.startsWith(p.prefix) && key.length > p.prefix.length)
        return [...p.to.split('.'), key.slice(p.prefix.length)];
    }
    return undefined;
  }

  /** An unknown key: a problem with the nearest known name. */
  unknown(file: string, section: string, key: string, known: Iterable<string>, what: string): void {
    const hint = suggestKey(key, known);
    const tail = hint === undefined ? '' : ` (did you mean ${JSON.stringify(hint)}?)`;
    this.problem(file, section, key, `unknown key of ${what}${tail}`);
  }

  /** Applies one catalogued key; `control` keys are left to the caller, which reads them itself. */
  apply(spec: Spec, raw: IniKey, file: string, section: string, key: string, base: Path): void {
    const origin = this.where(file, section, key);
    if ('to' in spec) {
      const value = this.read(spec.kind, raw, file, section, key);
      if (value !== undefined) this.put(base, spec.to.split('.'), value, origin);
    } else if ('scope' in spec) {
      if (this.read('bool', raw, file, section, key) !== true) return;
      const path = [...base, 'auth', 'additionalScopes'];
      const scopes = ((this.table.auth as Table | undefined)?.additionalScopes as string[] | undefined) ?? [];
      // frp appends HeartBeats before NewWorkConns whatever the file's order.
      const next = [...scopes, spec.scope].sort();
      setAt(this.table, path, next);
      this.origins.set(formatPath(path), origin);
    } else if ('ignored' in spec) {
      this.warn(file, section, key, `ignored: ${spec.ignored}`);
    }
  }

  /** [common] of either side. */
  common(src: IniSource, section: IniSection, role: Role): void {
    const specs = role === 'client' ? CLIENT_COMMON_KEYS : SERVER_COMMON_KEYS;
    const prefixes = role === 'client' ? CLIENT_COMMON_PREFIXES : [];
    for (const [key, raw] of section.keys) {
      const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
      if (spec !== undefined) {
        this.apply(spec, raw, src.file, COMMON_SECTION, key, []);
        continue;
      }
      const to = this.prefixed(key, prefixes);
      if (to !== undefined) this.put([], to, raw.value, this.where(src.file, COMMON_SECTION, key));
      else {
        const known = [...Object.keys(specs), ...prefixes.map((p) => `${p.prefix}NAME`)];
        this.unknown(src.file, COMMON_SECTION, key, known, `${role === 'client' ? 'frpc' : 'frps'} [common]`);
      }
    }
    if (role === 'server') this.serverDashboard(src, section);
  }

  /** frps's dashboard: the TLS files and pprof only count with dashboard_tls_mode; its addr defaults to 0.0.0.0. */
  serverDashboard(src: IniSource, section: IniSection): void {
    const keys = section.keys;
    const mode = keys.get('dashboard_tls_mode');
    const tls = mode !== undefined && this.read('bool', mode, src.file, COMMON_SECTION, 'dashboard_tls_mode') === true;
    const files = [
      ['dashboard_tls_cert_file', 'certFile'],
      ['dashboard_tls_key_file', 'keyFile'],
    ] as const;
    for (const [key, to] of files) {
      const raw = keys.get(key);
      if (raw === undefined) continue;
      if (tls) this.put([], ['webServer', 'tls', to], raw.value, this.where(src.file, COMMON_SECTION, key));
      else if (raw.value !== '')
        this.warn(src.file, COMMON_SECTION, key, 'ignored while dashboard_tls_mode is false, as frp does');
    }
    const pprof = keys.get('pprof_enable');
    if (pprof !== undefined) {
      const on = this.read('bool', pprof, src.file, COMMON_SECTION, 'pprof_enable');
      if (tls && on !== undefined)
        this.put([], ['webServer', 'pprofEnable'], on, this.where(src.file, COMMON_SECTION, 'pprof_enable'));
      else if (on === true)
        this.warn(src.file, COMMON_SECTION, 'pprof_enable', 'ignored while dashboard_tls_mode is false, as frp does');
    }
    const port = keys.get('dashboard_port');
    if (port !== undefined && !keys.has('dashboard_addr')) {
      // Already read (and any bad value reported) as webServer.port: the value written there decides.
      const n = (this.table.webServer as Table | undefined)?.port;
      // Legacy frps listens on 0.0.0.0 when dashboard_addr is left out; v1 would pick 127.0.0.1.
      if (typeof n === 'number' && n > 0) {
        const origin = `${this.where(src.file, COMMON_SECTION, 'dashboard_port')} (legacy dashboard_addr default)`;
        this.put([], ['webServer', 'addr'], LEGACY_DASHBOARD_ADDR, origin);
      }
    }
  }

  /** frps's [plugin.NAME] sections → httpPlugins. */
  serverPlugin(src: IniSource, section: IniSection): void {
    const name = section.name.slice(SERVER_PLUGIN_PREFIX.length).trim();
    const list = (this.table.httpPlugins as Table[] | undefined) ?? [];
    const base: Path = ['httpPlugins', list.length];
    this.put(base, ['name'], name, this.where(src.file, section.name));
    for (const [key, raw] of section.keys) {
      if (key === 'name') continue; // frp names the plugin after its section
      const spec = Object.hasOwn(SERVER_PLUGIN_KEYS, key) ? SERVER_PLUGIN_KEYS[key] : undefined;
      if (spec === undefined)
        this.unknown(src.file, section.name, key, Object.keys(SERVER_PLUGIN_KEYS), 'a server plugin');
      else this.apply(spec, raw, src.file, section.name, key, base);
    }
  }

  /** A proxy or visitor section; `label` is the section as written (range sections expand to several). */
  entry(src: IniSource, name: string, label: string, keys: ReadonlyMap<string, IniKey>): void {
    const roleKey = keys.get('role');
    const role = roleKey?.value.trim() ?? '';
    if (role === 'visitor') this.visitor(src, name, label, keys);
    else if (role === 'server' || role === '') this.proxy(src, name, label, keys);
    else
      this.problem(
        src.file,
        label,
        'role',
        `line ${roleKey!.line}: expected "server" or "visitor", got ${JSON.stringify(role)}`,
      );
  }

  proxy(src: IniSource, name: string, label: string, keys: ReadonlyMap<string, IniKey>): void {
    const typeKey = keys.get('type');
    const type = typeKey?.value.trim() || 'tcp';
    const specs = proxyKeys(type);
    if (specs === undefined) {
      const types = Object.keys(PROXY_TYPE_KEYS).map((t) => JSON.stringify(t));
      this.problem(src.file, label, 'type', `expected one of ${types.join(', ')}, got ${JSON.stringify(type)}`);
      return;
    }
    const list = (this.table.proxies as Table[] | undefined) ?? [];
    const base: Path = ['proxies', list.length];
    this.put(base, ['name'], name, this.where(src.file, label));
    if (typeKey === undefined) this.put(base, ['type'], type, this.where(src.file, label));
    const pluginName = keys.get('plugin')?.value.trim() ?? '';
    const params = Object.hasOwn(PLUGIN_PARAMS, pluginName) ? PLUGIN_PARAMS[pluginName]! : {};
    for (const [key, raw] of keys) {
      const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
      const at = this.where(src.file, label, key);
      if (spec !== undefined) {
        this.apply(spec, raw, src.file, label, key, base);
      } else if (key.startsWith(META_PREFIX) && key.length > META_PREFIX.length) {
        this.put(base, ['metadatas', key.slice(META_PREFIX.length)], raw.value, at);
      } else if (key.startsWith(HEADER_PREFIX) && key.length > HEADER_PREFIX.length && type === 'http') {
        this.put(base, ['requestHeaders', 'set', key.slice(HEADER_PREFIX.length)], raw.value, at);
      } else if (key.startsWith(PLUGIN_PARAM_PREFIX)) {
        this.pluginParam(src, label, key, raw, pluginName, params, base);
      } else {
        this.otherTypeKey(src, label, key, type, 'proxies', PROXY_TYPE_KEYS, proxyKeys);
      }
    }
  }

  /** A plugin_* parameter: a key of the plugin's v1 table, a plugin_header_X, or one frp ignores. */
  pluginParam(
    src: IniSource,
    label: string,
    key: string,
    raw: IniKey,
    plugin: string,
    params: Readonly<Record<string, string>>,
    base: Path,
  ): void {
    const at = this.where(src.file, label, key);
    const to = Object.hasOwn(params, key) ? params[key] : undefined;
    if (to !== undefined) this.put(base, ['plugin', to], raw.value, at);
    else if (
      key.startsWith(PLUGIN_HEADER_PREFIX) &&
      key.length > PLUGIN_HEADER_PREFIX.length &&
      PLUGINS_WITH_HEADERS.has(plugin)
    )
      this.put(base, ['plugin', 'requestHeaders', 'set', key.slice(PLUGIN_HEADER_PREFIX.length)], raw.value, at);
    else {
      const what = plugin === '' ? 'no plugin is set' : `plugin ${JSON.stringify(plugin)} has no such parameter`;
      this.warn(src.file, label, key, `ignored: ${what}, as frp does`);
    }
  }

  /** A key that is not one of this type's: a warning when another type has it (frp ignores it), else unknown. */
  otherTypeKey(
    src: IniSource,
    label: string,
    key: string,
    type: string,
    noun: string,
    byType: Readonly<Record<string, unknown>>,
    keysOf: (t: string) => Readonly<Record<string, Spec>> | undefined,
  ): void {
    const owners = Object.keys(byType).filter((t) => Object.hasOwn(keysOf(t) ?? {}, key));
    if (noun === 'proxies' && key.startsWith(HEADER_PREFIX)) owners.push('http');
    if (owners.length > 0) {
      const list = owners.map((t) => JSON.stringify(t)).join(', ');
      this.warn(
        src.file,
        label,
        key,
        `not a key of ${JSON.stringify(type)} ${noun} (only of ${list}); ignored, as frp does`,
      );
      return;
    }
    const known = new Set(Object.keys(byType).flatMap((t) => Object.keys(keysOf(t) ?? {})));
    if (noun === 'proxies') for (const p of [META_PREFIX, HEADER_PREFIX, PLUGIN_PARAM_PREFIX]) known.add(`${p}NAME`);
    this.unknown(src.file, label, key, known, noun === 'proxies' ? 'a proxy' : 'a visitor');
  }

  visitor(src: IniSource, name: string, label: string, keys: ReadonlyMap<string, IniKey>): void {
    const type = keys.get('type')?.value.trim() ?? '';
    const specs = visitorKeys(type);
    if (specs === undefined) {
      const types = Object.keys(VISITOR_TYPE_KEYS).map((t) => JSON.stringify(t));
      const got = type === '' ? 'required for a visitor' : `got ${JSON.stringify(type)}`;
      this.problem(src.file, label, 'type', `expected one of ${types.join(', ')} (${got})`);
      return;
    }
    const list = (this.table.visitors as Table[] | undefined) ?? [];
    const base: Path = ['visitors', list.length];
    this.put(base, ['name'], name, this.where(src.file, label));
    for (const [key, raw] of keys) {
      const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
      if (spec !== undefined) this.apply(spec, raw, src.file, label, key, base);
      else this.otherTypeKey(src, label, key, type, 'visitors', VISITOR_TYPE_KEYS, visitorKeys);
    }
  }

  /** [range:NAME]: one proxy per local/remote port pair, named NAME_0, NAME_1, ... (frp's renderRangeProxyTemplates). */
  range(src: IniSource, section: IniSection): void {
    const prefix = section.name.slice(RANGE_PREFIX.length).trim();
    const local = section.keys.get('local_port');
    const remote = section.keys.get('remote_port');
    if (local === undefined || remote === undefined || local.value.trim() === '' || remote.value.trim() === '') {
      this.problem(src.file, section.name, undefined, 'a range section needs local_port and remote_port');
      return;
    }
    const parse = (raw: IniKey, key: string): number[] | undefined => {
      try {
        return parseRangeNumbers(raw.value);
      } catch (err) {
        if (!(err instanceof ValueError)) throw err;
        this.problem(src.file, section.name, key, `line ${raw.line}: ${err.expected}, got ${describeValue(raw.value)}`);
        return undefined;
      }
    };
    const locals = parse(local, 'local_port');
    const remotes = parse(remote, 'remote_port');
    if (locals === undefined || remotes === undefined) return;
    if (locals.length !== remotes.length) {
      this.problem(
        src.file,
        section.name,
        undefined,
        `local_port has ${locals.length} ports and remote_port ${remotes.length}: they must match`,
      );
      return;
    }
    locals.forEach((port, i) => {
      const keys = new Map(section.keys);
      keys.set('local_port', { value: String(port), line: local.line });
      keys.set('remote_port', { value: String(remotes[i]!), line: remote.line });
      this.entry(src, `${prefix}_${i}`, section.name, keys);
    });
  }
}

/** Keys written before the first section: ini.v1 keeps them in DEFAULT, which frp never reads. */
function warnDefault(c: Converter, src: IniSource, section: IniSection): void {
  for (const key of section.keys.keys()) {
    c.warnings.push(`${src.file}: ${key}: written before any section; ignored, as frp does`);
  }
}

/**
 * Converts a legacy frps.ini / frpc.ini (and, for frpc, the files its `includes` name, whose proxy and visitor
 * sections join the main file's as in frp) into a v1 table.
 */
export function convertLegacy(main: IniSource, included: readonly IniSource[], role: Role): Converted {
  const c = new Converter(main.file);
  const common = main.sections.find((s) => s.name === COMMON_SECTION);
  if (common === undefined) {
    c.problems.push({ file: main.file, path: '', message: "no [common] section (frp's legacy INI format needs one)" });
    return c;
  }
  c.common(main, common, role);
  for (const src of [main, ...included]) {
    for (const section of src.sections) {
      if (section.name === DEFAULT_SECTION) warnDefault(c, src, section);
      else if (section.name === COMMON_SECTION) {
        if (src !== main) c.warn(src.file, COMMON_SECTION, undefined, 'ignored in an included file, as frp does');
      } else if (role === 'server') {
        if (section.name.startsWith(SERVER_PLUGIN_PREFIX)) c.serverPlugin(src, section);
        else c.warn(src.file, section.name, undefined, 'ignored: frps reads only [common] and [plugin.NAME] sections');
      } else if (section.name.startsWith(RANGE_PREFIX)) c.range(src, section);
      else c.entry(src, section.name, section.name, section.keys);
    }
  }
  return c;
}
