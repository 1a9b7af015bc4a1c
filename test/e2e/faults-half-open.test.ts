// e2e faults: a half-open path (a relay that silently stops forwarding) is detected by keepalives on both sides, and
// the client reconnects through a working path.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { download, freePort, killAll, randomPayload, removeDir, sha256, sleep, startFileServer } from './harness.js';
import { clientToml, serverToml, setup, startClient, startServer } from './proxy-helpers.js';

/** Size of the download that proves the tunnel works before and after the fault. */
const FILE_SIZE = 1024 * 1024;
/** yamux ping reply deadline (DEFAULT_CONNECTION_WRITE_TIMEOUT_MS in src/mux/const.ts), plus one 1 s interval and slack. */
const MUX_DETECT_BOUND_MS = 25_000;
/** Client heartbeat timeout (s) in the tcpMux-off case: longer than the server's, so the server's own check is seen first. */
const CLIENT_HEARTBEAT_TIMEOUT_S = 6;
/** Server heartbeat timeout (s) in the tcpMux-off case. */
const SERVER_HEARTBEAT_TIMEOUT_S = 2;
/** Detection bound in the heartbeat case: the client timeout plus its 1 s tick and slack. */
const HEARTBEAT_DETECT_BOUND_MS = 20_000;
/** After the session is lost, its unused work connections should be closed within this. */
const WORK_CONN_CLOSE_BOUND_MS = 5_000;
/** How often the relay's pair state is polled while waiting. */
const POLL_MS = 50;

/** One proxied connection of the relay: `down` faces the client, `up` the server. */
interface Pair {
  down: net.Socket;
  up: net.Socket;
  /** Set by blackhole(): bytes are read and dropped, FIN and close are not passed on. */
  holed: boolean;
  /** The client closed or half-closed (FIN) its end, as the relay saw it. */
  downClosed: boolean;
  /** The server closed or half-closed (FIN) its end, as the relay saw it. */
  upClosed: boolean;
}

/**
 * A TCP relay between the client and the server. blackhole() turns every connection open now into
 * a black hole, as a dead NAT entry or a pulled cable would: nothing is forwarded either way and
 * nobody is told. Connections made afterwards are forwarded normally (the "working path").
 */
class BlackholeRelay {
  readonly pairs: Pair[] = [];
  private readonly server: net.Server;

