// The burrow server: listens on bindPort, logs clients in, runs their proxies (frps's role), serves the admin API.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { AdminServer } from '../admin/index.js';
import { BurrowMetrics, type ServerView } from '../observe/index.js';
import type { ServerConfig } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { formatAddress } from '../net/dial.js';
import { listenOn } from '../net/listen.js';
import { ConnectionRateLimiter } from '../net/rate-limit.js';
import { watchFiles, type FileWatch, type ServerTls } from '../tls/index.js';
import { deriveCipherKey, type NewProxy } from '../wire/index.js';
import { createEnrollService, type EnrollService } from '../enroll/index.js';
import { ServerAdminView } from './admin-view.js';
import { ServerControl, type ControlHost, type PeerInfo } from './control.js';
import { identityLabel, type HandshakeContext } from './handshakes.js';
import { TunnelIntake } from './intake.js';
import { SessionRegistry } from './session-registry.js';
import { IdentityPolicy } from './policy.js';
import { ProxyRegistry } from './proxy-registry.js';
import { ProxyLedger } from './proxy-ledger.js';
import type { ServerProxy } from './proxies/proxy.js';
import { VisitorTargets } from './proxies/stcp.js';
import { applyReloadable, keysNeedingRestart, type ServerReloadResult } from './reload.js';
import { revokedReasons } from './revocation.js';
import { loadServerTls, tlsFiles } from './tls-material.js';
import { preauthLimits, type PreauthLimits } from './preauth.js';
import { closeMatchingSessions, TunnelSet } from './tunnels.js';
import type { HttpsVhost, HttpVhost } from './vhost/index.js';
import { PluginManager } from './plugins/index.js';
import type { TcpmuxVhost } from './tcpmux/index.js';
import { VhostPorts } from './vhost-ports.js';

export { ServerRefusal } from './handshakes.js';
export type { ServerReloadResult } from './reload.js';
export type { PeerInfo } from './control.js';

export interface ServerOptions {
  logger?: Logger;
  /** Pre-authentication limits (handshake budgets, yamux session deadline and stream cap); defaults are the named constants. */
  preauth?: Partial<PreauthLimits>;
  /** Deadline of one [[httpPlugins]] request in ms; default PLUGIN_REQUEST_TIMEOUT_MS (or $BURROW_PLUGIN_TIMEOUT_MS). */
  pluginTimeoutMs?: number;
}

/** Options of close(). */
export interface CloseOptions {
  /**
   * Graceful stop: stop accepting, then let live user connections run up to this many ms before
   * cutting them (the CLI uses DEFAULT_DRAIN_MS on SIGTERM). 0 (default) = close at once.
   */
  drainMs?: number;
}

/** A running burrow server. Create with `new BurrowServer(config)`, then `await start()`. */
export class BurrowServer extends EventEmitter implements ControlHost {
  readonly logger: Logger;
  /** This server's Prometheus metrics (served at /metrics when enablePrometheus is set). */
  readonly metrics = new BurrowMetrics();
  /** The admin API's view of this server (what /api/* serves). */
  readonly view: ServerView;
  /** When the server was created. */
  readonly startedAt = new Date();
  private readonly ledger: ProxyLedger;
  private readonly visitorTargets = new VisitorTargets();
  /** The HTTP and HTTPS vhosts; they serve only when vhostHTTPPort / vhostHTTPSPort is set. */
  readonly httpVhost: HttpVhost;
  readonly httpsVhost: HttpsVhost;
  /** The tcpmux HTTP CONNECT multiplexer; it serves only when tcpmuxHTTPConnectPort is set (on its own port, as in frps). */
  readonly tcpmuxVhost: TcpmuxVhost;
  /** vhostHTTPPort / vhostHTTPSPort share bindPort: new connections are sniffed. */
  private readonly vhosts: VhostPorts;
  private readonly proxyBindAddr: string;
  /** Logged-in clients by run id, and their login-proof guard. */
  private readonly sessions: SessionRegistry;
  private readonly proxies: ProxyRegistry;
  /** Every secured tunnel connection (a yamux session, or one logical connection without tcpMux) and its peer. */
  private readonly tunnels = new TunnelSet();
  private readonly handshakes: HandshakeContext;
  /** [[httpPlugins]]: asked at Login, NewProxy, CloseProxy, Ping, NewWorkConn and NewUserConn. */
  readonly plugins: PluginManager;
  /** bindPort's new connections, from accept until they are proven (budgets, deadlines). */
  readonly intake: TunnelIntake;
  private current: ServerConfig;
  private policy: IdentityPolicy;
  private enroll: EnrollService | undefined;
  /** The reload running now (reloads are serialized: see oneReloadAtATime). */
  private reloadQueue: Promise<unknown> = Promise.resolve();
  /** Per-IP connection rate on bindPort; undefined when transport.connectionRateLimit = 0. */
  private readonly connectionLimiter: ConnectionRateLimiter | undefined;
  private listener: net.Server | undefined;
  private serverTls: ServerTls | undefined;
  private tlsWatch: FileWatch | undefined;
  private admin: AdminServer | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;
  /** Ends a running drain early (a second close() without drainMs). */
  private cutDrain: (() => void) | undefined;

