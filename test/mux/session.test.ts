// Loopback round trips between two Sessions over real TCP: many streams, big transfers, ping, go-away.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { DEFAULT_MAX_STREAM_WINDOW, GoAwayCode, STREAM_WRITABLE_HIGH_WATER_MARK } from '../../src/mux/const.js';
import type { MuxStream } from '../../src/mux/stream.js';
import { closed, delay, patternBytes, readAll, sessionPair, sha256, waitFor, within, writeAll } from './helpers.js';

/** Echo every stream the session accepts (half-close follows: the peer's FIN ends our side). */
function echo(stream: MuxStream): void {
  stream.on('error', () => {});
  stream.pipe(stream);
}

test('100 concurrent streams each echo 256 KiB intact', async () => {
  const pair = await sessionPair();
  try {
    pair.server.on('stream', echo);
    const jobs = Array.from({ length: 100 }, async (_, i) => {
      const data = patternBytes(256 * 1024, i + 1);
      const s = pair.client.open();
      const [back] = await Promise.all([readAll(s), writeAll(s, data, 16 * 1024 + i)]);
      assert.equal(back.length, data.length);
      assert.equal(sha256(back), sha256(data), `stream ${s.id}`);
      return s.id;
    });
    const ids = await within(Promise.all(jobs), 20_000, '100 echo streams');
    assert.deepEqual(
      ids,
      Array.from({ length: 100 }, (_, i) => 2 * i + 1),
    );
    await waitFor(() => pair.client.numStreams === 0 && pair.server.numStreams === 0, 'all streams forgotten');
  } finally {
    await pair.close();
  }
});

test('a 32 MiB single-stream transfer arrives whole, within bounded time', async () => {
  const pair = await sessionPair();
  try {
    const data = patternBytes(32 * 1024 * 1024, 77);
    const got = new Promise<Buffer>((resolve, reject) => {
      pair.server.once('stream', (s: MuxStream) => {
        s.on('error', reject);
        readAll(s).then(resolve, reject);
      });
    });
    const s = pair.client.open();
    s.on('error', () => {});
    const started = Date.now();
    await within(writeAll(s, data, 256 * 1024), 20_000, 'sending 32 MiB');
    const back = await within(got, 20_000, 'receiving 32 MiB');
    assert.equal(back.length, data.length);
    assert.equal(sha256(back), sha256(data));
    assert.ok(Date.now() - started < 20_000);
  } finally {
    await pair.close();
  }
});

test('server-opened streams use even ids and work both ways', async () => {
  const pair = await sessionPair();
  try {
    pair.client.on('stream', echo);
    const s = pair.server.open();
    assert.equal(s.id, 2);
    assert.equal(pair.server.open().id, 4);
    const data = patternBytes(100_000, 5);
    const [back] = await within(Promise.all([readAll(s), writeAll(s, data)]), 10_000, 'echo via server-opened stream');
    assert.ok(back.equals(data));
  } finally {
    await pair.close();
  }
});

test('data written right after open() arrives with the SYN, before any ACK', async () => {
  const pair = await sessionPair();
  try {
    const got = new Promise<Buffer>((resolve, reject) =>
      pair.server.once('stream', (s: MuxStream) => {
        readAll(s).then(resolve, reject);
      }),
    );
    const s = pair.client.open();
    s.end('hello right away');
    assert.equal((await within(got, 5000, 'early data')).toString(), 'hello right away');
  } finally {
    await pair.close();
  }
});

