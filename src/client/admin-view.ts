// The admin API's view of a client (what /api/status, /api/config and /api/reload serve), built by BurrowClient.
import type { Logger } from '../log.js';
import type { ClientProxyStatus, ClientStoreView, ClientView } from '../observe/index.js';
import type { ClientStore } from './store.js';
import type { ProxyStatus } from './client.js';
import type { ConfigSource } from './config-source.js';
import type { ProxyPhase } from './proxy-worker.js';
import type { ClientReloadResult } from './reload.js';

/** frp's names for a proxy's phases, as GET /api/status and `burrow client status` show them. */
const FRP_PHASE: Record<ProxyPhase, string> = {
  new: 'new',
  'wait-start': 'wait start',
  running: 'running',
  error: 'start error',
  'check-failed': 'check failed',
  closed: 'closed',
};

/** What the view reads from its client. */
export interface ClientViewHost {
  /** Every proxy (configured or forwarded) and where it stands. */
  proxyStatuses(): ProxyStatus[];
  /** The client's reload (serialized with SIGHUP and library reloads). */
  reload(): Promise<ClientReloadResult>;
  /** The config file (or start text) the client runs from. */
  readonly source: ConfigSource;
  readonly logger: Logger;
  /** frp's [store] once opened (undefined without store.path). */
  store(): ClientStore | undefined;
}

/** The client's ClientView: the admin API's methods, kept off BurrowClient's library surface. */
export class ClientAdminView implements ClientView {
  constructor(private readonly host: ClientViewHost) {}

  /** GET /api/status: every proxy with frp's phase names. */
  status(): ClientProxyStatus[] {
    const store = this.host.store();
    return this.host.proxyStatuses().map((s) => ({
      name: s.name,
      type: s.type,
      status: FRP_PHASE[s.phase],
      err: s.error,
      localAddr: s.localAddr,
      plugin: '',
      remoteAddr: s.remoteAddr,
      // frp marks the proxies of its store, so its page can offer to edit them.
      ...(store?.runs('proxy', s.name) ? { source: 'store' as const } : {}),
    }));
  }

  /** GET /api/config: the config file as it is on disk now, or the TOML the client was started with. */
  configText(): Promise<string> {
    return this.host.source.read();
  }

  /**
   * PUT /api/config: validates `text` as a client config (BurrowError CONFIG when invalid, and
   * nothing is written), then writes it to the config file as frpc does. Apply it with reload().
   */
  async putConfigText(text: string): Promise<void> {
    await this.host.source.write(text);
    this.host.logger.info(
      { config: this.host.source.name },
      'config replaced through the admin API; reload to apply it',
    );
  }

  /** The /api/store routes' store; undefined without store.path. */
  get store(): ClientStoreView | undefined {
    return this.host.store();
  }

  /** GET /api/reload: the client's reload. */
  reload(): Promise<ClientReloadResult> {
    return this.host.reload();
  }
}