  constructor(private readonly targetPort: number) {
    this.server = net.createServer({ allowHalfOpen: true }, (down) => this.onConnection(down));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Black-holes every connection open now; returns them. */
  blackhole(): Pair[] {
    const open = this.pairs.filter((p) => !p.downClosed && !p.upClosed);
    for (const pair of open) {
      pair.holed = true;
      // Keep reading (and dropping) so neither peer ever sees backpressure from us either.
      pair.down.resume();
      pair.up.resume();
    }
    return open;
  }

  close(): Promise<void> {
    for (const p of this.pairs) {
      p.down.destroy();
      p.up.destroy();
    }
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(down: net.Socket): void {
    const up = net.connect({ host: '127.0.0.1', port: this.targetPort, allowHalfOpen: true });
    const pair: Pair = { down, up, holed: false, downClosed: false, upClosed: false };
    this.pairs.push(pair);
    const forward = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (chunk: Buffer) => {
        if (pair.holed) return;
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
      from.on('end', () => {
        // A FIN is how a peer gives up gracefully: it counts as closing its end.
        if (from === down) pair.downClosed = true;
        else pair.upClosed = true;
        if (!pair.holed) to.end();
      });
      from.on('error', () => undefined);
    };
    forward(down, up);
    forward(up, down);
    down.on('close', () => {
      pair.downClosed = true;
      if (!pair.holed) up.destroy();
    });
    up.on('close', () => {
      pair.upClosed = true;
      if (!pair.holed) down.destroy();
    });
  }
}

/** Polls until `predicate` holds; fails with `what` after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(POLL_MS);
  }
}

describe('half-open connections', () => {
  const payload = randomPayload(FILE_SIZE);
  const dirs: string[] = [];
  const relays: BlackholeRelay[] = [];
  const origins: { close: () => Promise<void> }[] = [];
  after(async () => {
    await killAll();
    for (const relay of relays) await relay.close();
    for (const origin of origins) await origin.close();
    for (const dir of dirs) removeDir(dir);
  });

  /** Server ← relay ← client with one tcp proxy; resolves once the tunnel carries a download. */
  async function tunnelThroughRelay(serverExtra: string[], clientExtra: string[]) {
    const files = await startFileServer(payload);
    origins.push(files);
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    const relay = new BlackholeRelay(bindPort);
    relays.push(relay);
    const relayPort = await relay.listen();
    const remotePort = await freePort();
    const server = await startServer(dir, serverToml(bindPort, dir, serverExtra));
    const client = await startClient(
      dir,
      clientToml(
        relayPort,
        ['[[proxies]]', 'name = "files"', 'type = "tcp"', `localPort = ${files.port}`, `remotePort = ${remotePort}`],
        clientExtra,
      ),
      1,
    );
    assert.equal(sha256(await download(remotePort)), sha256(payload));
    return { server, client, relay, remotePort };
  }

  it('tcpMux: yamux keepalives on both sides detect the black hole; the client reconnects through a new path', async () => {
    const { server, client, relay, remotePort } = await tunnelThroughRelay(
      ['transport.tcpMuxKeepaliveInterval = 1'],
      ['transport.tcpMux = true', 'transport.tcpMuxKeepaliveInterval = 1'],
    );
    assert.equal(relay.pairs.length, 1, 'tcpMux: one TCP connection carries the whole session');
    const [holed] = relay.blackhole();
    assert.ok(holed);
    const started = Date.now();

    await client.waitFor(/session to server lost/, MUX_DETECT_BOUND_MS);
    await client.waitForCount(/login to server success/, 2, MUX_DETECT_BOUND_MS);
    await client.waitForCount(/start proxy success/, 2, MUX_DETECT_BOUND_MS);
    assert.equal(sha256(await download(remotePort)), sha256(payload), 'the new path carries data');
    // Both ends gave up on the dead connection: the client closed its side, the server its own.
    await until(() => holed.downClosed, MUX_DETECT_BOUND_MS, 'the client to close the black-holed connection');
    await until(
      () => holed.upClosed,
      MUX_DETECT_BOUND_MS - (Date.now() - started),
      'the server to drop the black-holed session',
    );
    assert.ok(relay.pairs.length >= 2, 'the client came back through a new connection');
    assert.match(client.output, /keepalive failed/);
    await client.kill();
    await server.kill();
  });

  it('tcpMux off: heartbeats detect the black hole; the server drops the session on its own', async () => {
    const { server, client, relay, remotePort } = await tunnelThroughRelay(
      ['transport.tcpMux = false', `transport.heartbeatTimeout = ${SERVER_HEARTBEAT_TIMEOUT_S}`],
      [
        'transport.tcpMux = false',
        'transport.heartbeatInterval = 1',
        `transport.heartbeatTimeout = ${CLIENT_HEARTBEAT_TIMEOUT_S}`,
      ],
    );
    const holed = relay.blackhole();
    const control = holed[0]!; // the first connection a client makes is its control connection
    assert.ok(holed.length >= 2, 'control and pooled work connections are open');

    // The server's shorter timeout fires first: it must drop the session without any help from the client.
    await server.waitFor(/heartbeat timeout/, HEARTBEAT_DETECT_BOUND_MS);
    await until(
      () => holed.every((p) => p.upClosed),
      HEARTBEAT_DETECT_BOUND_MS,
      'the server to close the control and pooled work connections',
    );
    await client.waitFor(/session to server lost/, HEARTBEAT_DETECT_BOUND_MS);
    assert.match(client.output, /heartbeat timeout/);
    await until(() => control.downClosed, HEARTBEAT_DETECT_BOUND_MS, 'the client to close its dead control connection');
    await client.waitForCount(/start proxy success/, 2, HEARTBEAT_DETECT_BOUND_MS);
    assert.equal(sha256(await download(remotePort)), sha256(payload), 'the new path carries data');
    // Without tcpMux nothing but the session's close ends its pooled work connections (no fd leak per lost session).
    await until(
      () => holed.every((p) => p.downClosed),
      WORK_CONN_CLOSE_BOUND_MS,
      'the client to close its pooled work connections',
    );
    await client.kill();
    await server.kill();
  });
});
