// Unit: the forwarders' header rules (frp's httputil.ReverseProxy Rewrite): hop-by-hop removal, X-Forwarded-* per mode,
// Host rewrite, requestHeaders.set, the 421 check's host canonicalisation, and localAddr parsing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canonicalHost,
  isMisdirected,
  outgoingRequestHeaders,
  outgoingResponseHeaders,
  type ForwardRules,
} from '../../../src/client/plugins/forward-headers.js';
import { parseLocalAddr } from '../../../src/client/plugins/reverse-proxy.js';

const base = {
  host: 'site.test:8443',
  srcAddr: '192.0.2.10',
  tls: true,
  headers: {
    host: 'site.test:8443',
    connection: 'keep-alive, X-Secret-Hop',
    'keep-alive': 'timeout=5',
    'x-secret-hop': 'drop me',
    'proxy-authorization': 'Basic xyz',
    upgrade: 'h2c',
    te: 'trailers, deflate',
    'x-forwarded-for': ['198.51.100.1', '198.51.100.2'],
    'x-forwarded-host': 'spoofed.test',
    'x-forwarded-proto': 'http',
    forwarded: 'for=1.2.3.4',
    accept: '*/*',
    cookie: 'a=1',
  },
};
const rules = (mode: ForwardRules['mode'], extra: Partial<ForwardRules> = {}): ForwardRules => ({
  mode,
  hostHeaderRewrite: '',
  setHeaders: {},
  ...extra,
});

describe('outgoingRequestHeaders', () => {
  it('drops hop-by-hop headers and those the Connection header names; keeps "te: trailers"', () => {
    const out = outgoingRequestHeaders(base, rules('drop'));
    for (const name of ['connection', 'keep-alive', 'x-secret-hop', 'proxy-authorization', 'upgrade']) {
      assert.equal(out[name], undefined, name);
    }
    assert.equal(out.te, 'trailers');
    assert.equal(out.accept, '*/*');
    assert.equal(out.cookie, 'a=1');
    assert.equal(out.host, 'site.test:8443');
  });

  it('drop (http2http): no forwarding header survives', () => {
    const out = outgoingRequestHeaders(base, rules('drop'));
    for (const name of ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded']) {
      assert.equal(out[name], undefined, name);
    }
  });

  it("pass (http2https): the user's X-Forwarded-For/-Host/-Proto unchanged, Forwarded dropped", () => {
    const out = outgoingRequestHeaders(base, rules('pass'));
    assert.deepEqual(out['x-forwarded-for'], ['198.51.100.1', '198.51.100.2']);
    assert.equal(out['x-forwarded-host'], 'spoofed.test');
    assert.equal(out['x-forwarded-proto'], 'http');
    assert.equal(out.forwarded, undefined);
  });

  it('append (https2http/https2https): prior X-Forwarded-For joined, then the user; Host and proto set', () => {
    const out = outgoingRequestHeaders(base, rules('append'));
    assert.equal(out['x-forwarded-for'], '198.51.100.1, 198.51.100.2, 192.0.2.10');
    assert.equal(out['x-forwarded-host'], 'site.test:8443');
    assert.equal(out['x-forwarded-proto'], 'https');
    const unknown = outgoingRequestHeaders({ ...base, srcAddr: '' }, rules('append'));
    assert.equal(unknown['x-forwarded-for'], undefined, 'no source address: no X-Forwarded-For, as SetXForwarded');
  });

  it('hostHeaderRewrite replaces Host; requestHeaders.set replaces values but never Host (as frp)', () => {
    const out = outgoingRequestHeaders(
      base,
      rules('append', {
        hostHeaderRewrite: 'origin.internal',
        setHeaders: { 'X-Forwarded-Proto': 'wss', Cookie: 'b=2', Host: 'ignored.test', 'X-New': 'v' },
      }),
    );
    assert.equal(out.host, 'origin.internal');
    assert.equal(out['x-forwarded-proto'], 'wss');
    assert.equal(out.cookie, 'b=2');
    assert.equal(out['x-new'], 'v');
    // X-Forwarded-Host is the Host the user sent, before the rewrite.
    assert.equal(out['x-forwarded-host'], 'site.test:8443');
  });

  it('skips HTTP/2 pseudo-headers and uses the :authority given as host', () => {
    const out = outgoingRequestHeaders(
      {
        headers: { ':method': 'GET', ':path': '/', ':authority': 'h2.test', accept: 'x' },
        host: 'h2.test',
        srcAddr: '',
        tls: true,
      },
      rules('drop'),
    );
    assert.deepEqual(out, { accept: 'x', host: 'h2.test' });
  });
});

describe('outgoingResponseHeaders', () => {
  it('drops hop-by-hop headers of the answer', () => {
    const out = outgoingResponseHeaders({
      connection: 'close, x-hop',
      'x-hop': '1',
      'transfer-encoding': 'chunked',
      'set-cookie': ['a=1', 'b=2'],
      'content-type': 'text/plain',
    });
    assert.deepEqual(out, { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain' });
  });
});

describe('421 check', () => {
  it('compares as frp CanonicalHost: case, port and trailing dot do not matter', () => {
    assert.equal(canonicalHost('Site.Test:443'), 'site.test');
    assert.equal(canonicalHost('site.test.'), 'site.test');
    assert.equal(canonicalHost('[::1]:443'), '::1');
    assert.equal(isMisdirected('site.test', 'SITE.test:8443'), false);
    assert.equal(isMisdirected('site.test', 'other.test'), true);
    assert.equal(isMisdirected('', 'other.test'), false, 'no SNI: nothing to compare');
  });
});

describe('parseLocalAddr', () => {
  it('reads host:port and [v6]:port; refuses anything else', () => {
    assert.deepEqual(parseLocalAddr('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(parseLocalAddr('localhost:443'), { host: 'localhost', port: 443 });
    assert.deepEqual(parseLocalAddr('[::1]:80'), { host: '::1', port: 80 });
    assert.deepEqual(parseLocalAddr(':80'), { host: '127.0.0.1', port: 80 });
    for (const bad of ['localhost', '127.0.0.1:0', 'host:70000', '::1:80', 'a:b']) {
      assert.throws(() => parseLocalAddr(bad), { code: 'ERR_PLUGIN' }, bad);
    }
  });
});
