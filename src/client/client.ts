// The burrow client (frpc's role): keeps one session to the server alive and serves its proxies.
import { EventEmitter } from 'node:events';
import type { AdminServer } from '../admin/index.js';
import type { ClientView } from '../observe/index.js';
import type { ClientConfig, ProxyConfig, VisitorConfig } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage, isBurrowError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { formatAddress } from '../net/dial.js';
import { buildClientTlsOptions, type ClientTls } from '../tls/client-tls.js';
import { watchFiles, type FileWatch } from '../tls/watch.js';
import type { AutoRenewal } from '../enroll/index.js';
import { deriveCipherKey } from '../wire/index.js';
import { reconnectDelayMs } from './backoff.js';
import { ConfigSource } from './config-source.js';
import { Connector, type TransportInfo } from './connector.js';
import { login, type ClientControl } from './control.js';
import { awaitRegistration, forwardProxyConfig, forwardUrl, type Forward, type ForwardOptions } from './forward.js';
import { configToToml } from './options.js';
import { ProxySet } from './proxy-set.js';
import type { ProxyPhase, ProxyWorker } from './proxy-worker.js';
import { ClientAdminView } from './admin-view.js';
import { applyReload, type ClientReloadResult } from './reload.js';
import { VisitorSet } from './visitor-set.js';
import { ClientStore } from './store.js';
import { namesOf, storeFilePath, withStore } from './store-entries.js';

export interface ClientOptions {
  logger?: Logger;
  /** The config file the client runs from: the admin API's GET/PUT /api/config and reload() read and write it. */
  configFile?: string;
  /** Without a file: the TOML the client was started with (default: the config written as TOML). */
  configText?: string;
  /** The environment for {{ .Envs.NAME }} when the config is read again; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** frp's `--allow-unsafe` features the config file may use when it is read again (reload). */
  allowUnsafe?: readonly string[];
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
 * and logs in again with its run_id, re-registering every proxy. `reload()` applies a changed
 * config's proxies and visitors to the live session, `forward()` adds a proxy from code, and with
 * `webServer.port` set the admin API (GET /api/status, GET/PUT /api/config, GET /api/reload) runs
 * beside it. Events: 'connected' (runId), 'disconnected' (error), 'proxy' (ProxyStatus), 'close'.
 */
export class BurrowClient extends EventEmitter {
  readonly logger: Logger;
  /** The config the client runs with; `proxies` and `visitors` follow reloads. */
  readonly config: ClientConfig;
  /** The admin API's view of this client (what /api/status, /api/config and /api/reload serve). */
  readonly view: ClientView;
  private readonly proxies: ProxySet;
  private readonly visitors: VisitorSet;
  private readonly source: ConfigSource;
  private readonly configFile: string | undefined;
  /** frp's [store], when store.path is set: opened by start(). */
  private store: ClientStore | undefined;
  /** The config file's own proxies and visitors (config.proxies and .visitors add the store's). */
  private fileEntries: { proxies: ProxyConfig[]; visitors: VisitorConfig[] };
  private readonly encryptionKey: Buffer;
  private clientTls: ClientTls | undefined;
  private tlsWatch: FileWatch | undefined;
  private renewal: AutoRenewal | undefined;
  private admin: AdminServer | undefined;
  private control: ClientControl | undefined;
  private runId = '';
  private closed = false;
  private warnedUnverified = false;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** Reloads run one at a time (SIGHUP, the admin API and the library may ask at once). */
  private reloading: Promise<unknown> = Promise.resolve();
  transportInfo: TransportInfo = { tls: false };

  constructor(config: ClientConfig, options: ClientOptions = {}) {
    super();
    // Our own lists: reloads change them, the caller's object stays as given.
    this.config = { ...config, proxies: [...config.proxies], visitors: [...config.visitors] };
    this.logger = options.logger ?? silentLogger();
    this.encryptionKey = deriveCipherKey(config.auth.token);
    const env = options.env ?? process.env;
    const text = options.configFile !== undefined ? '' : (options.configText ?? configToToml(config, env));
    this.source = new ConfigSource(options.configFile, text, env, options.allowUnsafe ?? []);
    this.configFile = options.configFile;
    this.fileEntries = { proxies: [...config.proxies], visitors: [...config.visitors] };
    this.proxies = new ProxySet({
      user: config.user,
      encryptionKey: this.encryptionKey,
      udpPacketSize: config.udpPacketSize,
      logger: this.logger,
      session: () => this.liveControl(),
      changed: (worker) => this.emit('proxy', statusOf(worker)),
    });
    for (const proxy of config.proxies) this.proxies.add(proxy);
    const session = (): { runId: string; openConn: () => ReturnType<ClientControl['openConn']> } | undefined => {
      const control = this.liveControl();
      return control ? { runId: control.runId, openConn: () => control.openConn() } : undefined;
    };
    this.visitors = new VisitorSet(config.user, session, this.logger);
    this.view = new ClientAdminView({
      proxyStatuses: () => this.proxyStatuses(),
      reload: () => this.reload(),
      source: this.source,
      logger: this.logger,
      store: () => this.store,
    });
  }

