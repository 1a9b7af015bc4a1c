// frp's client store ([store] path): proxies and visitors added through /api/store, persisted, applied at once, restored at start.
import type { ProxyConfig, VisitorConfig } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { ClientStoreView, StoreKind } from '../observe/index.js';
import { storedProxyConfig, storedVisitorConfig, type StoredConfig } from './store-configs.js';
import { parseDefinition, toDefinition, type StoredEntry } from './store-definition.js';
import { readStoreFile, writeStoreFile } from './store-file.js';

/** What the store needs from its client. */
export interface StoreHost {
  /** The names of the config file's proxies or visitors now: a store entry may not take one. */
  configNames(kind: StoreKind): ReadonlySet<string>;
  /** Brings the running client in line with the config file's entries plus the store's (store.configs()). */
  apply(): Promise<void>;
  readonly logger: Logger;
}

/** A stored entry and what burrow runs for it (undefined when `enabled` is false). */
interface Held {
  stored: StoredEntry;
  config: ProxyConfig | VisitorConfig | undefined;
}

/** A stored entry read as burrow's config; CONFIG "validation error: …" when burrow's checks refuse it. */
function readConfig(kind: StoreKind, stored: StoredEntry): StoredConfig<ProxyConfig | VisitorConfig> {
  try {
    return kind === 'proxy' ? storedProxyConfig(stored) : storedVisitorConfig(stored);
  } catch (err) {
    throw new BurrowError(ErrorCode.CONFIG, `validation error: ${errorMessage(err)}`, { cause: err });
  }
}

function notFound(kind: StoreKind, name: string): BurrowError {
  return new BurrowError(ErrorCode.NOT_FOUND, `not found: ${kind} ${JSON.stringify(name)}`);
}

/**
 * The store: its entries by kind and name, the file they persist to, and frp's /api/store
 * operations. A change is written to the file first (temp file + rename; a failed write changes
 * nothing), then applied to the running client. Changes run one at a time.
 */