  constructor(config: ServerConfig, options: ServerOptions = {}) {
    super();
    this.current = config;
    this.logger = options.logger ?? silentLogger();
    this.sessions = new SessionRegistry(this.logger);
    this.proxyBindAddr = config.proxyBindAddr || config.bindAddr;
    const t = config.transport;
    // bindPort and each vhost port get their own per-IP rate-limit bucket (null: no limit).
    const newRateLimiter = (): ConnectionRateLimiter | null =>
      t.connectionRateLimit > 0
        ? new ConnectionRateLimiter({ connectionsPerSecond: t.connectionRateLimit, burst: t.connectionBurst })
        : null;
    this.vhosts = new VhostPorts(config, this.proxyBindAddr, this.logger, newRateLimiter);
    this.httpVhost = this.vhosts.http;
    this.httpsVhost = this.vhosts.https;
    this.tcpmuxVhost = this.vhosts.tcpmux;
    this.policy = new IdentityPolicy(config.auth.clients);
    this.plugins = new PluginManager(config.httpPlugins, { logger: this.logger, timeoutMs: options.pluginTimeoutMs });
    this.connectionLimiter = newRateLimiter() ?? undefined;
    this.ledger = new ProxyLedger(this.metrics);
    this.proxies = new ProxyRegistry(
      {
        config: () => this.current,
        policy: () => this.policy,
        closing: () => this.closing,
        ledger: this.ledger,
        httpVhost: this.httpVhost,
        httpsVhost: this.httpsVhost,
        tcpmuxVhost: this.tcpmuxVhost,
        visitorTargets: this.visitorTargets,
      },
      this.proxyBindAddr,
      config.allowPorts,
    );
    this.view = new ServerAdminView({
      config: () => this.current,
      startedAt: this.startedAt,
      ledger: this.ledger,
      logger: this.logger,
      boundPort: () => {
        const address = this.listener?.address();
        return address && typeof address !== 'string' ? address.port : 0;
      },
      controls: () => this.sessions.values(),
      currentTls: () => this.serverTls,
    });
    this.handshakes = {
      sessions: this.sessions,
      plugins: this.plugins,
      auth: {
        token: config.auth.token,
        encryptionKey: deriveCipherKey(config.auth.token),
        detailedErrors: config.detailedErrorsToClient,
        workConnScope: config.auth.additionalScopes.includes('NewWorkConns'),
        loginProofMode: () => this.current.auth.loginProof,
        policy: () => this.policy,
        draining: () => this.closing,
      },
      targets: { controlHost: this, visitorTargets: this.visitorTargets },
      report: {
        logger: this.logger,
        metrics: this.metrics,
        clientLoggedIn: (control) => {
          this.metrics.clientConnected(identityLabel(control.peer));
          this.enroll?.noteSeen(control.peer.tls?.identity, control.peer.remoteAddress);
          this.emit('clientLogin', control.runId);
        },
        clientClosed: (control) => {
          this.metrics.clientDisconnected(identityLabel(control.peer));
          this.emit('clientClosed', control.runId);
        },
      },
    };
    this.intake = new TunnelIntake({
      logger: this.logger,
      metrics: this.metrics,
      handshakes: this.handshakes,
      tunnels: this.tunnels,
      limits: preauthLimits(options.preauth),
      connectionLimiter: this.connectionLimiter,
      httpVhost: this.httpVhost,
      httpsVhost: this.httpsVhost,
      httpOnBindPort: this.vhosts.httpOnBindPort,
      httpsOnBindPort: this.vhosts.httpsOnBindPort,
      closing: () => this.closing,
      config: () => this.current,
      tls: () => this.tls,
      enroll: () => this.enroll,
    });
  }

  /** The config in use: the one given, with the parts a reload applied ([[auth.clients]], transport.tls). */
  get config(): ServerConfig {
    return this.current;
  }

  /** The address bindPort is listening on (after start()). */
  get address(): net.AddressInfo {
    const address = this.listener?.address();
    if (!address || typeof address === 'string') throw new BurrowError(ErrorCode.CLOSED, 'server is not listening');
    return address;
  }

  /** The SHA-256 fingerprint of the server's TLS certificate (after start()). */
  get tlsFingerprint(): string {
    return this.tls.fingerprint;
  }

