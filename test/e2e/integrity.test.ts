// e2e integrity: BURROW_INTEGRITY_BYTES (CI default 256 MiB; 1 GiB was run locally) through tcp (both directions at
// once), http, https and stcp, all concurrently over one TLS + tcpMux session, sha256 equal; plus udp datagrams carrying
// a sequence number and a checksum: loss reported, corruption fails the test.
import assert from 'node:assert/strict';
import { createCipheriv, createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { freePort, killAll, removeDir, sleep } from './harness.js';
import { clientToml, makeCert, serverToml, setup, startClient, startServer } from './proxy-helpers.js';

/** Bytes per proxy type in CI; BURROW_INTEGRITY_BYTES overrides it (1073741824 for the full 1 GiB run). */
const DEFAULT_INTEGRITY_BYTES = 256 * 1024 * 1024;
/** Bytes per proxy type for this run. */
const SIZE = integrityBytes();
/** Chunk the generator pushes at a time. */
const CHUNK = 1024 * 1024;
/** Every transfer must complete within this fixed part ... */
const TRANSFER_BASE_TIMEOUT_MS = 60_000;
/** ... plus one millisecond per this many bytes (a floor of 4 MiB/s under full concurrent load: completion, not speed). */
const TRANSFER_BYTES_PER_MS = 4 * 1024;
/** Datagrams sent through the udp proxy, alongside the streams. */
const DATAGRAMS = 20_000;
/** Datagrams in flight at once (pacing keeps loopback buffers from overflowing). */
const UDP_WINDOW = 64;
/** Largest datagram payload after the header (under udpPacketSize 1500 with the header). */
const UDP_MAX_PAYLOAD = 1_400;
/** How long a window may wait for its echoes before the sender moves on (those count as lost). */
const UDP_WINDOW_TIMEOUT_MS = 1_000;
/** Header of each datagram: seq (u32), payload length (u16), first 16 bytes of sha256(payload). */
const UDP_HEADER = 4 + 2 + 16;
/** Loss tolerated before the test fails: the point is corruption, loss is only reported unless it is absurd. */
const UDP_MAX_LOSS_RATIO = 0.5;

/** The key and IV of the AES-128-CTR keystream every origin sends (deterministic, so the expected hash is known). */
const STREAM_KEY = Buffer.alloc(16, 0x42);
const STREAM_IV = Buffer.alloc(16, 0x24);

/** The https origin's host name (SNI route). */
const HTTPS_HOST = 'integrity.example.test';
/** The http origin's host name. */
const HTTP_HOST = 'plain.example.test';

function integrityBytes(): number {
  const raw = process.env.BURROW_INTEGRITY_BYTES;
  if (raw === undefined || raw === '') return DEFAULT_INTEGRITY_BYTES;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new Error(`BURROW_INTEGRITY_BYTES must be a positive integer, got "${raw}"`);
  return n;
}

/** `size` bytes of the deterministic keystream, produced on demand with backpressure. */
function keystream(size: number): Readable {
  const cipher = createCipheriv('aes-128-ctr', STREAM_KEY, STREAM_IV);
  const zero = Buffer.alloc(CHUNK);
  let left = size;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK, left);
      left -= n;
      this.push(cipher.update(n === CHUNK ? zero : zero.subarray(0, n)));
    },
  });
}

/**
 * sha256 and length of everything a readable yields until its end. Events, not `for await`: the
 * async iterator destroys a socket when its readable side ends, which would cut off the other
 * direction of a duplex transfer still in progress.
 */
function digest(
  source: NodeJS.ReadableStream & { once(event: 'close', cb: () => void): unknown },
): Promise<{ hash: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let ended = false;
    source.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    source.once('end', () => {
      ended = true;
      resolve({ hash: hash.digest('hex'), bytes });
    });
    source.once('error', reject);
    source.once('close', () => {
      if (!ended) reject(new Error(`stream closed before its end after ${bytes} bytes`));
    });
  });
}

/** Rejects after the transfer bound for SIZE bytes, naming the transfer. */
function bounded<T>(what: string, work: Promise<T>): Promise<T> {
  const ms = TRANSFER_BASE_TIMEOUT_MS + Math.ceil(SIZE / TRANSFER_BYTES_PER_MS);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not complete after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** A TCP origin: sends the keystream and hashes what it receives, both at once; resolves the received digest per connection. */
async function startDuplexOrigin(): Promise<{
  port: number;
  received: Promise<{ hash: string; bytes: number }>;
  close: () => Promise<void>;
}> {
  let resolveReceived!: (d: { hash: string; bytes: number }) => void;
  let rejectReceived!: (err: Error) => void;
  const received = new Promise<{ hash: string; bytes: number }>((resolve, reject) => {
    resolveReceived = resolve;
    rejectReceived = reject;
  });
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', (err) => rejectReceived(err));
    keystream(SIZE).pipe(socket);
    digest(socket).then(resolveReceived, rejectReceived);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An http(s) origin answering every request with SIZE bytes of keystream. */
function keystreamHandler(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': SIZE });
  keystream(SIZE).pipe(res);
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** GET through a vhost; resolves with the body's digest after checking the status. */
function getDigest(
  request: (cb: (res: http.IncomingMessage) => void) => http.ClientRequest,
): Promise<{ hash: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request((res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`status ${res.statusCode}`));
        return;
      }
      digest(res).then(resolve, reject);
    });
    req.on('error', reject);
  });
}

