// Dials the server through a proxy (frpc's transport.proxyURL): an HTTP CONNECT proxy or a SOCKS5 one, with optional credentials.
import type net from 'node:net';
import type { Readable } from 'node:stream';
import { BurrowError, ErrorCode, errorMessage } from '../errors.js';
import { asBytes, readWithDeadline, type DeadlineRead } from '../io/read-with-deadline.js';
import { dialTcp, formatAddress, type DialOptions } from './dial.js';

/** Largest CONNECT answer head read (status line and headers); a longer one is refused. */
export const MAX_CONNECT_RESPONSE_BYTES = 16 * 1024;
/** Port of a proxy URL that names none: HTTP's 80, SOCKS's 1080. */
const DEFAULT_PORTS = { http: 80, socks5: 1080 } as const;
/** The User-Agent of frp's CONNECT (golib's httpProxyAfterHook). */
const CONNECT_USER_AGENT = 'Mozilla/5.0';
/** SOCKS5 (RFC 1928) and its username/password sub-negotiation (RFC 1929). */
const SOCKS_VERSION = 0x05;
const SOCKS_AUTH_NONE = 0x00;
const SOCKS_AUTH_USER_PASSWORD = 0x02;
const SOCKS_NO_ACCEPTABLE_METHOD = 0xff;
const SOCKS_USER_PASSWORD_VERSION = 0x01;
const SOCKS_CMD_CONNECT = 0x01;
const SOCKS_ATYP_IPV4 = 0x01;
const SOCKS_ATYP_DOMAIN = 0x03;
const SOCKS_ATYP_IPV6 = 0x04;
/** Longest SOCKS5 user name, password or domain name (one length byte). */
const SOCKS_MAX_FIELD = 255;

/** SOCKS5 reply codes (RFC 1928 §6), for the error text. */
const SOCKS_REPLIES: Record<number, string> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/** A parsed transport.proxyURL. */
export interface ProxyUrl {
  scheme: 'http' | 'socks5';
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** The proxy for messages: scheme, host and port, never the credentials. */
  display: string;
}

/** Where the proxy is to connect. */
export interface ProxyTarget {
  host: string;
  port: number;
}

/** Options of a dial through a proxy: the TCP options for the proxy itself, and the handshake's deadline. */
export interface ProxyDialOptions extends Omit<DialOptions, 'host' | 'port'> {
  /** Deadline of the proxy's handshake after the TCP connect (ms). */
  handshakeTimeoutMs: number;
}

/**
 * Parses a proxy URL as frp does (`http://user:pass@host:port`, `socks5://user:pass@host:port`),
 * percent-decoding the credentials. Throws BurrowError CONFIG naming the problem (never the password):
 * not a URL, a scheme burrow does not dial (frp's `https` and `ntlm` too), no host.
 */
export function parseProxyUrl(text: string): ProxyUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BurrowError(ErrorCode.CONFIG, `proxy URL is not a URL (expected http://host:port or socks5://host:port)`);
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'socks5') {
    const frpOnly = scheme === 'https' || scheme === 'ntlm' ? ' (frp has it; burrow does not dial it yet)' : '';
    throw new BurrowError(
      ErrorCode.CONFIG,
      `proxy URL scheme "${scheme}" is not supported${frpOnly}: use http:// (CONNECT) or socks5://`,
    );
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new BurrowError(ErrorCode.CONFIG, `proxy URL ${scheme}:// names no host`);
  const port = url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port);
  const out: ProxyUrl = { scheme, host, port, display: `${scheme}://${formatAddress(host, port)}` };
  if (url.username !== '' || url.password !== '') {
    try {
      out.username = decodeURIComponent(url.username);
      out.password = decodeURIComponent(url.password);
    } catch {
      throw new BurrowError(
        ErrorCode.CONFIG,
        `proxy URL ${out.display}: its credentials are not valid percent-encoding`,
      );
    }
  }
  return out;
}

