// e2e floods on bindPort: idle sockets plus garbage connections while a client logs in and moves data, and a TLS
// handshake flood (full and abandoned handshakes) while an established session downloads.
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, describe, it } from 'node:test';
import {
  BurrowProcess,
  download,
  freePort,
  killAll,
  randomPayload,
  removeDir,
  sha256,
  sleep,
  startFileServer,
  writeFile,
} from './harness.js';
import { clientToml, serverToml, setup, startClient, startServer } from './proxy-helpers.js';

/** Idle sockets held open on bindPort during the login: a third silent, a third stalled mid-ClientHello, a third after 0x17. */
const IDLE_SOCKETS = 300;
/** Parallel workers opening garbage connections. */
const GARBAGE_WORKERS = 16;
/** Upper bound on garbage connections (the flood also stops when the test is done with it). */
const GARBAGE_MAX_CONNECTIONS = 20_000;
/** Largest garbage write per connection. */
const GARBAGE_MAX_BYTES = 4096;
/** A garbage connection the server has not closed after this is destroyed by us (keeps the flood moving). */
const GARBAGE_CONN_TIMEOUT_MS = 2_000;
/** The legitimate client must be logged in within this while the flood runs ("within seconds"). */
const LOGIN_UNDER_FLOOD_BOUND_MS = 10_000;
/** Size of each download through the tunnel during a flood. */
const FILE_SIZE = 16 * 1024 * 1024;
/**
 * Idle sockets must be closed by the server after its first-byte and handshake deadlines (10 s each,
 * src/server/constants.ts): the slowest path is one byte, then a silent handshake. Plus slack.
 */
const IDLE_CLOSE_BOUND_MS = 25_000;
/** Parallel workers of the TLS handshake flood. */
const HANDSHAKE_WORKERS = 24;
/** Upper bound on handshakes the flood attempts. */
const HANDSHAKE_MAX = 50_000;
/** An abandoned handshake is dropped by us after this (the server's own deadline is longer). */
const ABANDON_AFTER_MS = 500;
/** The handshake flood runs at least this long; downloads go on one after another meanwhile. */
const HANDSHAKE_FLOOD_MIN_MS = 6_000;
/** At least this many downloads run during the handshake flood ... */
const MIN_DOWNLOADS_UNDER_HANDSHAKE_FLOOD = 4;
/** ... and at most this many (a bound on the loop on a fast machine). */
const MAX_DOWNLOADS_UNDER_HANDSHAKE_FLOOD = 200;
/** Generous bound on each of those downloads: completion is asserted, not speed. */
const DOWNLOAD_UNDER_FLOOD_TIMEOUT_MS = 60_000;
/** The start of a real TLS 1.2/1.3 ClientHello record (type 0x16, version 0x0301), cut off: the server waits for the rest. */
const CLIENT_HELLO_PREFIX = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
/** frpc's custom first byte before its ClientHello. */
const CUSTOM_TLS_FIRST_BYTE = Buffer.from([0x17]);

const dirs: string[] = [];
const cleanups: (() => unknown)[] = [];
after(async () => {
  await killAll();
  for (const cleanup of cleanups) await cleanup();
  for (const dir of dirs) removeDir(dir);
});

/** Opens `count` sockets to port that send a little (or nothing) and then sit; tracks which the server closed. */
async function openIdleSockets(
  port: number,
  count: number,
): Promise<{ closedByServer: () => number; destroy: () => void }> {
  const sockets: net.Socket[] = [];
  let closed = 0;
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          const socket = net.connect({ host: '127.0.0.1', port });
          sockets.push(socket);
          socket.on('error', () => undefined);
          socket.once('close', () => (closed += 1));
          socket.once('connect', () => {
            if (i % 3 === 1) socket.write(CLIENT_HELLO_PREFIX);
            else if (i % 3 === 2) socket.write(CUSTOM_TLS_FIRST_BYTE);
            socket.resume();
            resolve();
          });
          socket.once('error', reject);
        }),
    ),
  );
  return { closedByServer: () => closed, destroy: () => sockets.forEach((s) => s.destroy()) };
}

/** Garbage connections, GARBAGE_WORKERS at a time, until stop() or the count bound; resolves with how many were made. */
function garbageFlood(port: number): { stop: () => Promise<number> } {
  let stopped = false;
  let made = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => socket.destroy(), GARBAGE_CONN_TIMEOUT_MS);
      socket.on('error', () => undefined);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('connect', () => socket.end(randomPayload(1 + Math.floor(Math.random() * GARBAGE_MAX_BYTES))));
      socket.resume();
    });
  const worker = async (): Promise<void> => {
    while (!stopped && made < GARBAGE_MAX_CONNECTIONS) {
      made += 1;
      await one();
    }
  };
  const workers = Promise.all(Array.from({ length: GARBAGE_WORKERS }, worker));
  return {
    stop: async () => {
      stopped = true;
      await workers;
      return made;
    },
  };
}

