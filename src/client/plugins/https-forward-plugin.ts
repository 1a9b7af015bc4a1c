// A plugin that terminates the user's TLS (HTTP/1.1, or HTTP/2 by ALPN) and forwards every request to localAddr (https2http, https2https).
import type http from 'node:http';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { PluginConfig, PluginType } from '../../config/plugin-schema.js';
import { errorMessage } from '../../errors.js';
import { isMisdirected } from './forward-headers.js';
import { PluginHttpServer } from './http-bridge.js';
import type { ClientPlugin, PluginContext } from './plugin.js';
import { PluginTls } from './plugin-tls.js';
import { HttpForwarder, tagSource, type AnyRequest, type AnyResponse } from './reverse-proxy.js';

/** The status frp's httpsserver answers when a request's Host is not the name its TLS handshake asked for. */
const MISDIRECTED_REQUEST = 421;

/** Builds a plugin that serves HTTPS to the user and forwards over `scheme`; throws BurrowError PLUGIN on a bad certificate. */
export function createHttpsForwardPlugin(
  type: PluginType,
  scheme: 'http' | 'https',
  options: PluginConfig,
  { proxyName, logger }: PluginContext,
): ClientPlugin {
  const tls = new PluginTls(
    {
      crtPath: options.crtPath,
      keyPath: options.keyPath,
      // Go's http.Server offers h2 unless TLSNextProto is emptied (frp's enableHTTP2 = false).
      alpn: options.enableHTTP2 ? ['h2', 'http/1.1'] : ['http/1.1'],
    },
    logger,
    proxyName,
  );
  const forwarder = new HttpForwarder({
    localAddr: options.localAddr,
    scheme,
    rules: { mode: 'append', hostHeaderRewrite: options.hostHeaderRewrite, setHeaders: options.requestHeaders.set },
    proxyName,
    logger,
  });
  const onRequest = (req: AnyRequest, res: AnyResponse): void => {
    const host = (req.headers[':authority'] as string | undefined) ?? req.headers.host ?? '';
    const sni = (req.socket as TLSSocket).servername;
    if (typeof sni === 'string' && isMisdirected(sni, host)) {
      res.writeHead(MISDIRECTED_REQUEST);
      res.end();
      return;
    }
    forwarder.handle(req, res);
  };
  const http1 = new PluginHttpServer(onRequest);
  http1.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const sni = (req.socket as TLSSocket).servername;
    if (typeof sni === 'string' && isMisdirected(sni, req.headers.host ?? '')) {
      socket.end(
        `HTTP/1.1 ${MISDIRECTED_REQUEST} Misdirected Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    forwarder.upgrade(req, socket, head);
  });
  // Never listens: only sockets whose ALPN chose h2 are handed to it, as Node's own tls.Server would.
  const h2 = http2.createSecureServer({}, onRequest);
  const open = new Set<Duplex>();
  return {
    type,
    handle({ conn, srcAddr }) {
      open.add(conn);
      conn.once('close', () => open.delete(conn));
      tls.accept(conn).then(
        (socket) => {
          tagSource(socket, srcAddr);
          if (socket.alpnProtocol === 'h2') {
            socket.on('error', () => socket.destroy());
            h2.emit('secureConnection', socket);
          } else {
            http1.handle(socket);
          }
        },
        (err: unknown) => logger.warn({ proxy: proxyName, err: errorMessage(err) }, 'tls handshake error'),
      );
    },
    async close() {
      for (const conn of open) conn.destroy();
      open.clear();
      await http1.close();
      forwarder.close();
    },
  };
}
