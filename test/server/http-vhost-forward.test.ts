// The vhost's header rewriting: hop-by-hop and Connection-named headers dropped, Host and X-Forwarded-* set, configured headers replace.
import assert from 'node:assert/strict';
import type http from 'node:http';
import { describe, it } from 'node:test';
import { TrafficMeter } from '../../src/server/traffic.js';
import { bodiless, forwardHeaders, responseHeaders } from '../../src/server/vhost/http-forward.js';
import type { HttpBackend } from '../../src/server/vhost/index.js';

/** What the rewriting reads of a message: its raw header pairs and the parsed ones. */
function message(raw: string[]): http.IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) headers[raw[i]!.toLowerCase()] = raw[i + 1]!;
  return { rawHeaders: raw, headers } as unknown as http.IncomingMessage;
}

function backend(extra: Partial<HttpBackend> = {}): HttpBackend {
  return {
    proxyName: 'p',
    meter: new TrafficMeter(),
    rewriteHost: '',
    setHeaders: {},
    setResponseHeaders: {},
    httpUser: '',
    httpPassword: '',
    openConn: () => Promise.reject(new Error('not used')),
    ...extra,
  };
}

describe('forwardHeaders', () => {
  it('drops hop-by-hop headers and those the Connection header names, and sets the forwarding headers', () => {
    const req = message([
      'Host',
      'a.test',
      'Connection',
      'keep-alive, X-Secret',
      'X-Secret',
      's',
      'Keep-Alive',
      '5',
      'X-Forwarded-For',
      '203.0.113.7',
      'Accept',
      '*/*',
    ]);
    const out = forwardHeaders(req, backend({ rewriteHost: 'inner' }), '127.0.0.1', false);
    assert.deepEqual(out, [
      ['Host', 'inner'],
      ['Accept', '*/*'],
      ['X-Forwarded-For', '203.0.113.7, 127.0.0.1'],
      ['X-Real-IP', '127.0.0.1'],
      ['X-Forwarded-Host', 'a.test'],
      ['X-Forwarded-Proto', 'http'],
    ]);
  });

  it('keeps Connection and Upgrade for an upgrade, and lets requestHeaders.set replace any header by name', () => {
    const req = message(['Host', 'a.test', 'Connection', 'Upgrade', 'Upgrade', 'websocket', 'accept', 'x']);
    const out = forwardHeaders(
      req,
      backend({ setHeaders: { Accept: 'y', 'x-forwarded-proto': 'https', host: 'set.test' } }),
      '10.0.0.1',
      true,
    );
    assert.deepEqual(out, [
      ['Connection', 'Upgrade'],
      ['Upgrade', 'websocket'],
      ['X-Forwarded-For', '10.0.0.1'],
      ['X-Real-IP', '10.0.0.1'],
      ['X-Forwarded-Host', 'a.test'],
      ['Accept', 'y'],
      ['x-forwarded-proto', 'https'],
      ['host', 'set.test'],
    ]);
  });
});

describe('responseHeaders', () => {
  it('drops hop-by-hop headers and those responseHeaders.set replaces, then adds the configured ones', () => {
    const res = message([
      'Content-Type',
      'text/plain',
      'Connection',
      'keep-alive',
      'Keep-Alive',
      'timeout=5',
      'x-served-by',
      'origin',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
    ]);
    const out = responseHeaders(res, backend({ setResponseHeaders: { 'X-Served-By': 'burrow' } }));
    assert.deepEqual(out, [
      ['Content-Type', 'text/plain'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['X-Served-By', 'burrow'],
    ]);
  });
});

describe('bodiless', () => {
  it('is true without Content-Length (or with 0) and without Transfer-Encoding', () => {
    assert.equal(bodiless(message([])), true);
    assert.equal(bodiless(message(['Content-Length', '0'])), true);
    assert.equal(bodiless(message(['Content-Length', '3'])), false);
    assert.equal(bodiless(message(['Transfer-Encoding', 'chunked'])), false);
  });
});
