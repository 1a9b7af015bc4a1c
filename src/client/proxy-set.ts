// The proxies of a running client: one ProxyWorker per name, added and removed on the live session (NewProxy / CloseProxy).
import type { ProxyConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import type { ClientControl } from './control.js';
import { ProxyWorker } from './proxy-worker.js';

/** What the set needs from its client. */
export interface ProxySetHost {
  /** The client's user: proxy names go on the wire as `user.name`. */
  user: string;
  encryptionKey: Buffer;
  udpPacketSize: number;
  logger: Logger;
  /** The session, when one is up and started (undefined while reconnecting). */
  session(): ClientControl | undefined;
  /** Reports a proxy's new state (the client's 'proxy' event). */
  changed(worker: ProxyWorker): void;
}

/**
 * The workers by name. The map is shared with each session, which announces every worker at login
 * and routes work connections by name; a worker added or removed here while a session is up is
 * announced or withdrawn on it at once. Workers added through the library's forward() are marked,
 * so a config reload leaves them alone.
 */
export class ProxySet {
  readonly workers = new Map<string, ProxyWorker>();
  private readonly forwarded = new Set<string>();

  constructor(private readonly host: ProxySetHost) {}

  has(name: string): boolean {
    return this.workers.has(name);
  }

  get(name: string): ProxyWorker | undefined {
    return this.workers.get(name);
  }

  /** True when the proxy was added by forward(), not by the config. */
  isForwarded(name: string): boolean {
    return this.forwarded.has(name);
  }

  /** The configs of the proxies the config file declared (forwarded ones left out), in insertion order. */
  configured(): ProxyConfig[] {
    return [...this.workers.values()].filter((w) => !this.forwarded.has(w.config.name)).map((w) => w.config);
  }

  /** Creates a worker and, when a session is up, sends its NewProxy. The name must be free. */
  add(config: ProxyConfig, options: { forwarded?: boolean } = {}): ProxyWorker {
    const { user, encryptionKey, logger, udpPacketSize } = this.host;
    const wireName = user ? `${user}.${config.name}` : config.name;
    const worker = new ProxyWorker(config, wireName, encryptionKey, logger, udpPacketSize);
    this.workers.set(config.name, worker);
    if (options.forwarded) this.forwarded.add(config.name);
    // With a healthCheck, the first successful check announces it (frp's order); its result comes
    // asynchronously, so `healthy` below is false for a checked proxy and true for the others.
    worker.startHealthCheck((healthy) => this.healthChanged(worker, healthy));
    if (worker.healthy) this.host.session()?.sendNewProxy(worker);
    return worker;
  }

  /**
   * A health transition (frp's proxy wrapper): healthy again → NewProxy when the session is up and the
   * proxy is not registered; unhealthy → CloseProxy (the server closes its port, or drops it from its
   * loadBalancer group) and phase 'check-failed' until a check succeeds again.
   */
  private healthChanged(worker: ProxyWorker, healthy: boolean): void {
    const name = worker.config.name;
    if (this.workers.get(name) !== worker) return;
    const session = this.host.session();
    if (healthy) {
      // 'error': a refused proxy whose retry found it unhealthy is tried again now.
      if (!session || (worker.phase !== 'new' && worker.phase !== 'check-failed' && worker.phase !== 'error')) return;
      this.host.logger.info({ proxy: name }, 'health check passed; registering the proxy with the server');
      session.sendNewProxy(worker);
    } else {
      if (worker.phase !== 'running' && worker.phase !== 'wait-start') return;
      session?.closeProxy(worker);
      worker.phase = 'check-failed';
      worker.lastError = `health check failed: ${worker.healthError}`;
      this.host.logger.warn(
        { proxy: name, err: worker.healthError },
        'health check failed; proxy closed on the server',
      );
    }
    this.host.changed(worker);
  }

  /**
   * Withdraws a proxy: CloseProxy to the server when a session is up (the server closes its port and
   * its user connections), then the worker stops. A no-op when `worker` is no longer the one named.
   */
  remove(worker: ProxyWorker): void {
    const name = worker.config.name;
    if (this.workers.get(name) !== worker) return;
    this.workers.delete(name);
    this.forwarded.delete(name);
    this.host.session()?.closeProxy(worker);
    worker.close();
    worker.phase = 'closed';
    this.host.logger.info({ proxy: name }, 'proxy closed');
    this.host.changed(worker);
  }

  /** Stops every worker without telling the server (the session is going away). */
  closeAll(): void {
    for (const worker of this.workers.values()) {
      worker.close();
      worker.phase = 'closed';
    }
  }
}