/** Connects, sends the keystream (then FIN) and digests what comes back until close. */
function tcpExchange(port: number): Promise<{ hash: string; bytes: number }> {
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  keystream(SIZE).pipe(socket);
  return digest(socket);
}

/** Connects and digests what arrives until close. */
function tcpDownload(port: number): Promise<{ hash: string; bytes: number }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  return digest(socket);
}

/** One datagram: [seq u32][len u16][sha256(payload)[0..16]][payload]. */
function makeDatagram(seq: number): Buffer {
  const len = 1 + ((seq * 7919) % UDP_MAX_PAYLOAD);
  const payload = createCipheriv('aes-128-ctr', STREAM_KEY, Buffer.alloc(16, seq & 0xff)).update(Buffer.alloc(len));
  const msg = Buffer.alloc(UDP_HEADER + len);
  msg.writeUInt32BE(seq, 0);
  msg.writeUInt16BE(len, 4);
  createHash('sha256').update(payload).digest().copy(msg, 6, 0, 16);
  payload.copy(msg, UDP_HEADER);
  return msg;
}

/** Checks a datagram against its own header; returns its seq, or undefined when it is corrupt. */
function checkDatagram(msg: Buffer): number | undefined {
  if (msg.length < UDP_HEADER) return undefined;
  const len = msg.readUInt16BE(4);
  if (msg.length !== UDP_HEADER + len) return undefined;
  const sum = createHash('sha256').update(msg.subarray(UDP_HEADER)).digest().subarray(0, 16);
  return sum.equals(msg.subarray(6, UDP_HEADER)) ? msg.readUInt32BE(0) : undefined;
}

/** Sends DATAGRAMS checksummed datagrams through the udp proxy in windows; counts echoes, corrupt ones and duplicates. */
async function udpRun(port: number): Promise<{ received: number; corrupt: number; duplicates: number }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const seen = new Set<number>();
  let corrupt = 0;
  let duplicates = 0;
  let wake: (() => void) | undefined;
  socket.on('message', (msg) => {
    const seq = checkDatagram(msg);
    if (seq === undefined || seq >= DATAGRAMS) corrupt += 1;
    else if (seen.has(seq)) duplicates += 1;
    else seen.add(seq);
    wake?.();
  });
  for (let base = 0; base < DATAGRAMS; base += UDP_WINDOW) {
    const end = Math.min(DATAGRAMS, base + UDP_WINDOW);
    for (let seq = base; seq < end; seq += 1) socket.send(makeDatagram(seq), port, '127.0.0.1');
    const deadline = Date.now() + UDP_WINDOW_TIMEOUT_MS;
    const complete = (): boolean => {
      for (let seq = base; seq < end; seq += 1) if (!seen.has(seq)) return false;
      return true;
    };
    while (!complete() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 20);
      });
    }
  }
  await sleep(UDP_WINDOW_TIMEOUT_MS); // late echoes still count (and are still checked)
  socket.close();
  return { received: seen.size, corrupt, duplicates };
}

