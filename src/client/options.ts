// connect() options: frpc.toml's keys in camelCase, any subset; completed with frp's defaults, written as TOML and checked by the config loader.
import { stringify } from 'smol-toml';
import { isDeepStrictEqual } from 'node:util';
import {
  defaultClientConfig,
  defaultProxyConfig,
  parseClientConfig,
  type ClientConfig,
  type ProxyConfig,
  type VisitorConfig,
} from '../config/index.js';
import { completeVisitor } from '../config/defaults.js';

/** Every key optional, at every depth; arrays are given whole. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** One [[proxies]] entry: a name, and any other keys (type defaults to "tcp"). */
export type ProxyOptions = DeepPartial<ProxyConfig> & { name: string };

/** One [[visitors]] entry: a name, and any other keys (type defaults to "stcp"). */
export type VisitorOptions = DeepPartial<VisitorConfig> & { name: string };

/** What connect() takes: the keys of frpc.toml in camelCase, nested as in TOML; a full ClientConfig is one too. */
export type ConnectOptions = Omit<DeepPartial<ClientConfig>, 'proxies' | 'visitors'> & {
  proxies?: ProxyOptions[];
  visitors?: VisitorOptions[];
};

/** How the options are named in error messages (they have no file). */
export const OPTIONS_SOURCE_NAME = 'connect options';

/** A config resolved from options, and the equivalent frpc.toml text (what GET /api/config serves). */
export interface ResolvedOptions {
  config: ClientConfig;
  text: string;
  warnings: string[];
}

/**
 * Completes `options` with frp's defaults and validates them exactly as frpc.toml would be
 * validated. Throws ConfigError (code ERR_CONFIG) naming `sourceName` and the key.
 */
export function resolveConnectOptions(
  options: ConnectOptions,
  env: NodeJS.ProcessEnv = process.env,
  sourceName = OPTIONS_SOURCE_NAME,
): ResolvedOptions {
  const { proxies = [], visitors = [], ...top } = options;
  const config = mergeDefaults(defaultClientConfig(env), top);
  config.proxies = proxies.map((p) => mergeDefaults(defaultProxyConfig(p.name, p.type ?? 'tcp'), p));
  config.visitors = visitors.map((v) => mergeDefaults(completeVisitor({ name: v.name, type: v.type ?? 'stcp' }), v));
  const text = configToToml(config, env);
  const loaded = parseClientConfig(text, sourceName, { env });
  return { config: loaded.config, text, warnings: loaded.warnings };
}

/** frpc.toml text for a complete config: only the keys that differ from frp's defaults. */
export function configToToml(config: ClientConfig, env: NodeJS.ProcessEnv = process.env): string {
  const { proxies, visitors, ...top } = config;
  const out = pruneDefaults(top, defaultClientConfig(env)) ?? {};
  if (proxies.length > 0) {
    out.proxies = proxies.map((p) => ({
      name: p.name,
      type: p.type,
      ...pruneDefaults(p, defaultProxyConfig(p.name, p.type)),
    }));
  }
  if (visitors.length > 0) {
    out.visitors = visitors.map((v) => ({
      name: v.name,
      type: v.type,
      ...pruneDefaults(v, completeVisitor({ name: v.name, type: v.type })),
    }));
  }
  return escapeTemplateBraces(stringify(out));
}

/**
 * Keeps the loader's template step ({{ .Envs.NAME }}) from reading a value that contains "{{": each
 * "{" followed by another becomes the TOML escape \u007B. "{{" can only occur inside the quoted
 * strings stringify writes (inline tables never nest braces side by side), where the escape is valid.
 */
function escapeTemplateBraces(toml: string): string {
  return toml.replace(/\{(?=\{)/g, '\\u007B');
}

/** `value` with every key equal to its default left out (undefined when nothing is left). */
function pruneDefaults(value: object, defaults: object): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  const base = defaults as Record<string, unknown>;
  for (const [key, v] of Object.entries(value)) {
    const d = base[key];
    if (isDeepStrictEqual(v, d)) continue;
    if (isPlainObject(v) && isPlainObject(d)) {
      const nested = pruneDefaults(v, d);
      if (nested !== undefined) out[key] = nested;
    } else {
      out[key] = v;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * `defaults` with every key `partial` sets taken from it, nested tables merged, arrays replaced.
 * The result has the defaults' type; the config loader checks the values right after.
 */
function mergeDefaults<T extends object>(defaults: T, partial: object): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, v] of Object.entries(partial)) {
    if (v === undefined) continue;
    const d = out[key];
    out[key] = isPlainObject(v) && isPlainObject(d) ? mergeDefaults(d, v) : v;
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
