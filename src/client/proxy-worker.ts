// Client side of one proxy: status from NewProxyResp, and work connections relayed to the local service (streams or UDP).
import type { Duplex } from 'node:stream';
import type { ProxyConfig } from '../config/index.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { createRateLimitedStream, parseBandwidth, BandwidthLimiter } from '../net/bandwidth.js';
import { dialTcp } from '../net/dial.js';
import { encodeProxyHeader, type ProxyProtocolVersion } from '../net/proxy-protocol.js';
import { relay } from '../net/relay.js';
import { wrapWorkConn, type NewProxy, type StartWorkConn, type WireConn } from '../wire/index.js';
import { LOCAL_DIAL_TIMEOUT_MS } from './constants.js';
import type { ClientPlugin } from './plugins/plugin.js';
import { createClientPlugin } from './plugins/registry.js';
import { HealthMonitor } from './health/monitor.js';
import { healthIntervalMs, healthProbe } from './health/probe.js';
import { UdpWorker } from './udp-worker.js';

/** Where a proxy stands, as `burrow client status` will show it ('check-failed': withdrawn by its health check). */
export type ProxyPhase = 'new' | 'wait-start' | 'running' | 'error' | 'check-failed' | 'closed';

/** The PROXY protocol header for a work connection, or undefined when off or when StartWorkConn has no source (frp's rule). */
export function proxyProtocolHeader(version: string, start: StartWorkConn): Buffer | undefined {
  if (version === '' || !start.src_addr || !start.src_port) return undefined;
  const v6 = start.src_addr.includes(':');
  return encodeProxyHeader(version as ProxyProtocolVersion, {
    srcAddr: start.src_addr,
    srcPort: start.src_port,
    // http vhost connections carry no destination: describe it as the unspecified address.
    dstAddr: start.dst_addr || (v6 ? '::' : '0.0.0.0'),
    dstPort: start.dst_port ?? 0,
    protocol: 'tcp',
  });
}

/** One configured proxy of a running client. */
export class ProxyWorker {
  phase: ProxyPhase = 'new';
  remoteAddr = '';
  lastError = '';
  /** One limiter for the whole proxy, as frp (client-side mode only). */
  private readonly limiter: BandwidthLimiter | undefined;
  private readonly udp: UdpWorker | undefined;
  /** The proxy's client plugin, started when the server accepts the proxy (as frp's proxy Run). */
  private plugin: ClientPlugin | undefined;
  /** The healthCheck monitor, when the proxy has one (created by startHealthCheck). */
  private health: HealthMonitor | undefined;

  constructor(
    readonly config: ProxyConfig,
    /** The name on the wire: `user.name` when the client has a user. */
    readonly wireName: string,
    private readonly encryptionKey: Buffer,
    private readonly logger: Logger,
    udpPacketSize = 1500,
  ) {
    const { bandwidthLimit, bandwidthLimitMode } = config.transport;
    const bytes = bandwidthLimitMode === 'server' ? 0 : parseBandwidth(bandwidthLimit);
    this.limiter = bytes > 0 ? new BandwidthLimiter(bytes) : undefined;
    if (config.type === 'udp') {
      this.udp = new UdpWorker({
        proxyName: config.name,
        localIP: config.localIP,
        localPort: config.localPort,
        packetSize: udpPacketSize,
        proxyProtocolVersion: config.transport.proxyProtocolVersion,
        logger,
      });
    }
  }

  /**
   * Whether the proxy may be announced: always without a healthCheck; with one, only once a check
   * succeeded and until maxFailed checks in a row fail (frp announces nothing before that).
   */
  get healthy(): boolean {
    return this.health?.healthy ?? true;
  }

  /** Why the last health check failed ("" when none failed or there is no check). */
  get healthError(): string {
    return this.health?.lastError ?? '';
  }