/** Full and abandoned TLS handshakes, HANDSHAKE_WORKERS at a time, until stop(); resolves with the counts. */
function handshakeFlood(port: number): {
  stop: () => Promise<{ full: number; abandoned: number; failed: number; failures: Map<string, number> }>;
} {
  let stopped = false;
  const counts = { full: 0, abandoned: 0, failed: 0 };
  /** Why full handshakes failed, by error code: shown in the diagnostics. */
  const failures = new Map<string, number>();
  let attempts = 0;
  const full = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'flood.invalid' });
      socket.once('secureConnect', () => {
        counts.full += 1;
        socket.destroy();
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        counts.failed += 1;
        const key = err.code ?? err.message;
        failures.set(key, (failures.get(key) ?? 0) + 1);
      });
      socket.once('close', () => resolve());
    });
  const abandoned = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.on('error', () => undefined);
      socket.once('connect', () => socket.write(CLIENT_HELLO_PREFIX));
      const timer = setTimeout(() => {
        counts.abandoned += 1;
        socket.destroy();
      }, ABANDON_AFTER_MS);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  const worker = async (index: number): Promise<void> => {
    while (!stopped && attempts < HANDSHAKE_MAX) {
      attempts += 1;
      await (index % 3 === 0 ? abandoned() : full());
    }
  };
  const workers = Promise.all(Array.from({ length: HANDSHAKE_WORKERS }, (_, i) => worker(i)));
  return {
    stop: async () => {
      stopped = true;
      await workers;
      return { ...counts, failures };
    },
  };
}

/** Runs `work` while `flood` runs; the flood is stopped either way; resolves with what stop() reports. */
async function duringFlood<R>(flood: { stop: () => Promise<R> }, work: () => Promise<void>): Promise<R> {
  let failure: unknown;
  try {
    await work();
  } catch (err) {
    failure = err;
  }
  const report = await flood.stop();
  if (failure !== undefined) throw failure;
  return report;
}

describe('floods on bindPort', () => {
  const payload = randomPayload(FILE_SIZE);
  const payloadHash = sha256(payload);

  it(`${IDLE_SOCKETS} idle sockets and a stream of garbage: a client still logs in within seconds and moves data; the idle sockets are closed`, async (t) => {
    const files = await startFileServer(payload);
    cleanups.push(files.close);
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    const remotePort = await freePort();
    const server = await startServer(dir, serverToml(bindPort, dir));

    const idleOpened = Date.now();
    const idle = await openIdleSockets(bindPort, IDLE_SOCKETS);
    cleanups.push(idle.destroy);
    const garbage = await duringFlood(garbageFlood(bindPort), async () => {
      const loginStarted = Date.now();
      const client = await startClient(
        dir,
        clientToml(bindPort, [
          '[[proxies]]',
          'name = "files"',
          'type = "tcp"',
          `localPort = ${files.port}`,
          `remotePort = ${remotePort}`,
        ]),
        0,
      );
      const loginMs = Date.now() - loginStarted;
      assert.ok(loginMs < LOGIN_UNDER_FLOOD_BOUND_MS, `login took ${loginMs} ms under the flood`);
      await client.waitFor(/start proxy success/);
      const got = await download(remotePort);
      assert.equal(got.length, FILE_SIZE);
      assert.equal(sha256(got), payloadHash);
      t.diagnostic(`client process start to login under flood: ${loginMs} ms`);
    });
    t.diagnostic(`garbage connections during the test: ${garbage}`);
    assert.ok(garbage > GARBAGE_WORKERS, 'the garbage flood ran');

    // The server's deadlines close every idle socket; none is kept forever.
    const deadline = idleOpened + IDLE_CLOSE_BOUND_MS;
    while (idle.closedByServer() < IDLE_SOCKETS) {
      assert.ok(
        Date.now() < deadline,
        `only ${idle.closedByServer()} of ${IDLE_SOCKETS} idle sockets closed by the server`,
      );
      await sleep(100);
    }
    t.diagnostic(`all idle sockets closed by the server after ${Date.now() - idleOpened} ms`);
    // Still serving after all that.
    assert.equal(sha256(await download(remotePort)), payloadHash);
    assert.equal(server.child.exitCode, null, 'the server is still running');
    await server.kill();
  });

  it('a TLS handshake flood (full and abandoned handshakes) does not starve an established session', async (t) => {
    const files = await startFileServer(payload);
    cleanups.push(files.close);
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    const remotePort = await freePort();
    const server = await startServer(dir, serverToml(bindPort, dir));
    await startClient(
      dir,
      clientToml(
        bindPort,
        ['[[proxies]]', 'name = "files"', 'type = "tcp"', `localPort = ${files.port}`, `remotePort = ${remotePort}`],
        ['transport.tcpMux = true'],
      ),
      1,
    );

    const started = Date.now();
    let downloads = 0;
    const counts = await duringFlood(handshakeFlood(bindPort), async () => {
      while (
        downloads < MAX_DOWNLOADS_UNDER_HANDSHAKE_FLOOD &&
        (downloads < MIN_DOWNLOADS_UNDER_HANDSHAKE_FLOOD || Date.now() - started < HANDSHAKE_FLOOD_MIN_MS)
      ) {
        const got = await download(remotePort, DOWNLOAD_UNDER_FLOOD_TIMEOUT_MS);
        assert.equal(got.length, FILE_SIZE);
        assert.equal(sha256(got), payloadHash);
        downloads += 1;
      }
      await t.test('a new client can still log in during the flood', async () => {
        const newcomer = new BurrowProcess(['client', '-c', writeFile(dir, 'newcomer.toml', clientToml(bindPort, []))]);
        try {
          await newcomer.waitFor(/login to server success/, LOGIN_UNDER_FLOOD_BOUND_MS);
        } finally {
          await newcomer.kill();
        }
      });
    });
    t.diagnostic(
      `${downloads} × 16 MiB in ${Date.now() - started} ms under ${counts.full} full and ${counts.abandoned} abandoned handshakes (${counts.failed} failed: ${JSON.stringify(Object.fromEntries(counts.failures))})`,
    );
    assert.ok(counts.full > HANDSHAKE_WORKERS, 'full handshakes completed during the flood');
    assert.ok(counts.abandoned > 0, 'abandoned handshakes were made');
    assert.equal(server.child.exitCode, null, 'the server is still running');
    await server.kill();
  });
});
