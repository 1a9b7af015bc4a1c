// Bandwidth limit tests: frp's "MB"/"KB" parsing, token-bucket arithmetic on a fake clock, pacing over loopback.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { createRateLimitedStream, parseBandwidth, BandwidthLimiter } from '../../src/net/bandwidth.js';

/** The pace used over loopback: 256 KiB/s. */
const RATE = 256 * 1024;
/** Sent over loopback: three seconds' worth, of which the first second is the initial burst. */
const PAYLOAD = 3 * RATE;
/** Expected time: (PAYLOAD - burst) / RATE = 2 s; generous bounds for a loaded machine. */
const MIN_MS = 1700;
const MAX_MS = 4500;
/** Bound on any single loopback transfer in these tests. */
const TRANSFER_TIMEOUT_MS = 15_000;

describe('parseBandwidth', () => {
  const good: [string, number][] = [
    ['1MB', 1024 * 1024],
    ['512KB', 512 * 1024],
    [' 10KB ', 10 * 1024],
    ['1.5MB', 1.5 * 1024 * 1024],
    ['0.3KB', 307], // int64(0.3 * 1024) = 307, truncated as frp
    ['.5KB', 512],
    ['2e1KB', 20 * 1024],
    ['', 0],
    ['0KB', 0],
  ];
  for (const [input, bytes] of good) {
    test(`${JSON.stringify(input)} → ${bytes} bytes/s`, () => assert.equal(parseBandwidth(input), bytes));
  }
  const bad: [string, RegExp][] = [
    ['1GB', /expected a number followed by MB or KB/],
    ['100', /expected a number followed by MB or KB/],
    ['1mb', /expected a number followed by MB or KB/],
    ['MB', /"" is not a non-negative decimal number/],
    ['-1MB', /"-1" is not a non-negative decimal number/],
    ['1 MB', /"1 " is not a non-negative decimal number/],
    ['0x10KB', /is not a non-negative decimal number/],
    ['infMB', /is not a non-negative decimal number/],
    ['1e400MB', /is too large/],
  ];
  for (const [input, message] of bad) {
    test(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseBandwidth(input),
        (err: unknown) => isBurrowError(err, ErrorCode.CONFIG) && message.test((err as Error).message),
      );
    });
  }
});

describe('BandwidthLimiter (fake clock)', () => {
  test('starts full, overdraws into a wait, refills at the rate, caps at the burst', () => {
    let now = 0;
    const l = new BandwidthLimiter(1000, 1000, () => now);
    assert.equal(l.reserve(600), 0);
    assert.equal(l.reserve(400), 0);
    assert.equal(l.reserve(500), 500, '500 bytes of debt at 1000 B/s = 500 ms');
    now = 500;
    assert.equal(l.reserve(0), 0, 'debt repaid after 500 ms');
    now = 100_000;
    assert.equal(l.reserve(1000), 0, 'refilled to the burst');
    assert.equal(l.reserve(1), 1, 'but not beyond it');
  });

  test('a clock going backwards does not mint tokens', () => {
    let now = 1000;
    const l = new BandwidthLimiter(100, 100, () => now);
    l.reserve(100);
    now = 0;
    assert.equal(l.reserve(10), 100);
  });

  test('rejects a non-positive rate or burst', () => {
    assert.throws(
      () => new BandwidthLimiter(0),
      (e: unknown) => isBurrowError(e, ErrorCode.INTERNAL),
    );
    assert.throws(
      () => new BandwidthLimiter(Number.NaN),
      (e: unknown) => isBurrowError(e, ErrorCode.INTERNAL),
    );
    assert.throws(
      () => new BandwidthLimiter(10, 0),
      (e: unknown) => isBurrowError(e, ErrorCode.INTERNAL),
    );
  });
});

/** A connected pair of loopback sockets with half-open allowed. */
async function socketPair(): Promise<{ a: net.Socket; b: net.Socket; close: () => void }> {
  const server = net.createServer({ allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const a = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  await once(a, 'connect');
  const [b] = await accepted;
  return {
    a,
    b,
    close: () => {
      a.destroy();
      b.destroy();
      server.close();
    },
  };
}

/** Count bytes read from `s` until `total` arrived; resolves with the elapsed ms. */
function receive(s: Duplex, total: number, started: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const timer = setTimeout(
      () => reject(new Error(`received only ${got} of ${total} bytes in time`)),
      TRANSFER_TIMEOUT_MS,
    );
    s.on('data', (c: Buffer) => {
      got += c.length;
      if (got >= total) {
        clearTimeout(timer);
        resolve(performance.now() - started);
      }
    });
    s.once('error', reject);
  });
}