/**
 * Connects to `target` through `proxy`: TCP to the proxy, then its handshake (HTTP CONNECT or
 * SOCKS5), each within its deadline. Resolves with the socket, now a tunnel to the target, in no
 * flowing mode and with any early bytes of the target put back. Rejects with BurrowError NETWORK
 * (proxy unreachable, or it refused: the status or SOCKS reason given), AUTH (407 or SOCKS
 * credentials refused), PROTOCOL (not a proxy's answer), TIMEOUT; the socket is destroyed then.
 */
export async function dialViaProxy(
  proxy: ProxyUrl,
  target: ProxyTarget,
  options: ProxyDialOptions,
): Promise<net.Socket> {
  const { handshakeTimeoutMs, ...tcp } = options;
  let socket: net.Socket;
  try {
    socket = await dialTcp({ ...tcp, host: proxy.host, port: proxy.port });
  } catch (err) {
    const code = err instanceof BurrowError ? err.code : ErrorCode.NETWORK;
    throw new BurrowError(code, `proxy ${proxy.display} unreachable: ${errorMessage(err)}`, { cause: err });
  }
  try {
    if (proxy.scheme === 'http') await httpConnect(socket, proxy, target, handshakeTimeoutMs);
    else await socks5Connect(socket, proxy, target, handshakeTimeoutMs);
    return socket;
  } catch (err) {
    socket.destroy();
    if (err instanceof BurrowError && err.message.startsWith(`proxy ${proxy.display}`)) throw err;
    const code = err instanceof BurrowError ? err.code : ErrorCode.NETWORK;
    throw new BurrowError(code, `proxy ${proxy.display}: ${errorMessage(err)}`, { cause: err });
  }
}

/** The CONNECT request frp sends (Go's http.Request.Write of a CONNECT to "http://host:port"). */
export function connectRequest(proxy: ProxyUrl, target: ProxyTarget): string {
  const authority = formatAddress(target.host, target.port);
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`, `User-Agent: ${CONNECT_USER_AGENT}`];
  if (proxy.username !== undefined) {
    const basic = Buffer.from(`${proxy.username}:${proxy.password ?? ''}`, 'utf8').toString('base64');
    lines.push(`Proxy-Authorization: Basic ${basic}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

async function httpConnect(socket: net.Socket, proxy: ProxyUrl, target: ProxyTarget, timeoutMs: number) {
  socket.write(connectRequest(proxy, target));
  const head = await readWithDeadline(socket, new HeadRead(MAX_CONNECT_RESPONSE_BYTES), timeoutMs, 'released');
  const statusLine = head.split('\r\n', 1)[0] ?? '';
  const match = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!match) {
    throw new BurrowError(
      ErrorCode.PROTOCOL,
      `proxy ${proxy.display} did not answer CONNECT as an HTTP proxy: ${JSON.stringify(statusLine.slice(0, 80))}`,
    );
  }
  const status = Number(match[1]);
  const reason = (match[2] ?? '').trim();
  // Go's rule (golib): only 200 opens the tunnel. Some proxies (tinyproxy) answer a bad login with 401, not 407.
  if (status === 200) return;
  if (status === 407 || status === 401) {
    const sent =
      proxy.username !== undefined ? 'the credentials in the proxy URL were refused' : 'the proxy URL has none';
    throw new BurrowError(
      ErrorCode.AUTH,
      `proxy ${proxy.display} refused CONNECT: ${status} ${reason || 'Proxy Authentication Required'} (${sent})`,
    );
  }
  throw new BurrowError(
    ErrorCode.NETWORK,
    `proxy ${proxy.display} refused CONNECT to ${formatAddress(target.host, target.port)}: ${status} ${reason}`.trim(),
  );
}