  /** The run id of the current (or last) session. */
  get currentRunId(): string {
    return this.runId;
  }

  /** Whether a session is up now. */
  get isConnected(): boolean {
    return Boolean(this.control && !this.control.isClosed);
  }

  /** The admin API's URL (e.g. "http://127.0.0.1:7400"), when webServer.port is set and the client started. */
  get adminUrl(): string | undefined {
    return this.admin?.url;
  }

  /** Every proxy (configured or forwarded) and where it stands. */
  proxyStatuses(): ProxyStatus[] {
    return [...this.proxies.workers.values()].map(statusOf);
  }

  /**
   * Reads the config again and applies its proxies and visitors to the live session: unchanged ones
   * keep running untouched, removed ones are closed, changed ones closed and registered again, new
   * ones registered. Changed server-level keys are listed in `restartRequired`, not applied. Rejects
   * with BurrowError CONFIG, changing nothing, when the config is invalid.
   */
  reload(): Promise<ClientReloadResult> {
    const run = this.reloading.then(() => this.reloadNow());
    // The queue goes on after a failed reload; the failure itself reaches this caller through `run`.
    this.reloading = run.catch(() => undefined);
    return run;
  }

  private async reloadNow(): Promise<ClientReloadResult> {
    try {
      if (this.closed) throw new BurrowError(ErrorCode.CLOSED, 'the client is closed');
      const next = await this.source.load();
      // close() may have run while the file was read: apply nothing to a closed client.
      this.throwIfClosed();
      for (const warning of next.warnings) this.logger.warn({ config: this.source.name }, warning);
      const fromFile = { proxies: next.config.proxies, visitors: next.config.visitors };
      const result = await applyReload(
        this.config,
        { ...next.config, ...withStore(fromFile, this.store) },
        this.proxies,
        this.visitors,
        this.logger,
        this.source.name,
      );
      this.fileEntries = fromFile;
      this.config.proxies = this.proxies.configured();
      this.config.visitors = this.visitors.configs();
      return result;
    } catch (err) {
      this.logger.warn({ config: this.source.name, err: errorMessage(err) }, 'reload refused; nothing changed');
      throw err;
    }
  }

  /** Applies a store change: the config file's entries as last loaded plus the store's, in the reload queue. */
  private applyStore(): Promise<void> {
    const run = this.reloading.then(async () => {
      this.throwIfClosed();
      await applyReload(
        this.config,
        { ...this.config, ...withStore(this.fileEntries, this.store) },
        this.proxies,
        this.visitors,
        this.logger,
        this.store?.file ?? 'store',
      );
      this.config.proxies = this.proxies.configured();
      this.config.visitors = this.visitors.configs();
    });
    this.reloading = run.catch(() => undefined);
    return run;
  }

  /**
   * Opens frp's [store] when store.path is set (relative to the config file's folder, as frpc): its
   * proxies join the config's before the first login, its visitors start with the config's.
   */
  private async openStore(): Promise<void> {
    const file = this.config.store.path;
    if (file === '' || this.store) return;
    const resolved = storeFilePath(file, this.configFile);
    this.store = await ClientStore.open(resolved, {
      configNames: (kind) => namesOf(kind === 'proxy' ? this.fileEntries.proxies : this.fileEntries.visitors),
      apply: () => this.applyStore(),
      logger: this.logger,
    });
    const added = withStore(this.fileEntries, this.store);
    for (const proxy of added.proxies.slice(this.fileEntries.proxies.length)) this.proxies.add(proxy);
    this.config.proxies = this.proxies.configured();
    this.config.visitors = added.visitors;
    this.logger.info(
      { store: resolved, proxies: this.config.proxies.length - this.fileEntries.proxies.length },
      'store opened',
    );
  }

  /**
   * Adds a proxy to the live session and resolves once the server runs it, with its public URL.
   * Rejects with PROXY_REFUSED and the server's reason when refused, CONFIG for bad options or a
   * name in use, CLOSED when no session is up. A config reload leaves forwarded proxies alone.
   */
  async forward(options: ForwardOptions): Promise<Forward> {
    if (this.closed) throw new BurrowError(ErrorCode.CLOSED, 'the client is closed');
    const config = forwardProxyConfig(options);
    if (this.proxies.has(config.name))
      throw new BurrowError(ErrorCode.CONFIG, `forward: a proxy named "${config.name}" already exists on this client`);
    if (!this.liveControl())
      throw new BurrowError(
        ErrorCode.CLOSED,
        'forward: not connected to the server (reconnecting); try again once connected',
      );
    const worker = this.proxies.add(config, { forwarded: true });
    try {
      await awaitRegistration(this, worker, () => this.proxies.get(config.name) === worker);
    } catch (err) {
      this.proxies.remove(worker);
      throw err;
    }
    return {
      name: config.name,
      url: forwardUrl(config.type, this.config.serverAddr, worker.remoteAddr),
      remoteAddr: worker.remoteAddr,
      close: async () => this.proxies.remove(worker),
    };
  }

