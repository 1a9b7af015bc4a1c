// The proxy dialer against scripted proxies on 127.0.0.1: URL parsing, frp's CONNECT bytes, the bounded and timed answer read, bytes put back, SOCKS5 addresses and refusals.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import {
  MAX_CONNECT_RESPONSE_BYTES,
  connectRequest,
  dialViaProxy,
  parseProxyUrl,
  type ProxyUrl,
} from '../../src/net/proxy-dial.js';

/** Deadline of the handshakes here; the stalled-proxy test waits this long. */
const HANDSHAKE_MS = 300;

const servers: net.Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A scripted proxy: `script` runs once per connection with the socket and every byte received so far. */
async function scripted(script: (socket: net.Socket, got: Buffer) => void): Promise<number> {
  const server = net.createServer((socket) => {
    let got = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      script(socket, got);
    });
    socket.on('error', () => socket.destroy());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function proxy(url: string): ProxyUrl {
  return parseProxyUrl(url);
}

const target = { host: 'frps.example', port: 7000 };
const dial = (p: ProxyUrl, t = target) => dialViaProxy(p, t, { timeoutMs: 2_000, handshakeTimeoutMs: HANDSHAKE_MS });

describe('parseProxyUrl', () => {
  it('reads scheme, host, port and percent-decoded credentials; the display never holds them', () => {
    const p = parseProxyUrl('http://us%40er:p%3Ass@proxy.example:3128');
    assert.deepEqual(p, {
      scheme: 'http',
      host: 'proxy.example',
      port: 3128,
      username: 'us@er',
      password: 'p:ss',
      display: 'http://proxy.example:3128',
    });
    assert.equal(parseProxyUrl('socks5://[::1]').port, 1080);
    assert.equal(parseProxyUrl('socks5://[::1]').display, 'socks5://[::1]:1080');
    assert.equal(parseProxyUrl('http://h').port, 80);
  });

  it('refuses what burrow cannot dial, without echoing the URL', () => {
    for (const [url, reason] of [
      ['ntlm://u:secretpw@h:1', /"ntlm" is not supported \(frp has it/],
      ['https://u:secretpw@h:1', /"https" is not supported/],
      ['ftp://h', /"ftp" is not supported/],
      ['not a url secretpw', /not a URL/],
    ] as const) {
      assert.throws(
        () => parseProxyUrl(url),
        (err: unknown) =>
          isBurrowError(err, ErrorCode.CONFIG) && reason.test(err.message) && !/secretpw/.test(err.message),
      );
    }
  });
});

describe('HTTP CONNECT', () => {
  it('sends frp’s request (Host, User-Agent, Basic credentials)', () => {
    assert.equal(
      connectRequest(proxy('http://alice:pw@p:1'), target),
      'CONNECT frps.example:7000 HTTP/1.1\r\nHost: frps.example:7000\r\nUser-Agent: Mozilla/5.0\r\n' +
        `Proxy-Authorization: Basic ${Buffer.from('alice:pw').toString('base64')}\r\n\r\n`,
    );
    assert.equal(
      connectRequest(proxy('http://p:1'), { host: '::1', port: 7000 }),
      'CONNECT [::1]:7000 HTTP/1.1\r\nHost: [::1]:7000\r\nUser-Agent: Mozilla/5.0\r\n\r\n',
    );
  });

  it('opens the tunnel on 200 and puts back the bytes that came with the answer', async () => {
    const port = await scripted((socket, got) => {
      if (got.includes('\r\n\r\n')) socket.write('HTTP/1.1 200 Connection established\r\nX-A: b\r\n\r\nEARLY');
    });
    const socket = await dial(proxy(`http://127.0.0.1:${port}`));
    const first = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
    assert.equal(first.toString(), 'EARLY');
    socket.destroy();
  });

  it('407 is AUTH, another status is NETWORK with it, both naming the proxy and not the password', async () => {
    const port = await scripted((socket) => socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n'));
    await assert.rejects(dial(proxy(`http://u:secretpw@127.0.0.1:${port}`)), (err: unknown) => {
      assert.ok(isBurrowError(err, ErrorCode.AUTH));
      assert.match(err.message, new RegExp(`^proxy http://127\\.0\\.0\\.1:${port} refused CONNECT: 407`));
      assert.doesNotMatch(err.message, /secretpw/);
      return true;
    });
    const forbidden = await scripted((socket) => socket.end('HTTP/1.0 403 Forbidden\r\n\r\n'));
    await assert.rejects(
      dial(proxy(`http://127.0.0.1:${forbidden}`)),
      (err: unknown) =>
        isBurrowError(err, ErrorCode.NETWORK) &&
        /refused CONNECT to frps\.example:7000: 403 Forbidden/.test(err.message),
    );
  });

  it('bounds the answer: an endless header is MESSAGE_TOO_LARGE, silence is TIMEOUT, a non-HTTP answer PROTOCOL', async () => {
    const endless = await scripted((socket) => socket.write(Buffer.alloc(MAX_CONNECT_RESPONSE_BYTES + 1024, 'a')));
    await assert.rejects(dial(proxy(`http://127.0.0.1:${endless}`)), (err: unknown) =>
      isBurrowError(err, ErrorCode.MESSAGE_TOO_LARGE),
    );
    const silent = await scripted(() => undefined);
    const started = Date.now();
    await assert.rejects(
      dial(proxy(`http://127.0.0.1:${silent}`)),
      (err: unknown) => isBurrowError(err, ErrorCode.TIMEOUT) && /no answer to CONNECT/.test(err.message),
    );
    assert.ok(Date.now() - started < HANDSHAKE_MS + 1_000);
    const socks = await scripted((socket) => socket.end(Buffer.from([5, 0])));
    await assert.rejects(
      dial(proxy(`http://127.0.0.1:${socks}`)),
      (err: unknown) => isBurrowError(err, ErrorCode.PROTOCOL) || isBurrowError(err, ErrorCode.UNEXPECTED_EOF),
    );
  });

  it('an unreachable proxy is NETWORK "unreachable"', async () => {
    const port = await scripted(() => undefined);
    servers.pop()?.close();
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(
      dial(proxy(`http://127.0.0.1:${port}`)),
      (err: unknown) => isBurrowError(err, ErrorCode.NETWORK) && /unreachable/.test(err.message),
    );
  });
});

describe('SOCKS5', () => {
  /** A SOCKS5 proxy that checks the user/password and records the CONNECT request, then answers with `reply`. */
  async function socks5(
    expect: { user?: string; pass?: string },
    reply = 0,
  ): Promise<{ port: number; requests: Buffer[] }> {
    const requests: Buffer[] = [];
    const server = net.createServer((socket) => {
      let stage = 0;
      socket.on('data', (chunk: Buffer) => {
        if (stage === 0) {
          const methods = [...chunk.subarray(2)];
          const want = expect.user !== undefined ? 2 : 0;
          socket.write(Buffer.from([5, methods.includes(want) ? want : 0xff]));
          stage = want === 2 ? 1 : 2;
        } else if (stage === 1) {
          const ulen = chunk[1]!;
          const user = chunk.subarray(2, 2 + ulen).toString();
          const pass = chunk.subarray(3 + ulen).toString();
          socket.write(Buffer.from([1, user === expect.user && pass === expect.pass ? 0 : 1]));
          stage = 2;
        } else {
          requests.push(chunk);
          // A domain-typed bound address, to exercise its length byte.
          socket.write(Buffer.from([5, reply, 0, 3, 4, ...Buffer.from('bind'), 0x1f, 0x90]));
          if (reply === 0) socket.write('HELLO');
        }
      });
      socket.on('error', () => socket.destroy());
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as net.AddressInfo).port, requests };
  }

  it('connects by domain name, IPv4 and IPv6 with username/password, leaving the target’s bytes unread', async () => {
    const s = await socks5({ user: 'bob', pass: 'pw' });
    const p = proxy(`socks5://bob:pw@127.0.0.1:${s.port}`);
    for (const t of [target, { host: '10.1.2.3', port: 7000 }, { host: '::1', port: 7000 }]) {
      const socket = await dial(p, t);
      const first = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
      assert.equal(first.toString(), 'HELLO');
      socket.destroy();
    }
    const name = Buffer.from('frps.example');
    assert.deepEqual(s.requests[0], Buffer.from([5, 1, 0, 3, name.length, ...name, 0x1b, 0x58]));
    assert.deepEqual(s.requests[1], Buffer.from([5, 1, 0, 1, 10, 1, 2, 3, 0x1b, 0x58]));
    assert.deepEqual(s.requests[2], Buffer.from([5, 1, 0, 4, ...Buffer.alloc(15), 1, 0x1b, 0x58]));
  });

  it('a wrong password is AUTH "SOCKS auth failed"; no credentials when they are needed is AUTH too', async () => {
    const s = await socks5({ user: 'bob', pass: 'pw' });
    await assert.rejects(
      dial(proxy(`socks5://bob:secretpw@127.0.0.1:${s.port}`)),
      (err: unknown) =>
        isBurrowError(err, ErrorCode.AUTH) && /SOCKS auth failed/.test(err.message) && !/secretpw/.test(err.message),
    );
    await assert.rejects(
      dial(proxy(`socks5://127.0.0.1:${s.port}`)),
      (err: unknown) => isBurrowError(err, ErrorCode.AUTH) && /accepts none of the offered/.test(err.message),
    );
  });

  it('a refused CONNECT names RFC 1928’s reason', async () => {
    const s = await socks5({}, 5);
    await assert.rejects(
      dial(proxy(`socks5://127.0.0.1:${s.port}`)),
      (err: unknown) =>
        isBurrowError(err, ErrorCode.NETWORK) &&
        /refused to connect to frps\.example:7000: connection refused/.test(err.message),
    );
  });
});
