// HTTP request head parser tests: hosts with/without ports, absolute-form, case, bare LF, bounds, malformed heads, fuzz.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { describe, test } from 'node:test';
import { BurrowError, ErrorCode, isBurrowError } from '../../../src/errors.js';
import {
  canonicalHost,
  MAX_HTTP_HEADER_BYTES,
  parseHttpRequestHead,
  type HttpRequestHead,
} from '../../../src/server/vhost/index.js';

/** Random inputs for the fuzz test. */
const FUZZ_ROUNDS = 3000;
/** Bound for the loopback capture. */
const CAPTURE_TIMEOUT_MS = 5000;

function parse(text: string): HttpRequestHead {
  const r = parseHttpRequestHead(Buffer.from(text, 'latin1'));
  assert.ok(r.complete, `complete: ${JSON.stringify(text)}`);
  return r;
}

function isProtocol(message: RegExp) {
  return (err: unknown): boolean => isBurrowError(err, ErrorCode.PROTOCOL) && message.test((err as Error).message);
}

describe('parseHttpRequestHead', () => {
  test('a plain GET: method, target, path, version, host, headers, headerBytes', () => {
    const head = 'GET /index.html?x=1 HTTP/1.1\r\nHost: Example.COM\r\nUser-Agent: t\r\nX-Empty:\r\n\r\n';
    const r = parse(`${head}BODY`);
    assert.equal(r.method, 'GET');
    assert.equal(r.target, '/index.html?x=1');
    assert.equal(r.path, '/index.html');
    assert.equal(r.httpVersion, 'HTTP/1.1');
    assert.equal(r.host, 'example.com');
    assert.equal(r.urlHost, '');
    assert.deepEqual(r.headers, [
      ['Host', 'Example.COM'],
      ['User-Agent', 't'],
      ['X-Empty', ''],
    ]);
    assert.equal(r.headerBytes, Buffer.byteLength(head));
  });

  const hosts: [string, string][] = [
    ['example.com:8080', 'example.com'],
    ['EXAMPLE.com.', 'example.com'],
    ['example.com.:80', 'example.com'],
    ['[::1]:8080', '::1'],
    ['[::1]', '[::1]'],
    ['127.0.0.1:80', '127.0.0.1'],
    ['', ''],
  ];
  for (const [hostHeader, expected] of hosts) {
    test(`Host ${JSON.stringify(hostHeader)} routes as ${JSON.stringify(expected)}`, () => {
      assert.equal(parse(`GET / HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`).host, expected);
    });
  }

  test('no Host header (HTTP/1.0): host is ""', () => {
    assert.equal(parse('GET / HTTP/1.0\r\n\r\n').host, '');
  });

  test('header names in any case; the Host value trimmed of spaces and tabs', () => {
    assert.equal(parse('GET / HTTP/1.1\r\nhOsT: \t a.example.com:1 \t\r\n\r\n').host, 'a.example.com');
  });

  test('absolute-form: the URL host wins over the Host header (Go semantics); path decoded', () => {
    const r = parse('GET http://User@Proxy.Example.com:8080/a%20b/%7Ec?q=%20 HTTP/1.1\r\nHost: other.com\r\n\r\n');
    assert.equal(r.host, 'proxy.example.com');
    assert.equal(r.urlHost, 'Proxy.Example.com:8080');
    assert.equal(r.path, '/a b/~c');
    assert.equal(parse('GET http://x.com HTTP/1.1\r\n\r\n').path, '');
  });

  test('CONNECT authority-form: urlHost and host from the target, empty path', () => {
    const r = parse('CONNECT tunnel.example.com:443 HTTP/1.1\r\nHost: tunnel.example.com:443\r\n\r\n');
    assert.equal(r.urlHost, 'tunnel.example.com:443');
    assert.equal(r.host, 'tunnel.example.com');
    assert.equal(r.path, '');
  });

  test('OPTIONS * and lower-case methods', () => {
    assert.equal(parse('OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n').path, '*');
    assert.equal(parse('get / HTTP/1.1\r\nHost: a\r\n\r\n').method, 'get');
  });

  test('bare LF line ends, and mixed', () => {
    const r = parse('GET /x HTTP/1.1\nHost: lf.example.com\nA: b\r\n\n');
    assert.equal(r.host, 'lf.example.com');
    assert.equal(r.headerBytes, 'GET /x HTTP/1.1\nHost: lf.example.com\nA: b\r\n\n'.length);
  });

  test('empty lines before the request line are skipped (keep-alive leftovers), a few at most', () => {
    assert.equal(
      parse('\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n').headerBytes,
      4 + 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'.length,
    );
    assert.throws(
      () => parseHttpRequestHead(Buffer.from('\r\n'.repeat(5) + 'GET / HTTP/1.1\r\n\r\n')),
      isProtocol(/more than 4 empty lines/),
    );
  });

  test('incomplete at every prefix of a valid head, complete at its full length', () => {
    const head = Buffer.from('POST /api HTTP/1.1\r\nHost: a.example.com\r\nContent-Length: 3\r\n\r\n');
    for (let n = 0; n < head.length; n++)
      assert.deepEqual(parseHttpRequestHead(head.subarray(0, n)), { complete: false }, `prefix ${n}`);
    assert.equal(parseHttpRequestHead(head).complete, true);
  });

  test(`no blank line within ${MAX_HTTP_HEADER_BYTES} bytes: MESSAGE_TOO_LARGE; a custom bound too`, () => {
    const big = Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(MAX_HTTP_HEADER_BYTES)}`);
    assert.throws(
      () => parseHttpRequestHead(big),
      (e: unknown) => isBurrowError(e, ErrorCode.MESSAGE_TOO_LARGE) && /within 16384 bytes/.test((e as Error).message),
    );
    const exact = Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(100)}\r\n\r\n`);
    assert.equal(parseHttpRequestHead(exact, exact.length).complete, true, 'a head of exactly the bound fits');
    assert.throws(
      () => parseHttpRequestHead(exact, exact.length - 1),
      (e: unknown) => isBurrowError(e, ErrorCode.MESSAGE_TOO_LARGE),
    );
  });

  const malformed: [string, string, RegExp][] = [
    ['binary garbage (refused before any newline)', '\x16\x03\x01\x02\x00', /contains control bytes/],
    ['a bad method (refused before the newline)', 'GE(T / HT', /method "GE\(T" is not a token/],
    ['two spaces in the request line', 'GET  / HTTP/1.1\r\n\r\n', /must be "METHOD target HTTP\/1.x"/],
    ['HTTP/2.0', 'GET / HTTP/2.0\r\n\r\n', /version "HTTP\/2.0" is not HTTP\/1.0 or HTTP\/1.1/],
    ['a missing version', 'GET /\r\n\r\n', /must be "METHOD target HTTP\/1.x"/],
    ['a relative target', 'GET index.html HTTP/1.1\r\n\r\n', /neither origin-form, absolute-form nor "\*"/],
    ['a non-ASCII target', 'GET /\xe9 HTTP/1.1\r\n\r\n', /has spaces, controls or non-ASCII bytes/],
    ['a header without colon', 'GET / HTTP/1.1\r\nHost example.com\r\n\r\n', /has no "name:"/],
    ['space before the colon', 'GET / HTTP/1.1\r\nHost : evil.com\r\n\r\n', /"Host " is not a token/],
    ['a folded header', 'GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n', /obs-fold/],
    ['two Host headers', 'GET / HTTP/1.1\r\nHost: a.com\r\nhost: b.com\r\n\r\n', /more than one Host header/],
    ['a NUL in a value', 'GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n', /control bytes in its value/],
    ['bad percent-encoding', 'GET /a%zz HTTP/1.1\r\n\r\n', /invalid percent-encoding "%zz"/],
    ['a CR inside the request line', 'GET /\rx HTTP/1.1\r\n\r\n', /has spaces, controls|must be/],
  ];
  for (const [name, text, message] of malformed) {
    test(`rejects ${name}`, () =>
      assert.throws(() => parseHttpRequestHead(Buffer.from(text, 'latin1')), isProtocol(message)));
  }

  test("a request as Node's http client sends it (captured on loopback)", async () => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    const captured = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no request captured')), CAPTURE_TIMEOUT_MS);
      server.once('connection', (sock: net.Socket) => {
        const chunks: Buffer[] = [];
        sock.on('data', (c: Buffer) => {
          chunks.push(c);
          const all = Buffer.concat(chunks);
          if (parseHttpRequestHead(all).complete) {
            clearTimeout(timer);
            sock.destroy();
            resolve(all);
          }
        });
      });
    });
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: '/api/v1?x=y',
      method: 'PUT',
      headers: { Host: 'App.Example.com:8443', 'X-A': 'b' },
    });
    req.on('error', () => {}); // the capture server hangs up
    req.end('{}');
    try {
      const r = parseHttpRequestHead(await captured);
      assert.ok(r.complete);
      assert.equal(r.method, 'PUT');
      assert.equal(r.host, 'app.example.com');
      assert.equal(r.path, '/api/v1');
      assert.ok(r.headers.some(([n, v]) => n === 'X-A' && v === 'b'));
    } finally {
      req.destroy();
      server.close();
    }
  });

  test(`${FUZZ_ROUNDS} random and mutated inputs: results or BurrowError only, never past the bound`, () => {
    const seed = Buffer.from('GET /a/b?c HTTP/1.1\r\nHost: x.example.com:80\r\nA: b\r\n\r\n');
    for (let i = 0; i < FUZZ_ROUNDS; i++) {
      let buf: Buffer;
      if (i % 3 === 0) buf = randomBytes(i % 200);
      else {
        buf = Buffer.from(seed);
        for (let k = 0; k < 1 + (i % 4); k++) buf[(i * 13 + k * 29) % buf.length] = (i * 7 + k) & 0xff;
      }
      try {
        const r = parseHttpRequestHead(buf, 128);
        if (r.complete) assert.ok(r.headerBytes <= Math.min(128, buf.length));
      } catch (err) {
        assert.ok(err instanceof BurrowError, `round ${i}: ${String(err)}`);
        assert.ok(err.code === ErrorCode.PROTOCOL || err.code === ErrorCode.MESSAGE_TOO_LARGE);
      }
    }
  });
});

describe('canonicalHost', () => {
  test('as frp CanonicalHost: lower-case, port and trailing dot removed, bare IPv6 kept', () => {
    assert.equal(canonicalHost('A.B.C:1'), 'a.b.c');
    assert.equal(canonicalHost('[2001:DB8::1]:443'), '2001:db8::1');
    assert.equal(canonicalHost('2001:db8::1'), '2001:db8::1');
    assert.equal(canonicalHost('x.'), 'x');
  });
});
