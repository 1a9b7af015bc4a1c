// http proxy: routes on the shared HTTP vhost (domains × locations) whose requests travel on work connections.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../../errors.js';
import type { HttpBackend, HttpPeer, HttpVhost } from '../vhost/index.js';
import { canonicalAddr, DEFAULT_HTTP_PORT, proxyDomains } from './domains.js';
import type { ProxySpec } from './proxy.js';
import { ProxyBase } from './proxy-base.js';

/** The location of a proxy that names none: every path. */
const ANY_LOCATION = '';

/** An http proxy registered on the server's HTTP vhost. */
export class HttpProxy extends ProxyBase implements HttpBackend {
  readonly type = 'http';
  readonly rewriteHost: string;
  readonly setHeaders: Readonly<Record<string, string>>;
  readonly setResponseHeaders: Readonly<Record<string, string>>;
  readonly httpUser: string;
  readonly httpPassword: string;
  private readonly routes: { domain: string; location: string; httpUser: string }[] = [];

  constructor(
    spec: ProxySpec,
    private readonly vhost: HttpVhost,
    /** vhostHTTPPort (0 = the server has no HTTP vhost). */
    private readonly vhostPort: number,
    private readonly subDomainHost: string,
  ) {
    super(spec);
    this.rewriteHost = spec.request.host_header_rewrite ?? '';
    this.setHeaders = spec.request.headers ?? {};
    this.setResponseHeaders = spec.request.response_headers ?? {};
    this.httpUser = spec.request.http_user ?? '';
    this.httpPassword = spec.request.http_pwd ?? '';
  }

  async start(): Promise<string> {
    if (this.vhostPort <= 0)
      throw new BurrowError(ErrorCode.PROXY_REFUSED, 'type [http] not supported when vhost http port is not set');
    const domains = proxyDomains(this.request, this.subDomainHost);
    const requested = this.request.locations ?? [];
    const locations = requested.length > 0 ? requested : [ANY_LOCATION];
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
  protected closePublicSide(): void {
    for (const r of this.routes.splice(0)) this.vhost.router.remove(r.domain, r.location, r.httpUser);
  }

  openConn(peer: HttpPeer): Promise<Duplex> {
    // HTTP vhost connections carry no dst (frps leaves it empty too).
    return this.openUserStream({ srcAddr: peer.address, srcPort: peer.port });
  }
}
