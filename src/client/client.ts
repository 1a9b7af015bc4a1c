// The burrow client (frpc's role): keeps one session to the server alive and serves its proxies.
import { EventEmitter } from 'node:events';
import type { ClientConfig } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage, isBurrowError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { formatAddress } from '../net/dial.js';
import { buildClientTlsOptions, watchFiles, type ClientTls, type FileWatch } from '../tls/index.js';
import { deriveCipherKey } from '../wire/index.js';
import { reconnectDelayMs } from './backoff.js';
import { Connector, type TransportInfo } from './connector.js';
import { login, type ClientControl } from './control.js';
import { ProxyWorker, type ProxyPhase } from './proxy-worker.js';
import { StcpVisitor } from './visitor.js';

export interface ClientOptions {
  logger?: Logger;
}

/** A proxy's state, as reported by `proxies()` and the 'proxy' event. */
export interface ProxyStatus {
  name: string;
  type: string;
  phase: ProxyPhase;
  remoteAddr: string;
  error: string;
  localAddr: string;
}

/**
 * A running burrow client. `start()` resolves after the first successful login, or rejects when
 * that login fails and `loginFailExit` is true; after that it reconnects on its own with back-off
 * and logs in again with its run_id, re-registering every proxy. Events: 'connected' (runId),
 * 'disconnected' (error), 'proxy' (ProxyStatus), 'close'.
 */
export class BurrowClient extends EventEmitter {
  readonly logger: Logger;
  private readonly proxies = new Map<string, ProxyWorker>();
  private readonly visitors: StcpVisitor[] = [];
  private readonly encryptionKey: Buffer;
  private clientTls: ClientTls | undefined;
  private tlsWatch: FileWatch | undefined;
  private control: ClientControl | undefined;
  private runId = '';
  private closed = false;
  private warnedUnverified = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  transportInfo: TransportInfo = { tls: false };

  constructor(
    readonly config: ClientConfig,
    options: ClientOptions = {},
  ) {
    super();
    this.logger = options.logger ?? silentLogger();
    this.encryptionKey = deriveCipherKey(config.auth.token);
    for (const proxy of config.proxies) {
      const wireName = config.user ? `${config.user}.${proxy.name}` : proxy.name;
      this.proxies.set(proxy.name, new ProxyWorker(proxy, wireName, this.encryptionKey, this.logger, config.udpPacketSize));
    }
    for (const visitor of config.visitors) {
      if (visitor.type !== 'stcp') {
        this.logger.warn({ visitor: visitor.name, type: visitor.type }, 'visitor type not supported by burrow yet; ignored');
        continue;
      }
      const session = (): { runId: string; openConn: () => ReturnType<ClientControl['openConn']> } | undefined => {
        const control = this.control;
        return control && !control.isClosed ? { runId: control.runId, openConn: () => control.openConn() } : undefined;
      };
      this.visitors.push(new StcpVisitor(visitor, config.user, session, this.logger));
    }
  }

  /** The run id of the current (or last) session. */
  get currentRunId(): string {
    return this.runId;
  }

  /** Whether a session is up now. */
  get isConnected(): boolean {
    return Boolean(this.control && !this.control.isClosed);
  }

  /** Every configured proxy and where it stands. */
  proxyStatuses(): ProxyStatus[] {
    return [...this.proxies.values()].map(statusOf);
  }

  /** Connects and logs in; see the class comment for when it rejects. */
  async start(): Promise<void> {
    const tlsConfig = this.config.transport.tls;
    if (tlsConfig.enable) {
      this.clientTls = await this.loadTls();
      this.warnedUnverified = this.clientTls.verifies;
      this.tlsWatch = watchFiles([tlsConfig.certFile, tlsConfig.keyFile, tlsConfig.trustedCaFile], () => {
        void this.reloadTls().catch(() => undefined);
      });
    }
    try {
      await this.connectOnce();
    } catch (err) {
      if (this.config.loginFailExit) {
        this.closed = true;
        this.tlsWatch?.close();
        throw err;
      }
      this.logger.warn({ err: errorMessage(err) }, 'login to server failed; retrying');
    }
    try {
      for (const visitor of this.visitors) await visitor.start();
    } catch (err) {
      await this.close();
      throw err;
    }
    this.loop = this.keepConnected();
  }

