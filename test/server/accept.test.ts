// acceptTransport against the real Connector: tcp, websocket (TLS inside or not) and wss layers, tcpMux on and off,
// the enrollment prefix inside TLS, and bad upgrades refused without affecting the listener.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Connector } from '../../src/client/connector.js';
import { parseClientConfig } from '../../src/config/index.js';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import type { Session } from '../../src/mux/index.js';
import {
  acceptTransport,
  MAX_PENDING_WEBSOCKETS,
  WebSocketSlots,
  type AcceptedEnroll,
  type AcceptedTransport,
  type AcceptOptions,
} from '../../src/server/accept.js';
import { buildClientTlsOptions, buildServerTls, type ClientTls, type ServerTls } from '../../src/tls/index.js';
import { tempDir } from '../tls/helpers.js';

/** Every wait here gives up after this. */
const WAIT_LIMIT_MS = 10_000;

type Outcome = AcceptedTransport | AcceptedEnroll | { kind: 'error'; err: unknown };

/** A listener running acceptTransport on every connection, handing outcomes out in order (one server's WebSocket budget and HTTP engine). */
class Acceptor {
  readonly outcomes: Outcome[] = [];
  private waiters: ((o: Outcome) => void)[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(base: Omit<AcceptOptions, 'webSockets'>) {
    const options: AcceptOptions = { ...base, webSockets: new WebSocketSlots() };
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      acceptTransport(socket, options).then(
        (t) => this.push(t),
        (err: unknown) => {
          socket.destroy(); // what server.ts does
          this.push({ kind: 'error', err });
        },
      );
    });
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as net.AddressInfo).port;
  }

  private push(o: Outcome): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(o);
    else this.outcomes.push(o);
  }

  next(): Promise<Outcome> {
    const ready = this.outcomes.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no connection accepted in time')), WAIT_LIMIT_MS);
      this.waiters.push((o) => {
        clearTimeout(timer);
        resolve(o);
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A Connector for `port` with the given transport lines. */
async function connector(port: number, lines: string[]): Promise<Connector> {
  const text = ['serverAddr = "127.0.0.1"', `serverPort = ${port}`, ...lines, ''].join('\n');
  const { config } = parseClientConfig(text, 'frpc.toml');
  const clientTls: ClientTls | undefined = config.transport.tls.enable
    ? await buildClientTlsOptions({ ...config.transport.tls, serverAddr: config.serverAddr })
    : undefined;
  return new Connector(config, () => clientTls);
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
      stream.pause();
      resolve(Buffer.concat(chunks).subarray(0, n));
    };
    stream.on('data', onData);
  });
}

/** The logical connection of an outcome: the conn, or the first stream of a session. */
async function firstConn(outcome: Outcome): Promise<Duplex> {
  if (outcome.kind === 'error') throw outcome.err as Error;
  if (outcome.kind === 'mux') {
    const session: Session = outcome.session;
    const [stream] = (await once(session, 'stream')) as [Duplex];
    return stream;
  }
  return outcome.conn;
}

