// TcpmuxVhost over real sockets on 127.0.0.1: head deadline (408 / silent close), 431, 502, the head taken off or passed through.
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { BurrowError, ErrorCode } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log.js';
import { TcpmuxVhost, type TcpmuxBackend } from '../../../src/server/tcpmux/index.js';
import { TrafficMeter } from '../../../src/server/traffic.js';
import { MAX_HTTP_HEADER_BYTES } from '../../../src/server/vhost/host.js';
import { startEchoServer } from '../../e2e/harness.js';
import { rawConnect, splitResponse } from '../../e2e/tcpmux-helpers.js';

/** A head deadline short enough for a test. */
const SHORT_HEADER_TIMEOUT_MS = 200;

function backend(openConn: () => Promise<Duplex>): TcpmuxBackend {
  return { proxyName: 'p', meter: new TrafficMeter(), httpUser: '', httpPassword: '', idleTimeoutMs: 0, openConn };
}

/** Connects, writes `bytes` without ending, resolves with what came back before the close and how long it took. */
function waitForClose(port: number, bytes: string): Promise<{ reply: string; ms: number }> {
  const started = Date.now();
  return rawConnect(port, bytes, false).then((reply) => ({
    reply: reply.toString('latin1'),
    ms: Date.now() - started,
  }));
}

describe('TcpmuxVhost', () => {
  let echo: { port: number; close: () => Promise<void> };
  const vhosts: TcpmuxVhost[] = [];

  async function start(passthrough: boolean): Promise<number> {
    const vhost = new TcpmuxVhost(silentLogger(), { passthrough, headerTimeoutMs: SHORT_HEADER_TIMEOUT_MS });
    vhosts.push(vhost);
    const toEcho = (): Promise<Duplex> =>
      new Promise((resolve, reject) => {
        const s = net.connect({ host: '127.0.0.1', port: echo.port, allowHalfOpen: true }, () => resolve(s));
        s.once('error', reject);
      });
    vhost.addRoute('echo.example.com', '', backend(toEcho));
    vhost.addRoute(
      'down.example.com',
      '',
      backend(() => Promise.reject(new BurrowError(ErrorCode.TIMEOUT, 'no work connection'))),
    );
    return (await vhost.listen('127.0.0.1', 0)).port;
  }

  before(async () => {
    echo = await startEchoServer();
  });

  after(async () => {
    for (const vhost of vhosts) vhost.close();
    await echo.close();
  });

  it('answers 408 to a head begun but not finished in time, and closes a silent connection without a word', async () => {
    const port = await start(false);
    const partial = await waitForClose(port, 'CONNECT echo.example.com:80 HTTP/1.1\r\nHost: ech');
    assert.match(partial.reply, /^HTTP\/1\.1 408 /);
    assert.ok(partial.ms >= SHORT_HEADER_TIMEOUT_MS - 20, `closed after ${partial.ms} ms`);
    const silent = await waitForClose(port, '');
    assert.equal(silent.reply, '');
  });

  it('answers 431 to a head larger than MAX_HTTP_HEADER_BYTES', async () => {
    const port = await start(false);
    const big = `CONNECT echo.example.com:80 HTTP/1.1\r\nX-Pad: ${'a'.repeat(MAX_HTTP_HEADER_BYTES)}\r\n\r\n`;
    assert.match(splitResponse(await rawConnect(port, big)).status, /^HTTP\/1\.1 431 /);
  });

  it('reads a head of exactly MAX_HTTP_HEADER_BYTES whole and keeps the bytes after it', async () => {
    const port = await start(false);
    const prefix = 'CONNECT echo.example.com:80 HTTP/1.1\r\nX-Pad: ';
    const head = `${prefix}${'a'.repeat(MAX_HTTP_HEADER_BYTES - prefix.length - 4)}\r\n\r\n`;
    assert.equal(head.length, MAX_HTTP_HEADER_BYTES);
    const tail = 'b'.repeat(64 * 1024);
    const { status, rest } = splitResponse(await rawConnect(port, head + tail));
    assert.match(status, /^HTTP\/1\.1 200 /);
    assert.equal(rest.toString('latin1'), tail);
  });

  it('answers 400 at once to bytes that are no HTTP head, without quoting them back', async () => {
    const port = await start(false);
    const started = Date.now();
    const reply = splitResponse(await rawConnect(port, '<script>x</script> / HTTP/1.1\r\n\r\n'));
    assert.match(reply.status, /^HTTP\/1\.1 400 /);
    assert.ok(!reply.rest.toString().includes('<script>'), 'the page does not echo the request');
    assert.ok(Date.now() - started < SHORT_HEADER_TIMEOUT_MS, 'refused without waiting for the deadline');
  });

  it('answers 502 when the proxy gives no work connection, with or without passthrough', async () => {
    for (const passthrough of [false, true]) {
      const port = await start(passthrough);
      const { status } = splitResponse(await rawConnect(port, 'CONNECT down.example.com:80 HTTP/1.1\r\n\r\n'));
      assert.match(status, /^HTTP\/1\.1 502 /, `passthrough ${passthrough}`);
    }
  });

  it('takes the head off (then 200) without passthrough, and passes it through untouched with it', async () => {
    const request = 'CONNECT echo.example.com:80 HTTP/1.1\r\nHost: echo.example.com:80\r\n\r\nafter the head';
    const plain = await rawConnect(await start(false), request);
    assert.equal(plain.toString('latin1'), 'HTTP/1.1 200 Connection established\r\n\r\nafter the head');
    const passed = await rawConnect(await start(true), request);
    assert.equal(passed.toString('latin1'), request);
  });

  it('sends a request in pieces: the head split at every few bytes is read whole', async () => {
    const port = await start(false);
    const request = 'CONNECT echo.example.com:80 HTTP/1.1\r\nHost: echo.example.com:80\r\n\r\nping';
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      let at = 0;
      const step = (): void => {
        if (at >= request.length) {
          socket.end();
          return;
        }
        socket.write(request.slice(at, at + 7));
        at += 7;
        setTimeout(step, 5);
      };
      step();
    });
    assert.equal(reply, 'HTTP/1.1 200 Connection established\r\n\r\nping');
  });
});
