// A Session against a hand-driven raw peer: protocol errors, go-away codes, timeouts, backlog, limits.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { ErrorCode, isBurrowError } from '../../src/errors.js';
import { DEFAULT_MAX_STREAM_WINDOW, Flag, FrameType, GoAwayCode, INITIAL_STREAM_WINDOW } from '../../src/mux/const.js';
import { encodeHeader } from '../../src/mux/frame.js';
import { Session } from '../../src/mux/session.js';
import type { MuxStream } from '../../src/mux/stream.js';
import { closed, delay, patternBytes, rawPeer, readAll, waitFor, within } from './helpers.js';

const GRANT = DEFAULT_MAX_STREAM_WINDOW - INITIAL_STREAM_WINDOW;
const syn = (id: number, grant = 0) => encodeHeader(FrameType.WindowUpdate, Flag.SYN, id, grant);
const data = (id: number, payload: Buffer, flags = 0) =>
  Buffer.concat([encodeHeader(FrameType.Data, flags, id, payload.length), payload]);

test('a peer sending more than the window gets GoAway(1) and the session closes', async () => {
  const peer = await rawPeer();
  try {
    peer.session.on('stream', (s: MuxStream) => s.on('error', () => {})); // accepted, never read
    const why = closed(peer.session);
    peer.socket.write(syn(1));
    await waitFor(() => peer.frames.some((f) => f.flags === Flag.ACK), 'the ACK');
    const ack = peer.frames.find((f) => f.flags === Flag.ACK)!;
    assert.deepEqual([ack.type, ack.streamId, ack.length], [FrameType.WindowUpdate, 1, GRANT]);
    // Fill the whole 6 MiB window legally, then one byte more.
    const big = patternBytes(1024 * 1024, 1);
    for (let i = 0; i < 6; i++) peer.socket.write(data(1, big));
    peer.socket.write(data(1, Buffer.from('!')));
    const err = await within(why, 5000, 'session close');
    assert.ok(isBurrowError(err, ErrorCode.MUX_WINDOW_EXCEEDED));
    assert.match(err!.message, /receive window exceeded: expected at most 0 bytes, got a 1-byte data frame/);
    await within(once(peer.socket, 'end'), 5000, 'conn end');
    const goAway = peer.frames.find((f) => f.type === FrameType.GoAway);
    assert.deepEqual(goAway && [goAway.streamId, goAway.length], [0, GoAwayCode.ProtocolError]);
  } finally {
    await peer.close();
  }
});

test('an oversized data header is refused before its payload is buffered', async () => {
  const peer = await rawPeer();
  try {
    peer.session.on('stream', (s: MuxStream) => s.on('error', () => {}));
    const why = closed(peer.session);
    // Only the header of a 7 MiB frame: the error must not wait for (or buffer) the payload.
    peer.socket.write(Buffer.concat([syn(1), encodeHeader(FrameType.Data, 0, 1, 7 * 1024 * 1024)]));
    const err = await within(why, 5000, 'session close');
    assert.match(err!.message, /got a 7340032-byte data frame/);
    await waitFor(() => peer.frames.some((f) => f.type === FrameType.GoAway && f.length === 1), 'GoAway(1)');
  } finally {
    await peer.close();
  }
});

