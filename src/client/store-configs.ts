// A stored entry (frp's JSON shape) as burrow's ProxyConfig / VisitorConfig, through the config loader's own checks.
import { parseClientConfig, type ProxyConfig, type VisitorConfig } from '../config/index.js';
import type { StoreKind } from '../observe/index.js';
import type { StoredEntry } from './store-definition.js';
import { withoutZeroValues } from './store-format.js';

/** What an entry reads as: its config (undefined when `enabled` is false), and the loader's warnings. */
export interface StoredConfig<T> {
  config: T | undefined;
  warnings: string[];
}

/** Names an entry in messages: `store proxy "web"`. */
export function entryLabel(kind: StoreKind, name: string): string {
  return `store ${kind} ${JSON.stringify(name)}`;
}

/**
 * Reads an entry as the config loader reads a [[proxies]] or [[visitors]] table: same defaults, same
 * checks (BurrowError CONFIG, "validation error: …" as frp says), same warnings for frp keys burrow lacks.
 */
function readEntry(kind: StoreKind, e: StoredEntry): { list: unknown[]; warnings: string[] } {
  const key = kind === 'proxy' ? 'proxies' : 'visitors';
  const label = entryLabel(kind, e.name);
  // frp does not template its store: "{{" (only ever inside a JSON string here) is escaped past the loader's template step.
  const text = JSON.stringify({ [key]: [withoutZeroValues(e.entry)] }).replaceAll('{{', '\\u007b\\u007b');
  const loaded = parseClientConfig(text, label, { env: {} });
  return { list: kind === 'proxy' ? loaded.config.proxies : loaded.config.visitors, warnings: loaded.warnings };
}

/** A stored proxy as burrow's ProxyConfig; throws ConfigError when burrow's checks refuse it. */
export function storedProxyConfig(e: StoredEntry): StoredConfig<ProxyConfig> {
  const { list, warnings } = readEntry('proxy', e);
  return { config: list[0] as ProxyConfig | undefined, warnings };
}

/** A stored visitor as burrow's VisitorConfig; throws ConfigError when burrow's checks refuse it. */
export function storedVisitorConfig(e: StoredEntry): StoredConfig<VisitorConfig> {
  const { list, warnings } = readEntry('visitor', e);
  return { config: list[0] as VisitorConfig | undefined, warnings };
}