test('a paused consumer on one stream does not block another; its sender stops at the window', async () => {
  const pair = await sessionPair();
  try {
    const accepted: MuxStream[] = [];
    pair.server.on('stream', (s: MuxStream) => {
      s.on('error', () => {});
      accepted.push(s);
    });
    const slow = pair.client.open();
    slow.on('error', () => {});
    // Push up to 32 MiB into the slow stream, honouring backpressure; count what the mux took.
    let handedOver = 0;
    let stopWriting = false;
    const chunk = patternBytes(64 * 1024, 3);
    const writer = (async () => {
      for (let i = 0; i < 512 && !stopWriting; i++) {
        const ok = slow.write(chunk, () => (handedOver += chunk.length));
        if (!ok) await Promise.race([once(slow, 'drain'), delay(200)]);
      }
    })();
    await waitFor(() => accepted.length === 1, 'slow stream accepted');
    const slowPeer = accepted[0]!; // never read: paused

    // Meanwhile another stream completes an echo of 1 MiB.
    const fast = pair.client.open();
    await waitFor(() => accepted.length === 2, 'fast stream accepted');
    accepted[1]!.pipe(accepted[1]!);
    const data = patternBytes(1024 * 1024, 8);
    const [back] = await within(
      Promise.all([readAll(fast), writeAll(fast, data)]),
      10_000,
      'fast stream while slow one is paused',
    );
    assert.equal(sha256(back), sha256(data));

    // The slow stream's sender is stuck at the 6 MiB window: bounded in flight and in its own buffer.
    await waitFor(() => handedOver >= DEFAULT_MAX_STREAM_WINDOW - chunk.length, 'sender reaching the window');
    await delay(200);
    assert.ok(handedOver <= DEFAULT_MAX_STREAM_WINDOW, `handed over ${handedOver} > window`);
    assert.ok(
      slow.writableLength <= STREAM_WRITABLE_HIGH_WATER_MARK + chunk.length,
      `sender buffered ${slow.writableLength}`,
    );
    assert.ok(slowPeer.readableLength <= DEFAULT_MAX_STREAM_WINDOW, `receiver buffered ${slowPeer.readableLength}`);
    assert.equal(slowPeer.readableFlowing, null);

    // Resume: everything flows again.
    stopWriting = true;
    await writer;
    const total = handedOver + slow.writableLength;
    slow.end();
    const rest = await within(readAll(slowPeer), 10_000, 'draining the slow stream');
    assert.ok(rest.length >= total - chunk.length && rest.length % chunk.length === 0, `got ${rest.length}`);
  } finally {
    await pair.close();
  }
});

test('half-close both ways: each side reads the other to the end, then the stream is forgotten', async () => {
  const pair = await sessionPair();
  try {
    const serverSide = new Promise<MuxStream>((resolve) => pair.server.once('stream', resolve));
    const c = pair.client.open();
    c.end('from client');
    const s = await within(serverSide, 5000, 'accept');
    assert.equal((await readAll(s)).toString(), 'from client');
    // The client's write side is closed but it can still read.
    assert.equal(pair.client.numStreams, 1);
    s.write('from server, ');
    s.end('after the client FIN');
    assert.equal((await readAll(c)).toString(), 'from server, after the client FIN');
    await waitFor(() => pair.client.numStreams === 0 && pair.server.numStreams === 0, 'stream forgotten on both sides');
    await waitFor(() => c.destroyed && s.destroyed, 'both Duplexes auto-destroyed');
  } finally {
    await pair.close();
  }
});

test('half-close from the acceptor first', async () => {
  const pair = await sessionPair();
  try {
    let late: Promise<Buffer> | undefined;
    pair.server.once('stream', (s: MuxStream) => {
      s.end('bye first');
      late = readAll(s);
    });
    const c = pair.client.open();
    assert.equal((await within(readAll(c), 5000, 'server data')).toString(), 'bye first');
    c.end('late reply');
    await waitFor(() => pair.client.numStreams === 0 && pair.server.numStreams === 0, 'forgotten');
    assert.equal(
      (await within(late ?? Promise.reject(new Error('no stream')), 5000, 'late reply')).toString(),
      'late reply',
    );
  } finally {
    await pair.close();
  }
});

test('destroy() sends RST: the peer stream fails with BurrowError(MUX_STREAM_RESET)', async () => {
  const pair = await sessionPair();
  try {
    const serverSide = new Promise<MuxStream>((resolve) => pair.server.once('stream', resolve));
    const c = pair.client.open();
    c.write('x');
    const s = await serverSide;
    const failed = once(s, 'error') as Promise<[Error]>;
    c.destroy();
    const [err] = await within(failed, 5000, 'reset on peer');
    assert.ok(isBurrowError(err, ErrorCode.MUX_STREAM_RESET));
    assert.match(err.message, /stream 1 reset by peer/);
    await waitFor(() => pair.client.numStreams === 0 && pair.server.numStreams === 0, 'forgotten');
    // The session itself is fine.
    assert.ok((await pair.client.ping()) >= 0);
  } finally {
    await pair.close();
  }
});

test('writes to a stream reset by the peer fail; the sender sees the error', async () => {
  const pair = await sessionPair();
  try {
    pair.server.once('stream', (s: MuxStream) => s.destroy());
    const c = pair.client.open();
    const failed = once(c, 'error') as Promise<[Error]>;
    c.write('hello');
    const [err] = await within(failed, 5000, 'reset');
    assert.match(err.message, /reset by peer/);
  } finally {
    await pair.close();
  }
});

