// The burrow server: listens on bindPort, logs clients in, and runs their proxies (frps's role).
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ServerConfig } from '../config/index.js';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Session } from '../mux/index.js';
import { formatAddress, splitHostPort } from '../net/dial.js';
import { destroySoon, endSoon } from '../net/linger.js';
import { listenOn } from '../net/listen.js';
import { buildServerTls, defaultStateDir, describeIdentity, watchFiles, type FileWatch, type ServerTls } from '../tls/index.js';
import { FRP_COMPAT_VERSION } from '../version.js';
import {
  acceptWire,
  deriveCipherKey,
  HelloError,
  MissingHelloError,
  refuseLogin,
  startServerControl,
  verifyPrivilegeKey,
  writeServerHelloError,
  type AcceptedWire,
  type Login,
  type NewProxy,
  type NewVisitorConn,
  type NewWorkConn,
  type WireConn,
} from '../wire/index.js';
import { acceptTransport } from './accept.js';
import { FIRST_MESSAGE_TIMEOUT_MS, MAX_PENDING_HANDSHAKES, RUN_ID_BYTES } from './constants.js';
import { ServerControl, type ControlHost, type PeerInfo } from './control.js';
import { IdentityPolicy } from './policy.js';
import { PortManager } from './port-manager.js';
import type { ServerProxy } from './proxies/proxy.js';
import { HttpProxy } from './proxies/http.js';
import { HttpsProxy } from './proxies/https.js';
import { StcpProxy, VisitorRefusal, VisitorTargets } from './proxies/stcp.js';
import { TcpProxy } from './proxies/tcp.js';
import { TcpGroups } from './proxies/tcp-group.js';
import { UdpProxy } from './proxies/udp.js';
import { sniffSharedPort } from './port-sniff.js';
import { HttpsVhost, HttpVhost } from './vhost/index.js';

export interface ServerOptions {
  logger?: Logger;
}

/** frps's texts for refusals a client shows to its user. */
export const ServerRefusal = {
  badToken: "token in login doesn't match token from configuration",
  badWorkConnToken: "token in NewWorkConn doesn't match token from configuration",
  poolFull: 'work connection pool is full, discarding',
  maxPorts: 'exceed the max_ports_per_client',
} as const;

/** A running burrow server. Create with `new BurrowServer(config)`, then `await start()`. */
export class BurrowServer extends EventEmitter implements ControlHost {
  readonly logger: Logger;
  readonly token: string;
  readonly heartbeatScope: boolean;
  readonly maxPoolCount: number;
  readonly heartbeatTimeoutSec: number;
  readonly userConnTimeoutMs: number;
  readonly detailedErrors: boolean;
  private readonly workConnScope: boolean;
  private readonly encryptionKey: Buffer;
  private readonly ports: PortManager;
  private readonly udpPorts: PortManager;
  private readonly groups: TcpGroups;
  private readonly visitorTargets = new VisitorTargets();
  /** The HTTP and HTTPS vhosts; they serve only when vhostHTTPPort / vhostHTTPSPort is set. */
  readonly httpVhost: HttpVhost;
  readonly httpsVhost: HttpsVhost;
  /** vhostHTTPPort / vhostHTTPSPort share bindPort: new connections are sniffed. */
  private readonly httpOnBindPort: boolean;
  private readonly httpsOnBindPort: boolean;
  private readonly proxyBindAddr: string;
  private readonly controls = new Map<string, ServerControl>();
  private readonly proxies = new Map<string, ServerProxy>();
  private readonly sockets = new Set<net.Socket>();
  private readonly sessions = new Set<Session>();
  private readonly policy: IdentityPolicy;
  private listener: net.Server | undefined;
  private serverTls: ServerTls | undefined;
  private tlsWatch: FileWatch | undefined;
  private pendingHandshakes = 0;
  private closing = false;

