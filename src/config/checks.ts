// Checks zod cannot express: auth method, required keys per proxy/visitor type, port ranges, duplicate names.
import type { Problem } from './config-error.js';
import { formatPath } from './config-error.js';
import { PLUGIN_KEYS, PLUGIN_TYPES, type PluginType, pluginSchema } from './plugin-schema.js';
import { PROXY_TYPES, VISITOR_TYPES, type ProxyInput, type ServerInput, type VisitorInput } from './schema.js';
import { type Table, isTable } from './source.js';

/** Proxy types that are routed by host name and so need customDomains or subdomain. */
const DOMAIN_PROXY_TYPES: readonly string[] = ['http', 'https', 'tcpmux'];
/** The one tcpmux multiplexer frp has. */
const TCPMUX_MULTIPLEXER = 'httpconnect';

/** One proxy or visitor entry, with where it was written. */
export interface Entry<T> {
  readonly input: T;
  /** The entry as written (to see keys burrow drops, such as `plugin`). */
  readonly raw: Table;
  readonly file: string;
  /** e.g. ['proxies', 1] */
  readonly path: readonly (string | number)[];
}

function push(problems: Problem[], file: string, path: readonly (string | number)[], message: string): void {
  problems.push({ file, path: formatPath(path), message });
}

const typeList = (types: readonly string[]): string => types.map((t) => JSON.stringify(t)).join(', ');

/** auth.method: only "token" works in burrow; "oidc" is refused with a clear reason since login could not succeed. */
export function checkAuthMethod(raw: Table, file: string, problems: Problem[]): void {
  const auth = raw.auth;
  if (!isTable(auth) || typeof auth.method !== 'string' || auth.method === '' || auth.method === 'token') return;
  if (auth.method === 'oidc') {
    push(
      problems,
      file,
      ['auth', 'method'],
      '"oidc" (OpenID Connect) is an frp feature burrow does not support; use "token"',
    );
  } else {
    push(problems, file, ['auth', 'method'], `expected "token", got ${JSON.stringify(auth.method)}`);
  }
}

/** allowPorts entries (at `where`, default the top-level key): either {start, end} with start <= end, or {single}. */
export function checkAllowPorts(
  ranges: ServerInput['allowPorts'],
  file: string,
  problems: Problem[],
  where: readonly (string | number)[] = ['allowPorts'],
): void {
  (ranges ?? []).forEach((r, i) => {
    const at = [...where, i];
    const hasRange = r.start !== undefined || r.end !== undefined;
    if (r.single !== undefined && hasRange) push(problems, file, at, 'expected {start, end} or {single}, not both');
    else if (r.single === undefined && !hasRange) push(problems, file, at, 'expected {start, end} or {single}');
    else if (r.single === undefined && r.start === undefined)
      push(problems, file, [...at, 'start'], 'required with end (expected integer 1-65535)');
    else if (r.single === undefined && r.end === undefined)
      push(problems, file, [...at, 'end'], 'required with start (expected integer 1-65535)');
    else if (r.start !== undefined && r.end !== undefined && r.start > r.end) {
      push(problems, file, at, `start ${r.start} is greater than end ${r.end}`);
    }
  });
}

/** The frps.toml keys checkTcpmuxPort reads (the schema's output, defaults filled). */
interface TcpmuxPorts {
  bindAddr: string;
  bindPort: number;
  proxyBindAddr: string;
  vhostHTTPPort: number;
  vhostHTTPSPort: number;
  tcpmuxHTTPConnectPort: number;
}

/** tcpmuxHTTPConnectPort is a port of its own (frps listens on it alone): not bindPort, not a vhost port. */
export function checkTcpmuxPort(c: TcpmuxPorts, file: string, problems: Problem[]): void {
  const port = c.tcpmuxHTTPConnectPort;
  if (port <= 0) return;
  const sameAddr = c.proxyBindAddr === '' || c.proxyBindAddr === c.bindAddr;
  const taken =
    sameAddr && port === c.bindPort
      ? 'bindPort'
      : port === c.vhostHTTPPort
        ? 'vhostHTTPPort'
        : port === c.vhostHTTPSPort
          ? 'vhostHTTPSPort'
          : undefined;
  if (taken !== undefined)
    push(
      problems,
      file,
      ['tcpmuxHTTPConnectPort'],
      `${port} is ${taken} too; the tcpmux multiplexer needs a port of its own`,
    );
}

/** [[auth.clients]]: each entry names an identity, once, and its port ranges are well-formed. */
export function checkClientPolicies(
  policies: NonNullable<ServerInput['auth']>['clients'],
  file: string,
  problems: Problem[],
): void {
  const seen = new Map<string, number>();
  (policies ?? []).forEach((p, i) => {
    const at = ['auth', 'clients', i];
    const id = p.id ?? '';
    if (id === '')
      push(problems, file, [...at, 'id'], 'required: a certificate CN, DNS or URI SAN, or "sha256:<fingerprint>"');
    else if (seen.has(id))
      push(
        problems,
        file,
        [...at, 'id'],
        `duplicate identity ${JSON.stringify(id)} (also auth.clients[${seen.get(id)}])`,
      );
    else seen.set(id, i);
    checkAllowPorts(p.allowPorts, file, problems, [...at, 'allowPorts']);
  });
}