test('go away: open() then throws BurrowError(MUX_REMOTE_GO_AWAY); existing streams continue', async () => {
  const pair = await sessionPair();
  try {
    pair.server.on('stream', echo);
    const before = pair.client.open();
    await waitFor(() => pair.server.numStreams === 1, 'accepted');
    pair.server.goAway();
    // Wait for the go away to arrive (a ping after it is answered after it).
    await pair.client.ping();
    assert.throws(
      () => pair.client.open(),
      (err: unknown) => isBurrowError(err, ErrorCode.MUX_REMOTE_GO_AWAY) && /go away/.test(err.message),
    );
    const [back] = await Promise.all([readAll(before), writeAll(before, Buffer.from('still works'))]);
    assert.equal(back.toString(), 'still works');
    assert.equal(pair.client.isClosed, false);
  } finally {
    await pair.close();
  }
});

test('after our own go away, new incoming streams get RST', async () => {
  const pair = await sessionPair();
  try {
    let accepted = 0;
    pair.server.on('stream', () => accepted++);
    pair.server.goAway(GoAwayCode.Normal);
    // Opened before the client has read the go away: the server refuses it with RST.
    const s = pair.client.open();
    const [err] = (await within(once(s, 'error'), 5000, 'RST for stream opened across go away')) as [Error];
    assert.match(err.message, /stream 1 reset by peer/);
    assert.equal(accepted, 0);
    assert.throws(
      () => pair.client.open(),
      (e: unknown) => isBurrowError(e, ErrorCode.MUX_REMOTE_GO_AWAY),
    );
    assert.equal(pair.client.numStreams, 0);
    assert.equal(pair.server.numStreams, 0);
  } finally {
    await pair.close();
  }
});

test('ping() resolves with a round trip in ms, many at once', async () => {
  const pair = await sessionPair();
  try {
    const rtts = await within(Promise.all(Array.from({ length: 20 }, () => pair.client.ping())), 5000, 'pings');
    for (const rtt of rtts) assert.ok(rtt >= 0 && rtt < 5000);
    assert.ok((await pair.server.ping()) >= 0);
  } finally {
    await pair.close();
  }
});

test('keepalive pings are answered and keep the session open', async () => {
  const pair = await sessionPair(
    { keepaliveIntervalMs: 20, connectionWriteTimeoutMs: 1000 },
    { keepaliveIntervalMs: 20 },
  );
  try {
    await delay(200);
    assert.equal(pair.client.isClosed, false);
    assert.equal(pair.server.isClosed, false);
  } finally {
    await pair.close();
  }
});

test('close() destroys streams, emits close once, and the peer session closes too', async () => {
  const pair = await sessionPair();
  try {
    const serverSide = new Promise<MuxStream>((resolve) => pair.server.once('stream', resolve));
    const c = pair.client.open();
    c.on('error', () => {});
    c.write('x');
    const s = await serverSide;
    const sErr = once(s, 'error') as Promise<[Error]>;
    let closes = 0;
    pair.client.on('close', () => closes++);
    const serverClosed = closed(pair.server);
    pair.client.close();
    pair.client.close();
    assert.equal(pair.client.isClosed, true);
    assert.throws(
      () => pair.client.open(),
      (err: unknown) => isBurrowError(err, ErrorCode.CLOSED),
    );
    await assert.rejects(pair.client.ping(), (err: unknown) => isBurrowError(err, ErrorCode.CLOSED));
    const err = await within(serverClosed, 5000, 'peer session close');
    assert.ok(isBurrowError(err, ErrorCode.MUX_SESSION_SHUTDOWN));
    assert.match(err!.message, /session closed/);
    const [streamErr] = await sErr;
    assert.ok(isBurrowError(streamErr, ErrorCode.MUX_SESSION_SHUTDOWN));
    assert.match(streamErr.message, /session closed/);
    await delay(20);
    assert.equal(closes, 1);
    assert.equal(c.destroyed, true);
  } finally {
    await pair.close();
  }
});

test('close(err) destroys open streams with that error', async () => {
  const pair = await sessionPair();
  try {
    const c = pair.client.open();
    const failed = once(c, 'error') as Promise<[Error]>;
    const why = new Error('shutting down for test');
    const closeErr = closed(pair.client);
    pair.client.close(why);
    assert.equal((await failed)[0], why);
    assert.equal(await closeErr, why);
  } finally {
    await pair.close();
  }
});

test('a stream whose both sides finished just ends when the session closes', async () => {
  const pair = await sessionPair();
  try {
    pair.server.on('stream', echo);
    const c = pair.client.open();
    const [back] = await Promise.all([readAll(c), writeAll(c, Buffer.from('done'))]);
    assert.equal(back.toString(), 'done');
    let errored = false;
    c.on('error', () => (errored = true));
    pair.client.close(new Error('late'));
    await delay(20);
    assert.equal(errored, false);
  } finally {
    await pair.close();
  }
});
