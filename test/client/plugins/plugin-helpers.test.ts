// Unit tests of the plugins' pure helpers: Basic credentials, CONNECT targets, hop-by-hop headers, SOCKS5 replies, ranges, listings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { basicAuthOk } from '../../../src/client/plugins/basic-auth.js';
import { endToEndHeaders, parseAuthority } from '../../../src/client/plugins/http-proxy.js';
import {
  encodeReply,
  ipv6Bytes,
  ipv6Text,
  Reply,
  replyForDialError,
} from '../../../src/client/plugins/socks5-codec.js';
import { listingPage } from '../../../src/client/plugins/static-file-listing.js';
import { parseRange } from '../../../src/client/plugins/static-file-range.js';
import { contentTypeOf } from '../../../src/client/plugins/static-file-types.js';

const basic = (pair: string): string => `Basic ${Buffer.from(pair).toString('base64')}`;

test('basicAuthOk: the configured pair only; no credentials configured lets everyone in', () => {
  const creds = { user: 'u', password: 'p:w' };
  assert.equal(basicAuthOk(basic('u:p:w'), creds), true, 'a colon inside the password is kept');
  assert.equal(
    basicAuthOk(`basic ${Buffer.from('u:p:w').toString('base64')}`, creds),
    true,
    'scheme is case-insensitive',
  );
  for (const header of [
    undefined,
    '',
    basic('u:p'),
    basic('U:p:w'),
    basic('u'),
    'Bearer abc',
    `Digest ${basic('u:p:w')}`,
  ]) {
    assert.equal(basicAuthOk(header, creds), false, String(header));
  }
  assert.equal(basicAuthOk(undefined, { user: '', password: '' }), true);
  assert.equal(
    basicAuthOk(basic(':secret'), { user: '', password: 'secret' }),
    true,
    'a password alone is a credential',
  );
  assert.equal(basicAuthOk(undefined, { user: '', password: 'secret' }), false);
});

test('parseAuthority: host:port, [v6]:port; anything else refused', () => {
  assert.deepEqual(parseAuthority('example.com:443'), { host: 'example.com', port: 443 });
  assert.deepEqual(parseAuthority('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseAuthority('[::1]:22'), { host: '::1', port: 22 });
  for (const bad of [
    'example.com',
    'example.com:0',
    'example.com:70000',
    '::1:22',
    '[nothex]:22',
    'a b:1',
    'u@h:1',
    '/path',
  ]) {
    assert.equal(parseAuthority(bad), undefined, bad);
  }
});

test('endToEndHeaders drops hop-by-hop headers and those Connection names', () => {
  const out = endToEndHeaders({
    connection: 'keep-alive, X-Private',
    'x-private': 'a',
    'proxy-authorization': 'Basic x',
    'proxy-connection': 'keep-alive',
    'transfer-encoding': 'chunked',
    te: 'trailers',
    upgrade: 'websocket',
    'keep-alive': 'timeout=5',
    host: 'h',
    'x-kept': 'b',
    'set-cookie': ['a=1', 'b=2'],
  });
  assert.deepEqual(out, { host: 'h', 'x-kept': 'b', 'set-cookie': ['a=1', 'b=2'] });
});

test('socks5 replies: IPv4, IPv6 and mapped bound addresses; dial errors to RFC 1928 codes', () => {
  assert.deepEqual(
    [...encodeReply(Reply.SUCCEEDED, { address: '127.0.0.1', port: 1080 })],
    [5, 0, 0, 1, 127, 0, 0, 1, 4, 56],
  );
  assert.deepEqual([...encodeReply(Reply.COMMAND_NOT_SUPPORTED)], [5, 7, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(
    [...encodeReply(Reply.SUCCEEDED, { address: '::ffff:10.0.0.2', port: 1 })].slice(3, 8),
    [1, 10, 0, 0, 2],
  );
  const v6 = encodeReply(Reply.SUCCEEDED, { address: '::1', port: 2 });
  assert.equal(v6.length, 22);
  assert.equal(v6[3], 4);
  assert.equal(ipv6Text(v6.subarray(4, 20)), '0:0:0:0:0:0:0:1');
  assert.equal(ipv6Bytes('2001:db8::8:800:200c:417a').toString('hex'), '20010db80000000000080800200c417a');
  assert.equal(ipv6Bytes('::ffff:1.2.3.4').toString('hex'), '00000000000000000000ffff01020304');
  assert.equal(ipv6Text(ipv6Bytes('fe80::1')), 'fe80:0:0:0:0:0:0:1');
  assert.equal(replyForDialError({ cause: { code: 'ECONNREFUSED' } }), Reply.CONNECTION_REFUSED);
  assert.equal(replyForDialError({ code: 'ENETUNREACH' }), Reply.NETWORK_UNREACHABLE);
  assert.equal(replyForDialError({ cause: { code: 'ENOTFOUND' } }), Reply.HOST_UNREACHABLE);
  assert.equal(replyForDialError(new Error('timeout')), Reply.HOST_UNREACHABLE);
});

test('parseRange: one range, suffix, open end; several or malformed mean the whole file; past the end is 416', () => {
  assert.deepEqual(parseRange('bytes=0-4', 10), { start: 0, end: 4 });
  assert.deepEqual(parseRange('bytes=5-', 10), { start: 5, end: 9 });
  assert.deepEqual(parseRange('bytes=-3', 10), { start: 7, end: 9 });
  assert.deepEqual(parseRange('bytes=-30', 10), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=8-100', 10), { start: 8, end: 9 });
  for (const all of [undefined, 'bytes=0-1,4-5', 'items=0-1', 'bytes=5-2', 'bytes=-', 'nonsense']) {
    assert.equal(parseRange(all, 10), 'all', String(all));
  }
  assert.equal(parseRange('bytes=10-', 10), 'unsatisfiable');
  assert.equal(parseRange('bytes=-0', 10), 'unsatisfiable');
  assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable');
});

test('listingPage sorts, marks folders and escapes names; contentTypeOf by extension', () => {
  const page = listingPage([
    { name: 'b.txt', isDirectory: false },
    { name: 'a"<x>', isDirectory: true },
  ]);
  assert.match(
    page,
    /<pre>\n<a href="\.\/a%22%3Cx%3E\/">a&#34;&lt;x&gt;\/<\/a>\n<a href="\.\/b\.txt">b\.txt<\/a>\n<\/pre>/,
  );
  assert.equal(contentTypeOf('X.HTML'), 'text/html; charset=utf-8');
  assert.equal(contentTypeOf('archive.unknownext'), 'application/octet-stream');
  assert.equal(contentTypeOf('noext'), 'application/octet-stream');
});