  constructor(
    readonly config: ServerConfig,
    options: ServerOptions = {},
  ) {
    super();
    this.logger = options.logger ?? silentLogger();
    this.token = config.auth.token;
    this.heartbeatScope = config.auth.additionalScopes.includes('HeartBeats');
    this.workConnScope = config.auth.additionalScopes.includes('NewWorkConns');
    this.maxPoolCount = config.transport.maxPoolCount;
    this.heartbeatTimeoutSec = config.transport.heartbeatTimeout;
    this.userConnTimeoutMs = config.userConnTimeout * 1000;
    this.detailedErrors = config.detailedErrorsToClient;
    this.encryptionKey = deriveCipherKey(config.auth.token);
    this.proxyBindAddr = config.proxyBindAddr || config.bindAddr;
    this.ports = new PortManager(this.proxyBindAddr, config.allowPorts);
    this.udpPorts = new PortManager(this.proxyBindAddr, config.allowPorts);
    this.groups = new TcpGroups(this.ports);
    this.httpVhost = new HttpVhost(this.logger);
    this.httpsVhost = new HttpsVhost(this.logger);
    // frps muxes the vhosts onto bindPort only when they share its address and port.
    const sameAddr = this.proxyBindAddr === config.bindAddr;
    this.httpOnBindPort = sameAddr && config.vhostHTTPPort > 0 && config.vhostHTTPPort === config.bindPort;
    this.httpsOnBindPort = sameAddr && config.vhostHTTPSPort > 0 && config.vhostHTTPSPort === config.bindPort;
    this.policy = new IdentityPolicy(config.auth.clients);
  }

  /** The address bindPort is listening on (after start()). */
  get address(): net.AddressInfo {
    const address = this.listener?.address();
    if (!address || typeof address === 'string') throw new BurrowError(ErrorCode.CLOSED, 'server is not listening');
    return address;
  }

  /** The SHA-256 fingerprint of the server's TLS certificate (after start()). */
  get tlsFingerprint(): string {
    if (!this.serverTls) throw new BurrowError(ErrorCode.CLOSED, 'server is not started');
    return this.serverTls.fingerprint;
  }

  /** The TLS set-up in use (after start()). */
  get tls(): ServerTls {
    if (!this.serverTls) throw new BurrowError(ErrorCode.CLOSED, 'server is not started');
    return this.serverTls;
  }

  /** Run ids of the clients logged in now. */
  clientRunIds(): string[] {
    return [...this.controls.keys()];
  }