async function socks5Connect(socket: net.Socket, proxy: ProxyUrl, target: ProxyTarget, timeoutMs: number) {
  const withAuth = proxy.username !== undefined;
  // As golang.org/x/net/proxy: no authentication, plus username/password when credentials are given.
  socket.write(
    Buffer.from(
      withAuth ? [SOCKS_VERSION, 2, SOCKS_AUTH_NONE, SOCKS_AUTH_USER_PASSWORD] : [SOCKS_VERSION, 1, SOCKS_AUTH_NONE],
    ),
  );
  const [version, method] = await readExact(socket, 2, timeoutMs, proxy);
  if (version !== SOCKS_VERSION)
    throw new BurrowError(ErrorCode.PROTOCOL, `proxy ${proxy.display} is not a SOCKS5 proxy (version byte ${version})`);
  if (method === SOCKS_NO_ACCEPTABLE_METHOD) {
    throw new BurrowError(
      ErrorCode.AUTH,
      `proxy ${proxy.display} accepts none of the offered SOCKS5 methods (${withAuth ? 'none, username/password' : 'none: it wants credentials in the proxy URL'})`,
    );
  }
  if (method === SOCKS_AUTH_USER_PASSWORD) {
    if (!withAuth) throw new BurrowError(ErrorCode.PROTOCOL, `proxy ${proxy.display} chose a method not offered`);
    const user = Buffer.from(proxy.username ?? '', 'utf8');
    const pass = Buffer.from(proxy.password ?? '', 'utf8');
    if (user.length > SOCKS_MAX_FIELD || pass.length > SOCKS_MAX_FIELD)
      throw new BurrowError(ErrorCode.CONFIG, `proxy ${proxy.display}: SOCKS5 user and password are at most 255 bytes`);
    socket.write(
      Buffer.concat([Buffer.from([SOCKS_USER_PASSWORD_VERSION, user.length]), user, Buffer.from([pass.length]), pass]),
    );
    const [, status] = await readExact(socket, 2, timeoutMs, proxy);
    if (status !== 0)
      throw new BurrowError(
        ErrorCode.AUTH,
        `proxy ${proxy.display} refused the SOCKS5 username/password (SOCKS auth failed, status ${status})`,
      );
  } else if (method !== SOCKS_AUTH_NONE) {
    throw new BurrowError(ErrorCode.PROTOCOL, `proxy ${proxy.display} chose SOCKS5 method ${method}, not offered`);
  }
  socket.write(Buffer.concat([Buffer.from([SOCKS_VERSION, SOCKS_CMD_CONNECT, 0]), socksAddress(target, proxy)]));
  const [replyVersion, reply, , atyp] = await readExact(socket, 4, timeoutMs, proxy);
  if (replyVersion !== SOCKS_VERSION)
    throw new BurrowError(ErrorCode.PROTOCOL, `proxy ${proxy.display}: bad SOCKS5 reply version ${replyVersion}`);
  if (reply !== 0) {
    throw new BurrowError(
      ErrorCode.NETWORK,
      `proxy ${proxy.display} refused to connect to ${formatAddress(target.host, target.port)}: ${SOCKS_REPLIES[reply ?? 0] ?? `SOCKS5 reply ${reply}`}`,
    );
  }
  // The bound address that follows is of no use to us, but must be read off the stream.
  let rest: number;
  if (atyp === SOCKS_ATYP_IPV4) rest = 4 + 2;
  else if (atyp === SOCKS_ATYP_IPV6) rest = 16 + 2;
  else if (atyp === SOCKS_ATYP_DOMAIN) rest = (await readExact(socket, 1, timeoutMs, proxy))[0]! + 2;
  else throw new BurrowError(ErrorCode.PROTOCOL, `proxy ${proxy.display}: bad SOCKS5 address type ${atyp}`);
  await readExact(socket, rest, timeoutMs, proxy);
}

