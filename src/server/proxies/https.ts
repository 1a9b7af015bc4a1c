// https proxy: SNI routes on the shared HTTPS vhost; each TLS connection travels untouched on a work connection.
import type { Duplex } from 'node:stream';
import { BurrowError, ErrorCode } from '../../errors.js';
import type { HttpsBackend, HttpsVhost } from '../vhost/index.js';
import { canonicalAddr, DEFAULT_HTTPS_PORT, proxyDomains } from './domains.js';
import type { ProxySpec } from './proxy.js';
import { ProxyBase } from './proxy-base.js';

/** SNI routes match on the name alone. */
const NO_LOCATION = '';

/** An https proxy registered on the server's HTTPS vhost. */
export class HttpsProxy extends ProxyBase implements HttpsBackend {
  readonly type = 'https';
  private readonly domains: string[] = [];

  constructor(
    spec: ProxySpec,
    private readonly vhost: HttpsVhost,
    /** vhostHTTPSPort (0 = the server has no HTTPS vhost). */
    private readonly vhostPort: number,
    private readonly subDomainHost: string,
  ) {
    super(spec);
  }

  async start(): Promise<string> {
    if (this.vhostPort <= 0)
      throw new BurrowError(ErrorCode.PROXY_REFUSED, 'type [https] not supported when vhost https port is not set');
    const domains = proxyDomains(this.request, this.subDomainHost);
    try {
      for (const domain of domains) {
        this.vhost.router.add({ domain, location: NO_LOCATION, payload: this });
        this.domains.push(domain);
      }
    } catch (err) {
      this.close();
      throw err;
    }
    this.owner.logger.info({ proxy: this.name, domains }, 'https proxy routes registered');
    return domains.map((d) => canonicalAddr(d, this.vhostPort, DEFAULT_HTTPS_PORT)).join(',');
  }

  /** Removes the routes: new TLS connections for these names are refused; live ones go on. */
  protected closePublicSide(): void {
    for (const domain of this.domains.splice(0)) this.vhost.router.remove(domain, NO_LOCATION);
  }

  async openConn(peer: { address: string; port: number }): Promise<Duplex> {
    const address = { srcAddr: peer.address, srcPort: peer.port };
    if (!(await this.admitUser(address)))
      throw new BurrowError(ErrorCode.PLUGIN_REJECTED, `user connection to [${this.name}] rejected by a server plugin`);
    return this.openUserStream(address);
  }
}