/** Write `data` in 16 KiB pieces, honouring backpressure. */
async function send(s: Duplex, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length; off += 16 * 1024) {
    if (!s.write(data.subarray(off, off + 16 * 1024))) await once(s, 'drain');
  }
}

describe('createRateLimitedStream over loopback', () => {
  test(`writes: ${PAYLOAD / 1024} KiB at ${RATE / 1024} KiB/s take about 2 s, with the CPU mostly idle`, async () => {
    const { a, b, close } = await socketPair();
    try {
      const limited = createRateLimitedStream(a, RATE);
      const data = randomBytes(PAYLOAD);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const [elapsed] = await Promise.all([receive(b, PAYLOAD, started), send(limited, data)]);
      const used = process.cpuUsage(cpu);
      assert.ok(elapsed >= MIN_MS && elapsed < MAX_MS, `took ${Math.round(elapsed)} ms`);
      // Waiting is timers, not spinning: far less CPU than wall time.
      const cpuMs = (used.user + used.system) / 1000;
      assert.ok(cpuMs < elapsed / 2, `CPU ${Math.round(cpuMs)} ms over ${Math.round(elapsed)} ms`);
    } finally {
      close();
    }
  });

  test(`reads: the limited side takes in ${PAYLOAD / 1024} KiB at about ${RATE / 1024} KiB/s`, async () => {
    const { a, b, close } = await socketPair();
    try {
      const limited = createRateLimitedStream(b, RATE);
      const started = performance.now();
      const [elapsed] = await Promise.all([receive(limited, PAYLOAD, started), send(a, randomBytes(PAYLOAD))]);
      // The last read (up to 64 KiB) is delivered before its wait: allow a quarter second less.
      assert.ok(elapsed >= MIN_MS - 250 && elapsed < MAX_MS, `took ${Math.round(elapsed)} ms`);
    } finally {
      close();
    }
  });

  test('one shared limiter paces two connections together (frp limits per proxy)', async () => {
    const p1 = await socketPair();
    const p2 = await socketPair();
    try {
      const shared = new BandwidthLimiter(RATE);
      const half = PAYLOAD / 2;
      const started = performance.now();
      const [t1, t2] = await Promise.all([
        receive(p1.b, half, started),
        receive(p2.b, half, started),
        send(createRateLimitedStream(p1.a, shared), randomBytes(half)),
        send(createRateLimitedStream(p2.a, shared), randomBytes(half)),
      ]);
      const elapsed = Math.max(t1, t2);
      assert.ok(elapsed >= MIN_MS && elapsed < MAX_MS, `took ${Math.round(elapsed)} ms together`);
    } finally {
      p1.close();
      p2.close();
    }
  });

  test('data is intact and in order; end travels; destroy reaches inner and cancels pending waits', async () => {
    const { a, b, close } = await socketPair();
    try {
      const limited = createRateLimitedStream(a, new BandwidthLimiter(1024 * 1024, 64 * 1024));
      const data = randomBytes(300 * 1024);
      const chunks: Buffer[] = [];
      b.on('data', (c: Buffer) => chunks.push(c));
      const ended = once(b, 'end');
      limited.end(data);
      await ended;
      assert.ok(Buffer.concat(chunks).equals(data));

      const slow = createRateLimitedStream(b, new BandwidthLimiter(1, 1));
      slow.write(Buffer.from('xy')); // the second byte waits ~1 s
      slow.destroy();
      assert.ok(b.destroyed);
    } finally {
      close();
    }
  });

  test('an error on inner destroys the limited stream with it', async () => {
    const { a, close } = await socketPair();
    try {
      const limited = createRateLimitedStream(a, RATE);
      const err = once(limited, 'error');
      a.destroy(new Error('boom'));
      const [e] = (await err) as [Error];
      assert.equal(e.message, 'boom');
    } finally {
      close();
    }
  });
});
