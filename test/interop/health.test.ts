// Interop: healthCheck across implementations: a burrow client's tcp check against the real frps, the real frpc's check
// against a burrow server; each side sees CloseProxy when the local service dies and NewProxy when it returns.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { download, freePort, sleep } from '../e2e/harness.js';
import {
  clientToml,
  FRP_SKIP,
  MIXES,
  removeScratch,
  scratchDir,
  serverToml,
  sides,
  startClient,
  startServer,
  stopAll,
  withLogs,
  type Mix,
  type Peer,
} from './harness.js';

/** healthCheck.intervalSeconds of the checked proxy. */
const INTERVAL_S = 1;
/** Slack on top of one interval for a loaded machine (frpc also re-checks its proxies only every 3 s). */
const SLACK_MS = 8_000;
/** Pause between two probes of the public port. */
const POLL_MS = 100;

/** The server's log line once it handled CloseProxy / NewProxy for `name`. */
function serverLine(impl: 'frps' | 'burrow', what: 'close' | 'new', name: string): RegExp {
  if (impl === 'frps')
    return new RegExp(
      what === 'close' ? `close proxy \\[${name}\\] success` : `new proxy \\[${name}\\] type \\[tcp\\] success`,
    );
  return new RegExp(`"proxy":"${name}".*"msg":"${what === 'close' ? 'close proxy success' : 'new proxy success'}"`);
}

/** Counts lines of `peer` matching `pattern`. */
function count(peer: Peer, pattern: RegExp): number {
  return peer.lines.filter((line) => pattern.test(line)).length;
}

/** Waits until `pattern` matched `n` lines of `peer`. */
async function waitCount(peer: Peer, pattern: RegExp, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (count(peer, pattern) < n) {
    if (Date.now() > deadline)
      assert.fail(`${peer.label}: ${pattern} seen ${count(peer, pattern)}× of ${n}\n${peer.tail()}`);
    await sleep(POLL_MS);
  }
}

/** Whether 127.0.0.1:port accepts a connection now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A service answering "alive" on a fixed port, stoppable and restartable there. */
async function listenAlive(port: number): Promise<() => Promise<void>> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.end('alive');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
}

describe('interop: healthCheck', { skip: FRP_SKIP }, () => {
  const stops: (() => Promise<void>)[] = [];

  after(async () => {
    await stopAll();
    for (const stop of stops.splice(0)) await stop();
    removeScratch();
  });

  for (const mix of MIXES) {
    it(`${mix}: the dead service's proxy is closed on the server, and registered again when it returns`, () =>
      withLogs(async () => {
        const { server: serverImpl, client: clientImpl } = sides(mix as Mix);
        const dir = scratchDir();
        const bindPort = await freePort();
        const localPort = await freePort();
        const remotePort = await freePort();
        let stopLocal = await listenAlive(localPort);
        // after() stops whichever listener is current (stopping a stopped one is harmless).
        stops.push(() => stopLocal());
        const server = await startServer(serverImpl, dir, serverToml(serverImpl, dir, bindPort));
        const body = [
          '[[proxies]]',
          'name = "checked"',
          'type = "tcp"',
          'localIP = "127.0.0.1"',
          `localPort = ${localPort}`,
          `remotePort = ${remotePort}`,
          'healthCheck.type = "tcp"',
          'healthCheck.timeoutSeconds = 1',
          'healthCheck.maxFailed = 1',
          `healthCheck.intervalSeconds = ${INTERVAL_S}`,
          '',
        ];
        await startClient(clientImpl, dir, clientToml(clientImpl, bindPort, body), { proxies: ['checked'] });
        assert.equal((await download(remotePort)).toString(), 'alive');
        assert.equal(count(server, serverLine(serverImpl, 'new', 'checked')), 1);

        await stopLocal();
        await server.waitFor(serverLine(serverImpl, 'close', 'checked'), INTERVAL_S * 1000 + SLACK_MS);
        assert.equal(await accepts(remotePort), false, 'the server closed the public port');

        stopLocal = await listenAlive(localPort);
        await waitCount(server, serverLine(serverImpl, 'new', 'checked'), 2, INTERVAL_S * 1000 + SLACK_MS);
        assert.equal((await download(remotePort)).toString(), 'alive');
      }));
  }
});
