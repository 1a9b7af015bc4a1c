// The http_proxy plugin: a forward HTTP proxy (CONNECT tunnels and absolute-URI requests) with optional Basic auth.
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream';
import { errorMessage } from '../../errors.js';
import { dialTcp } from '../../net/dial.js';
import { relay } from '../../net/relay.js';
import { LOCAL_DIAL_TIMEOUT_MS } from '../constants.js';
import { authFailDelay, basicAuthOk, type BasicCredentials } from './basic-auth.js';
import { HeadDeadlines } from './head-deadline.js';
import { PluginHttpServer } from './http-bridge.js';
import type { ClientPlugin, PluginFactory } from './plugin.js';

/** The port of an absolute http:// URL that names none. */
const HTTP_DEFAULT_PORT = 80;

/**
 * Headers that belong to one hop (RFC 9110 §7.6.1) plus the proxy's own credentials: never passed
 * on, either way (frp's removeProxyHeaders; Node frames the body itself, so Transfer-Encoding goes too).
 */
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);

/** The head of a refused CONNECT or request: 407 with the challenge frp sends. */
const PROXY_AUTH_REQUIRED =
  'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** What a CONNECT that reached its target gets before the tunnel's bytes. */
const CONNECT_ESTABLISHED = 'HTTP/1.1 200 Connection established\r\n\r\n';

/** host and port of a CONNECT target ("example.com:443", "[::1]:443"); undefined when it is not one. */
export function parseAuthority(target: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:/[\]@]+)):(\d{1,5})$/.exec(target);
  if (!m) return undefined;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port < 1 || port > 65_535) return undefined;
  if (m[1] !== undefined && net.isIPv6(host) === false) return undefined;
  return { host, port };
}

/** `headers` without the hop-by-hop ones, nor those the Connection header names. */
export function endToEndHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter((token) => token !== ''),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** A plain-text error answer. */
function plainError(status: number, text: string): string {
  const body = `${text}\n`;
  return (
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Connection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

export const createHttpProxyPlugin: PluginFactory = (options, { proxyName, logger }) => {
  const creds: BasicCredentials = { user: options.httpUser, password: options.httpPassword };
  /** Requests to origins in flight, aborted by close(). */
  const upstreams = new Set<http.ClientRequest>();

  /** CONNECT host:port: a raw tunnel; bytes the user sent after the head go first. */
  const tunnel = async (req: http.IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    if (!basicAuthOk(req.headers['proxy-authorization'], creds)) {
      await authFailDelay();
      socket.end(PROXY_AUTH_REQUIRED);
      return;
    }
    const target = parseAuthority(req.url ?? '');
    if (!target) {
      socket.end(plainError(400, `CONNECT needs host:port, got "${req.url ?? ''}"`));
      return;
    }
    let remote: net.Socket;
    try {
      remote = await dialTcp({ ...target, timeoutMs: LOCAL_DIAL_TIMEOUT_MS, allowHalfOpen: true });
    } catch (err) {
      logger.warn({ proxy: proxyName, target: req.url, err: errorMessage(err) }, 'http_proxy: dial error');
      socket.end(plainError(502, errorMessage(err)));
      return;
    }
    if (socket.destroyed) {
      remote.destroy();
      return;
    }
    socket.write(CONNECT_ESTABLISHED);
    if (head.length > 0) remote.write(head);
    await relay(socket, remote);
  };

  /** GET http://host/path and the like: sent on to the origin, the answer streamed back. */
  const forward = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (!basicAuthOk(req.headers['proxy-authorization'], creds)) {
      void authFailDelay().then(() => {
        res.writeHead(407, { 'Proxy-Authenticate': 'Basic', Connection: 'close', 'Content-Length': 0 }).end();
      });
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not a proxy request: the request target must be an absolute http:// URL\n');
      return;
    }
    if (url.protocol !== 'http:') {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`unsupported scheme "${url.protocol}" (https goes through CONNECT)\n`);
      return;
    }
    const headers = endToEndHeaders(req.headers);
    if (headers.host === undefined) headers.host = url.host;
    const upstream = http.request({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port === '' ? HTTP_DEFAULT_PORT : Number(url.port),
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers,
      setHost: false,
      agent: false,
    });
    upstreams.add(upstream);
    upstream.once('close', () => upstreams.delete(upstream));
    // A connect deadline only: a slow answer from a reachable origin is the origin's business.
    upstream.once('socket', (socket: net.Socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () => upstream.destroy(new Error(`dial ${url.host}: no answer within ${LOCAL_DIAL_TIMEOUT_MS} ms`)),
        LOCAL_DIAL_TIMEOUT_MS,
      );
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    upstream.once('error', (err) => {
      if (res.destroyed) return; // the user went away first: nothing to tell
      if (res.headersSent) {
        res.destroy(err);
        return;
      }
      logger.warn({ proxy: proxyName, target: url.host, err: errorMessage(err) }, 'http_proxy: request error');
      res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
      res.end(`${errorMessage(err)}\n`);
    });
    upstream.once('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEndHeaders(answer.headers));
      pipeline(answer, res, (err) => {
        if (err) logger.debug({ proxy: proxyName, target: url.host, err: errorMessage(err) }, 'http_proxy: answer cut');
      });
    });
    // The request body (if any) goes on with backpressure; an aborted user aborts the origin request.
    req.pipe(upstream);
    res.once('close', () => {
      if (!upstream.destroyed && !res.writableFinished) upstream.destroy();
    });
  };

  const bridge = new PluginHttpServer(forward);
  const deadlines = new HeadDeadlines(bridge.server);
  bridge.server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    deadlines.tunnelled(socket);
    tunnel(req, socket, head).catch((err: unknown) => {
      logger.warn({ proxy: proxyName, err: errorMessage(err) }, 'http_proxy: tunnel error');
      socket.destroy();
    });
  });

  const plugin: ClientPlugin = {
    type: 'http_proxy',
    handle({ conn }) {
      deadlines.watch(conn);
      bridge.handle(conn);
    },
    async close() {
      for (const upstream of upstreams) upstream.destroy();
      upstreams.clear();
      await bridge.close();
    },
  };
  return plugin;
};