/** The SOCKS5 DST.ADDR and DST.PORT of the target: an IP as such, a name as a domain (the proxy resolves it). */
function socksAddress(target: ProxyTarget, proxy: ProxyUrl): Buffer {
  const port = Buffer.from([target.port >> 8, target.port & 0xff]);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(target.host);
  if (v4 && v4.slice(1).every((o) => Number(o) <= 255)) {
    return Buffer.concat([Buffer.from([SOCKS_ATYP_IPV4, ...v4.slice(1).map(Number)]), port]);
  }
  if (target.host.includes(':')) return Buffer.concat([Buffer.from([SOCKS_ATYP_IPV6]), ipv6Bytes(target.host), port]);
  const name = Buffer.from(target.host, 'utf8');
  if (name.length > SOCKS_MAX_FIELD)
    throw new BurrowError(ErrorCode.CONFIG, `proxy ${proxy.display}: server name longer than 255 bytes`);
  return Buffer.concat([Buffer.from([SOCKS_ATYP_DOMAIN, name.length]), name, port]);
}

/** The 16 bytes of an IPv6 address in text ("::" expanded; an embedded IPv4 tail read). */
function ipv6Bytes(text: string): Buffer {
  const [headText, tailText] = text.includes('::') ? text.split('::') : [text, undefined];
  const groups = (s: string | undefined): number[] => {
    if (s === undefined || s === '') return [];
    return s.split(':').flatMap((g) => {
      if (g.includes('.')) {
        const o = g.split('.').map(Number);
        return [((o[0] ?? 0) << 8) | (o[1] ?? 0), ((o[2] ?? 0) << 8) | (o[3] ?? 0)];
      }
      return [parseInt(g, 16)];
    });
  };
  const head = groups(headText);
  const tail = groups(tailText);
  const all =
    tailText === undefined ? head : [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const out = Buffer.alloc(16);
  all.slice(0, 8).forEach((g, i) => out.writeUInt16BE(g & 0xffff, i * 2));
  return out;
}

/** Reads exactly `n` bytes within the deadline. */
function readExact(socket: net.Socket, n: number, timeoutMs: number, proxy: ProxyUrl): Promise<Buffer> {
  return readWithDeadline(socket, new ExactRead(n, proxy.display), timeoutMs, 'released');
}

class ExactRead implements DeadlineRead<Buffer> {
  constructor(
    private readonly n: number,
    private readonly display: string,
  ) {}

  step(stream: Readable): Buffer | undefined {
    const chunk: unknown = stream.read(this.n);
    return chunk === null ? undefined : asBytes(chunk);
  }

  timedOut(_stream: Readable, timeoutMs: number): string {
    return `proxy ${this.display}: no SOCKS5 answer within ${timeoutMs} ms`;
  }

  ended(): string {
    return `proxy ${this.display} closed the connection during the SOCKS5 handshake`;
  }
}

/** Reads an HTTP answer's head (to the blank line) of at most `max` bytes; bytes after it are put back. */
class HeadRead implements DeadlineRead<string> {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly max: number) {}

  step(stream: Readable): string | undefined {
    for (let chunk: unknown = stream.read(); chunk !== null; chunk = stream.read()) {
      const bytes = asBytes(chunk);
      this.chunks.push(bytes);
      this.size += bytes.length;
      const all = Buffer.concat(this.chunks, this.size);
      const end = all.indexOf('\r\n\r\n');
      if (end >= 0) {
        const after = end + 4;
        // The target's first bytes may share the proxy's packet: they belong to the next reader.
        if (after < all.length) stream.unshift(all.subarray(after));
        return all.subarray(0, end).toString('latin1');
      }
      if (this.size > this.max)
        throw new BurrowError(
          ErrorCode.MESSAGE_TOO_LARGE,
          `the CONNECT answer is over ${this.max} bytes without an end of headers`,
        );
      this.chunks = [all];
    }
    return undefined;
  }

  timedOut(_stream: Readable, timeoutMs: number): string {
    return `no answer to CONNECT within ${timeoutMs} ms`;
  }

  ended(): string {
    return 'the proxy closed the connection before answering CONNECT';
  }
}
