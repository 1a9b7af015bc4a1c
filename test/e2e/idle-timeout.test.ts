// e2e: userConnIdleTimeout closes a user connection that moves no byte either way, and only that one.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import {
  BurrowProcess,
  freePort,
  killAll,
  removeDir,
  roundTrip,
  randomPayload,
  scratchDir,
  sha256,
  sleep,
  startEchoServer,
  writeFile,
} from './harness.js';

/** The server's idle timeout in this test, in seconds (the smallest the key takes). */
const IDLE_TIMEOUT_S = 1;
/** Upper bound for the idle connection to be closed: the timeout plus generous slack for a busy machine. */
const CLOSE_WITHIN_MS = 10_000;
/** How long the busy connection keeps talking, well past the idle timeout. */
const BUSY_FOR_MS = 2_500;
/** Pause between the busy connection's round trips (below the idle timeout). */
const BUSY_EVERY_MS = 200;
/** Size of each of those round trips. */
const BUSY_CHUNK = 1024;

describe('userConnIdleTimeout through the real CLI', () => {
  const dirs: string[] = [];
  after(async () => {
    await killAll();
    for (const dir of dirs) removeDir(dir);
  });

  it('closes a silent user connection after the timeout while a talking one goes on', async () => {
    const dir = scratchDir();
    dirs.push(dir);
    const echo = await startEchoServer();
    const [bindPort, remotePort] = [await freePort(), await freePort()];
    const server = new BurrowProcess([
      'server',
      '-c',
      writeFile(
        dir,
        'frps.toml',
        [
          `bindAddr = "127.0.0.1"`,
          `bindPort = ${bindPort}`,
          'auth.token = "idle"',
          `userConnIdleTimeout = ${IDLE_TIMEOUT_S}`,
          `stateDir = "${dir}/state"`,
          '',
        ].join('\n'),
      ),
    ]);
    await server.waitFor(/burrow server listening/);
    const client = new BurrowProcess([
      'client',
      '-c',
      writeFile(
        dir,
        'frpc.toml',
        [
          'serverAddr = "127.0.0.1"',
          `serverPort = ${bindPort}`,
          'auth.token = "idle"',
          '',
          '[[proxies]]',
          'name = "echo"',
          'type = "tcp"',
          `localPort = ${echo.port}`,
          `remotePort = ${remotePort}`,
          '',
        ].join('\n'),
      ),
    ]);
    await client.waitFor(/start proxy success/);
    try {
      const silent = net.connect({ host: '127.0.0.1', port: remotePort });
      const opened = Date.now();
      const closed = new Promise<number>((resolve) => silent.once('close', () => resolve(Date.now() - opened)));
      silent.on('error', () => undefined);

      // A connection that keeps talking is never idle, however long it lives.
      const busy = net.connect({ host: '127.0.0.1', port: remotePort });
      await new Promise<void>((resolve, reject) => busy.once('connect', resolve).once('error', reject));
      const deadline = Date.now() + BUSY_FOR_MS;
      while (Date.now() < deadline) {
        const chunk = randomPayload(BUSY_CHUNK);
        busy.write(chunk);
        const got = await readExactly(busy, BUSY_CHUNK);
        assert.equal(sha256(got), sha256(chunk));
        await sleep(BUSY_EVERY_MS);
      }
      assert.ok(!busy.destroyed, 'the talking connection is still open');
      busy.destroy();

      const after = await Promise.race([closed, sleep(CLOSE_WITHIN_MS).then(() => -1)]);
      assert.ok(after >= IDLE_TIMEOUT_S * 1000 - 50, `closed after ${after} ms, before the timeout`);
      assert.notEqual(after, -1, 'the silent connection was not closed in time');

      // The proxy itself keeps serving new connections.
      const payload = randomPayload(64 * 1024);
      assert.equal(sha256(await roundTrip(remotePort, payload)), sha256(payload));
    } finally {
      await echo.close();
    }
  });
});

/** Reads exactly `size` bytes from `socket`. */
function readExactly(socket: net.Socket, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= size) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}