  /** Loads TLS material and listens on bindAddr:bindPort; certificate files are then watched for changes. */
  async start(): Promise<void> {
    this.serverTls = await this.loadTls();
    const t = this.config.transport.tls;
    this.tlsWatch = watchFiles([t.certFile, t.keyFile, t.trustedCaFile, t.crlFile], () => {
      void this.reloadTls().catch(() => undefined);
    });
    // allowHalfOpen: without tcpMux a work connection carries a user's half-close as a FIN.
    const listener = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.onSocket(socket));
    await listenOn(listener, this.config.bindAddr, this.config.bindPort, formatAddress(this.config.bindAddr, this.config.bindPort), this.logger);
    this.listener = listener;
    try {
      await this.startVhosts();
    } catch (err) {
      listener.close();
      throw err;
    }
    const { address, port } = this.address;
    this.logger.info(
      {
        address: formatAddress(address, port),
        tcpMux: this.config.transport.tcpMux,
        tlsForce: this.serverTls.force,
        certificate: this.serverTls.certSource,
        fingerprint: this.serverTls.fingerprint,
      },
      'burrow server listening',
    );
  }

  /** Opens the vhost ports that do not share bindPort. */
  private async startVhosts(): Promise<void> {
    const { vhostHTTPPort, vhostHTTPSPort } = this.config;
    if (vhostHTTPPort > 0 && !this.httpOnBindPort) {
      const address = await this.httpVhost.listen(this.proxyBindAddr, vhostHTTPPort);
      this.logger.info({ address: formatAddress(address.address, address.port) }, 'http vhost listening');
    }
    if (vhostHTTPSPort > 0 && !this.httpsOnBindPort) {
      const address = await this.httpsVhost.listen(this.proxyBindAddr, vhostHTTPSPort);
      this.logger.info({ address: formatAddress(address.address, address.port) }, 'https vhost listening');
    }
    if (this.httpOnBindPort || this.httpsOnBindPort) {
      this.logger.info({ http: this.httpOnBindPort, https: this.httpsOnBindPort }, 'vhosts share bindPort: each new connection is sniffed');
    }
  }

  /**
   * Reloads certificate, key, CA and CRL. New handshakes use the new material; live sessions go on.
   * When the new files are broken, the error is logged, the old material is kept, and this rejects.
   */
  async reloadTls(): Promise<void> {
    try {
      const next = await this.loadTls();
      this.serverTls = next;
      this.logger.info({ certificate: next.certSource, fingerprint: next.fingerprint }, 'TLS material reloaded');
      this.emit('tlsReloaded', next.fingerprint);
    } catch (err) {
      this.logger.error({ err: errorMessage(err) }, 'TLS reload failed; keeping the previous certificate');
      throw err;
    }
  }

  private loadTls(): Promise<ServerTls> {
    const t = this.config.transport.tls;
    return buildServerTls({
      certFile: t.certFile,
      keyFile: t.keyFile,
      trustedCaFile: t.trustedCaFile,
      trustedCaData: t.trustedCaData,
      crlFile: t.crlFile,
      force: t.force,
      stateDir: this.config.stateDir || defaultStateDir(),
    });
  }

  /** Stops listening, ends every client session and proxy; resolves when the listener is closed. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.tlsWatch?.close();
    const listener = this.listener;
    const closed = listener ? new Promise<void>((resolve) => listener.close(() => resolve())) : Promise.resolve();
    for (const control of [...this.controls.values()]) control.close();
    this.httpVhost.close();
    this.httpsVhost.close();
    for (const session of this.sessions) session.close();
    for (const socket of this.sockets) socket.destroy();
    await closed;
    this.emit('close');
  }

  // ControlHost: proxies ----------------------------------------------------------------------

  async registerProxy(control: ServerControl, request: NewProxy): Promise<ServerProxy> {
    const name = request.proxy_name ?? '';
    if (name === '') throw new BurrowError(ErrorCode.PROXY_REFUSED, 'proxy name is empty');
    if (this.proxies.has(name)) throw new BurrowError(ErrorCode.PROXY_REFUSED, `proxy [${name}] already exists`);
    const user = control.login.user ?? '';
    const shortName = user && name.startsWith(`${user}.`) ? name.slice(user.length + 1) : name;
    const policyRefusal = this.policy.refusal(control.peer.tls?.identity, shortName, request, this.config.subDomainHost);
    if (policyRefusal) throw new BurrowError(ErrorCode.PROXY_REFUSED, policyRefusal);
    let proxy: ServerProxy;
    switch (request.proxy_type) {
      case 'tcp':
        proxy = new TcpProxy(name, request, control, this.ports, this.groups);
        break;
      case 'udp':
        proxy = new UdpProxy(name, request, control, this.udpPorts, this.config.udpPacketSize);
        break;
      case 'http':
        proxy = new HttpProxy(name, request, control, this.httpVhost, this.config.vhostHTTPPort, this.config.subDomainHost);
        break;
      case 'https':
        proxy = new HttpsProxy(name, request, control, this.httpsVhost, this.config.vhostHTTPSPort, this.config.subDomainHost);
        break;
      case 'stcp':
        proxy = new StcpProxy(name, request, control, this.visitorTargets, user);
        break;
      default:
        throw new BurrowError(ErrorCode.PROXY_REFUSED, `proxy type [${request.proxy_type ?? ''}] is not supported by this burrow server yet`);
    }
    if (this.config.maxPortsPerClient > 0) {
      const used = control.proxyNames().reduce((sum, n) => sum + (this.proxies.get(n)?.portsUsed ?? 0), 0);
      if (used + proxy.portsUsed > this.config.maxPortsPerClient) throw new BurrowError(ErrorCode.PROXY_REFUSED, ServerRefusal.maxPorts);
    }
    this.proxies.set(name, proxy);
    return proxy;
  }

  unregisterProxy(proxy: ServerProxy): void {
    if (this.proxies.get(proxy.name) === proxy) this.proxies.delete(proxy.name);
  }

  // Connections ---------------------------------------------------------------------------------

  private onSocket(socket: net.Socket): void {
    if (this.closing || this.pendingHandshakes >= MAX_PENDING_HANDSHAKES) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', (err) => this.logger.debug({ remote: socket.remoteAddress, err: err.message }, 'client socket error'));
    if (this.httpOnBindPort || this.httpsOnBindPort) {
      this.sniffSocket(socket);
      return;
    }
    this.acceptTunnel(socket);
  }

  /** bindPort shared with the vhosts: route the connection by its first bytes. */
  private sniffSocket(socket: net.Socket): void {
    this.pendingHandshakes += 1;
    sniffSharedPort(socket, {
      http: this.httpOnBindPort,
      https: this.httpsOnBindPort,
      servesSni: (sni) => this.httpsVhost.serves(sni),
      timeoutMs: FIRST_MESSAGE_TIMEOUT_MS,
    })
      .then((route) => {
        this.pendingHandshakes -= 1;
        switch (route.kind) {
          case 'http':
            this.httpVhost.handleSocket(socket);
            return;
          case 'https':
            this.httpsVhost.route(socket, route.sni);
            return;
          case 'websocket': // a tunnel over WebSocket (GET /~!frp): acceptTransport answers the upgrade itself
          case 'tunnel':
            this.acceptTunnel(socket);
        }
      })
      .catch((err: unknown) => {
        this.pendingHandshakes -= 1;
        this.logger.debug({ remote: socket.remoteAddress, reason: errorMessage(err) }, 'connection closed before it could be routed');
        socket.destroy();
      });
  }

  /** A tunnel client's connection: TLS or plain, then yamux or a single logical connection. */
  private acceptTunnel(socket: net.Socket): void {
    const peerBase = { remoteAddress: formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0) };
    this.pendingHandshakes += 1;
    acceptTransport(socket, {
      tls: this.tls,
      tcpMux: this.config.transport.tcpMux,
      keepaliveIntervalMs: this.config.transport.tcpMuxKeepaliveInterval * 1000,
    })
      .then((transport) => {
        const peer: PeerInfo = { ...peerBase, ...(transport.tls ? { tls: transport.tls } : {}) };
        if (transport.kind === 'single') {
          void this.onLogicalConn(transport.conn, peer);
          return;
        }
        const session = transport.session;
        this.sessions.add(session);
        // A session that opens no stream in time is a stalled or hostile peer: drop it.
        const firstStreamTimer = setTimeout(() => {
          this.logger.warn({ remote: peer.remoteAddress }, 'no stream opened in time; session closed');
          session.close();
        }, FIRST_MESSAGE_TIMEOUT_MS);
        session.on('close', () => {
          clearTimeout(firstStreamTimer);
          this.sessions.delete(session);
        });
        session.on('stream', (stream: Duplex) => {
          clearTimeout(firstStreamTimer);
          void this.onLogicalConn(stream, peer);
        });
      })
      .catch((err: unknown) => {
        this.logger.warn({ remote: peerBase.remoteAddress, reason: errorMessage(err) }, 'connection refused');
        socket.destroy();
      })
      .finally(() => {
        this.pendingHandshakes -= 1;
      });
  }

  /** A control, work or visitor connection, in wire v1 or v2: dispatched on its first message. */
  private async onLogicalConn(conn: Duplex, peer: PeerInfo): Promise<void> {
    conn.on('error', (err) => this.logger.debug({ remote: peer.remoteAddress, err: err.message }, 'connection error'));
    let accepted: AcceptedWire;
    try {
      accepted = await acceptWire(conn, { timeoutMs: FIRST_MESSAGE_TIMEOUT_MS });
    } catch (err) {
      this.logger.warn({ remote: peer.remoteAddress, reason: errorMessage(err) }, 'bad first message; connection closed');
      if (err instanceof MissingHelloError) {
        refuseLogin(err.accepted, { version: FRP_COMPAT_VERSION, error: err.reason });
        destroySoon(conn);
      } else if (err instanceof HelloError) {
        writeServerHelloError(conn, err.reason);
        destroySoon(conn);
      } else {
        conn.destroy();
      }
      return;
    }
    const first = accepted.first;
    switch (first.type) {
      case 'Login':
        this.onLogin(accepted, first.body, peer);
        return;
      case 'NewWorkConn':
        this.onNewWorkConn(accepted.conn, first.body, peer);
        return;
      case 'NewVisitorConn':
        this.onNewVisitorConn(accepted.conn, first.body, peer);
        return;
      default:
        this.logger.warn({ remote: peer.remoteAddress, type: first.type }, 'unexpected first message; connection closed');
        conn.destroy();
    }
  }

  private onLogin(accepted: AcceptedWire, login: Login, peer: PeerInfo): void {
    const refuse = (reason: string): void => {
      this.logger.warn({ remote: peer.remoteAddress, user: login.user ?? '', reason }, 'login refused');
      const error = this.detailedErrors ? reason : 'register control error';
      refuseLogin(accepted, { version: FRP_COMPAT_VERSION, error });
      destroySoon(accepted.conn.stream);
    };
    if (!verifyPrivilegeKey(this.token, login.timestamp ?? 0, login.privilege_key)) {
      refuse(ServerRefusal.badToken);
      return;
    }
    const runId = login.run_id || randomBytes(RUN_ID_BYTES).toString('hex');
    if (login.client_id) {
      for (const other of this.controls.values()) {
        if (other.runId !== runId && other.login.client_id === login.client_id && (other.login.user ?? '') === (login.user ?? '')) {
          refuse(`client_id [${login.client_id}] for user [${login.user ?? ''}] is already online`);
          return;
        }
      }
    }
    const previous = this.controls.get(runId);
    if (previous) {
      this.logger.info({ runId }, 'client logged in again; replacing its previous session');
      previous.close(new BurrowError(ErrorCode.CLOSED, 'replaced by a new login'));
    }
    const channel = startServerControl(accepted, { version: FRP_COMPAT_VERSION, run_id: runId }, this.encryptionKey, this.token);
    const control = new ServerControl(runId, { ...login, run_id: runId }, peer, channel, this.encryptionKey, this, this.logger);
    this.controls.set(runId, control);
    control.once('close', () => {
      if (this.controls.get(runId) === control) this.controls.delete(runId);
      this.logger.info({ runId }, 'client session closed');
      this.emit('clientClosed', runId);
    });
    this.logger.info(
      {
        runId,
        remote: peer.remoteAddress,
        wire: channel.version,
        controlCipher: channel.algorithm,
        tls: Boolean(peer.tls),
        tlsVersion: peer.tls?.version,
        tlsCipher: peer.tls?.cipher,
        clientIdentity: peer.tls ? describeIdentity(peer.tls.identity) : undefined,
        clientFingerprint: peer.tls?.identity?.fingerprint,
        version: login.version,
        hostname: login.hostname,
        os: login.os,
        arch: login.arch,
        user: login.user,
      },
      'client login',
    );
    control.start();
    this.emit('clientLogin', runId);
  }

  private onNewWorkConn(conn: WireConn, request: NewWorkConn, peer: PeerInfo): void {
    const refuse = (reason: string): void => {
      this.logger.warn({ remote: peer.remoteAddress, runId: request.run_id ?? '', reason }, 'work connection refused');
      conn.write({ type: 'StartWorkConn', body: { error: this.detailedErrors ? reason : 'invalid NewWorkConn' } });
      endSoon(conn.stream);
    };
    const control = this.controls.get(request.run_id ?? '');
    if (!control || control.isClosed) {
      refuse(`no client control found for run id [${request.run_id ?? ''}]`);
      return;
    }
    if (this.workConnScope && !verifyPrivilegeKey(this.token, request.timestamp ?? 0, request.privilege_key)) {
      refuse(ServerRefusal.badWorkConnToken);
      return;
    }
    if (!control.offerWorkConn(conn)) refuse(ServerRefusal.poolFull);
  }

  /**
   * A visitor connection: the target stcp proxy must exist, the sign key match its secret key and
   * the visitor's user (from the Login of its run_id) be allowed. Answered with
   * NewVisitorConnResp in clear (frps's texts on refusal), then joined to a work connection.
   */
  private onNewVisitorConn(conn: WireConn, request: NewVisitorConn, peer: PeerInfo): void {
    const name = request.proxy_name ?? '';
    const refuse = (reason: string): void => {
      this.logger.warn({ remote: peer.remoteAddress, proxy: name, reason }, 'visitor connection refused');
      const error = this.detailedErrors ? `register visitor conn error: ${reason}` : 'register visitor conn error';
      conn.write({ type: 'NewVisitorConnResp', body: { proxy_name: name, error } });
      endSoon(conn.stream);
    };
    let visitorUser = '';
    const runId = request.run_id ?? '';
    if (runId !== '') {
      const control = this.controls.get(runId);
      if (!control || control.isClosed) {
        refuse(VisitorRefusal.noControl(runId));
        return;
      }
      visitorUser = control.login.user ?? '';
    }
    const target = this.visitorTargets.get(name);
    if (!target) {
      refuse(VisitorRefusal.noProxy(name));
      return;
    }
    const reason = target.refusal(request, visitorUser);
    if (reason) {
      refuse(reason);
      return;
    }
    conn.write({ type: 'NewVisitorConnResp', body: { proxy_name: name } });
    this.logger.debug({ remote: peer.remoteAddress, proxy: name, user: visitorUser }, 'visitor connection admitted');
    target.serveVisitor(conn.stream, request, splitHostPort(peer.remoteAddress));
  }
}