describe('acceptTransport with the Connector', () => {
  const dirs: (() => void)[] = [];
  let serverTls: ServerTls;

  before(async () => {
    const { dir, remove } = tempDir('accept');
    dirs.push(remove);
    serverTls = await buildServerTls({ certFile: '', keyFile: '', trustedCaFile: '', force: false, stateDir: dir });
  });

  after(() => {
    for (const remove of dirs) remove();
  });

  const cases: { name: string; lines: string[]; tcpMux: boolean; tls: boolean }[] = [
    {
      name: 'tcp + TLS (0x17), tcpMux',
      lines: ['transport.tls.disableCustomTLSFirstByte = false'],
      tcpMux: true,
      tls: true,
    },
    {
      name: 'websocket, plain, tcpMux off',
      lines: ['transport.protocol = "websocket"', 'transport.tls.enable = false', 'transport.tcpMux = false'],
      tcpMux: false,
      tls: false,
    },
    {
      name: 'websocket + TLS inside with 0x17, tcpMux',
      lines: ['transport.protocol = "websocket"', 'transport.tls.disableCustomTLSFirstByte = false'],
      tcpMux: true,
      tls: true,
    },
    {
      name: 'websocket + TLS inside without 0x17, tcpMux off',
      lines: ['transport.protocol = "websocket"', 'transport.tcpMux = false'],
      tcpMux: false,
      tls: true,
    },
    { name: 'wss, tcpMux', lines: ['transport.protocol = "wss"'], tcpMux: true, tls: true },
    {
      name: 'wss with transport.tls.enable = false (still TLS), tcpMux off',
      lines: ['transport.protocol = "wss"', 'transport.tls.enable = false', 'transport.tcpMux = false'],
      tcpMux: false,
      tls: true,
    },
  ];
  for (const c of cases) {
    it(`carries bytes both ways: ${c.name}`, async () => {
      const acceptor = new Acceptor({ tls: serverTls, tcpMux: c.tcpMux, keepaliveIntervalMs: 0 });
      const port = await acceptor.listen();
      const conn = await connector(
        port,
        [...c.lines, `transport.tcpMux = ${c.tcpMux}`].filter(
          (l, i, all) => all.findIndex((m) => m.split(' = ')[0] === l.split(' = ')[0]) === i,
        ),
      );
      try {
        const client = await conn.connect();
        // Teardown below cuts connections mid-stream; those errors are expected.
        client.on('error', () => undefined);
        client.write('hello from the client');
        const outcome = await acceptor.next();
        assert.equal(outcome.kind, c.tcpMux ? 'mux' : 'single');
        if (outcome.kind !== 'mux' && outcome.kind !== 'single') return;
        assert.equal(Boolean(outcome.tls), c.tls, 'TLS facts present exactly when a layer had TLS');
        assert.equal(conn.info.tls, c.tls);
        if (outcome.tls) assert.match(outcome.tls.version, /^TLSv1\.[23]$/);
        const server = await firstConn(outcome);
        server.on('error', () => undefined);
        assert.equal((await readN(server, 21)).toString(), 'hello from the client');
        const big = Buffer.alloc(2 * 1024 * 1024, 7);
        server.write(big);
        assert.ok((await readN(client, big.length)).equals(big));
        if (!c.tcpMux) {
          // Without tcpMux each logical connection is a new connection (a new WebSocket for websocket/wss).
          const second = await conn.open();
          second.on('error', () => undefined);
          second.write('again');
          const next = await firstConn(await acceptor.next());
          next.on('error', () => undefined);
          assert.equal((await readN(next, 5)).toString(), 'again');
          second.destroy();
        }
        client.destroy();
        server.destroy();
        if (outcome.kind === 'mux') outcome.session.close();
      } finally {
        conn.close();
        await acceptor.close();
      }
    });
  }

  it('reports POST /~!burrow/ inside TLS as enroll (bytes intact) when asked, and as a tunnel connection otherwise', async () => {
    for (const enroll of [true, false]) {
      const acceptor = new Acceptor({
        tls: serverTls,
        tcpMux: false,
        keepaliveIntervalMs: 0,
        ...(enroll ? { enroll: true as const } : {}),
      });
      const port = await acceptor.listen();
      const request = 'POST /~!burrow/enroll HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n';
      const client = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => client.write(request));
      client.on('error', () => undefined);
      try {
        const outcome = await acceptor.next();
        assert.equal(outcome.kind, enroll ? 'enroll' : 'single');
        if (outcome.kind !== 'enroll' && outcome.kind !== 'single') return;
        assert.ok(outcome.tls, 'TLS facts of the enrollment connection');
        assert.equal((await readN(outcome.conn, request.length)).toString(), request);
        outcome.conn.destroy();
      } finally {
        client.destroy();
        await acceptor.close();
      }
    }
  });

  it('refuses a plain websocket client when TLS is forced, and a bad upgrade with an HTTP error; the listener goes on', async () => {
    const acceptor = new Acceptor({ tls: { ...serverTls, force: true }, tcpMux: true, keepaliveIntervalMs: 0 });
    const port = await acceptor.listen();
    try {
      const plain = await connector(port, ['transport.protocol = "websocket"', 'transport.tls.enable = false']);
      const opened = plain.connect().then(
        () => undefined,
        (e: unknown) => e,
      );
      const refused = await acceptor.next();
      assert.equal(refused.kind, 'error');
      if (refused.kind === 'error') assert.ok(isBurrowError(refused.err, ErrorCode.TLS_REQUIRED), String(refused.err));
      plain.close();
      await opened;

      for (const bad of [
        'GET /~!frp/other HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
        'GET /~!frp\x00\x01\x02\r\n\r\n',
      ]) {
        const socket = net.connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        const answer: Buffer[] = [];
        socket.on('data', (c: Buffer) => answer.push(c));
        const closed = once(socket, 'close');
        socket.write(bad);
        const outcome = await acceptor.next();
        assert.equal(outcome.kind, 'error');
        if (outcome.kind === 'error') assert.ok(isBurrowError(outcome.err, ErrorCode.PROTOCOL), String(outcome.err));
        await closed;
        assert.match(Buffer.concat(answer).toString('latin1'), /^HTTP\/1\.1 40[04] /);
      }

      // The same inside TLS (a wss client with a wrong path), the request split into small writes.
      const secure = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      secure.on('error', () => undefined);
      await once(secure, 'secureConnect');
      const inside: Buffer[] = [];
      secure.on('data', (c: Buffer) => inside.push(c));
      const secureClosed = once(secure, 'close');
      const request = 'GET /~!frp/x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
      for (let i = 0; i < request.length; i += 5) secure.write(request.slice(i, i + 5));
      const insideOutcome = await acceptor.next();
      assert.equal(insideOutcome.kind, 'error');
      if (insideOutcome.kind === 'error')
        assert.ok(isBurrowError(insideOutcome.err, ErrorCode.PROTOCOL), String(insideOutcome.err));
      await secureClosed;
      assert.match(Buffer.concat(inside).toString('latin1'), /^HTTP\/1\.1 404 /);

      const good = await connector(port, ['transport.protocol = "wss"']);
      const stream = await good.connect();
      stream.write('still serving');
      const outcome = await acceptor.next();
      assert.equal(outcome.kind, 'mux');
      assert.equal((await readN(await firstConn(outcome), 13)).toString(), 'still serving');
      good.close();
      if (outcome.kind === 'mux') outcome.session.close();
    } finally {
      await acceptor.close();
    }
  });

  it(`sets up at most ${MAX_PENDING_WEBSOCKETS} WebSocket connections at once; the next one is refused at once`, async () => {
    const acceptor = new Acceptor({ tls: serverTls, tcpMux: false, keepaliveIntervalMs: 0 });
    const port = await acceptor.listen();
    const stalled: net.Socket[] = [];
    try {
      // Each upgrade request is left unfinished, so each holds its slot until its deadline.
      for (let i = 0; i < MAX_PENDING_WEBSOCKETS; i += 1) {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.on('error', () => undefined);
        socket.write('GET /~!frp HTTP/1.1\r\nHost: a\r\n');
        stalled.push(socket);
      }
      // Let every stalled request reach the acceptor before the extra one.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const extra = net.connect({ host: '127.0.0.1', port });
      extra.on('error', () => undefined);
      extra.write('GET /~!frp HTTP/1.1\r\nHost: a\r\n');
      const outcome = await acceptor.next();
      assert.equal(outcome.kind, 'error');
      if (outcome.kind === 'error') assert.match(String(outcome.err), /too many WebSocket connections being set up/);
      extra.destroy();
    } finally {
      for (const socket of stalled) socket.destroy();
      await acceptor.close();
    }
  });
});