/** An inline CA: PEM, or DER as `hex:…` / `base64:…` (full parsing happens when TLS starts). */
export function checkCaData(
  value: string | undefined,
  file: string,
  path: readonly string[],
  problems: Problem[],
): void {
  if (value === undefined || value === '') return;
  const v = value.trim();
  const ok =
    v.includes('-----BEGIN CERTIFICATE-----') ||
    /^hex:\s*[0-9a-fA-F\s]+$/.test(v) ||
    /^base64:\s*[A-Za-z0-9+/=\s]+$/.test(v);
  if (!ok) push(problems, file, path, 'expected a PEM certificate, "hex:<DER in hex>" or "base64:<DER in base64>"');
}

/** Per-proxy rules: name and type present, a backend port unless a plugin serves it, domains for vhost types, the tcpmux multiplexer. */
export function checkProxy(e: Entry<ProxyInput>, problems: Problem[]): void {
  const p = e.input;
  if (p.name === undefined) push(problems, e.file, [...e.path, 'name'], 'required (expected string)');
  else if (p.name === '') push(problems, e.file, [...e.path, 'name'], 'must not be empty');
  if (p.type === undefined) {
    push(problems, e.file, [...e.path, 'type'], `required (expected one of ${typeList(PROXY_TYPES)})`);
    return;
  }
  if (p.localPort === undefined && e.raw.plugin === undefined) {
    push(problems, e.file, [...e.path, 'localPort'], `required for a "${p.type}" proxy (expected integer 1-65535)`);
  }
  if (DOMAIN_PROXY_TYPES.includes(p.type) && (p.customDomains ?? []).length === 0 && (p.subdomain ?? '') === '') {
    push(problems, e.file, e.path, `customDomains or subdomain required for a "${p.type}" proxy`);
  }
  if (p.type === 'tcpmux' && p.multiplexer !== TCPMUX_MULTIPLEXER) {
    // frpc refuses the proxy too ("not support multiplexer"): the server would not know how to route it.
    const got = p.multiplexer === undefined ? 'required' : `got ${JSON.stringify(p.multiplexer)}`;
    push(
      problems,
      e.file,
      [...e.path, 'multiplexer'],
      `${got} for a "tcpmux" proxy (expected "${TCPMUX_MULTIPLEXER}")`,
    );
  }
}

/** The plugin type of frp's VirtualNet feature, which burrow lacks: the proxy is skipped with a warning. */
export const UNSUPPORTED_PLUGIN_TYPE: PluginType = 'virtual_net';

/**
 * A proxy's `[proxies.plugin]`: each key must belong to the plugin's type, and the keys that type
 * requires must be set (frp's validation/plugin.go). A virtual_net plugin is warned about.
 */
export function checkPlugin(e: Entry<ProxyInput>, problems: Problem[], warnings: string[]): void {
  const plugin = e.input.plugin;
  if (plugin === undefined) return;
  const at = [...e.path, 'plugin'];
  const type = plugin.type;
  if (type === undefined) {
    push(problems, e.file, [...at, 'type'], `required (expected one of ${typeList(PLUGIN_TYPES)})`);
    return;
  }
  const own = PLUGIN_KEYS[type];
  // A complete config (the library's connect options) carries every key at its default: only a set value is foreign.
  const defaults = pluginSchema.parse({ type }) as Record<string, unknown>;
  for (const [key, value] of Object.entries(plugin)) {
    if (key === 'type' || own.keys.includes(key)) continue;
    if (JSON.stringify(value) === JSON.stringify(defaults[key])) continue;
    const owners = PLUGIN_TYPES.filter((t) => PLUGIN_KEYS[t].keys.includes(key));
    push(problems, e.file, [...at, key], `not a key of the "${type}" plugin (only of ${typeList(owners)})`);
  }
  for (const key of own.required) {
    const value = (plugin as Record<string, unknown>)[key];
    if (value === undefined || value === '') push(problems, e.file, [...at, key], `required by the "${type}" plugin`);
  }
  if (type === UNSUPPORTED_PLUGIN_TYPE) {
    warnings.push(
      `${e.file}: ${formatPath(at)}: "virtual_net" belongs to frp's VirtualNet feature, which burrow does not support yet; the proxy is skipped`,
    );
  }
}

/** Per-visitor rules: name, type, serverName and a bind port present. */
export function checkVisitor(e: Entry<VisitorInput>, problems: Problem[]): void {
  const v = e.input;
  if (v.name === undefined || v.name === '') push(problems, e.file, [...e.path, 'name'], 'required (expected string)');
  if (v.type === undefined)
    push(problems, e.file, [...e.path, 'type'], `required (expected one of ${typeList(VISITOR_TYPES)})`);
  if (v.serverName === undefined || v.serverName === '')
    push(problems, e.file, [...e.path, 'serverName'], 'required (expected string)');
  if (v.bindPort === undefined || v.bindPort === 0) {
    push(problems, e.file, [...e.path, 'bindPort'], 'required (expected integer 1-65535, or negative: do not listen)');
  }
}

/**
 * Names must be unique among proxies (and among visitors), across the config file and its includes.
 * Works on the entries as written, so entries with other problems still take part.
 */
export function checkUniqueNames(
  entries: readonly Omit<Entry<unknown>, 'input'>[],
  noun: string,
  problems: Problem[],
): void {
  const seen = new Map<string, Omit<Entry<unknown>, 'input'>>();
  for (const e of entries) {
    const name = e.raw.name;
    if (typeof name !== 'string' || name === '') continue;
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, e);
      continue;
    }
    const where = first.file === e.file ? formatPath(first.path) : `${first.file}: ${formatPath(first.path)}`;
    push(problems, e.file, [...e.path, 'name'], `duplicate ${noun} name ${JSON.stringify(name)} (also ${where})`);
  }
}
