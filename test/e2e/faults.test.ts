// e2e faults: kill -9 of either side. A killed client frees its ports at once; a server killed mid-transfer lets the
// client tear the transfer down, retry fast, back off within a cap, and re-register when the server is back.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, it } from 'node:test';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  scratchDir,
  sha256,
  sleep,
  startFileServer,
  writeFile,
} from './harness.js';

/** The client's first reconnect comes after RECONNECT_FIRST_DELAY_MS (200 ms, src/client/constants.ts); allow scheduling slack. */
const FIRST_RETRY_BOUND_MS = 1_000;
/** The back-off cap RECONNECT_MAX_DELAY_MS (5 s) plus login time and slack: a restarted server is found within this. */
const REREGISTER_BOUND_MS = 9_000;
/** How long the server stays dead, so the client goes through several back-off steps. */
const SERVER_DOWN_MS = 3_000;
/** The trickling service sends this much per tick ... */
const TRICKLE_CHUNK = 64 * 1024;
/** ... this often (about 12 MiB/s: a transfer long enough to be killed in the middle). */
const TRICKLE_EVERY_MS = 5;
/** ... and stops after this many ticks at most (bounded even if nobody closes it). */
const TRICKLE_MAX_TICKS = 20_000;
/** The download is killed once this much has arrived. */
const MID_TRANSFER_BYTES = 1024 * 1024;
/** After the server dies, the client must close its side of the transfer (the local connection) within this. */
const LOCAL_CLOSE_BOUND_MS = 15_000;

const dirs: string[] = [];
const cleanups: (() => unknown)[] = [];
after(async () => {
  await killAll();
  for (const cleanup of cleanups) await cleanup();
  for (const dir of dirs) removeDir(dir);
});

it('kill -9 the client: its remote port is free for a new client at once', async () => {
  const dir = scratchDir();
  dirs.push(dir);
  const payload = randomPayload(1024 * 1024);
  const files = await startFileServer(payload);
  cleanups.push(files.close);
  const [bindPort, remotePort] = [await freePort(), await freePort()];
  const server = new BurrowProcess([
    'server',
    '-c',
    writeFile(
      dir,
      'frps.toml',
      `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nauth.token = "t"\nstateDir = "${dir}/state"\n`,
    ),
  ]);
  await server.waitFor(/burrow server listening/);
  const clientConfig = writeFile(
    dir,
    'frpc.toml',
    `serverAddr = "127.0.0.1"\nserverPort = ${bindPort}\nauth.token = "t"\n[[proxies]]\nname = "files"\ntype = "tcp"\nlocalPort = ${files.port}\nremotePort = ${remotePort}\n`,
  );

  const first = new BurrowProcess(['client', '-c', clientConfig]);
  await first.waitFor(/start proxy success/);
  assert.equal(sha256(await download(remotePort)), sha256(payload));
  await first.kill('SIGKILL');
  await server.waitFor(/client session closed/);

  // A new client (new run_id) registers the same proxy name and port straight away.
  const second = new BurrowProcess(['client', '-c', clientConfig]);
  await second.waitFor(/start proxy success/);
  assert.doesNotMatch(second.output, /proxy refused/);
  assert.equal(sha256(await download(remotePort)), sha256(payload));
  await second.kill();
  await server.kill();
});

