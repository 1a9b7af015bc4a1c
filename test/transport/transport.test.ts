// The Transport interface on its own: the chooser, and each transport's dial against its own accept over loopback TCP.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parseClientConfig } from '../../src/config/index.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { buildClientTlsOptions, buildServerTls, type ClientTls, type ServerTls } from '../../src/tls/index.js';
import {
  acceptSecure,
  chooseTransport,
  HttpEngine,
  tcpTransport,
  tlsTransport,
  websocketTransport,
  wssTransport,
  type SecuredConn,
  type Transport,
  type TransportAcceptOptions,
  type TransportDialOptions,
} from '../../src/transport/index.js';
import { tempDir } from '../tls/helpers.js';
import { WAIT_LIMIT_MS } from './helpers.js';

/** A connected loopback TCP pair. */
async function tcpPair(): Promise<{ client: net.Socket; server: net.Socket; close: () => void }> {
  const listener = net.createServer({ allowHalfOpen: true });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as net.AddressInfo;
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  await once(client, 'connect');
  const [server] = await accepted;
  return {
    client,
    server,
    close: () => {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}

/** Reads `n` bytes from a stream within the limit. */
function readN(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => reject(new Error(`read ${got} of ${n} bytes in time`)), WAIT_LIMIT_MS);
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      got += chunk.length;
      if (got < n) return;
      clearTimeout(timer);
      stream.off('data', onData);
      resolve(Buffer.concat(chunks).subarray(0, n));
    };
    stream.on('data', onData);
  });
}

describe('chooseTransport', () => {
  const cases: [string, boolean, string][] = [
    ['tcp', false, 'tcp'],
    ['tcp', true, 'tls'],
    ['kcp', true, 'tls'],
    ['quic', false, 'tcp'],
    ['websocket', false, 'websocket'],
    ['websocket', true, 'websocket'],
    ['wss', false, 'wss'],
    ['wss', true, 'wss'],
  ];
  for (const [protocol, tlsOn, name] of cases) {
    it(`${protocol} with TLS ${tlsOn ? 'on' : 'off'} → ${name}`, async () => {
      assert.equal((await chooseTransport(protocol, tlsOn)).name, name);
    });
  }
});

describe('each Transport: dial against accept', () => {
  const removes: (() => void)[] = [];
  let serverTls: ServerTls;
  let clientTls: ClientTls;
  const http = new HttpEngine();

  before(async () => {
    const { dir, remove } = tempDir('transport');
    removes.push(remove);
    serverTls = await buildServerTls({ certFile: '', keyFile: '', trustedCaFile: '', force: false, stateDir: dir });
    const { config } = parseClientConfig('serverAddr = "127.0.0.1"\nserverPort = 7000\n', 'frpc.toml');
    clientTls = await buildClientTlsOptions({ ...config.transport.tls, serverAddr: config.serverAddr });
  });

  after(() => {
    for (const remove of removes) remove();
  });

  function acceptOptions(): TransportAcceptOptions {
    return { tls: serverTls, handshakeTimeoutMs: WAIT_LIMIT_MS, http, webSocketTimeoutMs: WAIT_LIMIT_MS };
  }

  function dialOptions(withTls: boolean, customFirstByte: boolean): TransportDialOptions {
    return {
      ...(withTls ? { tls: clientTls } : {}),
      customFirstByte,
      tlsTimeoutMs: WAIT_LIMIT_MS,
      webSocketHost: '127.0.0.1',
      webSocketTimeoutMs: WAIT_LIMIT_MS,
    };
  }

  type Accept = (conn: Duplex, options: TransportAcceptOptions) => Promise<SecuredConn>;
  const cases: { name: string; transport: () => Transport; accept: () => Accept; tls: boolean; firstByte: boolean }[] =
    [
      { name: 'tcp', transport: () => tcpTransport, accept: () => tcpTransport.accept, tls: false, firstByte: false },
      { name: 'tls', transport: () => tlsTransport, accept: () => tlsTransport.accept, tls: true, firstByte: false },
      // The 0x17 byte is read by the server's first-byte choice, as accept.ts does.
      { name: 'tls with 0x17', transport: () => tlsTransport, accept: () => acceptSecure, tls: true, firstByte: true },
      {
        name: 'websocket, plain inside',
        transport: () => websocketTransport,
        accept: () => websocketTransport.accept,
        tls: false,
        firstByte: false,
      },
      {
        name: 'websocket, TLS inside with 0x17',
        transport: () => websocketTransport,
        accept: () => websocketTransport.accept,
        tls: true,
        firstByte: true,
      },
      // wss never sends 0x17, whatever customFirstByte says: its accept runs TLS on the first byte.
      { name: 'wss', transport: () => wssTransport, accept: () => wssTransport.accept, tls: true, firstByte: true },
    ];
  for (const c of cases) {
    it(`carries bytes both ways: ${c.name}`, async () => {
      const pair = await tcpPair();
      try {
        // A plain connection's first bytes are the client's: the server's first-byte choice waits for them.
        const acceptedP = c.accept()(pair.server, acceptOptions());
        const dialed = await c.transport().dial(pair.client, dialOptions(c.tls, c.firstByte));
        dialed.conn.on('error', () => undefined);
        dialed.conn.write('ping');
        const accepted = await acceptedP;
        accepted.conn.on('error', () => undefined);
        assert.equal(dialed.info.tls, c.tls);
        assert.equal(Boolean(accepted.tls), c.tls, 'TLS facts exactly when the transport has TLS');
        if (accepted.tls) assert.match(accepted.tls.version, /^TLSv1\.[23]$/);
        if (dialed.info.tls) assert.equal(dialed.info.serverFingerprint, serverTls.fingerprint);
        assert.equal((await readN(accepted.conn, 4)).toString(), 'ping');
        accepted.conn.write('pong');
        assert.equal((await readN(dialed.conn, 4)).toString(), 'pong');
        dialed.conn.destroy();
        accepted.conn.destroy();
      } finally {
        pair.close();
      }
    });
  }

  for (const t of [() => tlsTransport, () => wssTransport]) {
    it(`${t().name} refuses to dial without TLS settings (INTERNAL)`, async () => {
      const pair = await tcpPair();
      try {
        await assert.rejects(t().dial(pair.client, dialOptions(false, false)), (err: unknown) => {
          assert.ok(isBurrowError(err));
          assert.equal(err.code, ErrorCode.INTERNAL);
          return true;
        });
      } finally {
        pair.close();
      }
    });
  }
});
