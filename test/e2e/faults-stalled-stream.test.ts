// e2e faults: a local service that accepts and never reads stalls only its own stream; other proxies of the same
// client session (one yamux session over TLS) keep moving data in the same direction (per-stream windows); a user that
// never reads a download stalls only its own stream too.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, it } from 'node:test';
import {
  freePort,
  killAll,
  randomPayload,
  removeDir,
  roundTrip,
  sha256,
  sleep,
  startEchoServer,
  startFileServer,
} from './harness.js';
import { clientToml, serverToml, setup, startClient, startServer } from './proxy-helpers.js';

/** Bytes pushed at the stalled service: far more than every buffer on the way (socket buffers + a 6 MiB stream window). */
const STALL_PUSH_BYTES = 64 * 1024 * 1024;
/** Bytes sent through the healthy proxy while the other stream is stalled (upload and echo back). */
const HEALTHY_BYTES = 16 * 1024 * 1024;
/** Time given to the stalled stream to fill every buffer and its window before the healthy transfer starts. */
const FILL_WAIT_MS = 1_500;

const dirs: string[] = [];
const cleanups: (() => unknown)[] = [];
after(async () => {
  await killAll();
  for (const cleanup of cleanups) await cleanup();
  for (const dir of dirs) removeDir(dir);
});

/** A local service that accepts connections and never reads from them. */
async function startStalledService(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    socket.pause();
    socket.on('error', () => undefined);
    sockets.add(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => sockets.size,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

it('a stalled local service (proxy A) and a stalled user (proxy C) do not block 16 MiB both ways through proxy B of the same session', async () => {
  const stalled = await startStalledService();
  cleanups.push(stalled.close);
  const echo = await startEchoServer();
  cleanups.push(echo.close);
  const files = await startFileServer(randomPayload(STALL_PUSH_BYTES));
  cleanups.push(files.close);
  const { dir, bindPort } = await setup();
  dirs.push(dir);
  const [stalledPort, echoPort, filesPort] = [await freePort(), await freePort(), await freePort()];
  const server = await startServer(dir, serverToml(bindPort, dir));
  const client = await startClient(
    dir,
    clientToml(
      bindPort,
      [
        '[[proxies]]',
        'name = "stalled"',
        'type = "tcp"',
        `localPort = ${stalled.port}`,
        `remotePort = ${stalledPort}`,
        '',
        '[[proxies]]',
        'name = "echo"',
        'type = "tcp"',
        `localPort = ${echo.port}`,
        `remotePort = ${echoPort}`,
        '',
        '[[proxies]]',
        'name = "files"',
        'type = "tcp"',
        `localPort = ${files.port}`,
        `remotePort = ${filesPort}`,
      ],
      ['transport.tcpMux = true'],
    ),
    3,
  );

  // User of proxy A: pushes far more than the stalled service will ever take.
  const user = net.connect({ host: '127.0.0.1', port: stalledPort });
  user.on('error', () => undefined);
  const writtenAll = new Promise<boolean>((resolve) =>
    user.write(randomPayload(STALL_PUSH_BYTES), () => resolve(true)),
  );
  // User of proxy C: asks for a large download and never reads it.
  const lazy = net.connect({ host: '127.0.0.1', port: filesPort });
  lazy.on('error', () => undefined);
  lazy.pause();
  await sleep(FILL_WAIT_MS);
  assert.equal(stalled.accepted(), 1, 'the stalled service got its connection');
  assert.ok(user.writableLength > 0, 'proxy A is backed up: the tunnel stopped reading its user (window exhausted)');

  // Proxy B, same session, same direction (user → local service) and back: must complete.
  const upload = randomPayload(HEALTHY_BYTES);
  const back = await roundTrip(echoPort, upload);
  assert.equal(back.length, HEALTHY_BYTES);
  assert.equal(sha256(back), sha256(upload));
  assert.ok(user.writableLength > 0, 'proxy A was still stalled while B moved its data');
  assert.equal(await Promise.race([writtenAll, sleep(0).then(() => false)]), false, 'A never got everything through');
  assert.ok(
    lazy.readableLength < STALL_PUSH_BYTES && !lazy.readableEnded,
    'C is still stalled: its download never completed',
  );

  // Dropping the stalled user frees its stream; the session stays healthy.
  user.destroy();
  lazy.destroy();
  const again = randomPayload(1024 * 1024);
  assert.equal(sha256(await roundTrip(echoPort, again)), sha256(again));
  assert.doesNotMatch(client.output, /session to server lost/);
  await client.kill();
  await server.kill();
});