  /**
   * Re-reads the client certificate, key and CA: the next handshake uses them, the live session
   * goes on. Broken files are logged and the previous material kept (and this rejects).
   */
  async reloadTls(): Promise<void> {
    if (!this.config.transport.tls.enable) return;
    try {
      this.clientTls = await this.loadTls();
      this.logger.info('TLS material reloaded');
    } catch (err) {
      this.logger.error({ err: errorMessage(err) }, 'TLS reload failed; keeping the previous material');
      throw err;
    }
  }

  private loadTls(): Promise<ClientTls> {
    return buildClientTlsOptions({ ...this.config.transport.tls, serverAddr: this.config.serverAddr });
  }

  /** Stops: closes the session and every proxy; no reconnect. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tlsWatch?.close();
    for (const visitor of this.visitors) visitor.close();
    for (const proxy of this.proxies.values()) proxy.close();
    this.control?.close();
    this.wakeUp?.();
    await this.loop;
    this.emit('close');
  }

  private async connectOnce(): Promise<void> {
    const server = formatAddress(this.config.serverAddr, this.config.serverPort);
    this.logger.info({ server }, 'connecting to server');
    const connector = new Connector(this.config, () => this.clientTls);
    const control = await login(connector, this.config, this.runId, this.proxies, this.encryptionKey, this.logger);
    if (this.closed) {
      control.close();
      return;
    }
    this.transportInfo = connector.info;
    this.warnIfUnverified();
    this.runId = control.runId;
    this.control = control;
    control.on('proxy', (proxy: ProxyWorker) => this.emit('proxy', statusOf(proxy)));
    this.logger.info(
      {
        server,
        runId: control.runId,
        wire: control.channel.version,
        controlCipher: control.channel.algorithm,
        tls: connector.info.tls,
        tlsVersion: connector.info.tlsVersion,
        tlsCipher: connector.info.tlsCipher,
        serverVerification: this.clientTls?.mode,
      },
      'login to server success',
    );
    control.start();
    this.emit('connected', control.runId);
  }

  /** Waits for the session to drop, then reconnects with back-off until closed. */
  private async keepConnected(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      const control = this.control;
      if (control && !control.isClosed) {
        const err = await new Promise<Error | undefined>((resolve) => control.once('close', resolve));
        if (this.closed) break;
        this.logger.warn({ err: err ? errorMessage(err) : undefined }, 'session to server lost; reconnecting');
        for (const proxy of this.proxies.values()) proxy.phase = 'new';
        this.emit('disconnected', err);
        attempt = 0;
      }
      await this.sleep(reconnectDelayMs(attempt));
      if (this.closed) break;
      attempt += 1;
      try {
        await this.connectOnce();
      } catch (err) {
        const refused = isBurrowError(err, ErrorCode.LOGIN_REFUSED);
        this.logger.warn({ err: errorMessage(err), attempt }, refused ? 'login refused; retrying' : 'reconnect failed; retrying');
      }
    }
    for (const proxy of this.proxies.values()) proxy.phase = 'closed';
  }

  private warnIfUnverified(): void {
    if (this.warnedUnverified || !this.transportInfo.tls) return;
    this.warnedUnverified = true;
    const fingerprint = this.transportInfo.serverFingerprint ?? '';
    this.logger.warn(
      { serverFingerprint: fingerprint, pinWith: `transport.tls.serverFingerprint = "${fingerprint}"` },
      `the server certificate is NOT verified: anyone on the path could impersonate the server. ` +
        `It presented ${fingerprint}; to pin it add this line to the client config: ` +
        `transport.tls.serverFingerprint = "${fingerprint}" (or set transport.tls.trustedCaFile to the CA that signed it)`,
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

function statusOf(proxy: ProxyWorker): ProxyStatus {
  return {
    name: proxy.config.name,
    type: proxy.config.type,
    phase: proxy.phase,
    remoteAddr: proxy.remoteAddr,
    error: proxy.lastError,
    localAddr: formatAddress(proxy.config.localIP, proxy.config.localPort),
  };
}

/** Thrown by start() when the first login fails and loginFailExit is set. */
export function isLoginRefused(err: unknown): err is BurrowError {
  return isBurrowError(err, ErrorCode.LOGIN_REFUSED);
}