export class ClientStore implements ClientStoreView {
  private readonly held: Record<StoreKind, Map<string, Held>> = { proxy: new Map(), visitor: new Map() };
  /** Changes run one at a time: each reads the state the one before left. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    /** The store file (resolved beside the config file when relative, as frpc does). */
    readonly file: string,
    private readonly host: StoreHost,
  ) {}

  /**
   * Opens the store file (a missing one is an empty store). Entries named like one of the config
   * file's are skipped with a warning: the config file's entry runs. Throws BurrowError CONFIG
   * when the file is invalid or burrow's checks refuse an entry in it.
   */
  static async open(file: string, host: StoreHost): Promise<ClientStore> {
    const store = new ClientStore(file, host);
    const contents = await readStoreFile(file);
    for (const [kind, list] of [
      ['proxy', contents.proxies],
      ['visitor', contents.visitors],
    ] as const) {
      for (const stored of list) {
        const { config, warnings } = readConfig(kind, stored);
        for (const w of warnings) host.logger.warn({ store: file }, w);
        store.held[kind].set(stored.name, { stored, config });
      }
    }
    return store;
  }

  /** The proxies burrow runs from the store: enabled ones not named in `taken` (the config file's, which run instead). */
  proxyConfigs(taken: ReadonlySet<string>): ProxyConfig[] {
    return this.running('proxy', taken) as ProxyConfig[];
  }

  /** The visitors burrow runs from the store (see proxyConfigs). */
  visitorConfigs(taken: ReadonlySet<string>): VisitorConfig[] {
    return this.running('visitor', taken) as VisitorConfig[];
  }

  private running(kind: StoreKind, taken: ReadonlySet<string>): (ProxyConfig | VisitorConfig)[] {
    const out: (ProxyConfig | VisitorConfig)[] = [];
    for (const [name, h] of [...this.held[kind]].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (h.config === undefined) continue;
      if (taken.has(name)) {
        this.host.logger.warn(
          { store: this.file, [kind]: name },
          `store ${kind} "${name}" is not started: the config file has a ${kind} of that name`,
        );
        continue;
      }
      out.push(h.config);
    }
    return out;
  }

  /** True when `name` runs from the store: stored, enabled, and not shadowed by the config file (frp's IsStoreProxyEnabled). */
  runs(kind: StoreKind, name: string): boolean {
    const h = this.held[kind].get(name);
    return h !== undefined && h.config !== undefined && !this.host.configNames(kind).has(name);
  }

  /** GET /api/store/{proxies,visitors}: every entry by name. */
  list(kind: StoreKind): Record<string, unknown>[] {
    return [...this.held[kind].values()]
      .map((h) => h.stored)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(toDefinition);
  }

  /** GET /api/store/…/{name}. */
  get(kind: StoreKind, name: string): Record<string, unknown> {
    const h = this.held[kind].get(name);
    if (!h) throw notFound(kind, name);
    return toDefinition(h.stored);
  }

  /** POST /api/store/…: adds an entry; CONFLICT when the store or the config file already has the name. */
  create(kind: StoreKind, body: string): Promise<Record<string, unknown>> {
    return this.serialized(async () => {
      const stored = parseDefinition(kind, body);
      const { config, warnings } = readConfig(kind, stored);
      if (this.held[kind].has(stored.name))
        throw new BurrowError(ErrorCode.CONFLICT, `conflict: already exists: ${kind} ${JSON.stringify(stored.name)}`);
      if (this.host.configNames(kind).has(stored.name))
        throw new BurrowError(
          ErrorCode.CONFLICT,
          `conflict: the config file already has a ${kind} named ${JSON.stringify(stored.name)}`,
        );
      await this.change(kind, stored.name, { stored, config }, warnings, 'created');
      return toDefinition(stored);
    });
  }

  /** PUT /api/store/…/{name}: replaces an entry (secrets left out, as GET shows them, are kept). */
  update(kind: StoreKind, name: string, body: string): Promise<Record<string, unknown>> {
    return this.serialized(async () => {
      const previous = this.held[kind].get(name);
      const stored = parseDefinition(kind, body, name, previous?.stored.entry);
      const { config, warnings } = readConfig(kind, stored);
      if (!previous) throw notFound(kind, name);
      await this.change(kind, name, { stored, config }, warnings, 'updated');
      return toDefinition(stored);
    });
  }

  /** DELETE /api/store/…/{name}. */
  remove(kind: StoreKind, name: string): Promise<void> {
    return this.serialized(async () => {
      if (!this.held[kind].has(name)) throw notFound(kind, name);
      await this.change(kind, name, undefined, [], 'deleted');
    });
  }

  /** Sets (or with `next` undefined deletes) one entry, persists (undoing it when the write fails), applies. */
  private async change(
    kind: StoreKind,
    name: string,
    next: Held | undefined,
    warnings: string[],
    verb: string,
  ): Promise<void> {
    const map = this.held[kind];
    const before = map.get(name);
    if (next) map.set(name, next);
    else map.delete(name);
    try {
      await writeStoreFile(this.file, this.contents());
    } catch (err) {
      if (before) map.set(name, before);
      else map.delete(name);
      throw err;
    }
    for (const w of warnings) this.host.logger.warn({ store: this.file }, w);
    this.host.logger.info({ store: this.file }, `store: ${verb} ${kind} "${name}"`);
    await this.host.apply();
  }

  private contents(): { proxies: StoredEntry[]; visitors: StoredEntry[] } {
    const sorted = (kind: StoreKind) =>
      [...this.held[kind].values()].map((h) => h.stored).sort((a, b) => (a.name < b.name ? -1 : 1));
    return { proxies: sorted('proxy'), visitors: sorted('visitor') };
  }

  private serialized<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run);
    // The next change waits for this one; this one's failure reaches its caller through `result`.
    this.queue = result.catch(() => undefined);
    return result;
  }
}