test('garbage (bad version) closes with BurrowError(MUX_NOT_YAMUX_PEER); the server still accepts new sessions', async () => {
  const listener = net.createServer();
  const sessions: Session[] = [];
  const closes: Array<Promise<Error | undefined>> = [];
  listener.on('connection', (sock) => {
    const s = new Session(sock, { client: false, keepaliveIntervalMs: 0 });
    s.on('stream', (st: MuxStream) => st.pipe(st));
    sessions.push(s);
    closes.push(closed(s));
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as net.AddressInfo).port;
  let good: Session | undefined;
  try {
    const raw = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    raw.on('data', (c: Buffer) => got.push(c));
    raw.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await within(once(raw, 'end'), 5000, 'garbage conn closed');
    const err = await closes[0]!;
    assert.ok(isBurrowError(err, ErrorCode.MUX_NOT_YAMUX_PEER));
    assert.match(err!.message, /expected version 0, got 71 \(header bytes 47 45 54 20/);
    assert.equal(Buffer.concat(got).toString('hex'), '000300000000000000000001'); // GoAway(ProtocolError)
    raw.destroy();

    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    good = new Session(sock, { client: true, keepaliveIntervalMs: 0 });
    assert.ok((await within(good.ping(), 5000, 'ping on a new session')) >= 0);
    const st = good.open();
    const back = readAll(st);
    st.end('still serving');
    assert.equal((await within(back, 5000, 'echo')).toString(), 'still serving');
    assert.equal(sessions.length, 2);
  } finally {
    good?.close();
    for (const s of sessions) s.close();
    listener.close();
    await once(listener, 'close');
  }
});

test('an unknown frame type closes with GoAway(1), naming the type', async () => {
  const peer = await rawPeer();
  try {
    const why = closed(peer.session);
    peer.socket.write(Buffer.from('000700000000000100000000', 'hex'));
    const err = await within(why, 5000, 'close');
    assert.ok(isBurrowError(err, ErrorCode.MUX_INVALID_MSG_TYPE));
    assert.match(err!.message, /expected frame type 0\.\.3, got 7/);
    await waitFor(
      () => peer.frames.some((f) => f.type === FrameType.GoAway && f.length === GoAwayCode.ProtocolError),
      'GoAway(1)',
    );
  } finally {
    await peer.close();
  }
});

test('a SYN for a stream id already open is a protocol error', async () => {
  const peer = await rawPeer();
  try {
    peer.session.on('stream', (s: MuxStream) => s.on('error', () => {}));
    const why = closed(peer.session);
    peer.socket.write(Buffer.concat([syn(1), syn(1)]));
    const err = await within(why, 5000, 'close');
    assert.ok(isBurrowError(err, ErrorCode.MUX_DUPLICATE_STREAM));
    assert.match(err!.message, /peer opened stream 1, which is already open/);
  } finally {
    await peer.close();
  }
});

test('a SYN with our own parity is a protocol error', async () => {
  const peer = await rawPeer();
  try {
    const why = closed(peer.session);
    peer.socket.write(syn(2)); // the session is the server: peer must use odd ids
    const err = await within(why, 5000, 'close');
    assert.ok(isBurrowError(err, ErrorCode.MUX_INVALID_STREAM_ID));
    assert.match(err!.message, /peer opened stream 2, expected an odd id/);
  } finally {
    await peer.close();
  }
});

test('frames for unknown streams are ignored: data, window updates, RST, FIN', async () => {
  const peer = await rawPeer();
  try {
    peer.socket.write(
      Buffer.concat([
        data(41, patternBytes(5000, 2)),
        encodeHeader(FrameType.WindowUpdate, 0, 43, 1000),
        encodeHeader(FrameType.WindowUpdate, Flag.RST, 45, 0),
        encodeHeader(FrameType.WindowUpdate, Flag.FIN, 47, 0),
        encodeHeader(FrameType.Ping, Flag.SYN, 0, 99),
      ]),
    );
    await waitFor(
      () => peer.frames.some((f) => f.type === FrameType.Ping && f.flags === Flag.ACK && f.length === 99),
      'ping reply',
    );
    assert.equal(peer.session.isClosed, false);
    assert.equal(peer.session.numStreams, 0);
  } finally {
    await peer.close();
  }
});

test('data for a recently closed stream is ignored', async () => {
  const peer = await rawPeer();
  try {
    const streams: MuxStream[] = [];
    peer.session.on('stream', (s: MuxStream) => {
      s.on('error', () => {});
      streams.push(s);
    });
    peer.socket.write(Buffer.concat([syn(1), data(1, Buffer.from('abc'))]));
    await waitFor(() => streams.length === 1, 'accepted');
    streams[0]!.destroy();
    await waitFor(() => peer.frames.some((f) => f.flags === Flag.RST && f.streamId === 1), 'RST');
    peer.socket.write(Buffer.concat([data(1, Buffer.from('late')), encodeHeader(FrameType.Ping, Flag.SYN, 0, 5)]));
    await waitFor(() => peer.frames.some((f) => f.type === FrameType.Ping && f.length === 5), 'ping reply');
    assert.equal(peer.session.isClosed, false);
  } finally {
    await peer.close();
  }
});

test('a ping from the peer is answered with ACK echoing its id', async () => {
  const peer = await rawPeer();
  try {
    peer.socket.write(encodeHeader(FrameType.Ping, Flag.SYN, 0, 0xabcdef));
    await waitFor(() => peer.frames.length > 0, 'reply');
    assert.equal(Buffer.concat(peer.received).subarray(0, 12).toString('hex'), '000200020000000000abcdef');
  } finally {
    await peer.close();
  }
});

test('keepalive: pings with SYN; a peer that never answers gets the session closed with TIMEOUT', async () => {
  const peer = await rawPeer({ keepaliveIntervalMs: 50, connectionWriteTimeoutMs: 100 });
  try {
    const started = Date.now();
    const err = await within(closed(peer.session), 5000, 'keepalive close');
    assert.ok(isBurrowError(err, ErrorCode.TIMEOUT));
    assert.match(err!.message, /keepalive failed: yamux ping: no reply within 100 ms/);
    assert.ok(Date.now() - started >= 140);
    const pings = peer.frames.filter((f) => f.type === FrameType.Ping);
    assert.ok(pings.length >= 1);
    assert.deepEqual([pings[0]!.flags, pings[0]!.streamId, pings[0]!.length], [Flag.SYN, 0, 0]);
  } finally {
    await peer.close();
  }
});

test('keepalive answered by the peer keeps the session open', async () => {
  const peer = await rawPeer({ keepaliveIntervalMs: 30, connectionWriteTimeoutMs: 100 });
  try {
    let answered = 0;
    const timer = setInterval(() => {
      const pings = peer.frames.filter((f) => f.type === FrameType.Ping && f.flags === Flag.SYN);
      for (const p of pings.slice(answered)) peer.socket.write(encodeHeader(FrameType.Ping, Flag.ACK, 0, p.length));
      answered = pings.length;
    }, 5);
    await delay(400);
    clearInterval(timer);
    assert.equal(peer.session.isClosed, false);
    assert.ok(answered >= 3, `answered ${answered}`);
  } finally {
    await peer.close();
  }
});

test('ping() rejects with TIMEOUT when unanswered but leaves the session open', async () => {
  const peer = await rawPeer({ connectionWriteTimeoutMs: 50 });
  try {
    await assert.rejects(peer.session.ping(), (err: unknown) => isBurrowError(err, ErrorCode.TIMEOUT));
    assert.equal(peer.session.isClosed, false);
  } finally {
    await peer.close();
  }
});

test('GoAway(0) from the peer: open() throws; GoAway(1)/(2) close the session', async () => {
  const peer = await rawPeer({}, true);
  try {
    peer.socket.write(
      Buffer.concat([encodeHeader(FrameType.GoAway, 0, 0, 0), encodeHeader(FrameType.Ping, Flag.SYN, 0, 1)]),
    );
    await waitFor(() => peer.frames.some((f) => f.type === FrameType.Ping), 'ping reply after go away');
    assert.throws(
      () => peer.session.open(),
      (err: unknown) => isBurrowError(err, ErrorCode.MUX_REMOTE_GO_AWAY) && /peer sent go away/.test(err.message),
    );
    assert.equal(peer.session.isClosed, false);
    const why = closed(peer.session);
    peer.socket.write(encodeHeader(FrameType.GoAway, 0, 0, GoAwayCode.InternalError));
    const err = await within(why, 5000, 'close');
    assert.match(err!.message, /peer sent go away 2 \(internal error\)/);
  } finally {
    await peer.close();
  }
});

test('backlog: SYNs wait (no ACK) until a listener attaches; beyond the backlog they get RST', async () => {
  const peer = await rawPeer({ acceptBacklog: 2 });
  try {
    peer.socket.write(Buffer.concat([syn(1), data(1, Buffer.from('one')), syn(3), syn(5)]));
    await waitFor(() => peer.frames.some((f) => f.flags === Flag.RST), 'RST');
    assert.deepEqual(
      peer.frames.map((f) => [f.flags, f.streamId]),
      [[Flag.RST, 5]],
    );
    assert.equal(peer.session.numStreams, 2);
    const got: MuxStream[] = [];
    const first = new Promise<string>((resolve) =>
      peer.session.on('stream', (s: MuxStream) => {
        got.push(s);
        if (s.id === 1) s.once('data', (c: Buffer) => resolve(c.toString()));
      }),
    );
    assert.equal(await within(first, 5000, 'queued data'), 'one');
    await waitFor(() => peer.frames.filter((f) => f.flags === Flag.ACK).length === 2, 'ACKs');
    assert.deepEqual(
      got.map((s) => s.id),
      [1, 3],
    );
    assert.deepEqual(
      peer.frames.filter((f) => f.flags === Flag.ACK).map((f) => [f.streamId, f.length]),
      [
        [1, GRANT],
        [3, GRANT],
      ],
    );
  } finally {
    await peer.close();
  }
});

test('maxStreams: SYNs beyond it get RST and open() throws', async () => {
  const peer = await rawPeer({ maxStreams: 2 });
  try {
    peer.session.on('stream', () => {});
    peer.socket.write(Buffer.concat([syn(1), syn(3), syn(5)]));
    await waitFor(() => peer.frames.some((f) => f.flags === Flag.RST), 'RST');
    assert.deepEqual(
      peer.frames.filter((f) => f.flags === Flag.RST).map((f) => f.streamId),
      [5],
    );
    assert.throws(
      () => peer.session.open(),
      (err: unknown) => isBurrowError(err, ErrorCode.MUX_TOO_MANY_STREAMS) && /2 streams are open/.test(err.message),
    );
  } finally {
    await peer.close();
  }
});

test('stream open timeout: no ACK closes the session with TIMEOUT', async () => {
  const peer = await rawPeer({ streamOpenTimeoutMs: 80 }, true);
  try {
    const s = peer.session.open();
    s.on('error', () => {});
    assert.equal(s.id, 1);
    const err = await within(closed(peer.session), 5000, 'open timeout');
    assert.ok(isBurrowError(err, ErrorCode.TIMEOUT));
    assert.match(err!.message, /stream 1: no ACK from the peer within 80 ms/);
  } finally {
    await peer.close();
  }
});

test('an ACK in time cancels the open timeout', async () => {
  const peer = await rawPeer({ streamOpenTimeoutMs: 80 }, true);
  try {
    const s = peer.session.open();
    peer.socket.write(encodeHeader(FrameType.WindowUpdate, Flag.ACK, 1, GRANT));
    await delay(200);
    assert.equal(peer.session.isClosed, false);
    assert.equal(s.destroyed, false);
  } finally {
    await peer.close();
  }
});

test('stream close timeout: after our FIN, a silent peer gets RST and the stream is dropped', async () => {
  const peer = await rawPeer({ streamCloseTimeoutMs: 80 }, true);
  try {
    const s = peer.session.open();
    peer.socket.write(encodeHeader(FrameType.WindowUpdate, Flag.ACK, 1, GRANT));
    const failed = once(s, 'error') as Promise<[Error]>;
    s.end('last words');
    const [err] = await within(failed, 5000, 'close timeout');
    assert.ok(isBurrowError(err, ErrorCode.TIMEOUT));
    assert.match(err.message, /peer did not close its side within 80 ms/);
    await waitFor(() => peer.frames.some((f) => f.flags === Flag.RST), 'the RST');
    const mine = peer.frames.filter((f) => f.streamId === 1).map((f) => [f.type, f.flags]);
    assert.deepEqual(mine, [
      [FrameType.WindowUpdate, Flag.SYN],
      [FrameType.Data, 0],
      [FrameType.WindowUpdate, Flag.FIN],
      [FrameType.WindowUpdate, Flag.RST],
    ]);
    assert.equal(peer.session.numStreams, 0);
    assert.equal(peer.session.isClosed, false);
  } finally {
    await peer.close();
  }
});

test('FIN with data: the payload is delivered before the end', async () => {
  const peer = await rawPeer();
  try {
    const got = new Promise<string>((resolve, reject) =>
      peer.session.on('stream', (s: MuxStream) => {
        readAll(s).then((b) => resolve(b.toString()), reject);
      }),
    );
    peer.socket.write(Buffer.concat([syn(1), data(1, Buffer.from('all at once'), Flag.FIN)]));
    assert.equal(await within(got, 5000, 'data + FIN'), 'all at once');
  } finally {
    await peer.close();
  }
});

test('SYN carried on a Data frame with payload counts against the initial window', async () => {
  const peer = await rawPeer();
  try {
    const got = new Promise<string>((resolve, reject) =>
      peer.session.on('stream', (s: MuxStream) => {
        readAll(s).then((b) => resolve(b.toString()), reject);
      }),
    );
    peer.socket.write(
      Buffer.concat([data(1, Buffer.from('syn+data'), Flag.SYN), encodeHeader(FrameType.WindowUpdate, Flag.FIN, 1, 0)]),
    );
    assert.equal(await within(got, 5000, 'syn data'), 'syn+data');
  } finally {
    await peer.close();
  }
});

test('headers split across TCP writes, one byte at a time', async () => {
  const peer = await rawPeer();
  try {
    const got = new Promise<string>((resolve, reject) =>
      peer.session.on('stream', (s: MuxStream) => {
        readAll(s).then((b) => resolve(b.toString()), reject);
      }),
    );
    const bytes = Buffer.concat([
      syn(1),
      data(1, Buffer.from('slow')),
      encodeHeader(FrameType.WindowUpdate, Flag.FIN, 1, 0),
    ]);
    for (let i = 0; i < bytes.length; i++) {
      peer.socket.write(bytes.subarray(i, i + 1));
      await delay(1);
    }
    assert.equal(await within(got, 5000, 'split frames'), 'slow');
  } finally {
    await peer.close();
  }
});

test('the conn ending destroys open streams with BurrowError(MUX_SESSION_SHUTDOWN)', async () => {
  const peer = await rawPeer();
  try {
    const streams: MuxStream[] = [];
    peer.session.on('stream', (s: MuxStream) => streams.push(s));
    peer.socket.write(syn(1));
    await waitFor(() => streams.length === 1, 'accepted');
    const failed = once(streams[0]!, 'error') as Promise<[Error]>;
    const why = closed(peer.session);
    peer.socket.end();
    const [err] = await within(failed, 5000, 'stream error');
    assert.ok(isBurrowError(err, ErrorCode.MUX_SESSION_SHUTDOWN));
    assert.match(err.message, /session closed: connection ended by peer/);
    assert.match((await why)!.message, /connection ended by peer/);
  } finally {
    await peer.close();
  }
});

test('window updates follow consumption: none while the reader holds the data, one once it reads', async () => {
  const peer = await rawPeer();
  try {
    const streams: MuxStream[] = [];
    peer.session.on('stream', (s: MuxStream) => streams.push(s));
    peer.socket.write(syn(1));
    await waitFor(() => streams.length === 1, 'accepted');
    const s = streams[0]!;
    const half = patternBytes(DEFAULT_MAX_STREAM_WINDOW / 2 + 1000, 4);
    peer.socket.write(data(1, half));
    await waitFor(() => s.readableLength === half.length, 'all buffered');
    await delay(50);
    const updates = () =>
      peer.frames.filter((f) => f.type === FrameType.WindowUpdate && f.flags === 0 && f.streamId === 1);
    assert.equal(updates().length, 0, 'no update while unread');
    s.resume();
    await waitFor(() => updates().length === 1, 'update after reading');
    assert.equal(updates()[0]!.length, half.length);
  } finally {
    await peer.close();
  }
});

test('closing with streams still in the backlog does not emit errors nobody listens for', async () => {
  const peer = await rawPeer();
  try {
    peer.socket.write(Buffer.concat([syn(1), data(1, Buffer.from('queued'))]));
    await waitFor(() => peer.session.numStreams === 1, 'queued');
    peer.session.close(new Error('bye'));
    await delay(20); // an unhandled stream 'error' would fail the test run
    assert.equal(peer.session.numStreams, 0);
  } finally {
    await peer.close();
  }
});
