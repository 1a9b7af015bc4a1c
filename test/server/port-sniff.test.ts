// sniffSharedPort: tunnel, HTTP, HTTPS-by-SNI and WebSocket decisions on the first bytes, bytes kept.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import tls from 'node:tls';
import net from 'node:net';
import { describe, it } from 'node:test';
import { sniffSharedPort, type SharedPortRoute } from '../../src/server/port-sniff.js';

const OPTIONS = {
  http: true,
  https: true,
  servesSni: (sni: string) => sni === 'secure.example.test',
  timeoutMs: 1_000,
};

async function classify(bytes: Buffer, options = OPTIONS): Promise<{ route: SharedPortRoute; kept: Buffer }> {
  const stream = new PassThrough();
  const pending = sniffSharedPort(stream, options);
  // Arrives in small pieces, as a slow or hostile peer would send it.
  for (let i = 0; i < bytes.length; i += 7) stream.write(bytes.subarray(i, i + 7));
  const route = await pending;
  return { route, kept: (stream.read() as Buffer | null) ?? Buffer.alloc(0) };
}

/** A real ClientHello as Node's TLS client writes it for `servername`. */
function clientHello(servername: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      socket.once('data', (chunk: Buffer) => {
        resolve(chunk);
        socket.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      const client = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
      client.on('error', () => undefined);
    });
    server.on('error', reject);
  });
}

describe('sniffSharedPort', () => {
  it('routes HTTP methods to the http vhost and keeps every byte', async () => {
    const request = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    const { route, kept } = await classify(request);
    assert.deepEqual(route, { kind: 'http' });
    assert.deepEqual(kept, request);
  });

  it('routes a ClientHello by SNI: known → https, unknown → tunnel', async () => {
    assert.deepEqual((await classify(await clientHello('secure.example.test'))).route, {
      kind: 'https',
      sni: 'secure.example.test',
    });
    assert.deepEqual((await classify(await clientHello('other.example.test'))).route, { kind: 'tunnel' });
  });

  it('routes 0x17, a v1 Login and the v2 magic to the tunnel, and /~!frp to websocket', async () => {
    assert.deepEqual((await classify(Buffer.from([0x17, 0x16, 0x03]))).route, { kind: 'tunnel' });
    assert.deepEqual((await classify(Buffer.from('o\0\0\0\0\0\0\0\x02{}'))).route, { kind: 'tunnel' });
    assert.deepEqual((await classify(Buffer.from('FRP\0\x02\r\n'))).route, { kind: 'tunnel' });
    assert.deepEqual((await classify(Buffer.from('GET /~!frp HTTP/1.1\r\n'))).route, { kind: 'websocket' });
  });

  it('sends HTTP to the tunnel when the http vhost is not on this port', async () => {
    assert.deepEqual((await classify(Buffer.from('GET / HTTP/1.1\r\n'), { ...OPTIONS, http: false })).route, {
      kind: 'tunnel',
    });
  });
});

describe('sniffSharedPort and the WebSocket prefix', () => {
  it('matches frps: the 10-byte prefix alone decides (the upgrade step answers a wrong path), near misses are HTTP', async () => {
    const upgrade = Buffer.from('GET /~!frp HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n');
    const { route, kept } = await classify(upgrade);
    assert.deepEqual(route, { kind: 'websocket' });
    assert.deepEqual(kept, upgrade, 'the whole upgrade is kept for the acceptor');
    assert.deepEqual((await classify(Buffer.from('GET /~!frpx HTTP/1.1\r\n'))).route, { kind: 'websocket' });
    assert.deepEqual((await classify(Buffer.from('GET /~!fr HTTP/1.1\r\n'))).route, { kind: 'http' });
    assert.deepEqual(
      (await classify(Buffer.from('GET /~!frp HTTP/1.1\r\n'), { ...OPTIONS, http: false, https: false })).route,
      { kind: 'websocket' },
    );
  });
});