  /** The TLS set-up in use (after start()). */
  get tls(): ServerTls {
    if (!this.serverTls) throw new BurrowError(ErrorCode.CLOSED, 'server is not started');
    return this.serverTls;
  }

  /** The admin API's URL, e.g. "http://127.0.0.1:7500"; undefined when webServer.port is 0. */
  get adminUrl(): string | undefined {
    return this.admin?.url;
  }

  /** Run ids of the clients logged in now. */
  clientRunIds(): string[] {
    return this.sessions.runIds();
  }

  /**
   * Loads TLS material, listens on bindAddr:bindPort, opens the vhost ports and the admin API.
   * Certificate files are then watched for changes. When any step fails, what was opened is
   * closed again and this rejects.
   */
  async start(): Promise<void> {
    this.serverTls = await loadServerTls(this.current);
    this.watchTls();
    this.enroll = await createEnrollService(this.current, { logger: this.logger });
    this.policy = this.policyWithEnrolled();
    this.enroll.on('policyChanged', () => {
      this.policy = this.policyWithEnrolled();
      const enroll = this.enroll;
      // A revoked identity may open nothing: end its live sessions (and their proxies) now.
      if (enroll)
        this.closeSessionsOf(
          (peer) => enroll.isRevokedIdentity(peer.tls?.identity),
          'client identity was revoked (burrow server revoke)',
        );
    });
    try {
      // allowHalfOpen: without tcpMux a work connection carries a user's half-close as a FIN.
      const listener = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) =>
        this.intake.onSocket(socket),
      );
      await listenOn(
        listener,
        this.current.bindAddr,
        this.current.bindPort,
        formatAddress(this.current.bindAddr, this.current.bindPort),
        this.logger,
      );
      this.listener = listener;
      await this.vhosts.listen();
      await this.startAdmin();
    } catch (err) {
      await this.close();
      throw err;
    }
    const { address, port } = this.address;
    this.logger.info(
      {
        address: formatAddress(address, port),
        tcpMux: this.current.transport.tcpMux,
        tlsForce: this.serverTls.force,
        certificate: this.serverTls.certSource,
        fingerprint: this.serverTls.fingerprint,
        admin: this.admin?.url,
      },
      'burrow server listening',
    );
  }

  /** Starts the admin API and dashboard when webServer.port is set. */
  private async startAdmin(): Promise<void> {
    const web = this.current.webServer;
    if (web.port <= 0) return;
    // Loaded only when asked for, as in the client: a server without [webServer] never loads the admin layer.
    const { startAdminServer, webServerListenOptions } = await import('../admin/index.js');
    this.admin = await startAdminServer({
      ...webServerListenOptions(web),
      view: this.view,
      metrics: this.metrics,
      enablePrometheus: this.current.enablePrometheus,
      logger: this.logger,
    });
  }

  /**
   * Applies a re-read config: the [[auth.clients]] policy (for proxies registered from now on) and
   * the TLS material (for new handshakes; with a CRL, live sessions whose client certificate it
   * revokes are closed). Other changed keys are reported in `restartNeeded` and logged. When the
   * new TLS material is broken, nothing changes and this rejects (the error names the file).
   */
  reload(next: ServerConfig): Promise<ServerReloadResult> {
    return this.oneReloadAtATime(() => this.reloadNow(next));
  }

  private async reloadNow(next: ServerConfig): Promise<ServerReloadResult> {
    const tls = await loadServerTls(next);
    const restartNeeded = keysNeedingRestart(this.current, next);
    const watchChanged = tlsFiles(this.current.transport.tls).join('\n') !== tlsFiles(next.transport.tls).join('\n');
    this.current = applyReloadable(this.current, next);
    this.policy = this.policyWithEnrolled();
    if (watchChanged) this.watchTls();
    const revoked = this.useTls(tls);
    this.logger.info({ policies: this.current.auth.clients.length, restartNeeded, revoked }, 'server config reloaded');
    if (restartNeeded.length > 0)
      this.logger.warn({ keys: restartNeeded }, 'these changed keys take effect only after a restart');
    return { restartNeeded, revoked };
  }

  /**
   * Reloads certificate, key, CA and CRL. New handshakes use the new material; live sessions go on,
   * except those whose client certificate a CRL now revokes. When the new files are broken, the
   * error is logged, the old material is kept, and this rejects.
   */
  reloadTls(): Promise<void> {
    return this.oneReloadAtATime(async () => {
      try {
        this.useTls(await loadServerTls(this.current));
      } catch (err) {
        this.logger.error({ err: errorMessage(err) }, 'TLS reload failed; keeping the previous certificate');
        throw err;
      }
    });
  }

  /**
   * Runs reloads one after another: a SIGHUP and a file-watch reload that overlap must not finish
   * out of order, or material read before a change (an older CRL) would be put back in use.
   */
  private oneReloadAtATime<T>(step: () => Promise<T>): Promise<T> {
    const run = this.reloadQueue.then(step);
    this.reloadQueue = run.catch(() => undefined);
    return run;
  }

  /** Puts freshly loaded TLS material in use; returns the run ids of sessions closed as revoked. */
  private useTls(next: ServerTls): string[] {
    this.serverTls = next;
    this.logger.info({ certificate: next.certSource, fingerprint: next.fingerprint }, 'TLS material reloaded');
    this.emit('tlsReloaded', next.fingerprint);
    return this.closeRevoked(next);
  }

  /** Closes the sessions whose client certificate the CRL in `tls` revokes. */
  private closeRevoked(tls: ServerTls): string[] {
    const reasonOf = revokedReasons(tls, this.logger);
    if (!reasonOf) return [];
    return this.closeSessionsOf(
      (peer) => reasonOf(peer) !== undefined,
      (peer) => reasonOf(peer) ?? 'client certificate is revoked',
    );
  }

  /**
   * Closes every client connection whose peer matches: client sessions (their proxies and user
   * connections end), work connections and whole yamux sessions. Returns the run ids of the
   * client sessions ended. `reason` is logged with each one's identity.
   */
  closeSessionsOf(match: (peer: PeerInfo) => boolean, reason: string | ((peer: PeerInfo) => string)): string[] {
    const why = typeof reason === 'string' ? () => reason : reason;
    return closeMatchingSessions(this.sessions.values(), this.tunnels, match, why, this.logger);
  }

  /** [[auth.clients]] of the config first (they win), then the enrolled identities'. */
  private policyWithEnrolled(): IdentityPolicy {
    const enroll = this.enroll;
    // Once anything was enrolled (revoked identities included) the policy stays on, even with no entry left.
    return new IdentityPolicy([...this.current.auth.clients, ...(enroll?.policyEntries() ?? [])], {
      enforce: enroll?.policyEnforced() ?? false,
      revoked: enroll?.revokedIdentities() ?? [],
    });
  }

  /** (Re)starts watching the TLS files of the config in use. */
  private watchTls(): void {
    this.tlsWatch?.close();
    this.tlsWatch = watchFiles(tlsFiles(this.current.transport.tls), () => {
      // reloadTls logs its own failure; the old material stays in use.
      void this.reloadTls().catch(() => undefined);
    });
  }

  /**
   * Stops the server. Without drainMs: everything closes at once. With drainMs: the bind port,
   * public ports and routes close first (new connections are refused), live user connections run
   * until they end or drainMs passes, then everything closes. Resolves when closed; a second call
   * without drainMs during a drain cuts it short.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const drainMs = options.drainMs ?? 0;
    if (this.closed) {
      if (drainMs <= 0) this.cutDrain?.();
      return this.closed;
    }
    this.closed = this.shutdown(drainMs);
    return this.closed;
  }

  private async shutdown(drainMs: number): Promise<void> {
    this.closing = true;
    this.tlsWatch?.close();
    this.enroll?.close();
    const listener = this.listener;
    const listenerClosed = listener
      ? new Promise<void>((resolve) => listener.close(() => resolve()))
      : Promise.resolve();
    if (drainMs > 0) await this.drain(drainMs);
    for (const control of [...this.sessions.values()]) control.close();
    this.vhosts.close();
    this.tunnels.endAll();
    this.intake.destroyAll();
    await this.admin?.close();
    await listenerClosed;
    this.plugins.close();
    this.emit('close');
  }

  /** Stops every proxy accepting, then waits for live user connections to end (at most `drainMs`). */
  private async drain(drainMs: number): Promise<void> {
    this.proxies.stopAccepting();
    // Separate vhost ports close too (a shared bindPort is already closed).
    this.vhosts.stopListening();
    const live = this.ledger.liveConns;
    if (live === 0) return;
    this.logger.info({ connections: live, drainMs }, 'draining: waiting for live user connections to finish');
    const cut = new Promise<boolean>((resolve) => {
      this.cutDrain = () => resolve(false);
    });
    const idle = await Promise.race([this.ledger.whenIdle(drainMs), cut]);
    this.cutDrain = undefined;
    if (idle) this.logger.info('drained: every user connection finished');
    else
      this.logger.warn(
        { connections: this.ledger.liveConns },
        'drain deadline reached; closing the remaining user connections',
      );
  }

  // ControlHost: proxies ----------------------------------------------------------------------

  async registerProxy(control: ServerControl, request: NewProxy): Promise<ServerProxy> {
    return this.proxies.register(control, request);
  }

  proxyStarted(proxy: ServerProxy, remoteAddr: string): void {
    this.ledger.started(proxy, remoteAddr);
  }

  unregisterProxy(proxy: ServerProxy): void {
    this.proxies.unregister(proxy);
  }
}
