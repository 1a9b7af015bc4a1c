// http proxy: routes on the shared HTTP vhost (domains × locations) whose requests travel on work connections.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../../errors.js';
import type { RateLimiter } from '../../net/bandwidth.js';
import type { NewProxy } from '../../wire/index.js';
import type { HttpBackend, HttpPeer, HttpVhost } from '../vhost/index.js';
import { canonicalAddr, DEFAULT_HTTP_PORT, proxyDomains } from './domains.js';
import type { ProxyOwner, ServerProxy } from './proxy.js';
import { serverLimiter, takeWorkConn, wrapProxyStream } from './work-conn.js';
import { TrafficMeter } from '../traffic.js';

/** An http proxy registered on the server's HTTP vhost. */
export class HttpProxy implements ServerProxy, HttpBackend {
  readonly type = 'http';
  readonly rewriteHost: string;
  readonly setHeaders: Readonly<Record<string, string>>;
  readonly setResponseHeaders: Readonly<Record<string, string>>;
  readonly httpUser: string;
  readonly httpPassword: string;
  private readonly limiter: RateLimiter | undefined;
  private readonly routes: { domain: string; location: string; httpUser: string }[] = [];
  private readonly live = new Set<Duplex>();
  private closed = false;

  constructor(
    readonly name: string,
    readonly request: NewProxy,
    readonly owner: ProxyOwner,
    private readonly vhost: HttpVhost,
    /** vhostHTTPPort (0 = the server has no HTTP vhost). */
    private readonly vhostPort: number,
    private readonly subDomainHost: string,
  ) {
    this.rewriteHost = request.host_header_rewrite ?? '';
    this.setHeaders = request.headers ?? {};
    this.setResponseHeaders = request.response_headers ?? {};
    this.httpUser = request.http_user ?? '';
    this.httpPassword = request.http_pwd ?? '';
    this.limiter = serverLimiter(request);
  }

  get proxyName(): string {
    return this.name;
  }

  readonly meter = new TrafficMeter();

  get portsUsed(): number {
    return 0;
  }

  async start(): Promise<string> {
    if (this.vhostPort <= 0)
      throw new BurrowError(ErrorCode.PROXY_REFUSED, 'type [http] not supported when vhost http port is not set');
    const domains = proxyDomains(this.request, this.subDomainHost);
    const locations = (this.request.locations ?? []).length > 0 ? this.request.locations! : [''];
    const routeUser = this.request.route_by_http_user ?? '';
    const addrs: string[] = [];
    try {
      for (const domain of domains) {
        for (const location of locations) {
          this.vhost.router.add({ domain, location, httpUser: routeUser, payload: this });
          this.routes.push({ domain, location, httpUser: routeUser });
          addrs.push(canonicalAddr(domain, this.vhostPort, DEFAULT_HTTP_PORT));
        }
      }
    } catch (err) {
      this.close();
      throw err;
    }
    this.owner.logger.info({ proxy: this.name, domains, locations }, 'http proxy routes registered');
    return addrs.join(',');
  }

  /** Removes the routes: new requests for these hosts get the vhost's 404; requests in flight go on. */
  stopAccepting(): void {
    for (const r of this.routes.splice(0)) this.vhost.router.remove(r.domain, r.location, r.httpUser);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopAccepting();
    for (const conn of this.live) conn.destroy();
    this.live.clear();
  }

  async openConn(peer: HttpPeer): Promise<Duplex> {
    if (this.closed) throw new BurrowError(ErrorCode.CLOSED, `proxy [${this.name}] is closed`);
    // HTTP vhost connections carry no dst (frps leaves it empty too).
    const work = await takeWorkConn(this.owner, this.name, { srcAddr: peer.address, srcPort: peer.port });
    const stream = wrapProxyStream(work.stream, this.request, this.owner.encryptionKey, this.limiter);
    this.live.add(stream);
    stream.once('close', () => this.live.delete(stream));
    return stream;
  }
}
