// Client side of one proxy: status from NewProxyResp, and work connections relayed to the local service.
import type { Duplex } from 'node:stream';
import type { ProxyConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { dialTcp } from '../net/dial.js';
import { relay } from '../net/relay.js';
import { wrapWorkConn, type NewProxy, type StartWorkConn } from '../wire/index.js';
import { LOCAL_DIAL_TIMEOUT_MS } from './constants.js';

/** Where a proxy stands, as `burrow client status` will show it. */
export type ProxyPhase = 'new' | 'wait-start' | 'running' | 'error' | 'closed';

/** One configured proxy of a running client. */
export class ProxyWorker {
  phase: ProxyPhase = 'new';
  remoteAddr = '';
  lastError = '';

  constructor(
    readonly config: ProxyConfig,
    /** The name on the wire: `user.name` when the client has a user. */
    readonly wireName: string,
    private readonly encryptionKey: Buffer,
    private readonly logger: Logger,
  ) {}

  /** The NewProxy message announcing this proxy. */
  newProxyMessage(): NewProxy {
    const c = this.config;
    return {
      proxy_name: this.wireName,
      proxy_type: c.type,
      use_encryption: c.transport.useEncryption,
      use_compression: c.transport.useCompression,
      bandwidth_limit: c.transport.bandwidthLimit,
      bandwidth_limit_mode: c.transport.bandwidthLimit ? c.transport.bandwidthLimitMode : '',
      group: c.loadBalancer.group,
      group_key: c.loadBalancer.groupKey,
      metas: c.metadatas,
      annotations: c.annotations,
      remote_port: c.remotePort,
      custom_domains: c.customDomains,
      subdomain: c.subdomain,
      locations: c.locations,
      http_user: c.httpUser,
      http_pwd: c.httpPassword,
      host_header_rewrite: c.hostHeaderRewrite,
      sk: c.secretKey,
      allow_users: c.allowUsers,
    };
  }

  /** Applies the server's NewProxyResp. */
  onResponse(remoteAddr: string | undefined, error: string | undefined): void {
    if (error) {
      this.phase = 'error';
      this.lastError = error;
      this.logger.warn({ proxy: this.config.name, err: error }, 'proxy refused by server');
      return;
    }
    this.phase = 'running';
    this.lastError = '';
    this.remoteAddr = remoteAddr ?? '';
    this.logger.info({ proxy: this.config.name, type: this.config.type, remoteAddr: this.remoteAddr }, 'proxy started');
  }

  /** Relays one work connection (StartWorkConn already read) to localIP:localPort. */
  async handleWorkConn(conn: Duplex, start: StartWorkConn): Promise<void> {
    const work = wrapWorkConn(conn, this.config.transport, this.encryptionKey);
    let local: Duplex;
    try {
      local = await dialTcp({
        host: this.config.localIP,
        port: this.config.localPort,
        timeoutMs: LOCAL_DIAL_TIMEOUT_MS,
        allowHalfOpen: true,
      });
    } catch (err) {
      this.logger.warn(
        { proxy: this.config.name, local: `${this.config.localIP}:${this.config.localPort}`, err: errorMessage(err) },
        'connect to local service error',
      );
      work.destroy();
      return;
    }
    this.logger.debug({ proxy: this.config.name, src: `${start.src_addr ?? ''}:${start.src_port ?? 0}` }, 'user connection');
    await relay(work, local);
  }
}