  /** Starts the healthCheck monitor, if the config has one; `onChange` hears each transition. */
  startHealthCheck(onChange: (healthy: boolean) => void): void {
    const probe = healthProbe(this.config);
    if (!probe || this.health) return;
    this.health = new HealthMonitor({
      probe,
      intervalMs: healthIntervalMs(this.config),
      maxFailed: this.config.healthCheck.maxFailed,
      onChange,
      proxy: this.config.name,
      logger: this.logger,
    });
    this.logger.debug(
      { proxy: this.config.name, check: this.config.healthCheck.type },
      'health check enabled; the proxy starts after the first success',
    );
    this.health.start();
  }

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
      headers: c.requestHeaders.set,
      response_headers: c.responseHeaders.set,
      route_by_http_user: c.routeByHTTPUser,
      sk: c.secretKey,
      allow_users: c.allowUsers,
      multiplexer: c.multiplexer,
    };
  }

  /**
   * Applies the server's NewProxyResp; false (ignored) unless the proxy waits for one, as frp: an
   * answer arriving after a failed health check withdrew the proxy must not mark it running.
   */
  onResponse(remoteAddr: string | undefined, error: string | undefined): boolean {
    if (this.phase !== 'wait-start') {
      this.logger.debug({ proxy: this.config.name, phase: this.phase }, 'NewProxyResp ignored: not waiting for one');
      return false;
    }
    if (error) {
      this.phase = 'error';
      this.lastError = error;
      this.logger.warn({ proxy: this.config.name, err: error }, 'proxy refused by server');
      return true;
    }
    if (this.config.plugin && !this.plugin) {
      try {
        this.plugin = createClientPlugin(this.config.plugin, { proxyName: this.config.name, logger: this.logger });
      } catch (err) {
        // The server runs the proxy but nothing here can serve it: the session withdraws it (CloseProxy) and retries, as frpc.
        this.phase = 'error';
        this.lastError = errorMessage(err);
        this.logger.warn({ proxy: this.config.name, err: this.lastError }, 'proxy plugin failed to start');
        return true;
      }
    }
    this.phase = 'running';
    this.lastError = '';
    this.remoteAddr = remoteAddr ?? '';
    // frpc's own words: users' scripts (and frp's e2e suite) wait for "[NAME] start proxy success".
    this.logger.info(
      { proxy: this.config.name, type: this.config.type, remoteAddr: this.remoteAddr },
      `[${this.config.name}] start proxy success`,
    );
    return true;
  }

  /** Stops what the proxy runs on its own (the udp work connection, the plugin, the health check). */
  close(): void {
    this.health?.stop();
    this.udp?.close();
    void this.plugin?.close();
    this.plugin = undefined;
  }

  /** Serves one work connection (StartWorkConn already read): a udp proxy's packet stream, or one user connection. */
  async handleWorkConn(wire: WireConn, start: StartWorkConn): Promise<void> {
    let work = wrapWorkConn(wire.stream, this.config.transport, this.encryptionKey);
    if (this.limiter) work = createRateLimitedStream(work, this.limiter);
    if (this.udp) {
      this.udp.handle(work, wire.version);
      return;
    }
    let header: Buffer | undefined;
    try {
      header = proxyProtocolHeader(this.config.transport.proxyProtocolVersion, start);
    } catch (err) {
      this.logger.warn({ proxy: this.config.name, err: errorMessage(err) }, 'PROXY protocol header not written');
    }
    if (this.plugin) {
      this.plugin.handle({
        conn: work,
        proxyProtocolHeader: header,
        srcAddr: start.src_addr ?? '',
        srcPort: start.src_port ?? 0,
        dstAddr: start.dst_addr ?? '',
        dstPort: start.dst_port ?? 0,
      });
      return;
    }
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
    if (header) local.write(header);
    this.logger.debug(
      { proxy: this.config.name, src: `${start.src_addr ?? ''}:${start.src_port ?? 0}` },
      'user connection',
    );
    await relay(work, local);
  }
}