/** A local service that trickles random bytes to each connection until it closes; counts closed connections. */
async function startTrickleService(): Promise<{ port: number; closed: () => number; close: () => Promise<void> }> {
  let closed = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let ticks = 0;
    const timer = setInterval(() => {
      ticks += 1;
      if (ticks > TRICKLE_MAX_TICKS || socket.destroyed) clearInterval(timer);
      else if (socket.writableLength < TRICKLE_CHUNK * 4) socket.write(randomPayload(TRICKLE_CHUNK));
    }, TRICKLE_EVERY_MS);
    socket.once('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
      closed += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    closed: () => closed,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Milliseconds since the epoch of a JSON log line's "time" field. */
function timeOf(line: string): number {
  const time = (JSON.parse(line) as { time?: string }).time;
  assert.ok(time, `log line without time: ${line}`);
  return Date.parse(time);
}

it('kill -9 the server mid-transfer: the transfer is torn down, the first retry is fast, the client re-registers', async () => {
  const dir = scratchDir();
  dirs.push(dir);
  const trickle = await startTrickleService();
  cleanups.push(trickle.close);
  const payload = randomPayload(1024 * 1024);
  const files = await startFileServer(payload);
  cleanups.push(files.close);
  const [bindPort, tricklePort, filesPort] = [await freePort(), await freePort(), await freePort()];
  const serverConfig = writeFile(
    dir,
    'frps.toml',
    `bindAddr = "127.0.0.1"\nbindPort = ${bindPort}\nauth.token = "t"\nstateDir = "${dir}/state"\n`,
  );
  const firstServer = new BurrowProcess(['server', '-c', serverConfig]);
  await firstServer.waitFor(/burrow server listening/);
  const client = new BurrowProcess([
    'client',
    '-c',
    writeFile(
      dir,
      'frpc.toml',
      [
        'serverAddr = "127.0.0.1"',
        `serverPort = ${bindPort}`,
        'auth.token = "t"',
        'transport.tls.enable = true',
        'transport.tcpMux = true',
        '',
        '[[proxies]]',
        'name = "trickle"',
        'type = "tcp"',
        `localPort = ${trickle.port}`,
        `remotePort = ${tricklePort}`,
        '',
        '[[proxies]]',
        'name = "files"',
        'type = "tcp"',
        `localPort = ${files.port}`,
        `remotePort = ${filesPort}`,
        '',
      ].join('\n'),
    ),
  ]);
  await client.waitForCount(/start proxy success/, 2);

  // A transfer in progress ...
  const user = net.connect({ host: '127.0.0.1', port: tricklePort });
  let received = 0;
  user.on('data', (chunk: Buffer) => (received += chunk.length));
  const userClosed = new Promise<void>((resolve) => user.once('close', () => resolve()));
  user.on('error', () => undefined);
  const deadline = Date.now() + LOCAL_CLOSE_BOUND_MS;
  while (received < MID_TRANSFER_BYTES) {
    assert.ok(Date.now() < deadline, `only ${received} bytes arrived`);
    await sleep(20);
  }
  // ... when the server dies without a word.
  await firstServer.kill('SIGKILL');
  await userClosed;
  const lost = await client.waitFor(/session to server lost/);
  const closeDeadline = Date.now() + LOCAL_CLOSE_BOUND_MS;
  while (trickle.closed() < 1) {
    assert.ok(Date.now() < closeDeadline, 'the client never closed its connection to the local service');
    await sleep(50);
  }

  // The first retry comes fast (and fails: nobody listens yet).
  await client.waitFor(/reconnect failed; retrying/);
  const lostIndex = client.lines.indexOf(lost);
  const retry = client.lines.slice(lostIndex + 1).find((line) => /connecting to server/.test(line));
  assert.ok(retry, client.output);
  const firstRetryMs = timeOf(retry) - timeOf(lost);
  assert.ok(firstRetryMs < FIRST_RETRY_BOUND_MS, `first retry after ${firstRetryMs} ms`);

  await sleep(SERVER_DOWN_MS);
  const secondServer = new BurrowProcess(['server', '-c', serverConfig]);
  const listening = await secondServer.waitFor(/burrow server listening/);
  await client.waitForCount(/start proxy success/, 4, REREGISTER_BOUND_MS);
  const started = client.lines.filter((line) => /start proxy success/.test(line)).slice(-1)[0]!;
  const reregisterMs = timeOf(started) - timeOf(listening);
  assert.ok(reregisterMs < REREGISTER_BOUND_MS, `re-registered ${reregisterMs} ms after the server came back`);
  // Back-off steps between the two servers, each logged as a failed attempt.
  assert.ok(client.lines.filter((line) => /reconnect failed; retrying/.test(line)).length >= 2, client.output);
  assert.equal(sha256(await download(filesPort)), sha256(payload));
  await client.kill();
  await secondServer.kill();
});
