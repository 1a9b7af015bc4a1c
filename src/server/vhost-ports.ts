// The server's vhost and tcpmux ports: the http, https and tcpmux multiplexers, which of them share bindPort, and their listeners.
import type { ServerConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { formatAddress } from '../net/dial.js';
import type { ConnectionRateLimiter } from '../net/rate-limit.js';
import { TcpmuxVhost } from './tcpmux/index.js';
import { notFoundPage } from './vhost/http-pages.js';
import { HttpsVhost, HttpVhost } from './vhost/index.js';

/** vhostHTTPTimeout is in seconds. */
const MS_PER_SECOND = 1000;

/** The three multiplexers of one server; each port gets its own per-IP rate-limit bucket from `newRateLimiter`. */
export class VhostPorts {
  readonly http: HttpVhost;
  readonly https: HttpsVhost;
  readonly tcpmux: TcpmuxVhost;
  /** frps muxes a vhost onto bindPort only when it has bindPort's address and port: then the intake sniffs each connection. */
  readonly httpOnBindPort: boolean;
  readonly httpsOnBindPort: boolean;

  constructor(
    private readonly config: ServerConfig,
    private readonly proxyBindAddr: string,
    private readonly logger: Logger,
    newRateLimiter: () => ConnectionRateLimiter | null,
  ) {
    this.http = new HttpVhost(logger, {
      rateLimiter: newRateLimiter(),
      // custom404Page is read once, here (frp reads it at each 404).
      responseTimeoutMs: config.vhostHTTPTimeout * MS_PER_SECOND,
      notFoundPage: notFoundPage(config.custom404Page, logger),
    });
    this.https = new HttpsVhost(logger, { rateLimiter: newRateLimiter() });
    this.tcpmux = new TcpmuxVhost(logger, { rateLimiter: newRateLimiter(), passthrough: config.tcpmuxPassthrough });
    const sameAddr = proxyBindAddr === config.bindAddr;
    this.httpOnBindPort = sameAddr && config.vhostHTTPPort > 0 && config.vhostHTTPPort === config.bindPort;
    this.httpsOnBindPort = sameAddr && config.vhostHTTPSPort > 0 && config.vhostHTTPSPort === config.bindPort;
  }

  /** Opens the vhost ports that do not share bindPort, and the tcpmux port. */
  async listen(): Promise<void> {
    const { vhostHTTPPort, vhostHTTPSPort, tcpmuxHTTPConnectPort, tcpmuxPassthrough } = this.config;
    const at = (a: { address: string; port: number }): string => formatAddress(a.address, a.port);
    if (vhostHTTPPort > 0 && !this.httpOnBindPort) {
      const address = await this.http.listen(this.proxyBindAddr, vhostHTTPPort);
      this.logger.info({ address: at(address) }, 'http vhost listening');
    }
    if (vhostHTTPSPort > 0 && !this.httpsOnBindPort) {
      const address = await this.https.listen(this.proxyBindAddr, vhostHTTPSPort);
      this.logger.info({ address: at(address) }, 'https vhost listening');
    }
    if (tcpmuxHTTPConnectPort > 0) {
      const address = await this.tcpmux.listen(this.proxyBindAddr, tcpmuxHTTPConnectPort);
      this.logger.info(
        { address: at(address), passthrough: tcpmuxPassthrough },
        'tcpmux httpconnect multiplexer listening',
      );
    }
    if (this.httpOnBindPort || this.httpsOnBindPort) {
      this.logger.info(
        { http: this.httpOnBindPort, https: this.httpsOnBindPort },
        'vhosts share bindPort: each new connection is sniffed',
      );
    }
  }

  /** Stops accepting on the separate ports (a shared bindPort is closed with the listener); live connections stay. */
  stopListening(): void {
    this.http.stopListening();
    this.https.stopListening();
    this.tcpmux.stopListening();
  }

  /** Closes the ports and every connection they hold. */
  close(): void {
    this.http.close();
    this.https.close();
    this.tcpmux.close();
  }
}
