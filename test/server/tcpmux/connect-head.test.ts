// The tcpmux CONNECT head parser, its routing host, its body rule, and the Proxy-Authorization parse and check.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, isBurrowError } from '../../../src/errors.js';
import {
  bodyRefusal,
  connectHost,
  credentialsMatch,
  headerValues,
  parseBasicAuth,
  parseRequestHead,
  type RequestHead,
} from '../../../src/server/tcpmux/index.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const malformed = (err: unknown): boolean => isBurrowError(err, ErrorCode.PROTOCOL);

function head(text: string): RequestHead {
  const parsed = parseRequestHead(bytes(text));
  assert.ok(parsed, `no complete head in ${JSON.stringify(text)}`);
  return parsed;
}

describe('parseRequestHead', () => {
  it('reads a CONNECT head and says where the user data after it starts', () => {
    const text = 'CONNECT svc.example.com:80 HTTP/1.1\r\nHost: svc.example.com:80\r\nUser-Agent:  curl/8 \r\n\r\nEARLY';
    const h = head(text);
    assert.equal(h.method, 'CONNECT');
    assert.equal(h.target, 'svc.example.com:80');
    assert.equal(h.version, 'HTTP/1.1');
    assert.deepEqual(h.headers, [
      ['host', 'svc.example.com:80'],
      ['user-agent', 'curl/8'],
    ]);
    assert.equal(text.slice(h.length), 'EARLY');
  });

  it('takes bare LF line ends, as Go does', () => {
    const h = head('CONNECT a.example.com:22 HTTP/1.0\nX-A: 1\n\nrest');
    assert.equal(h.length, 'CONNECT a.example.com:22 HTTP/1.0\nX-A: 1\n\n'.length);
    assert.deepEqual(headerValues(h, 'x-a'), ['1']);
  });

  it('waits for more bytes until the blank line, whichever chunk it comes in', () => {
    const text = 'CONNECT a.example.com:22 HTTP/1.1\r\nHost: a\r\n\r\n';
    for (let cut = 1; cut < text.length; cut++)
      assert.equal(parseRequestHead(bytes(text.slice(0, cut))), undefined, `${cut}`);
    assert.equal(parseRequestHead(bytes(text))?.length, text.length);
  });

  it('refuses what cannot be an HTTP head, as soon as it shows', () => {
    assert.throws(() => parseRequestHead(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])), malformed);
    assert.throws(() => parseRequestHead(bytes('\r\n\r\n')), malformed);
    assert.throws(() => parseRequestHead(bytes('CONNECT a.example.com:22\r\n')), malformed);
    assert.throws(() => parseRequestHead(bytes('CONNECT a.example.com:22 HTTP/2\r\n')), malformed);
    assert.throws(() => parseRequestHead(bytes('CONNECT  a:1 HTTP/1.1\r\n')), malformed);
    assert.throws(() => parseRequestHead(bytes('CONNECT a:1 HTTP/1.1\r\nBad Name: x\r\n\r\n')), malformed);
    assert.throws(() => parseRequestHead(bytes('CONNECT a:1 HTTP/1.1\r\n folded\r\n\r\n')), malformed);
    assert.throws(() => parseRequestHead(bytes('CONNECT a:1 HTTP/1.1\r\nX: a\rb\r\n\r\n')), malformed);
    assert.throws(() => parseRequestHead(bytes('CONNECT a:1 HTTP/1.1\r\nX: a\x00b\r\n\r\n')), malformed);
  });
});

describe('connectHost', () => {
  it('is the target authority, canonical: lower-case, without port or trailing dot', () => {
    assert.equal(
      connectHost(head('CONNECT Svc.Example.COM.:443 HTTP/1.1\r\nHost: other.example\r\n\r\n')),
      'svc.example.com',
    );
    assert.equal(connectHost(head('CONNECT svc.example.com HTTP/1.1\r\n\r\n')), 'svc.example.com');
    assert.equal(connectHost(head('CONNECT [::1]:80 HTTP/1.1\r\n\r\n')), '::1');
  });

  it('is the Host header when the target is a path (Go reads "CONNECT /x" so)', () => {
    assert.equal(connectHost(head('CONNECT /rpc HTTP/1.1\r\nHost: B.example.com:80\r\n\r\n')), 'b.example.com');
    assert.equal(connectHost(head('CONNECT /rpc HTTP/1.1\r\n\r\n')), '');
  });
});

describe('bodyRefusal', () => {
  it('refuses a positive or malformed Content-Length and any Transfer-Encoding (frp 0.71.1: 400)', () => {
    assert.match(bodyRefusal(head('CONNECT a:1 HTTP/1.1\r\nContent-Length: 5\r\n\r\n')) ?? '', /Content-Length/);
    assert.match(
      bodyRefusal(head('CONNECT a:1 HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 7\r\n\r\n')) ?? '',
      /body/,
    );
    assert.match(bodyRefusal(head('CONNECT a:1 HTTP/1.1\r\nContent-Length: -1\r\n\r\n')) ?? '', /malformed/);
    assert.match(
      bodyRefusal(head('CONNECT a:1 HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n')) ?? '',
      /Transfer-Encoding/,
    );
  });

  it('lets a CONNECT without a body, or with Content-Length: 0, through', () => {
    assert.equal(bodyRefusal(head('CONNECT a:1 HTTP/1.1\r\n\r\n')), undefined);
    assert.equal(bodyRefusal(head('CONNECT a:1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n')), undefined);
  });
});

describe('Proxy-Authorization', () => {
  const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

  it('parses Basic credentials as frp does: scheme in any case, password may hold colons', () => {
    assert.deepEqual(parseBasicAuth(basic('alice:s3:cret')), { user: 'alice', password: 's3:cret' });
    assert.deepEqual(parseBasicAuth(`bAsIc ${Buffer.from('bob:').toString('base64')}`), { user: 'bob', password: '' });
  });

  it('gives nothing for another scheme, bad base64 or no colon', () => {
    assert.equal(parseBasicAuth(undefined), undefined);
    assert.equal(parseBasicAuth('Bearer abc'), undefined);
    assert.equal(parseBasicAuth('Basic !!!!'), undefined);
    assert.equal(parseBasicAuth('Basic YWxpY2U'), undefined, 'unpadded base64 is refused, as Go StdEncoding');
    assert.equal(parseBasicAuth(basic('nocolon')), undefined);
  });

  it('matches only the exact user and password', () => {
    const want = { user: 'alice', password: 'pw' };
    assert.equal(credentialsMatch(want, { user: 'alice', password: 'pw' }), true);
    assert.equal(credentialsMatch(want, { user: 'alice', password: 'pW' }), false);
    assert.equal(credentialsMatch(want, { user: 'bob', password: 'pw' }), false);
    assert.equal(credentialsMatch(want, undefined), false);
  });
});
