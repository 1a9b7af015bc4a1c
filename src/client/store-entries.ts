// The client's proxies and visitors with its store's: the config file's entries first, stored ones that do not clash after them.
import path from 'node:path';
import type { ProxyConfig, VisitorConfig } from '../config/index.js';
import type { ClientStore } from './store.js';

/** Proxies and visitors of one source (the config file, or the file plus the store). */
export interface ClientEntries {
  proxies: ProxyConfig[];
  visitors: VisitorConfig[];
}

/** The names of a list of proxies or visitors. */
export function namesOf(entries: readonly { name: string }[]): ReadonlySet<string> {
  return new Set(entries.map((e) => e.name));
}

/** The config file's entries plus the store's that do not clash with them (the file's win). */
export function withStore(fromFile: ClientEntries, store: ClientStore | undefined): ClientEntries {
  if (!store) return fromFile;
  return {
    proxies: [...fromFile.proxies, ...store.proxyConfigs(namesOf(fromFile.proxies))],
    visitors: [...fromFile.visitors, ...store.visitorConfigs(namesOf(fromFile.visitors))],
  };
}

/** store.path as frpc reads it: a relative path is taken from the config file's folder. */
export function storeFilePath(file: string, configFile: string | undefined): string {
  return configFile !== undefined && !path.isAbsolute(file) ? path.join(path.dirname(configFile), file) : file;
}