  /** Throws CLOSED once close() has begun (checked after each await of start and reload). */
  private throwIfClosed(): void {
    if (this.closed) throw new BurrowError(ErrorCode.CLOSED, 'the client was closed');
  }

  /** Connects and logs in; see the class comment for when it rejects. */
  async start(): Promise<void> {
    await this.openStore();
    await this.startAdmin();
    try {
      await this.startSession();
    } catch (err) {
      // Nothing may keep the process alive after a failed start.
      this.tlsWatch?.close();
      await this.closeAdmin();
      throw err;
    }
  }

  private async startSession(): Promise<void> {
    const tlsConfig = this.config.transport.tls;
    if (usesTls(this.config)) {
      this.clientTls = await this.loadTls();
      this.throwIfClosed();
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
        throw err;
      }
      this.logger.warn({ err: errorMessage(err) }, 'login to server failed; retrying');
    }
    try {
      // close() may land during any await here: open nothing more after it.
      this.throwIfClosed();
      for (const visitor of this.config.visitors) {
        await this.visitors.add(visitor);
        this.throwIfClosed();
      }
    } catch (err) {
      // close() already ran (it stopped what existed then) or runs now; either way stop what
      // was opened meanwhile: the session of a login that finished late, visitors added late.
      await this.close();
      this.releaseAll();
      throw err;
    }
    this.loop = this.keepConnected();
    // An enrolled certificate renews itself after two thirds of its lifetime (a no-op without one).
    if (usesTls(this.config)) void this.startRenewal();
  }

  /**
   * Loads the enrollment code (zod stores, x509) after login, off the path to "start proxy success",
   * and starts the renewal timer unless close() ran meanwhile. A failed load is logged.
   */
  private async startRenewal(): Promise<void> {
    try {
      const { startAutoRenewal } = await import('../enroll/index.js');
      if (this.closed) return;
      this.renewal = startAutoRenewal(() => this.config, { logger: this.logger });
    } catch (err) {
      this.logger.error({ err: errorMessage(err) }, 'automatic certificate renewal could not start');
    }
  }

  /**
   * Re-reads the client certificate, key and CA: the next handshake uses them, the live session
   * goes on. Broken files are logged and the previous material kept (and this rejects).
   */
  async reloadTls(): Promise<void> {
    if (!usesTls(this.config)) return;
    try {
      this.clientTls = await this.loadTls();
      this.logger.info('TLS material reloaded');
    } catch (err) {
      this.logger.error({ err: errorMessage(err) }, 'TLS reload failed; keeping the previous material');
      throw err;
    }
  }

  /** Starts the admin API when webServer.port is set (loopback unless webServer.addr says otherwise). */
  private async startAdmin(): Promise<void> {
    const web = this.config.webServer;
    if (web.port <= 0) return;
    // Loaded only here: a client without webServer.port never pays for the admin code.
    const { startAdminServer, webServerListenOptions } = await import('../admin/index.js');
    this.admin = await startAdminServer({
      ...webServerListenOptions(web),
      view: this.view,
      logger: this.logger,
    });
  }

  private async closeAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.close();
  }

  /** The session when one is up. */
  private liveControl(): ClientControl | undefined {
    const control = this.control;
    return control && !control.isClosed ? control : undefined;
  }

  private loadTls(): Promise<ClientTls> {
    return buildClientTlsOptions({ ...this.config.transport.tls, serverAddr: this.config.serverAddr });
  }

  /** Stops the watcher, renewal, visitors, proxies and the session (idempotent). */
  private releaseAll(): void {
    this.tlsWatch?.close();
    this.renewal?.close();
    this.visitors.closeAll();
    this.proxies.closeAll();
    this.control?.close();
  }

  /** Stops: closes the session and every proxy; no reconnect. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.releaseAll();
    this.wakeUp?.();
    await this.loop;
    await this.closeAdmin();
    this.emit('close');
  }

  private async connectOnce(): Promise<void> {
    const server = formatAddress(this.config.serverAddr, this.config.serverPort);
    this.logger.info({ server }, 'connecting to server');
    const connector = new Connector(this.config, () => this.clientTls);
    const control = await login(
      connector,
      this.config,
      this.runId,
      this.proxies.workers,
      this.encryptionKey,
      this.logger,
    );
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
        for (const proxy of this.proxies.workers.values()) proxy.phase = 'new';
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
        this.logger.warn(
          { err: errorMessage(err), attempt },
          refused ? 'login refused; retrying' : 'reconnect failed; retrying',
        );
      }
    }
    for (const proxy of this.proxies.workers.values()) proxy.phase = 'closed';
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

/** TLS is in use when enabled, and always under "wss" (the WebSocket itself runs inside TLS). */
function usesTls(config: ClientConfig): boolean {
  return config.transport.tls.enable || config.transport.protocol === 'wss';
}
