// e2e: reloading a running `burrow client` (`burrow client reload -c` and SIGHUP) adds and removes proxies while a large download through an unchanged proxy goes on intact.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  BurrowProcess,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  roundTrip,
  runCli,
  sha256,
  sleep,
  startEchoServer,
  startFileServer,
  TRANSFER_TIMEOUT_MS,
  writeFile,
} from './harness.js';
import { clientToml, serverToml, setup, startServer } from './proxy-helpers.js';

/** The download through the unchanged proxy. */
const FILE_SIZE = 64 * 1024 * 1024;
/** The reader stops reading once this much arrived, until the reloads are done: the transfer is mid-way and held by backpressure. */
const PAUSE_AT_BYTES = 4 * 1024 * 1024;
/** After the reloads, the reader takes this many bytes per step ... */
const PACE_STEP_BYTES = 4 * 1024 * 1024;
/** ... and waits this long between steps (the transfer stays slow; no speed is asserted). */
const PACE_WAIT_MS = 20;
/** Size of the echo round trip through the added proxies. */
const ECHO_SIZE = 256 * 1024;
/** How long to wait for a removed proxy's port to refuse connections. */
const PORT_CLOSE_TIMEOUT_MS = 10_000;

/** A download that reads until `pauseAt` bytes, holds until release(), then reads the rest in paced steps. */
class PacedDownload {
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private released = false;
  private nextStop = 0;
  private readonly socket: net.Socket;
  readonly paused: Promise<void>;
  readonly done: Promise<Buffer>;

  constructor(port: number, pauseAt: number) {
    this.socket = net.connect({ host: '127.0.0.1', port });
    let onPaused!: () => void;
    this.paused = new Promise((resolve) => (onPaused = resolve));
    this.done = new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
        reject(new Error(`download from :${port} timed out after ${TRANSFER_TIMEOUT_MS} ms`));
      }, TRANSFER_TIMEOUT_MS * 2);
      this.socket.on('data', (chunk: Buffer) => {
        this.chunks.push(chunk);
        this.received += chunk.length;
        if (!this.released && this.received >= pauseAt) {
          this.socket.pause();
          onPaused();
        } else if (this.released && this.received >= this.nextStop) {
          this.nextStop = this.received + PACE_STEP_BYTES;
          this.socket.pause();
          setTimeout(() => this.socket.resume(), PACE_WAIT_MS);
        }
      });
      this.socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      this.socket.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(this.chunks));
      });
    });
  }

  get bytes(): number {
    return this.received;
  }

  get finished(): boolean {
    return this.socket.destroyed;
  }

  release(): void {
    this.released = true;
    this.nextStop = this.received + PACE_STEP_BYTES;
    this.socket.resume();
  }
}

/** Resolves once nothing accepts connections on 127.0.0.1:port (bounded by PORT_CLOSE_TIMEOUT_MS). */
async function waitRefused(port: number): Promise<void> {
  const deadline = Date.now() + PORT_CLOSE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    if (refused) return;
    await sleep(50);
  }
  throw new Error(`port ${port} still accepts connections after ${PORT_CLOSE_TIMEOUT_MS} ms`);
}

/** JSON log lines of a process with the given message (and proxy, when given). */
function logged(proc: BurrowProcess, msg: string, proxy?: string): number {
  return proc.lines.filter((line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; proxy?: string };
      return entry.msg === msg && (proxy === undefined || entry.proxy === proxy);
    } catch {
      return false;
    }
  }).length;
}

describe('client reload keeps unchanged proxies and their live connections', () => {
  const payload = randomPayload(FILE_SIZE);
  let dir: string;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let echo: Awaited<ReturnType<typeof startEchoServer>>;

  before(async () => {
    files = await startFileServer(payload);
    echo = await startEchoServer();
  });

  after(async () => {
    await killAll();
    await files.close();
    await echo.close();
    if (dir) removeDir(dir);
  });

  it('a 64 MiB download through A completes byte-identical while B is added (reload -c) and swapped for C (SIGHUP)', async () => {
    const setupResult = await setup();
    dir = setupResult.dir;
    const { bindPort } = setupResult;
    const [adminPort, portA, portB, portC] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const proxy = (name: string, localPort: number, remotePort: number): string[] => [
      '[[proxies]]',
      `name = "${name}"`,
      'type = "tcp"',
      `localPort = ${localPort}`,
      `remotePort = ${remotePort}`,
      '',
    ];
    const config = (...bodies: string[][]): string =>
      clientToml(bindPort, bodies.flat(), [`webServer.port = ${adminPort}`]);

    const server = await startServer(dir, serverToml(bindPort, dir));
    const configFile = writeFile(dir, 'frpc.toml', config(proxy('alpha', files.port, portA)));
    const client = new BurrowProcess(['client', '-c', configFile]);
    await client.waitForCount(/start proxy success/, 1);

    const download = new PacedDownload(portA, PAUSE_AT_BYTES);
    await download.paused;

    // 1. B added to the file, applied with `burrow client reload -c`.
    writeFile(dir, 'frpc.toml', config(proxy('alpha', files.port, portA), proxy('beta', echo.port, portB)));
    const reload = await runCli(['client', 'reload', '-c', configFile]);
    assert.equal(reload.code, 0, reload.output);
    assert.match(reload.output, /reload success \(added: beta; removed: -; changed: -\)/);
    await client.waitForCount(/start proxy success/, 2);
    const echoed = randomPayload(ECHO_SIZE);
    assert.equal(sha256(await roundTrip(portB, echoed)), sha256(echoed), 'B carries bytes');

    // 2. B replaced by C in the file, applied with SIGHUP.
    writeFile(dir, 'frpc.toml', config(proxy('alpha', files.port, portA), proxy('gamma', echo.port, portC)));
    client.child.kill('SIGHUP');
    await client.waitForCount(/start proxy success/, 3);
    await waitRefused(portB);
    assert.equal(sha256(await roundTrip(portC, echoed)), sha256(echoed), 'C carries bytes');

    // The download was held mid-way the whole time.
    assert.equal(download.finished, false);
    assert.ok(download.bytes < FILE_SIZE, `only ${download.bytes} of ${FILE_SIZE} bytes read so far`);
    download.release();
    const received = await download.done;
    assert.equal(received.length, FILE_SIZE);
    assert.equal(sha256(received), sha256(payload), 'the download through A is byte-identical');

    // A was registered once and never closed: neither reload touched it.
    assert.equal(logged(client, '[alpha] start proxy success', 'alpha'), 1, client.output);
    assert.equal(logged(client, 'proxy closed', 'alpha'), 0, client.output);
    assert.equal(logged(client, 'proxy closed', 'beta'), 1, client.output);
    assert.equal(logged(server, 'new proxy success', 'alpha'), 1, server.output);
    assert.equal(logged(client, 'config reloaded'), 2);
  });
});