describe(`integrity: ${SIZE} bytes per proxy type, concurrently, over TLS + tcpMux`, () => {
  const dirs: string[] = [];
  const closers: (() => unknown)[] = [];
  const ports = { tcp: 0, visitor: 0, udp: 0, vhttp: 0, vhttps: 0 };
  let expected = '';
  let duplexOrigin: Awaited<ReturnType<typeof startDuplexOrigin>>;

  before(async () => {
    expected = (await digest(keystream(SIZE))).hash;
    const { dir, bindPort } = await setup();
    dirs.push(dir);
    duplexOrigin = await startDuplexOrigin();
    closers.push(duplexOrigin.close);
    const stcpOrigin = net.createServer((socket) => {
      socket.on('error', () => undefined);
      keystream(SIZE).pipe(socket);
    });
    const stcpPort = await listen(stcpOrigin);
    closers.push(() => stcpOrigin.close());
    const httpOrigin = http.createServer(keystreamHandler);
    const httpPort = await listen(httpOrigin);
    closers.push(() => httpOrigin.close());
    const cert = await makeCert(dir, HTTPS_HOST);
    const httpsOrigin = https.createServer(
      { cert: readFileSync(cert.cert), key: readFileSync(cert.key) },
      keystreamHandler,
    );
    const httpsPort = await listen(httpsOrigin);
    closers.push(() => httpsOrigin.close());
    const echo = dgram.createSocket('udp4');
    echo.on('message', (msg, rinfo) => echo.send(msg, rinfo.port, rinfo.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    closers.push(() => echo.close());

    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    await startServer(
      dir,
      serverToml(bindPort, dir, [
        `vhostHTTPPort = ${ports.vhttp}`,
        `vhostHTTPSPort = ${ports.vhttps}`,
        'transport.tcpMux = true',
      ]),
    );
    const tunnel = ['transport.tcpMux = true', 'transport.tls.enable = true'];
    await startClient(
      dir,
      clientToml(
        bindPort,
        [
          '[[proxies]]',
          'name = "tcp"',
          'type = "tcp"',
          `localPort = ${duplexOrigin.port}`,
          `remotePort = ${ports.tcp}`,
          '',
          '[[proxies]]',
          'name = "http"',
          'type = "http"',
          `localPort = ${httpPort}`,
          `customDomains = ["${HTTP_HOST}"]`,
          '',
          '[[proxies]]',
          'name = "https"',
          'type = "https"',
          `localPort = ${httpsPort}`,
          `customDomains = ["${HTTPS_HOST}"]`,
          '',
          '[[proxies]]',
          'name = "stcp"',
          'type = "stcp"',
          'secretKey = "integrity-key"',
          `localPort = ${stcpPort}`,
          '',
          '[[proxies]]',
          'name = "udp"',
          'type = "udp"',
          `localPort = ${echo.address().port}`,
          `remotePort = ${ports.udp}`,
          '',
        ],
        tunnel,
      ),
      5,
      'owner.toml',
    );
    const visitor = await startClient(
      dir,
      clientToml(
        bindPort,
        [
          '[[visitors]]',
          'name = "to-stcp"',
          'type = "stcp"',
          'serverName = "stcp"',
          'secretKey = "integrity-key"',
          'bindAddr = "127.0.0.1"',
          `bindPort = ${ports.visitor}`,
        ],
        tunnel,
      ),
      0,
      'visitor.toml',
    );
    await visitor.waitFor(/visitor listening/);
  });

  after(async () => {
    await killAll();
    for (const close of closers) await close();
    for (const dir of dirs) removeDir(dir);
  });

  it('tcp (both directions), http, https and stcp arrive with equal sha256 while udp datagrams arrive uncorrupted', async (t) => {
    const started = Date.now();
    const timed = <T>(name: string, work: Promise<T>): Promise<T> =>
      bounded(name, work).then((result) => {
        t.diagnostic(`${name}: done after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return result;
      });
    const udpDone = timed('udp', udpRun(ports.udp));
    const [tcpBack, tcpUp, httpGot, httpsGot, stcpGot] = await Promise.all([
      timed('tcp download', tcpExchange(ports.tcp)),
      timed('tcp upload', duplexOrigin.received),
      timed(
        'http',
        getDigest((cb) =>
          http.get({ host: '127.0.0.1', port: ports.vhttp, path: '/', headers: { Host: HTTP_HOST }, agent: false }, cb),
        ),
      ),
      timed(
        'https',
        getDigest((cb) =>
          https.get(
            {
              host: '127.0.0.1',
              port: ports.vhttps,
              path: '/',
              servername: HTTPS_HOST,
              headers: { Host: HTTPS_HOST },
              rejectUnauthorized: false,
              agent: false,
            },
            cb,
          ),
        ),
      ),
      timed('stcp', tcpDownload(ports.visitor)),
    ]);
    const seconds = (Date.now() - started) / 1000;
    const totalMiB = (SIZE * 5) / (1024 * 1024);
    t.diagnostic(
      `${totalMiB} MiB of streams in ${seconds.toFixed(1)} s (${(totalMiB / seconds).toFixed(0)} MiB/s aggregate)`,
    );
    const udp = await udpDone;
    for (const [name, got] of [
      ['tcp download', tcpBack],
      ['tcp upload', tcpUp],
      ['http', httpGot],
      ['https', httpsGot],
      ['stcp', stcpGot],
    ] as const) {
      assert.equal(got.bytes, SIZE, `${name}: byte count`);
      assert.equal(got.hash, expected, `${name}: sha256`);
    }
    const lost = DATAGRAMS - udp.received;
    t.diagnostic(
      `udp: ${udp.received}/${DATAGRAMS} datagrams back (loss ${((lost / DATAGRAMS) * 100).toFixed(2)} %), ${udp.corrupt} corrupt, ${udp.duplicates} duplicates`,
    );
    assert.equal(udp.corrupt, 0, 'no datagram arrived corrupted');
    assert.ok(lost / DATAGRAMS <= UDP_MAX_LOSS_RATIO, `udp loss ${lost}/${DATAGRAMS}`);
  });
});
